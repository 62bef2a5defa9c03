"""The custom actions, run with real Trackers and a real CollectingDispatcher."""
from __future__ import annotations

from typing import List, Text

import pytest
from rasa_sdk import Tracker

from answer_book.model import AnswerBook
from answer_book.schema import project_intents
from actions.clinic_action import ClinicAction
from actions.conversation import ActionContactClinic, ActionEmergency, ActionExplainScope, ActionShowHelp
from actions.faq import ActionAnswerFaq
from answer_book.rendering import Message
from answer_book.sms_text import sms_size
from tests.conftest import make_tracker, run_action

#: Every intent a rule answers with action_answer_faq (data/rules), so a question staff add is tested too.
ANSWERED_INTENTS = list(project_intents().answered)


def texts(messages: List[dict]) -> str:
    return "\n".join(message.get("text") or "" for message in messages)


def buttons(messages: List[dict]) -> List[dict]:
    return [button for message in messages for button in message.get("buttons") or []]


@pytest.mark.parametrize("intent", ANSWERED_INTENTS)
def test_faq_answer_is_the_staff_text_then_the_offer_to_call(intent: str, answer_book: AnswerBook) -> None:
    messages = run_action(ActionAnswerFaq(), make_tracker(intent))
    answer = answer_book.answers[intent]
    assert messages[0]["text"] == answer.text
    assert answer_book.clinic.phone in messages[-1]["text"]
    payloads = [button["payload"] for button in buttons(messages)]
    assert payloads[: len(answer.follow_ups)] == [f"/{follow_up}" for follow_up in answer.follow_ups]
    assert "tel:+18502136396" in [button.get("url") for button in buttons(messages)]


@pytest.mark.parametrize("intent", ["ask_dose", "ask_taper_off", "ask_normal_dose"])
def test_sms_user_gets_the_short_answer_and_the_phone(intent: str, answer_book: AnswerBook) -> None:
    messages = run_action(ActionAnswerFaq(), make_tracker(intent, channel="twilio_sms"))
    assert len(messages) == 1
    assert messages[0]["text"].startswith(answer_book.answers[intent].sms)
    assert answer_book.clinic.phone in messages[0]["text"]
    assert all("url" not in button for button in buttons(messages)), "SMS cannot show a tel: link button"


@pytest.mark.parametrize("intent", ["ask_dose", "ask_normal_dose", "ask_taper_off"])
def test_dose_answers_leave_personal_dosing_to_the_doctor(intent: str, answer_book: AnswerBook) -> None:
    answer = answer_book.answers[intent]
    assert "your own doctor" in answer.text and "your own doctor" in answer.sms


def test_intent_without_an_answer_explains_what_can_be_asked(answer_book: AnswerBook) -> None:
    messages = run_action(ActionAnswerFaq(), make_tracker("greet"))
    assert messages[0]["text"] == answer_book.message("scope")


def test_scope_explanation_offers_three_example_questions_and_the_phone(answer_book: AnswerBook) -> None:
    messages = run_action(ActionExplainScope(), make_tracker("nlu_fallback", "asdf qwer"))
    assert answer_book.clinic.phone in texts(messages)
    questions = [button for button in buttons(messages) if button["payload"].startswith("/ask_")]
    assert len(questions) == 3
    assert [button["title"] for button in questions] == [
        answer_book.answers[intent].question for intent in answer_book.scope_examples
    ]


def test_emergency_reply_names_911_poison_help_988_and_the_clinic(answer_book: AnswerBook) -> None:
    messages = run_action(ActionEmergency(), make_tracker("emergency", "he is not breathing"))
    text = texts(messages)
    for must_have in ("911", "1-800-222-1222", "988", answer_book.clinic.phone):
        assert must_have in text
    faq_texts = [answer.text for answer in answer_book.answers.values()]
    assert not any(faq_text in text for faq_text in faq_texts)
    assert not any(button["payload"].startswith("/") for button in buttons(messages))


