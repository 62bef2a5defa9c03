"""`make forget SENDER=...`: a visitor's conversation can be deleted from the tracker store, and only theirs."""
from __future__ import annotations

import sqlite3
import subprocess
import sys

from actions.answer_book import AnswerBook
from tests.assistant import RunningAssistant, reply_text
from tools.servers import PROJECT_DIR


def stored_events(assistant: RunningAssistant, sender: str) -> int:
    with sqlite3.connect(assistant.work_dir / "rasa.db") as db:
        return db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def test_forgetting_a_conversation_deletes_all_its_events_and_nothing_else(
    assistant: RunningAssistant, answer_book: AnswerBook
) -> None:
    assistant.ask("forget-me", "my email is jane@example.com, is ldn addictive?")
    assistant.ask("forget-me", "thanks")
    assistant.ask("keep-me", "is ldn addictive?")
    kept_before = stored_events(assistant, "keep-me")
    assert stored_events(assistant, "forget-me") > 0 and kept_before > 0

    result = subprocess.run(
        [sys.executable, "-m", "tools.forget_conversation", "forget-me", "--endpoints", str(assistant.work_dir / "endpoints.yml")],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Deleted" in result.stdout and "'forget-me'" in result.stdout
    assert stored_events(assistant, "forget-me") == 0
    assert stored_events(assistant, "keep-me") == kept_before
    # the visitor can start again; the server does not bring the old conversation back
    assert answer_book.answers["ask_weight"].text in reply_text(assistant.ask("forget-me", "does ldn cause weight gain"))
    with sqlite3.connect(assistant.work_dir / "rasa.db") as db:
        texts = [row[0] for row in db.execute("SELECT data FROM events WHERE sender_id = 'forget-me'")]
    assert not any("jane@example.com" in text for text in texts)
