"""The answers file's rules: each has an edit that breaks it, and the message says where and what to change."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Tuple

import pytest

from answer_book.model import AnswersFileError
from answer_book.schema import load_answer_book
from answer_book.store import DEFAULT_ANSWERS_PATH
from answer_book.schema import project_intents

PROJECT_DIR = Path(__file__).resolve().parent.parent
GOOD = DEFAULT_ANSWERS_PATH.read_text(encoding="utf-8")
DOSE_TEXT = GOOD[GOOD.index("    text: >-\n      A common dose"):GOOD.index("    sms: >-\n      A common LDN dose")]
DOSE_SMS = GOOD[GOOD.index("    sms: >-\n      A common LDN dose"):GOOD.index("    follow_ups: [ask_normal_dose")]
DOSE_FOLLOW_UPS = "follow_ups: [ask_normal_dose, ask_where_to_get, ask_how_to_take]"
#: The line ask_dose starts on in the real file (where a second one is reported against).
DOSE_LINE = GOOD[:GOOD.index("  ask_dose:")].count("\n") + 1
CALL_OFFER = 'text: "Would you like to talk to someone? Call {clinic_name} at {phone}."'

#: rule -> (text to replace, replacement, what the problem must say, text on the line it must point at)
BROKEN_EDITS: Dict[str, Tuple[str, str, str, str]] = {
    "a required field is missing": (
        '    topic: "dose"\n', "", "the answer for ask_dose has no topic: add it", "  ask_dose:"),
    "an empty answer": (
        DOSE_TEXT, '    text: ""\n', "the text for ask_dose is empty", '    text: ""'),
    "an unknown field (typo)": (
        '    topic: "dose"\n', '    topic: "dose"\n    sorce: "4."\n', "field 'sorce' that is not used: did you mean source?",
        '    sorce: "4."'),
    "an answer for an intent the domain does not have": (
        "  ask_weight:\n", "  ask_wieght:\n", "ask_wieght is not a question the assistant knows (it is not an intent "
        "in domain.yml). Did you mean ask_weight?", "  ask_wieght:"),
    "a follow-up that does not exist": (
        DOSE_FOLLOW_UPS, "follow_ups: [ask_normal_dose, ask_moon]", "the follow-up ask_moon of ask_dose is not an "
        "answer in this file", "    follow_ups: [ask_normal_dose, ask_moon]"),
    "a follow-up to itself": (
        DOSE_FOLLOW_UPS, "follow_ups: [ask_normal_dose, ask_dose]", "ask_dose lists itself as a follow-up",
        "    follow_ups: [ask_normal_dose, ask_dose]"),
    "too many follow-ups": (
        DOSE_FOLLOW_UPS, "follow_ups: [ask_normal_dose, ask_where_to_get, ask_how_to_take, ask_weight]",
        "ask_dose has 4 follow-ups: list 2 or 3", "    follow_ups: [ask_normal_dose, ask_where_to_get"),
    "an answer too long for a chat bubble": (
        DOSE_TEXT, "    text: " + "Only your own doctor can advise on the right dose. " * 13 + "\n",
        "the text for ask_dose is 662 characters: one chat bubble holds at most 600, shorten it by 62", "    text: Only"),
    "a button label too long": (
        'question: "What dose of LDN is used?"', 'question: "What dose of low-dose naltrexone do people use?"',
        "the question for ask_dose is 47 characters: a button label holds at most 40, shorten it by 7", "    question: \"What dose"),
    "an SMS longer than two text messages as sent": (
        DOSE_SMS, "    sms: " + "Only your own doctor can advise on your dose. " * 6 + "\n",
        "the sms for ask_dose is 316 characters as sent (with the line added after it, 40 characters), 3 text "
        "messages: 2 hold 306, shorten it by 10", "    sms: Only"),
    "a curly quote in an SMS": (
        "tenth or less of the usual naltrexone dose.", "tenth or less of naltrexone\u2019s usual dose.",
        "the sms for ask_dose has a curly quote \u2019 which makes the message UCS-2 (70 characters per text message "
        "instead of 160): use a straight quote '", "\u2019s usual dose"),
    "an emoji in an SMS": (
        "Only your own doctor can\n      advise on your dose.", "Only your own doctor can\n      advise on your dose \U0001F48A.", "the sms for ask_dose has an emoji or symbol "
        "\U0001F48A which makes the message UCS-2", "\U0001F48A"),
    "a clinic phone in another format": (
        'phone: "(850) 213-6396"', 'phone: "850.213.6396"', 'the clinic phone must be written like "(850) 213-6396"',
        '  phone: "850.213.6396"'),
    "a phone number typed into an answer": (
        "Only your own doctor\n      can advise", "Call 850-213-6396. Only your own doctor\n      can advise",
        "the text for ask_dose has a phone number (850-213-6396): remove it", "850-213-6396"),
    "the clinic's number typed into a message": (
        CALL_OFFER, 'text: "Would you like to talk to someone? Call {clinic_name} at (850) 213-6396."',
        "has the clinic's number typed in: write {phone} instead", "(850) 213-6396.\""),
    "an unknown placeholder in a message": (
        CALL_OFFER, 'text: "Would you like to talk to someone? Call {clinic} at {phone}."',
        "the text of the message call_offer has an unknown placeholder {clinic}: use {clinic_name} or {phone}",
        "{clinic} at"),
    "a placeholder missing a brace": (
        CALL_OFFER, 'text: "Would you like to talk to someone? Call {clinic_name} at {phone."',
        "has a lone {: write placeholders as {clinic_name} or {phone}, with both braces", "{phone.\""),
    "a placeholder in an answer": (
        "Only your own doctor\n      can advise", "Call {phone}. Only your own doctor\n      can advise",
        "the text for ask_dose has {phone}: answers are shown as written", "{phone}. Only"),
    "a required message is missing": (
        "  call_button:\n    text: \"Call {clinic_name}\"\n", "", "the message call_button is missing: add it",
        "messages:"),
    "an answer written twice": (
        "  ask_time_to_work:\n", DOSE_TEXT.replace("    text", "  ask_dose:\n    text") + "  ask_time_to_work:\n",
        f"ask_dose is written twice (first on line {DOSE_LINE}): keep one", None),
    "a help topic that is not an answer": (
        "help_topics: [ask_what_is_ldn,", "help_topics: [ask_moon, ask_what_is_ldn,",
        "help_topics lists ask_moon, which is not an answer in this file", "help_topics: [ask_moon"),
    "YAML that does not parse (a quote left open)": (
        'question: "What dose of LDN is used?"', 'question: "What dose of LDN is used?',
        'this line opens a quote " and does not close it', '    question: "What dose of LDN is used?'),
}


def write(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "answers.yml"
    path.write_text(source, encoding="utf-8")
    return path


def problems_of(path: Path) -> list:
    with pytest.raises(AnswersFileError) as error:
        load_answer_book(path)
    return error.value.problems


def test_the_real_answers_file_passes_every_rule() -> None:
    assert len(load_answer_book(DEFAULT_ANSWERS_PATH).answers) >= 20


@pytest.mark.parametrize("rule", BROKEN_EDITS)
def test_each_broken_rule_is_reported_with_its_line_column_and_fix(rule: str, tmp_path: Path) -> None:
    old, new, says, pointed_line = BROKEN_EDITS[rule]
    assert GOOD.count(old) == 1, "the example edit must apply to exactly one place"
    source = GOOD.replace(old, new)
    problems = problems_of(write(tmp_path, source))
    matching = [problem for problem in problems if says in problem]
    assert matching, problems
    line = int(re.match(r"line (\d+), column \d+: ", matching[0]).group(1))
    if pointed_line is not None:  # the line named is the one to change
        assert pointed_line in source.splitlines()[line - 1], matching[0]


def test_a_file_cut_short_is_refused_even_when_it_parses(tmp_path: Path) -> None:
    cut = GOOD[:GOOD.index("  ask_time_to_work:")]
    problems = problems_of(write(tmp_path, cut))
    assert any("the answers for ask_time_to_work, ask_effectiveness" in p and "cut short" in p for p in problems)


@pytest.mark.parametrize("source", ["", "\n", "version: 1\n"])
def test_an_empty_or_nearly_empty_file_is_refused(source: str, tmp_path: Path) -> None:
    assert problems_of(write(tmp_path, source))


def test_answer_keys_come_from_the_domain_given(tmp_path: Path) -> None:
    domain = (PROJECT_DIR / "domain.yml").read_text(encoding="utf-8").replace("  - ask_dose\n", "")
    (tmp_path / "domain.yml").write_text(domain, encoding="utf-8")
    intents = project_intents(tmp_path / "domain.yml", PROJECT_DIR / "data" / "rules")
    with pytest.raises(AnswersFileError, match="ask_dose is not a question the assistant knows"):
        load_answer_book(DEFAULT_ANSWERS_PATH, intents)


def test_errors_name_the_file_line_and_column(tmp_path: Path) -> None:
    source = GOOD.replace(DOSE_TEXT, '    text: ""\n')
    with pytest.raises(AnswersFileError) as error:
        load_answer_book(write(tmp_path, source))
    line = source.splitlines().index('    text: ""') + 1
    assert error.value.lines() == [f"{tmp_path / 'answers.yml'}, line {line}, column 11: the text for ask_dose is empty"]


def run_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tools.check_answers", *args], cwd=PROJECT_DIR,
                          capture_output=True, text=True, timeout=60)


def test_check_answers_says_ok_for_the_real_file() -> None:
    result = run_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("answers/answers.yml: OK. ")


def test_check_answers_lists_the_problems_and_fails(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace(DOSE_TEXT, '    text: ""\n').replace("  ask_weight:\n", "  ask_wieght:\n"))
    result = run_check(str(path))
    assert result.returncode == 1
    assert f"{path}, line " in result.stdout
    assert "the text for ask_dose is empty" in result.stdout
    assert "ask_wieght is not a question the assistant knows" in result.stdout
    assert "keeps serving the last good answers" in result.stdout


def test_preview_shows_every_answer_for_web_and_sms_with_counts() -> None:
    result = subprocess.run([sys.executable, "-m", "tools.preview_answers"], cwd=PROJECT_DIR,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    book = load_answer_book(DEFAULT_ANSWERS_PATH)
    for language, name in (("en", "English"), ("es", "Spanish")):
        for intent, answer in book.in_language(language).answers.items():
            assert f"=== {intent} [{name}]: {answer.question}" in result.stdout
            assert f"  Website ({len(answer.text)} characters of 600" in result.stdout
    assert result.stdout.count("  SMS as sent (") == 2 * len(book.answers)
    assert "2 text messages" in result.stdout


def test_preview_shows_an_answer_that_is_too_long_so_it_can_be_shortened(tmp_path: Path) -> None:
    long_text = "A common dose of low-dose naltrexone is 4.5 mg, though the exact amount can vary by person. " * 8
    edited = GOOD.replace(DOSE_TEXT, f"    text: >-\n      {long_text.strip()}\n")
    path = tmp_path / "answers.yml"
    path.write_text(edited, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "tools.preview_answers", "--path", str(path), "ask_dose"],
                            cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, "the file is not good yet"
    problems, preview = result.stdout.split("As the file is now:", 1)
    assert f"the text for ask_dose is {len(long_text.strip())} characters" in problems
    assert f"Website ({len(long_text.strip())} characters of 600 in the answer bubble  <-- too long)" in preview
    assert "the exact amount can vary by person." in preview
