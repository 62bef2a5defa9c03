"""👍 / 👎 under an answer: in the widget only, fixed payloads naming the answer, a short reply to each.

Real Trackers and a CollectingDispatcher for the actions; the end-to-end test talks socket.io to
the real servers (the session's `assistant` fixture) and reads what the tracker store kept.
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import Any, Dict, List

import pytest

from actions.faq import ActionAnswerFaq
from actions.feedback import ActionAcknowledgeFeedback
from answer_book.model import AnswerBook
from answer_book.rendering import ANSWER_ENTITY, FEEDBACK_INTENTS, HELPFUL, NOT_HELPFUL, feedback_of, feedback_payload
from channels.incoming import visitor_text
from runtime.servers import page_origins
from runtime.stack import RunningAssistant
from tests.conftest import make_tracker, run_action
from tools.clients import WidgetClient


def feedback_buttons(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [b for m in messages for b in (m.get("custom") or {}).get("buttons") or []]


def clicked(intent: str, answers: List[str], channel: str = "socketio") -> Any:
    """A real Tracker whose latest message is a click on 👍 / 👎 about `answers`, as Rasa parses its payload."""
    tracker = make_tracker(intent, feedback_payload(intent, answers), channel)
    tracker.latest_message["entities"] = [{"entity": ANSWER_ENTITY, "value": answer} for answer in answers]
    return tracker


def test_the_widget_asks_helpful_between_the_answer_and_the_offer_to_call(answer_book: AnswerBook) -> None:
    messages = run_action(ActionAnswerFaq(), make_tracker("ask_dose", "what dose", channel="socketio"))
    assert [m.get("text") or m["custom"]["text"] for m in messages] == [
        answer_book.answers["ask_dose"].text, answer_book.message("feedback_question"), answer_book.message("call_offer")]
    assert feedback_buttons(messages) == [
        {"title": answer_book.message("feedback_helpful_button"), "payload": '/feedback_helpful{"answer": ["ask_dose"]}'},
        {"title": answer_book.message("feedback_not_helpful_button"),
         "payload": '/feedback_not_helpful{"answer": ["ask_dose"]}'},
    ]
    assert (answer_book.message("feedback_helpful_button"), answer_book.message("feedback_not_helpful_button")) == ("👍", "👎")


@pytest.mark.parametrize("channel", ["twilio_sms", "rest"])
def test_sms_and_rest_answers_have_no_feedback_buttons(channel: str, answer_book: AnswerBook) -> None:
    messages = run_action(ActionAnswerFaq(), make_tracker("ask_dose", "what dose", channel=channel))
    assert feedback_buttons(messages) == [] and not any(m.get("custom") for m in messages)
    assert answer_book.message("feedback_question") not in [m.get("text") for m in messages]


def test_two_answers_in_one_reply_get_one_helpful_about_both(answer_book: AnswerBook) -> None:
    tracker = make_tracker("ask_addictive", "is it addictive and does it cause weight gain", channel="socketio")
    tracker.latest_message["questions"] = ["ask_addictive", "ask_weight"]
    buttons = feedback_buttons(run_action(ActionAnswerFaq(), tracker))
    assert [b["payload"] for b in buttons] == [feedback_payload(i, ["ask_addictive", "ask_weight"]) for i in FEEDBACK_INTENTS]


def test_every_feedback_button_payload_passes_the_channels_and_nothing_like_it_does(answer_book: AnswerBook) -> None:
    for intent in answer_book.answers:
        for feedback in FEEDBACK_INTENTS:
            assert visitor_text(f" {feedback_payload(feedback, [intent])} ", answer_book) == feedback_payload(feedback, [intent])
            assert feedback_of(feedback_payload(feedback, [intent]), answer_book) == (feedback, (intent,))
    for text in ['/feedback_helpful', '/feedback_helpful{"answer": ["ask_nothing"]}', '/feedback_helpful{"answer": "ask_dose"}',
                 '/feedback_helpful{"answer":["ask_dose"]}', '/feedback_helpful{"answer": ["ask_dose"], "language": "es"}',
                 '/feedback_helpful{"answer": ["ask_dose", "ask_dose"]}', '/feedback_helpful@0.1{"answer": ["ask_dose"]}',
                 '/greet{"answer": ["ask_dose"]}', '//feedback_helpful{"answer": ["ask_dose"]}', '/feedback_helpful{"answer": []}']:
        assert not visitor_text(text, answer_book).startswith("/"), text


def test_thumbs_up_is_thanked_briefly(answer_book: AnswerBook) -> None:
    assert run_action(ActionAcknowledgeFeedback(), clicked(HELPFUL, ["ask_dose"])) == [
        {**message_shape(), "text": answer_book.message("feedback_thanks")}]


def test_thumbs_down_gets_sorry_the_clinics_phone_and_one_follow_up(answer_book: AnswerBook) -> None:
    [message] = run_action(ActionAcknowledgeFeedback(), clicked(NOT_HELPFUL, ["ask_dose"]))
    assert message["text"] == answer_book.message("feedback_sorry") and answer_book.clinic.phone in message["text"]
    first_follow_up = answer_book.answers[answer_book.answers["ask_dose"].follow_ups[0]]
    assert [b["title"] for b in message["buttons"]] == [first_follow_up.question, answer_book.message("call_button")]
    assert message["buttons"][-1]["url"] == answer_book.clinic.tel_uri


def test_feedback_with_no_answer_named_gets_a_friendly_reply_not_an_error(answer_book: AnswerBook) -> None:
    for intent, key in ((HELPFUL, "feedback_thanks"), (NOT_HELPFUL, "feedback_sorry")):
        [message] = run_action(ActionAcknowledgeFeedback(), make_tracker(intent, f"/{intent}", "rest"))
        assert message["text"] == answer_book.message(key)
        assert [b["title"] for b in message.get("buttons") or []] in ([], [answer_book.message("call_button")])


def test_feedback_is_answered_in_spanish_in_a_spanish_conversation(answer_book: AnswerBook) -> None:
    tracker = clicked(NOT_HELPFUL, ["ask_dose"])
    tracker.slots["language"] = "es"
    [message] = run_action(ActionAcknowledgeFeedback(), tracker)
    assert message["text"] == answer_book.in_language("es").message("feedback_sorry")


def message_shape() -> Dict[str, Any]:
    """What CollectingDispatcher fills in besides the text (no buttons, no custom payload)."""
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(text="x")
    return {key: value for key, value in dispatcher.messages[0].items() if key != "text"}


def stored_user_events(assistant: RunningAssistant, conversation: str) -> List[Dict[str, Any]]:
    with closing(sqlite3.connect(assistant.work_dir / "rasa.db")) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                                  (conversation,)).fetchall()
    return [json.loads(row[0]) for row in rows]


def test_a_thumbs_down_in_the_widget_is_stored_with_its_answer_and_gets_sorry_with_the_phone(
    assistant: RunningAssistant, answer_book: AnswerBook
) -> None:
    with WidgetClient(assistant.rasa.url, page_origins(assistant.page_port)[1]) as widget:
        messages = widget.ask("Will normal dose naltrexone work for me?", expected_messages=3)
        [prompt] = [m for m in messages if m.get("buttons")]
        assert prompt["text"] == answer_book.message("feedback_question")
        thumbs_down = next(b for b in prompt["buttons"] if b["title"] == answer_book.message("feedback_not_helpful_button"))
        reply = widget.ask_until_phone(thumbs_down["payload"], answer_book.clinic.phone)
        conversation = f"socketio:{widget.session_id}"
    assert reply[-1]["text"] == answer_book.message("feedback_sorry")
    clicked_event = stored_user_events(assistant, conversation)[-1]
    assert clicked_event["parse_data"]["intent"]["name"] == NOT_HELPFUL
    assert [(e["entity"], e["value"]) for e in clicked_event["parse_data"]["entities"]] == [(ANSWER_ENTITY, "ask_normal_dose")]


def test_a_feedback_payload_in_a_fresh_conversation_gets_a_friendly_reply(
    assistant: RunningAssistant, answer_book: AnswerBook
) -> None:
    reply = assistant.ask("fresh-feedback", feedback_payload(HELPFUL, ["ask_dose"]))
    assert [m.get("text") for m in reply] == [answer_book.message("feedback_thanks")]
    reply = assistant.ask("fresh-feedback-2", feedback_payload(NOT_HELPFUL, ["ask_dose"]))
    assert reply[0]["text"] == answer_book.message("feedback_sorry")
