"""`make forget SENDER=...`: a visitor's conversation can be deleted from the tracker store, and only theirs."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from answer_book.model import AnswerBook
from stores.sms_store import SmsStore
from runtime.stack import RunningAssistant, reply_text, rest_conversation_id
from tools.forget_conversation import forget_sms
from runtime.servers import PROJECT_DIR


def stored_events(assistant: RunningAssistant, sender: str) -> int:
    """The stored events of a REST sender's conversation."""
    with sqlite3.connect(assistant.work_dir / "rasa.db") as db:
        return db.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ?", (rest_conversation_id(sender),)
        ).fetchone()[0]


def test_forgetting_a_conversation_deletes_all_its_events_and_nothing_else(
    assistant: RunningAssistant, answer_book: AnswerBook
) -> None:
    assistant.ask("forget-me", "my email is jane@example.com, is ldn addictive?")
    assistant.ask("forget-me", "thanks")
    assistant.ask("keep-me", "is ldn addictive?")
    kept_before = stored_events(assistant, "keep-me")
    assert stored_events(assistant, "forget-me") > 0 and kept_before > 0

    result = subprocess.run(
        [sys.executable, "-m", "tools.forget_conversation", "forget-me", "--endpoints", str(assistant.work_dir / "endpoints.yml"),
         "--sms-store", str(assistant.work_dir / "no-sms.db")],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Deleted" in result.stdout and "'forget-me'" in result.stdout
    assert stored_events(assistant, "forget-me") == 0
    assert stored_events(assistant, "keep-me") == kept_before
    # the visitor can start again; the server does not bring the old conversation back
    assert answer_book.answers["ask_weight"].text in reply_text(assistant.ask("forget-me", "does ldn cause weight gain"))
    with sqlite3.connect(assistant.work_dir / "rasa.db") as db:
        texts = [row[0] for row in db.execute("SELECT data FROM events WHERE sender_id = 'rest:forget-me'")]
    assert not any("jane@example.com" in text for text in texts)


def test_forgetting_an_sms_conversation_keeps_only_the_opt_out(tmp_path: Path) -> None:
    store = SmsStore(tmp_path / "sms.db")
    for phone in ("+18505550111", "+18505550122"):
        store.set_options(phone, ["/ask_dose"])
        store.claim_delivery(f"SM-{phone}", phone)
        store.finish_delivery(f"SM-{phone}", "<Response/>")
    store.opt_out("+18505550111")
    assert forget_sms("+18505550111", str(tmp_path / "sms.db")) == 2
    assert store.option("+18505550111", 1) is None and store.delivery_reply("SM-+18505550111") is None
    assert store.is_opted_out("+18505550111")  # STOP is still honoured
    assert store.option("+18505550122", 1) == "/ask_dose"  # other numbers untouched
