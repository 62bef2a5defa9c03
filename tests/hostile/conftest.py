"""One running assistant with all three entry points open (REST, the widget's socket.io, signed SMS).

The hostile-input suite sends it what a careless or hostile visitor would; every test here
expects a clear reply, never a 5xx, never silence, and nothing lost.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List

import pytest

from answer_book.store import answer_store
from runtime.stack import RunningAssistant, start_assistant
from tests.conftest import MODEL_PATH
from tools.clients import TwilioClient, WidgetClient, twiml_messages, write_sms_credentials
from runtime.servers import page_origins

_numbers = itertools.count(1)


@dataclass
class Stack:
    assistant: RunningAssistant
    sms: TwilioClient

    @property
    def phone(self) -> str:
        """The clinic's phone as the answers file gives it (every reply carries it)."""
        return answer_store().current().clinic.phone

    @property
    def origin(self) -> str:
        return page_origins(self.assistant.page_port)[0]

    def widget(self, session_id: str = None) -> WidgetClient:  # type: ignore[assignment]
        return WidgetClient(self.assistant.rasa.url, self.origin, session_id)

    def text(self, body: str, phone: str = "") -> List[str]:
        """One signed SMS; the TwiML messages of the reply."""
        return twiml_messages(self.sms.text(phone or new_phone(), body))

    @property
    def tracker_db(self) -> Path:
        return self.assistant.work_dir / "rasa.db"


def new_phone() -> str:
    return f"+1555020{next(_numbers):04d}"


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not MODEL_PATH.exists():
        pytest.fail(f"{MODEL_PATH} is missing: run `make train` (make test does it for you)")
    work_dir = tmp_path_factory.mktemp("hostile")
    running = start_assistant(work_dir, credentials=write_sms_credentials(work_dir))
    yield Stack(running, TwilioClient(f"{running.rasa.url}/webhooks/twilio_sms/webhook"))
    running.stop()
