"""A second running assistant that these tests break on purpose: never silent, emergencies first, private logs.

It logs at DEBUG (so visitors' messages reach the Rasa server's log and the redaction is really
tested) and gives up on a turn after REPLY_TIMEOUT seconds. The tests run in file order:
logs and a normal answer first, then the action server is stopped, then replaced by a slow one.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest
import yaml

from answer_book.model import AnswerBook
from safety.emergency_net import emergency_pattern_for
from runtime.stack import RunningAssistant, reply_text, start_assistant
from tests.conftest import MODEL_PATH
from runtime.servers import DEFAULT_CREDENTIALS

REPLY_TIMEOUT = 5  # seconds; a normal turn takes well under 1 s on loopback
SLOW_ACTION_SECONDS = 120  # the fake action server's delay: far beyond the reply timeout
PERSONAL = {"phone": "(904) 555-0187", "email": "jane.doe@example.com", "date of birth": "04/12/1975"}


@pytest.fixture(scope="module")
def breakable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAssistant]:
    if not MODEL_PATH.exists():
        pytest.fail(f"{MODEL_PATH} is missing: run `make train` (make test does it for you)")
    work_dir = tmp_path_factory.mktemp("breakable")
    credentials = yaml.safe_load(DEFAULT_CREDENTIALS.read_text(encoding="utf-8"))
    credentials["channels.rest.ClinicRestInput"]["reply_timeout_seconds"] = REPLY_TIMEOUT
    credentials_path = work_dir / "credentials.yml"
    credentials_path.write_text(yaml.safe_dump(credentials), encoding="utf-8")
    running = start_assistant(work_dir, env={"LOG_LEVEL": "DEBUG"}, credentials=credentials_path)
    yield running
    running.stop()


def test_the_logs_redact_phone_email_and_date_of_birth(breakable: RunningAssistant) -> None:
    breakable.ask("privacy-visitor", "call me at {phone} or {email}, born {date of birth}: is ldn addictive?".format(**PERSONAL))
    rasa_log, action_log = breakable.rasa.log_text(), breakable.actions.log_text()
    assert "call me at [phone] or [email], born [date]" in rasa_log  # the message is logged, redacted
    for value in PERSONAL.values():
        assert value not in rasa_log
        assert value not in action_log


def test_before_the_failure_a_question_gets_its_answer(breakable: RunningAssistant, answer_book: AnswerBook) -> None:
    assert answer_book.answers["ask_addictive"].text in reply_text(breakable.ask("failing-visitor", "is ldn addictive"))


def test_action_server_stopped_a_question_gets_the_apology_with_the_phone(
    breakable: RunningAssistant, answer_book: AnswerBook
) -> None:
    breakable.actions.stop()
    messages = breakable.ask("failing-visitor", "does ldn cause weight gain")
    assert reply_text(messages) == answer_book.message("service_unavailable")
    assert answer_book.clinic.phone in reply_text(messages)


@pytest.mark.parametrize("text", ["my son is not breathing", "i want to kill myself", "my toddler ate my pills"])
def test_action_server_stopped_an_emergency_gets_the_emergency_message(
    text: str, breakable: RunningAssistant, answer_book: AnswerBook
) -> None:
    assert breakable.actions.process.poll() is not None, "the action server must be down for this test"
    assert reply_text(breakable.ask("failing-visitor", text)) == answer_book.message("emergency")


def test_action_server_stopped_an_emergency_only_the_model_knows_gets_the_emergency_message(
    breakable: RunningAssistant, answer_book: AnswerBook
) -> None:
    text = "my tounge is huge and i can barely swallow or breathe"  # the trained intent's job, not the phrases'
    assert emergency_pattern_for(text) is None
    assert reply_text(breakable.ask("failing-visitor", text)) == answer_book.message("emergency")


class SlowActionServer(BaseHTTPRequestHandler):
    """Accepts an action request and answers only after SLOW_ACTION_SECONDS (or when the test ends)."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.requests.append(self.path)
        self.server.release.wait(SLOW_ACTION_SECONDS)
        body = json.dumps({"events": [], "responses": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_slow_action_server_gets_the_apology_while_it_is_still_busy(
    breakable: RunningAssistant, answer_book: AnswerBook
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", breakable.action_port), SlowActionServer)
    server.requests, server.release = [], threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        messages = breakable.ask("slow-visitor", "how long does ldn take to work")
        assert server.requests, "the Rasa server must have called the slow action server"
        assert not server.release.is_set()  # the reply came while the action was still running
        assert reply_text(messages) == answer_book.message("service_unavailable")
        assert reply_text(breakable.ask("slow-visitor", "she's not breathing")) == answer_book.message("emergency")
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
