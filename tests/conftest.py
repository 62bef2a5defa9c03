"""Shared fixtures: the answers, real Trackers, and one running assistant per test session."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from answer_book.model import AnswerBook
from answer_book.schema import load_answer_book
from answer_book.store import DEFAULT_ANSWERS_PATH
from runtime.stack import RunningAssistant, start_assistant
from runtime.servers import ensure_action_token

PROJECT_DIR = Path(__file__).resolve().parent.parent
MODEL_PATH = PROJECT_DIR / "models" / "bliss.tar.gz"


@pytest.fixture(scope="session", autouse=True)
def action_server_token() -> str:
    """The action server token every server of this test run shares (endpoints files name the variable)."""
    return ensure_action_token()


@pytest.fixture(scope="session")
def answer_book() -> AnswerBook:
    return load_answer_book(DEFAULT_ANSWERS_PATH)


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return yaml.safe_load((PROJECT_DIR / "domain.yml").read_text(encoding="utf-8"))


def make_tracker(intent: str, text: str = "a question", channel: str = "rest") -> Tracker:
    """A real Tracker whose latest user message has `intent`, received on `channel`."""
    top = {"name": intent, "confidence": 0.95}
    parse_data = {"intent": top, "intent_ranking": [top], "entities": [], "text": text}
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": parse_data, "input_channel": channel},
    ]
    return Tracker(
        sender_id="test-visitor",
        slots={},
        latest_message=parse_data,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run_action(action: Any, tracker: Tracker, domain: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
    """Run an action as the action server does; the messages it sent."""
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, domain or {}))
    return dispatcher.messages


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAssistant]:
    """Both servers on free loopback ports, with the trained model (`make test` trains it)."""
    if not MODEL_PATH.exists():
        pytest.fail(f"{MODEL_PATH} is missing: run `make train` (make test does it for you)")
    work_dir = tmp_path_factory.mktemp("assistant")
    running = start_assistant(work_dir, env={"SMS_STORE_PATH": str(work_dir / "sms.db")})
    yield running
    running.stop()
