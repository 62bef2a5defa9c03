"""The running assistant over REST: the clinic's four FAQ questions and bad input."""
from __future__ import annotations

import pytest
import requests

from answer_book.model import AnswerBook
from runtime.stack import RunningAssistant, reply_buttons, reply_text

CLINIC_FAQ = {
    "Does naltrexone keep working or does its effect taper off?": "ask_taper_off",
    "Why haven't I heard about naltrexone before?": "ask_why_not_heard",
    "Will normal dose naltrexone work for me?": "ask_normal_dose",
    "What's the difference between naloxone and naltrexone?": "ask_naloxone_vs_naltrexone",
}

BAD_INPUT = {
    "empty": "",
    "whitespace": "   \n\t ",
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


def test_a_pasted_document_gets_please_send_a_shorter_message(assistant: RunningAssistant, answer_book: AnswerBook) -> None:
    reply = reply_text(assistant.ask("bad-input-5000-characters", "pain " * 1000))
    assert reply.startswith(answer_book.message("too_long")) and answer_book.clinic.phone in reply


def test_a_conversation_keeps_going_after_bad_input(assistant: RunningAssistant, answer_book: AnswerBook) -> None:
    assistant.ask("recovering-visitor", "\U0001F937")
    messages = assistant.ask("recovering-visitor", "is ldn addictive?")
    assert answer_book.answers["ask_addictive"].text in reply_text(messages)


BAD_REQUESTS = {
    "malformed JSON": ("application/json", b'{"sender": "x", "message": ', 400),
    "not an object": ("application/json", b'["hello"]', 400),
    "missing sender": ("application/json", b'{"message": "hi"}', 400),
    "message not a string": ("application/json", b'{"sender": "x", "message": 5}', 400),
    "wrong content type": ("text/plain", b"hello", 415),
    "1 MB body": ("application/json", b'{"sender": "x", "message": "' + b"a" * 1_048_576 + b'"}', 413),
}


@pytest.mark.parametrize("kind", BAD_REQUESTS)
def test_bad_request_gets_a_clear_4xx_and_the_server_keeps_serving(
    kind: str, assistant: RunningAssistant, answer_book: AnswerBook
) -> None:
    content_type, body, status = BAD_REQUESTS[kind]
    response = requests.post(assistant.rest_url, data=body, headers={"Content-Type": content_type}, timeout=30)
    assert response.status_code == status
    assert response.json()["error"]
    assert answer_book.answers["ask_weight"].text in reply_text(assistant.ask("after-bad-request", "does ldn cause weight gain"))
