"""Close calls are asked, not guessed; a second miss offers the phone; two questions get two answers.

Real Trackers carrying the parse data Rasa sends for nlu_fallback (FallbackClassifier puts
nlu_fallback first and keeps the classifier's ranking after it).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Tracker

from answer_book.model import AnswerBook
from actions.clarify import ActionClarify
from actions.faq import ActionAnswerFaq
from tests.conftest import make_tracker, run_action

Ranking = List[Tuple[str, float]]


def fallback_parse(text: str, ranking: Ranking) -> Dict[str, Any]:
    """Parse data of a message FallbackClassifier sent to nlu_fallback (threshold 0.5)."""
    fallback = {"name": "nlu_fallback", "confidence": 0.5}
    ranked = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return {"intent": fallback, "intent_ranking": [fallback] + ranked, "entities": [], "text": text}


def fallback_tracker(
    ranking: Ranking, text: str = "is it bad for me", previous_reply: Optional[str] = None,
    channel: str = "rest",
) -> Tracker:
    """A conversation whose latest message fell back; `previous_reply` answered the message before."""
    events: List[Dict[str, Any]] = [{"event": "action", "name": "action_listen"}]
    if previous_reply:
        earlier = fallback_parse("hmm", [("ask_dose", 0.3), ("ask_weight", 0.2)])
        events += [
            {"event": "user", "text": "hmm", "parse_data": earlier, "input_channel": channel},
            {"event": "action", "name": previous_reply},
            {"event": "bot", "text": "a reply"},
            {"event": "action", "name": "action_listen"},
        ]
    parse_data = fallback_parse(text, ranking)
    events.append({"event": "user", "text": text, "parse_data": parse_data, "input_channel": channel})
    return Tracker(
        sender_id="test-visitor", slots={}, latest_message=parse_data, events=events, paused=False,
        followup_action=None, active_loop={}, latest_action_name="action_listen",
    )


CLOSE_CALL: Ranking = [("ask_side_effects", 0.46), ("ask_interactions", 0.41), ("out_of_scope", 0.08)]


def test_close_call_between_two_questions_asks_did_you_mean(answer_book: AnswerBook) -> None:
    messages = run_action(ActionClarify(), fallback_tracker(CLOSE_CALL))
    assert len(messages) == 2
    assert messages[0]["text"] == answer_book.message("did_you_mean")
    assert answer_book.clinic.phone in messages[1]["text"]
    assert messages[1]["buttons"][0]["url"] == answer_book.clinic.tel_uri
    assert messages[0]["buttons"] == [
        {"title": answer_book.answers["ask_side_effects"].question, "payload": "/ask_side_effects"},
        {"title": answer_book.answers["ask_interactions"].question, "payload": "/ask_interactions"},
        {"title": answer_book.message("something_else_button"), "payload": "/out_of_scope"},
    ]


def test_clicking_a_did_you_mean_button_delivers_that_answer(answer_book: AnswerBook) -> None:
    button = run_action(ActionClarify(), fallback_tracker(CLOSE_CALL))[0]["buttons"][1]
    clicked = make_tracker(button["payload"].lstrip("/"), text=button["payload"])
    messages = run_action(ActionAnswerFaq(), clicked)
    assert messages[0]["text"] == answer_book.answers["ask_interactions"].text


def test_emergency_among_the_best_two_is_never_offered_as_a_guess(answer_book: AnswerBook) -> None:
    ranking = [("emergency", 0.45), ("ask_side_effects", 0.4)]
    messages = run_action(ActionClarify(), fallback_tracker(ranking, "i took too much and feel weird"))
    payloads = [button["payload"] for message in messages for button in message.get("buttons") or []]
    assert messages[0]["text"] == answer_book.message("scope")
    assert "/emergency" not in payloads


def test_unsure_and_not_torn_between_two_questions_explains_the_scope(answer_book: AnswerBook) -> None:
    ranking = [("ask_weight", 0.22), ("out_of_scope", 0.2), ("ask_dose", 0.15)]
    messages = run_action(ActionClarify(), fallback_tracker(ranking, "qwerty"))
    assert messages[0]["text"] == answer_book.message("scope")


def test_two_weak_candidates_are_not_a_close_call(answer_book: AnswerBook) -> None:
    ranking = [("ask_weight", 0.2), ("ask_dose", 0.19), ("out_of_scope", 0.18)]
    messages = run_action(ActionClarify(), fallback_tracker(ranking, "blue"))
    assert messages[0]["text"] == answer_book.message("scope")


def test_refused_or_wordless_input_explains_the_scope_even_on_a_close_call(answer_book: AnswerBook) -> None:
    guarded = fallback_tracker(CLOSE_CALL, "pain " * 300)
    guarded.latest_message["input_guard"] = "longer than 1000 characters"
    for tracker in (guarded, fallback_tracker(CLOSE_CALL, "7")):
        assert run_action(ActionClarify(), tracker)[0]["text"] == answer_book.message("scope")


def test_a_question_about_ones_own_dose_gets_only_your_doctor_can_advise(answer_book: AnswerBook) -> None:
    ranking = [("ask_dose", 0.45), ("ask_normal_dose", 0.4)]
    messages = run_action(ActionClarify(), fallback_tracker(ranking, "should I take 50mg"))
    assert messages[0]["text"] == answer_book.message("personal_advice")
    assert answer_book.clinic.phone in messages[0]["text"]


def test_second_miss_in_a_row_offers_the_clinic_phone(answer_book: AnswerBook) -> None:
    messages = run_action(ActionClarify(), fallback_tracker(CLOSE_CALL, previous_reply="action_clarify"))
    assert messages[0]["text"] == answer_book.message("still_not_understood")
    assert answer_book.clinic.phone in messages[0]["text"]
    assert messages[0]["buttons"][0]["url"] == answer_book.clinic.tel_uri


def test_a_miss_after_an_answer_is_a_first_miss_again(answer_book: AnswerBook) -> None:
    messages = run_action(ActionClarify(), fallback_tracker(CLOSE_CALL, previous_reply="action_answer_faq"))
    assert messages[0]["text"] == answer_book.message("did_you_mean")


def test_second_miss_by_sms_gives_the_phone_without_a_link_button(answer_book: AnswerBook) -> None:
    tracker = fallback_tracker(CLOSE_CALL, previous_reply="action_clarify", channel="twilio_sms")
    messages = run_action(ActionClarify(), tracker)
    assert answer_book.clinic.phone in messages[0]["text"]
    assert messages[0]["buttons"] == []


def two_questions_tracker(questions: List[str], text: str, channel: str = "rest") -> Tracker:
    """The parse data QuestionCollector produces for a message with two questions."""
    tracker = make_tracker(questions[0], text, channel)
    tracker.latest_message["questions"] = questions
    return tracker


def test_two_questions_in_one_message_get_both_answers_and_one_offer_to_call(answer_book: AnswerBook) -> None:
    tracker = two_questions_tracker(["ask_addictive", "ask_weight"], "is it addictive and does it cause weight gain?")
    messages = run_action(ActionAnswerFaq(), tracker)
    texts = [message["text"] for message in messages]
    assert texts == [
        answer_book.answers["ask_addictive"].text,
        answer_book.answers["ask_weight"].text,
        answer_book.message("call_offer"),
    ]
    payloads = [button["payload"] for button in messages[-1]["buttons"]]
    assert "/ask_addictive" not in payloads and "/ask_weight" not in payloads


def test_two_questions_by_sms_fit_in_one_message(answer_book: AnswerBook) -> None:
    tracker = two_questions_tracker(["ask_cost_insurance", "ask_where_to_get"], "cost? where to get it?", "twilio_sms")
    messages = run_action(ActionAnswerFaq(), tracker)
    assert len(messages) == 1
    text = messages[0]["text"]
    assert answer_book.answers["ask_cost_insurance"].sms in text
    assert answer_book.answers["ask_where_to_get"].sms in text
    assert answer_book.clinic.phone in text


def test_three_questions_that_together_hold_most_of_the_confidence_are_all_offered(answer_book: AnswerBook) -> None:
    ranking = [("ask_dose", 0.2), ("ask_normal_dose", 0.18), ("ask_how_to_take", 0.16), ("ask_weight", 0.05)]
    buttons = run_action(ActionClarify(), fallback_tracker(ranking, "how much"))[0]["buttons"]
    assert [button["payload"] for button in buttons] == ["/ask_dose", "/ask_normal_dose", "/ask_how_to_take", "/out_of_scope"]


def test_an_unanswered_question_the_article_covers_gets_its_passage_quoted(answer_book: AnswerBook) -> None:
    from answer_book.passages import passage_store

    text = "is ldn covered by insurance"
    passage = passage_store().current().fitting(text)
    assert passage is not None and "ask_cost_insurance" in passage.supports
    messages = run_action(ActionClarify(), fallback_tracker([("out_of_scope", 0.3), ("ask_weight", 0.1)], text))
    assert messages[0]["text"].startswith(answer_book.message("article_passage"))
    assert messages[1]["text"] == passage.text
    assert answer_book.clinic.phone in messages[2]["text"]


def test_a_spanish_conversation_gets_no_english_passage_but_the_spanish_scope_reply(answer_book: AnswerBook) -> None:
    text = "is ldn covered by insurance"  # a passage fits these words (test above)
    tracker = fallback_tracker([("out_of_scope", 0.3), ("ask_weight", 0.1)], text)
    tracker.slots["language"] = "es"
    messages = run_action(ActionClarify(), tracker)
    assert messages[0]["text"] == answer_book.in_language("es").message("scope")


def test_no_passage_is_quoted_when_the_message_may_be_an_emergency(answer_book: AnswerBook) -> None:
    text = "is ldn covered by insurance"
    messages = run_action(ActionClarify(), fallback_tracker([("emergency", 0.3), ("ask_cost_insurance", 0.1)], text))
    assert messages[0]["text"] == answer_book.message("scope")


def test_small_talk_between_two_questions_is_passed_over(answer_book: AnswerBook) -> None:
    ranking = [("ask_dose", 0.4), ("thank", 0.3), ("ask_normal_dose", 0.2)]
    messages = run_action(ActionClarify(), fallback_tracker(ranking, "thanks, and how much ldn do people take"))

    assert messages[0]["text"].startswith(answer_book.message("did_you_mean"))
    assert [b["payload"] for b in messages[0]["buttons"]][:2] == ["/ask_dose", "/ask_normal_dose"]