def test_contact_gives_the_phone_as_text_and_as_a_tel_link(answer_book: AnswerBook) -> None:
    messages = run_action(ActionContactClinic(), make_tracker("contact_clinic"))
    assert answer_book.clinic.phone in texts(messages)
    assert buttons(messages)[0]["url"] == "tel:+18502136396"


def test_help_lists_questions_as_buttons(answer_book: AnswerBook) -> None:
    messages = run_action(ActionShowHelp(), make_tracker("help"))
    assert [button["payload"] for button in buttons(messages)] == [f"/{i}" for i in answer_book.help_topics]


class ActionThatBreaks(ClinicAction):
    def name(self) -> Text:
        return "action_that_breaks"

    def reply(self, book: AnswerBook, tracker: Tracker, kind: str) -> List[Message]:
        raise KeyError("a bug in an action")


def test_an_action_that_raises_still_replies_with_the_clinic_phone(answer_book: AnswerBook) -> None:
    messages = run_action(ActionThatBreaks(), make_tracker("ask_dose"))
    assert messages == [{**messages[0], "text": answer_book.message("service_unavailable")}]
    assert answer_book.clinic.phone in messages[0]["text"]


def test_an_action_that_raises_on_an_emergency_still_sends_the_emergency_message(answer_book: AnswerBook) -> None:
    messages = run_action(ActionThatBreaks(), make_tracker("nlu_fallback", "my kid swallowed my pills"))
    assert [message["text"] for message in messages] == [answer_book.message("emergency")]


@pytest.mark.parametrize(
    "text",
    ["should I take 50mg of naltrexone", "can I stop my gabapentin when I start", "is 4.5 right for me",
     "should I increase my dose"],
)
def test_a_personal_dose_question_gets_the_facts_and_only_your_doctor_can_advise(
    text: str, answer_book: AnswerBook
) -> None:
    messages = run_action(ActionAnswerFaq(), make_tracker("ask_dose", text))
    assert messages[0]["text"] == answer_book.answers["ask_dose"].text
    assert messages[-1]["text"] == answer_book.message("personal_advice")
    assert answer_book.clinic.phone in messages[-1]["text"]
    assert "tel:+18502136396" in [button.get("url") for button in buttons(messages)]


def test_a_personal_question_by_sms_gets_the_short_doctor_line(answer_book: AnswerBook) -> None:
    messages = run_action(ActionAnswerFaq(), make_tracker("ask_interactions", "can i stop my gabapentin", "twilio_sms"))
    assert messages[0]["text"].endswith(answer_book.message("personal_advice", "sms"))


def test_a_general_question_keeps_the_plain_offer_to_call(answer_book: AnswerBook) -> None:
    messages = run_action(ActionAnswerFaq(), make_tracker("ask_dose", "what dose of ldn do people take"))
    assert messages[-1]["text"] == answer_book.message("call_offer")


def test_symptoms_worse_carries_the_articles_advice_the_pain_doctors_and_911(answer_book: AnswerBook) -> None:
    answer = answer_book.answers["symptoms_worse"]
    for text in (answer.text, answer.sms):
        assert "consult an understanding professional" in text
        assert "24/7 access to pain doctors" in text
        assert "911" in text


def test_the_emergency_message_gives_every_number_on_both_channels(answer_book: AnswerBook) -> None:
    for kind in ("web", "sms"):
        text = answer_book.message("emergency", kind)
        positions = [text.index(number) for number in ("911", "1-800-222-1222", "988", answer_book.clinic.phone)]
        assert positions == sorted(positions), "911 first, then Poison Help, 988, and the clinic last"


def test_the_sms_emergency_message_fits_one_plain_text_message(answer_book: AnswerBook) -> None:
    size = sms_size(answer_book.message("emergency", "sms"))
    assert (size.encoding, size.segments) == ("GSM-7", 1)


def test_a_personal_question_outside_the_faq_gets_only_your_doctor_can_advise(answer_book: AnswerBook) -> None:
    messages = run_action(ActionExplainScope(), make_tracker("out_of_scope", "can I stop my gabapentin"))
    assert texts(messages) == answer_book.message("personal_advice")
    assert len([b for b in buttons(messages) if b["payload"].startswith("/ask_")]) == 3
