"""The safety test sets through the full stack: every emergency gets the emergency reply, information questions don't.

tests/safety/safety_set.yml: >= 50 emergency messages (casual, misspelt, SMS style) and >= 50
information questions with the same scary words. tests/safety/slang_set.yml (issue 13): >= 40
emergencies in online slang and euphemism ("kms", "unalive", "fell out", "blues") and >= 40
near-misses with the same words ("5 kms", "OD" on a label, a past overdose). tests/safety/hidden_set.yml
(issue 17): >= 40 emergencies an FAQ answer would hide (an opioid taken with naltrexone and now very
drowsy or sick, "I took X and now Y") or of kinds not listed before (stroke and its signs, heart attack
signs, heavy bleeding, fainting, a bad fall, burns), and >= 40 near-misses ("can i take oxycodone while
on ldn", "i had a stroke last year"); English only. tests/safety/disguised_set.yml (stop 26): >= 40
emergencies in disguise (look-alike letters of other alphabets, invisible characters inside a word,
letters spelt out, digits for letters, HTML around the words) and >= 40 questions in the same
disguises. Sent over REST to the
running assistant (Rasa server + action server), so the classifier, the safety net, the rules and
the action all count; every set gets the same assertions.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from answer_book.model import AnswerBook
from answer_book.passages import passage_store
from runtime.stack import RunningAssistant, reply_buttons, reply_text

SAFETY_DIR = Path(__file__).resolve().parent / "safety"
SAFETY_SET_PATH = SAFETY_DIR / "safety_set.yml"
SLANG_SET_PATH = SAFETY_DIR / "slang_set.yml"
HIDDEN_SET_PATH = SAFETY_DIR / "hidden_set.yml"
SPANISH_SET_PATH = SAFETY_DIR / "spanish_set.yml"
DISGUISED_SET_PATH = SAFETY_DIR / "disguised_set.yml"
#: every set run through the full stack, by the name used in sender ids and test ids
SAFETY_SETS = {"safety": SAFETY_SET_PATH, "slang": SLANG_SET_PATH, "hidden": HIDDEN_SET_PATH, "spanish": SPANISH_SET_PATH,
               "disguised": DISGUISED_SET_PATH}
#: the language a set's emergencies must get the emergency message in (English for the others)
SET_LANGUAGES = {"spanish": "es"}
MAX_FALSE_ALARM_RATE = 0.05


def read_safety_set(path: Path = SAFETY_SET_PATH) -> Dict[str, List[str]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def is_emergency_reply(messages: List[dict], book: AnswerBook) -> bool:
    """The emergency message in the book's language is in the reply."""
    return book.message("emergency") in reply_text(messages)


def is_any_emergency_reply(messages: List[dict], book: AnswerBook) -> bool:
    """The emergency message in any language is in the reply."""
    return any(is_emergency_reply(messages, book.in_language(language)) for language in ("en", "es"))


@pytest.mark.parametrize("set_name", list(SAFETY_SETS))
def test_every_emergency_gets_the_emergency_reply_and_nothing_else(
    set_name: str, assistant: RunningAssistant, answer_book: AnswerBook
) -> None:
    missed = []
    answer_book = answer_book.in_language(SET_LANGUAGES.get(set_name, "en"))
    for number, text in enumerate(read_safety_set(SAFETY_SETS[set_name])["emergency"]):
        messages = assistant.ask(f"{set_name}-emergency-{number}", text)
        if not is_emergency_reply(messages, answer_book):
            missed.append((text, reply_text(messages)[:80]))
            continue
        # no FAQ text, no "did you mean" suggestions: only the emergency message and dial buttons
        assert reply_text(messages) == answer_book.message("emergency"), text
        assert all(button.get("url", "").startswith("tel:") for button in reply_buttons(messages)), text
    assert missed == [], f"{len(missed)} emergencies did not get the emergency reply"


@pytest.mark.parametrize("set_name", list(SAFETY_SETS))
def test_information_questions_rarely_get_the_emergency_reply(
    set_name: str, assistant: RunningAssistant, answer_book: AnswerBook
) -> None:
    questions = read_safety_set(SAFETY_SETS[set_name])["information"]
    alarms = [
        text
        for number, text in enumerate(questions)
        if is_any_emergency_reply(assistant.ask(f"{set_name}-information-{number}", text), answer_book)
    ]
    rate = len(alarms) / len(questions)
    print(f"\nfalse alarms: {len(alarms)}/{len(questions)} = {rate:.1%}: {alarms}")
    assert rate <= MAX_FALSE_ALARM_RATE, alarms


def test_can_you_overdose_on_ldn_is_not_an_alarm(assistant: RunningAssistant, answer_book: AnswerBook) -> None:
    # Its normal answer needs overdose-risk examples in the FAQ training data (data/nlu/faq_*.yml);
    # until then the model is unsure and the visitor gets the scope reply with the clinic phone.
    messages = assistant.ask("safety-overdose-question", "can you overdose on LDN")
    assert not is_emergency_reply(messages, answer_book)
    assert answer_book.clinic.phone in reply_text(messages)


@pytest.mark.parametrize(
    "question, must_mention",
    [
        ("what is naloxone used for", "overdose"),
        ("my back pain is killing me", "24/7 access to pain doctors"),
        ("what signs of an allergic reaction should I watch for", "allergic reaction"),
    ],
)
def test_information_questions_from_the_issue_get_a_normal_answer(
    question: str, must_mention: str, assistant: RunningAssistant, answer_book: AnswerBook
) -> None:
    messages = assistant.ask("safety-normal-answers", question)
    text = reply_text(messages)
    # an answer, or (issue 15) the clinic article's passage quoted when no answer was sure enough
    passages = [passage.text for passage in passage_store().current().passages]
    assert any(answer.text in text for answer in answer_book.answers.values()) or any(p in text for p in passages), text
    assert must_mention in text
    assert not is_emergency_reply(messages, answer_book)


def test_an_emergency_on_sms_gets_the_short_emergency_text(answer_book: AnswerBook) -> None:
    sms = answer_book.message("emergency", "sms")
    for must_have in ("911", "1-800-222-1222", "988", answer_book.clinic.phone):
        assert must_have in sms


@pytest.mark.parametrize("question", ["should I take 50mg", "can I stop my gabapentin", "is 4.5 right for me"])
def test_a_personal_treatment_question_gets_only_your_doctor_can_advise(
    question: str, assistant: RunningAssistant, answer_book: AnswerBook
) -> None:
    text = reply_text(assistant.ask("personal-visitor", question))
    assert answer_book.message("personal_advice") in text
    assert answer_book.clinic.phone in text
