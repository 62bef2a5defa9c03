"""The running assistant over REST: the clinic's four FAQ questions and bad input."""
from __future__ import annotations

import pytest

from actions.answer_book import AnswerBook
from tests.assistant import RunningAssistant, reply_buttons, reply_text

CLINIC_FAQ = {
    "Does naltrexone keep working or does its effect taper off?": "ask_taper_off",
    "Why haven't I heard about naltrexone before?": "ask_why_not_heard",
    "Will normal dose naltrexone work for me?": "ask_normal_dose",
    "What's the difference between naloxone and naltrexone?": "ask_naloxone_vs_naltrexone",
}

BAD_INPUT = {
    "empty": "",
    "whitespace": "   \n\t ",
    "5000 characters": "pain " * 1000,
    "emoji only": "\U0001F622\U0001F48A\U0001F914",
    "another language": "Quel temps fait-il demain à Paris ?",
    "html": "<script>alert('hi')</script><img src=x onerror=alert(1)>",
}


@pytest.mark.parametrize("question", CLINIC_FAQ)
def test_clinic_faq_question_gets_its_answer_and_the_phone(
    question: str, assistant: RunningAssistant, answer_book: AnswerBook
) -> None:
    messages = assistant.ask("faq-visitor", question)
    text = reply_text(messages)
    assert answer_book.answers[CLINIC_FAQ[question]].text in text
    assert answer_book.clinic.phone in text
    assert answer_book.clinic.tel_uri in [button.get("url") for button in reply_buttons(messages)]


@pytest.mark.parametrize("kind", BAD_INPUT)
def test_bad_input_gets_the_friendly_scope_reply(kind: str, assistant: RunningAssistant, answer_book: AnswerBook) -> None:
    messages = assistant.ask(f"bad-input-{kind.replace(' ', '-')}", BAD_INPUT[kind])
    assert messages, "the assistant must never be silent"
    assert reply_text(messages).startswith(answer_book.message("scope"))
    assert answer_book.clinic.phone in reply_text(messages)


def test_a_conversation_keeps_going_after_bad_input(assistant: RunningAssistant, answer_book: AnswerBook) -> None:
    assistant.ask("recovering-visitor", "\U0001F937")
    messages = assistant.ask("recovering-visitor", "is ldn addictive?")
    assert answer_book.answers["ask_addictive"].text in reply_text(messages)
