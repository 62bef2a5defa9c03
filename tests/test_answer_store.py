"""The live-reloading store: only complete, valid files are served; broken edits are logged once."""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import List

import pytest

from answer_book.store import AnswerStore, DEFAULT_ANSWERS_PATH, answer_store
from tests.answer_files import age, write_in_place

GOOD = DEFAULT_ANSWERS_PATH.read_text(encoding="utf-8")
OLD_START = "A common dose of low-dose naltrexone"
NEW_START = "Edited by staff: a common dose of low-dose naltrexone"
EDITED = GOOD.replace(OLD_START, NEW_START).replace("Would you like to talk to someone?", "Want to talk to a person?")


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.yml"
    path.write_text(GOOD, encoding="utf-8")
    return path


def test_an_edit_is_served_on_the_next_request(answers: Path) -> None:
    store = AnswerStore(answers)
    assert store.current().answers["ask_dose"].text.startswith(OLD_START)
    write_in_place(answers, EDITED)
    assert store.current().answers["ask_dose"].text.startswith(NEW_START)


def test_a_half_written_file_is_refused_and_the_finished_one_served(answers: Path) -> None:
    store = AnswerStore(answers)
    store.current()
    write_in_place(answers, EDITED[: len(EDITED) // 2])  # the editor has written half of it so far
    assert store.current().answers["ask_dose"].text.startswith(OLD_START)
    assert store.last_error is not None
    write_in_place(answers, EDITED)  # the save completes
    assert store.current().answers["ask_dose"].text.startswith(NEW_START)
    assert store.last_error is None


def test_an_emptied_file_keeps_the_last_good_answers(answers: Path) -> None:
    store = AnswerStore(answers)
    store.current()
    write_in_place(answers, "")
    assert store.current().answers["ask_dose"].text.startswith(OLD_START)
    assert "the file is empty" in store.last_error.problems[0]


def test_a_bad_edit_is_logged_once_however_many_requests_follow(
    answers: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = AnswerStore(answers)
    store.current()
    write_in_place(answers, GOOD.replace('question: "What dose of LDN is used?"', 'question: ""'))
    with caplog.at_level(logging.ERROR, logger="staff_files.live_file"):
        assert store.current().answers["ask_dose"].question == "What dose of LDN is used?"
        assert not caplog.records, "a save that may still be in progress is not logged yet"
        age(answers)  # the broken file stays: the next request logs it
        for _ in range(5):
            assert store.current().answers["ask_dose"].question == "What dose of LDN is used?"
    refusals = [record for record in caplog.records if "Answers file refused" in record.getMessage()]
    assert len(refusals) == 1
    assert "the question for ask_dose is empty" in refusals[0].getMessage()
    assert "answers.yml, line " in refusals[0].getMessage()


def test_concurrent_readers_during_repeated_in_place_saves_get_a_whole_old_or_new_book(answers: Path) -> None:
    store = AnswerStore(answers)
    store.current()
    seen: List[str] = []
    failures: List[BaseException] = []
    saving = threading.Event()
    saving.set()

    def read() -> None:
        try:
            while saving.is_set():
                book = store.current()
                text, offer = book.answers["ask_dose"].text, book.message("call_offer")
                # the answer and the message around it come from the same version of the file
                seen.append("new" if text.startswith(NEW_START) and offer.startswith("Want") else
                            "old" if text.startswith(OLD_START) and offer.startswith("Would") else f"mix: {text}")
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    readers = [threading.Thread(target=read) for _ in range(20)]
    for reader in readers:
        reader.start()
    for round_ in range(30):
        write_in_place(answers, EDITED if round_ % 2 == 0 else GOOD, chunks=8)
    write_in_place(answers, EDITED)
    final = store.current()  # the last save is picked up by the next request that is not mid-reload
    for _ in range(1000):
        if final.answers["ask_dose"].text.startswith(NEW_START):
            break
        time.sleep(0.001)
        final = store.current()
    saving.clear()
    for reader in readers:
        reader.join()
    assert failures == []
    assert set(seen) <= {"old", "new"}
    assert "new" in seen and "old" in seen
    assert final.answers["ask_dose"].text.startswith(NEW_START)


def test_a_save_by_rename_is_served(answers: Path) -> None:
    """Editors that write a new file and rename it over the old one (a new inode)."""
    store = AnswerStore(answers)
    store.current()
    fresh = answers.with_name("answers.yml.tmp")
    fresh.write_text(EDITED, encoding="utf-8")
    os.replace(fresh, answers)
    assert store.current().answers["ask_dose"].text.startswith(NEW_START)


def test_a_deleted_file_keeps_the_last_good_answers(answers: Path) -> None:
    store = AnswerStore(answers)
    store.current()
    answers.unlink()
    assert store.current().answers["ask_dose"].text.startswith(OLD_START)
    assert "the file cannot be read" in store.last_error.problems[0]
    answers.write_text(EDITED, encoding="utf-8")
    assert store.current().answers["ask_dose"].text.startswith(NEW_START)


def test_every_way_of_naming_a_file_shares_its_store_and_a_relative_name_follows_the_working_directory(
    answers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = tmp_path / "link.yml"
    link.symlink_to(answers)
    store = answer_store(answers)
    monkeypatch.chdir(answers.parent)
    assert answer_store(Path(answers.name)) is store and answer_store(link) is store
    assert answer_store(answers) is store  # asked again: the same store, without resolving the path again
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / answers.name).write_text(DEFAULT_ANSWERS_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    assert answer_store(Path(answers.name)) is not store, "the same relative name in another folder is another file"
