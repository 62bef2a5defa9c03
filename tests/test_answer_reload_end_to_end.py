"""Live reload over REST with both servers running: staff edits are served without a retrain or restart."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator, List

import pytest
import requests

from answer_book.store import DEFAULT_ANSWERS_PATH
from tests.answer_files import age, write_in_place
from runtime.stack import RunningAssistant, reply_text, start_assistant
from tests.conftest import MODEL_PATH, PROJECT_DIR

GOOD = DEFAULT_ANSWERS_PATH.read_text(encoding="utf-8")
QUESTION = "What dose of LDN do people take?"
OLD_TEXT = "A common dose of low-dose naltrexone is 4.5 mg"
OLD_OFFER = "Would you like to talk to someone?"


def edited(marker: str) -> str:
    """The file with the dose answer and the call offer both changed (to catch a mix of versions)."""
    return GOOD.replace("A common dose of", f"{marker}: a common dose of").replace(OLD_OFFER, f"{marker}, talk to us?")


@pytest.fixture(scope="module")
def answers_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("answers") / "answers.yml"
    path.write_text(GOOD, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reloading_assistant(tmp_path_factory: pytest.TempPathFactory, answers_copy: Path) -> Iterator[RunningAssistant]:
    """Both servers reading the temporary copy (the Rasa server uses it for the apology too)."""
    if not MODEL_PATH.exists():
        pytest.fail(f"{MODEL_PATH} is missing: run `make train` (make test does it for you)")
    running = start_assistant(tmp_path_factory.mktemp("reloading"), env={"ANSWERS_PATH": str(answers_copy)})
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def good_answers(answers_copy: Path) -> Iterator[None]:
    write_in_place(answers_copy, GOOD)
    yield
    write_in_place(answers_copy, GOOD)


def check_answers(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tools.check_answers", str(path)], cwd=PROJECT_DIR,
                          capture_output=True, text=True, timeout=60)


def test_a_saved_edit_is_in_the_next_reply(reloading_assistant: RunningAssistant, answers_copy: Path) -> None:
    assert OLD_TEXT in reply_text(reloading_assistant.ask("reload-good", QUESTION))
    write_in_place(answers_copy, edited("Staff edit 1"))
    text = reply_text(reloading_assistant.ask("reload-good", QUESTION))
    assert "Staff edit 1: a common dose of low-dose naltrexone is 4.5 mg" in text
    assert "Staff edit 1, talk to us?" in text


def test_a_bad_edit_is_refused_the_old_text_served_and_the_error_shown(
    reloading_assistant: RunningAssistant, answers_copy: Path
) -> None:
    write_in_place(answers_copy, edited("Before the typo"))
    assert "Before the typo: a common dose" in reply_text(reloading_assistant.ask("reload-bad", QUESTION))
    broken = edited("After the typo").replace('question: "What dose of LDN is used?"', 'question: ""')
    write_in_place(answers_copy, broken)
    assert "Before the typo: a common dose" in reply_text(reloading_assistant.ask("reload-bad", QUESTION))
    age(answers_copy)  # saved a while ago: the refusal is logged on the next request, once
    for _ in range(3):
        text = reply_text(reloading_assistant.ask("reload-bad", QUESTION))
        assert "Before the typo: a common dose" in text and "After the typo" not in text
    result = check_answers(answers_copy)
    assert result.returncode == 1
    assert "the question for ask_dose is empty" in result.stdout
    log = reloading_assistant.actions.log_text()
    refusals = [line for line in log.splitlines() if "Answers file refused" in line]
    assert len(refusals) == 1, refusals
    assert "the question for ask_dose is empty" in log
    write_in_place(answers_copy, edited("Fixed"))
    assert "Fixed: a common dose" in reply_text(reloading_assistant.ask("reload-bad", QUESTION))


def test_concurrent_requests_during_reloads_get_a_complete_old_or_new_answer(
    reloading_assistant: RunningAssistant, answers_copy: Path
) -> None:
    versions = {"old": GOOD, "new": edited("New version")}
    # The previous test's last version may still be served until this test's fresh copy of the file
    # settles (a save is read once it is no longer changing): start from the old version being served.
    age(answers_copy)
    assert OLD_TEXT in reply_text(reloading_assistant.ask("concurrent-start", QUESTION))
    replies: List[str] = []
    failures: List[str] = []
    saving = threading.Event()
    saving.set()

    def ask(sender: str) -> None:
        session = requests.Session()
        while saving.is_set():
            response = session.post(reloading_assistant.rest_url, json={"sender": sender, "message": QUESTION},
                                    timeout=60)
            if response.status_code != 200:
                failures.append(f"HTTP {response.status_code}: {response.text[:200]}")
                continue
            text = reply_text(response.json())
            if OLD_TEXT in text and OLD_OFFER in text:
                replies.append("old")
            elif "New version: a common dose of low-dose naltrexone is 4.5 mg" in text and "New version, talk" in text:
                replies.append("new")
            else:
                failures.append(text)

    askers = [threading.Thread(target=ask, args=(f"concurrent-{n}",)) for n in range(20)]
    for asker in askers:
        asker.start()
    saves = 0
    while len(replies) + len(failures) < 80:  # repeated saves while 20 visitors keep asking
        write_in_place(answers_copy, versions["new" if saves % 2 == 0 else "old"], chunks=4)
        saves += 1
        threading.Event().wait(0.05)
    saving.clear()
    for asker in askers:
        asker.join()
    assert failures == []
    assert {"old", "new"} <= set(replies)
