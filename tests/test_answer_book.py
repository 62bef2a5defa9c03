"""Loading the staff-editable answers: a good file serves, a broken edit is refused."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from answer_book.model import AnswersFileError
from answer_book.schema import load_answer_book
from answer_book.store import AnswerStore, DEFAULT_ANSWERS_PATH


def copy_answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.yml"
    path.write_text(DEFAULT_ANSWERS_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def bump_mtime(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_the_clinic_phone_is_defined_once_and_dialable() -> None:
    book = load_answer_book(DEFAULT_ANSWERS_PATH)
    assert book.clinic.phone == "(850) 213-6396"
    assert book.clinic.tel_uri == "tel:+18502136396"
    assert DEFAULT_ANSWERS_PATH.read_text(encoding="utf-8").count("213-6396") == 1


def test_an_empty_answer_is_reported_with_its_line(tmp_path: Path) -> None:
    path = copy_answers(tmp_path)
    source = path.read_text(encoding="utf-8")
    path.write_text(source.replace('question: "What is LDN?"', 'question: ""'), encoding="utf-8")
    with pytest.raises(AnswersFileError) as error:
        load_answer_book(path)
    assert any("the question for ask_what_is_ldn is empty" in problem for problem in error.value.problems)
    assert error.value.problems[0].startswith("line ")


def test_invalid_yaml_is_reported_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "answers.yml"
    path.write_text("version: 1\nclinic:\n  name: [Bliss\n", encoding="utf-8")
    with pytest.raises(AnswersFileError) as error:
        load_answer_book(path)
    assert "not valid YAML" in error.value.problems[0]
    assert error.value.problems[0].startswith("line ")


def test_a_follow_up_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    path = copy_answers(tmp_path)
    source = path.read_text(encoding="utf-8").replace(
        "follow_ups: [ask_how_it_works, ask_conditions, ask_dose]", "follow_ups: [ask_how_it_works, ask_moon]"
    )
    path.write_text(source, encoding="utf-8")
    with pytest.raises(AnswersFileError, match="ask_moon"):
        load_answer_book(path)


def test_store_serves_a_good_edit_and_keeps_the_last_good_answers_on_a_bad_one(tmp_path: Path) -> None:
    path = copy_answers(tmp_path)
    store = AnswerStore(path)
    assert store.current().answers["ask_dose"].text.startswith("A common dose")

    source = path.read_text(encoding="utf-8")
    path.write_text(source.replace("A common dose of", "Staff edit: a common dose of"), encoding="utf-8")
    bump_mtime(path)
    edited = store.current().answers["ask_dose"].text
    assert edited.startswith("Staff edit: a common dose of")

    path.write_text("answers: [this is: not valid", encoding="utf-8")
    bump_mtime(path)
    assert store.current().answers["ask_dose"].text == edited
    assert store.last_error is not None
