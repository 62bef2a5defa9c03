"""The mistakes staff make editing their two files are said in their words, on the line to change.

Each test edits a copy of the real file (answers/answers.yml, safety/emergency_patterns.yml) the way a
person would in an editor, and checks the one problem reported: what it says and the line it names.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import List, Tuple

import pytest

from answer_book.model import AnswersFileError
from answer_book.schema import parse_answer_book
from answer_book.store import DEFAULT_ANSWERS_PATH
from tools import check_safety
from safety.emergency_net import DEFAULT_PATTERNS_PATH, PatternsFileError, parse_patterns

ANSWERS = DEFAULT_ANSWERS_PATH.read_text(encoding="utf-8")
PATTERNS = DEFAULT_PATTERNS_PATH.read_text(encoding="utf-8")
PARSER_WORDS = ("<block", "expected", "token", "scanning", "mapping values")


def edited(source: str, old: str, new: str) -> Tuple[str, int]:
    """`source` with `old` (found once) replaced, and the line the edit starts on."""
    assert source.count(old) == 1, f"the edit must apply to one place: {old!r}"
    return source.replace(old, new), source[:source.index(old)].count("\n") + 1


def answers_problems(source: str) -> List[str]:
    with pytest.raises(AnswersFileError) as error:
        parse_answer_book(source, Path("answers.yml"))
    return error.value.problems


def patterns_problems(source: str) -> List[str]:
    with pytest.raises(PatternsFileError) as error:
        parse_patterns(source, Path("emergency_patterns.yml"))
    return error.value.problems


def line_of(problem: str) -> int:
    return int(re.match(r"line (\d+), column \d+: ", problem).group(1))


#: name -> (text to replace, replacement, how many lines below the edit's start the mistake is, what is said)
ANSWER_EDITS = {
    "a field indented more than the one above": (
        '    topic: "dose"\n', '      topic: "dose"\n', 0, "this line is indented more than the line above"),
    "a field indented less than the one above": (
        '    topic: "dose"\n', '   topic: "dose"\n', 0, "this line is indented less than the line above"),
    "the first field indented more than the others": (
        '    question: "What dose of LDN is used?"\n', '     question: "What dose of LDN is used?"\n', 0,
        "this line is indented more than the lines below it"),
    "an answer's name indented one space off": (
        "  ask_dose:\n", "   ask_dose:\n", 0, "lines up with no line above it"),
    "a field indented under a text, so read as part of it": (
        "    follow_ups: [ask_normal_dose, ask_where", "      follow_ups: [ask_normal_dose, ask_where", 0,
        "follow_ups: is indented more than the other fields here"),
    "a tab at the start of a line": (
        '    topic: "dose"\n', '\ttopic: "dose"\n', 0, "has a tab; use spaces"),
    "a tab after spaces": (
        '    topic: "dose"\n', '  \t topic: "dose"\n', 0, "has a tab; use spaces"),
    "a field without its colon": (
        '    topic: "dose"\n', '    topic "dose"\n', 0, "this line has no colon"),
    "a quote left open": (
        'question: "What dose of LDN is used?"', 'question: "What dose of LDN is used?', 0, "opens a quote"),
}


@pytest.mark.parametrize("mistake", ANSWER_EDITS)
def test_an_answers_file_mistake_is_said_plainly_on_its_line(mistake: str) -> None:
    old, new, below, says = ANSWER_EDITS[mistake]
    source, line = edited(ANSWERS, old, new)
    problems = answers_problems(source)
    assert len(problems) == 1 and says in problems[0], problems
    assert line_of(problems[0]) == line + below, problems[0]
    assert not any(words in problems[0] for words in PARSER_WORDS), problems[0]


def test_an_over_indented_field_is_not_reported_as_missing() -> None:
    source, line = edited(ANSWERS, "    sms: >-\n      A common LDN dose", "      sms: >-\n      A common LDN dose")
    problems = answers_problems(source)
    assert problems == [problems[0]] and "has no sms" not in problems[0] and line_of(problems[0]) == line


@pytest.mark.parametrize("typed", ["213-6396", "213 6396", "213.6396", "(850) 213-6396", "850-213-6396"])
def test_the_clinic_number_typed_into_an_answer_is_caught_with_or_without_area_code(typed: str) -> None:
    source, line = edited(ANSWERS, "Only your own doctor\n      can advise", f"Call {typed}. Only your own doctor\n      can advise")
    problems = answers_problems(source)
    assert any(f"has a phone number ({typed}): remove it" in p and line_of(p) == line for p in problems), problems


def test_a_seven_digit_number_in_a_message_is_the_clinics_and_must_be_a_placeholder() -> None:
    source, line = edited(ANSWERS, "someone? Call {clinic_name} at {phone}.", "someone? Call {clinic_name} at 213-6396.")
    problems = answers_problems(source)
    assert any("has the clinic's number typed in: write {phone} instead" in p and line_of(p) == line for p in problems)


def test_doses_and_years_are_not_phone_numbers() -> None:
    source, _ = edited(ANSWERS, "Only your own doctor\n      can advise", "Since 2019-2020, 4.5 mg. Only your own doctor\n      can advise")
    assert parse_answer_book(source, Path("answers.yml")).answers["ask_dose"].text.startswith("A common dose")


def test_a_pattern_entry_indented_more_than_the_one_above_is_said_plainly() -> None:
    source, line = edited(PATTERNS, "  - name: seizure\n", "    - name: seizure\n")
    problems = patterns_problems(source)
    assert len(problems) == 1 and line_of(problems[0]) == line, problems
    assert "indented" in problems[0] and not any(words in problems[0] for words in PARSER_WORDS), problems


def test_a_tab_in_the_patterns_file_is_called_a_tab() -> None:
    source, line = edited(PATTERNS, "  - name: seizure\n", "\t- name: seizure\n")
    problems = patterns_problems(source)
    assert problems == [problems[0]] and "has a tab; use spaces" in problems[0] and line_of(problems[0]) == line


def test_a_pattern_mistake_names_its_line() -> None:
    source, line = edited(PATTERNS, '      - "seizing|siezing', '      - "{nobody} fell"\n      - "seizing|siezing')
    problems = patterns_problems(source)
    assert len(problems) == 1 and "uses unknown terms ['nobody']" in problems[0] and line_of(problems[0]) == line


def test_a_regex_that_backtracks_without_end_is_refused_on_its_line() -> None:
    source, line = edited(PATTERNS, '      - "seizing|siezing', '      - "(?:[a-z]+ ?)+ fits"\n      - "seizing|siezing')
    problems = patterns_problems(source)
    assert len(problems) == 1 and line_of(problems[0]) == line, problems
    assert "would stall every message" in problems[0] and "(?:[a-z]+ ?)+ fits" in problems[0]


def test_a_patterns_file_cut_short_says_so_at_its_last_line() -> None:
    source = PATTERNS[:PATTERNS.index("end_of_file: true")]
    problems = patterns_problems(source)
    assert len(problems) == 1 and "cut short" in problems[0]
    assert line_of(problems[0]) == len(source.rstrip().splitlines())


def test_check_safety_prints_ok_for_the_real_file(capsys: pytest.CaptureFixture) -> None:
    assert check_safety.main([str(DEFAULT_PATTERNS_PATH)]) == 0
    assert "OK. " in capsys.readouterr().out


def test_check_safety_prints_each_problem_with_the_file_and_line_and_fails(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture) -> None:
    source, line = edited(PATTERNS, "  - name: seizure\n", "\t- name: seizure\n")
    path = tmp_path / "emergency_patterns.yml"
    path.write_text(source, encoding="utf-8")
    assert check_safety.main([str(path)]) == 1
    out = capsys.readouterr().out
    assert f", line {line}, column 1: line {line} has a tab; use spaces" in out and "1 problem to fix" in out
