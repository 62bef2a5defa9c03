"""`make run` under supervisord: a killed server is started again, the others keep serving, nothing is left behind."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from answer_book.store import answer_store
from runtime.supervised import ACTIONS, PAGE, RASA, SupervisedAssistant, ready, start_supervised
from tests.conftest import MODEL_PATH

#: Generous on a shared 2-core machine (the Rasa server loads its model in 30-60 s).
BACK_WITHIN_SECONDS = 180


@pytest.fixture(scope="module")
def supervised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupervisedAssistant]:
    if not MODEL_PATH.exists():
        pytest.fail(f"{MODEL_PATH} is missing: run `make train` (make test does it for you)")
    assistant = start_supervised(tmp_path_factory.mktemp("supervised"))
    try:
        assistant.wait_ready()
        yield assistant
    finally:
        assistant.stop()


def ask(assistant: SupervisedAssistant, text: str) -> str:
    response = requests.post(assistant.rest_url, json={"sender": f"supervised-{time.time_ns()}", "message": text},
                             timeout=60)
    assert response.status_code == 200
    return "\n".join(str(message.get("text")) for message in response.json())


def eventually(condition, seconds: float = BACK_WITHIN_SECONDS) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def test_a_killed_action_server_leaves_the_apology_then_comes_back(supervised: SupervisedAssistant) -> None:
    book = answer_store().current()
    killed = supervised.kill(ACTIONS)
    meanwhile = ask(supervised, "is ldn addictive?")
    assert book.message("service_unavailable") in meanwhile or book.answers["ask_addictive"].text in meanwhile
    assert book.message("emergency") in ask(supervised, "my husband is not breathing"), "emergencies meanwhile"
    assert eventually(lambda: book.answers["ask_addictive"].text in ask(supervised, "is ldn addictive?"))
    assert supervised.pid(ACTIONS) not in (None, killed)


def test_a_killed_page_server_comes_back(supervised: SupervisedAssistant) -> None:
    killed = supervised.kill(PAGE)
    page = supervised.programs[PAGE]
    assert eventually(lambda: ready(page.url + page.ready_path))
    assert supervised.pid(PAGE) not in (None, killed)


def test_a_killed_rasa_server_comes_back_with_its_conversations(supervised: SupervisedAssistant) -> None:
    book = answer_store().current()
    killed = supervised.kill(RASA)
    assert eventually(lambda: ready(supervised.programs[RASA].url + supervised.programs[RASA].ready_path))
    assert book.answers["ask_weight"].text in ask(supervised, "does ldn cause weight gain?")
    assert supervised.pid(RASA) not in (None, killed)


def test_stopping_leaves_no_process_behind(tmp_path: Path) -> None:
    assistant = start_supervised(tmp_path)
    assistant.wait_ready(names=(ACTIONS, PAGE))
    pids = [assistant.pid(name) for name in (ACTIONS, RASA, PAGE)]
    assistant.stop()
    for pid in [assistant.process.pid, *[pid for pid in pids if pid]]:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
