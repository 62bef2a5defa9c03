"""Nothing is lost when something restarts, fails or gets busy (bad requests: test_rest_end_to_end.py).

- the Rasa server restarts mid-conversation: the conversation continues in the same session;
- 20 conversations at once: each gets the answers to its own questions, nothing dropped;
- the SQLite tracker store is locked by another process: the visitor still gets a reply in
  time, the error is logged, and the server serves again once the lock is gone.
"""
from __future__ import annotations

import json
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import requests
import yaml

from answer_book.model import AnswerBook
from runtime.stack import RunningAssistant, reply_text, rest_conversation_id, start_assistant

PROJECT_DIR = Path(__file__).resolve().parent.parent
TOKEN = "resilience-test-token"
REST_REPLY_TIMEOUT = float(
    yaml.safe_load((PROJECT_DIR / "credentials.yml").read_text())["channels.rest.ClinicRestInput"]["reply_timeout_seconds"]
)


def first_examples() -> Dict[str, str]:
    """One training example per FAQ intent (the model knows these), for checking who got what."""
    examples = {}
    for path in sorted((PROJECT_DIR / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if block.get("intent", "").startswith("ask_"):
                examples[block["intent"]] = block["examples"].splitlines()[0].lstrip("- ").strip()
    return examples


@pytest.fixture()
def own_assistant(tmp_path: Path) -> Iterator[RunningAssistant]:
    """Both servers just for this test (own SQLite file); the Rasa HTTP API on, with a token."""
    running = start_assistant(tmp_path, rasa_args=("--enable-api", "--auth-token", TOKEN))
    yield running
    running.stop()


def tracker_events(assistant: RunningAssistant, sender: str) -> List[Dict[str, Any]]:
    response = requests.get(
        f"{assistant.rasa.url}/conversations/{rest_conversation_id(sender)}/tracker", params={"token": TOKEN}, timeout=30
    )
    assert response.status_code == 200, response.text[:300]
    return response.json()["events"]


def test_a_conversation_continues_with_its_history_after_a_restart(
    own_assistant: RunningAssistant, answer_book: AnswerBook
) -> None:
    before = ["hello", "is ldn addictive?"]
    for text in before:
        assert own_assistant.ask("restarted-visitor", text)
    own_assistant.restart_rasa()

    messages = own_assistant.ask("restarted-visitor", "does ldn cause weight gain")
    assert answer_book.answers["ask_weight"].text in reply_text(messages)
    events = tracker_events(own_assistant, "restarted-visitor")
    assert [event["text"] for event in events if event["event"] == "user"] == before + ["does ldn cause weight gain"]
    assert [event["event"] for event in events].count("session_started") == 1, "the restart began a new session"
    bot_texts = [event.get("text") or "" for event in events if event["event"] == "bot"]
    assert any(answer_book.answers["ask_addictive"].text in text for text in bot_texts), "lost a reply from before"


def test_twenty_interleaved_conversations_each_get_their_own_answers(
    assistant: RunningAssistant, answer_book: AnswerBook
) -> None:
    examples = first_examples()
    intents = sorted(examples)
    assert len(intents) >= 20
    plans = {f"crowd-{n}": [intents[(n + step * 7) % len(intents)] for step in range(3)] for n in range(20)}

    def converse(sender: str) -> List[Tuple[str, List[Dict[str, Any]]]]:
        return [(intent, assistant.ask(sender, examples[intent])) for intent in plans[sender]]

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = dict(zip(plans, pool.map(converse, plans)))

    for sender, turns in results.items():
        assert len(turns) == 3
        for intent, messages in turns:
            assert messages, f"{sender} got no reply to {intent}"
            assert {message["recipient_id"] for message in messages} == {sender}, "a reply went to someone else"
            assert answer_book.answers[intent].text in reply_text(messages), f"{sender} asked {intent}"
        events = tracker_events_from_store(assistant, sender)
        assert events == [examples[intent] for intent in plans[sender]], f"{sender}'s stored history"


def tracker_events_from_store(assistant: RunningAssistant, sender: str) -> List[str]:
    """The user messages of `sender` in the SQLite tracker store, in order."""
    with sqlite3.connect(assistant.work_dir / "rasa.db") as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (rest_conversation_id(sender),),
        ).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


def test_a_locked_tracker_store_still_gets_the_visitor_a_reply_and_is_logged(
    own_assistant: RunningAssistant, answer_book: AnswerBook
) -> None:
    assert own_assistant.ask("locked-visitor", "hello")
    lock = sqlite3.connect(own_assistant.work_dir / "rasa.db", timeout=1)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        messages = own_assistant.ask("locked-visitor", "is ldn addictive?", timeout=REST_REPLY_TIMEOUT + 20)
        waited = time.monotonic() - started
    finally:
        lock.rollback()
        lock.close()
    assert messages, "the visitor must get a reply"
    assert answer_book.clinic.phone in reply_text(messages)
    assert waited < REST_REPLY_TIMEOUT, f"the reply took {waited:.1f}s, longer than the REST reply timeout"
    log = own_assistant.rasa.log_text()
    assert "database is locked" in log and " ERROR " in log
    after = own_assistant.ask("locked-visitor", "does ldn cause weight gain")
    assert answer_book.answers["ask_weight"].text in reply_text(after)
