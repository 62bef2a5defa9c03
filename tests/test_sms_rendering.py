"""SMS rendering, carrier keywords and the SMS store, without a server: every answer fits by SMS."""
from __future__ import annotations

from pathlib import Path

import pytest

from answer_book.model import AnswerBook
from answer_book.rendering import answer_messages, emergency_messages, help_messages, scope_messages
from answer_book.sms_text import is_gsm7, sms_size, to_gsm7
from channels.sms_keywords import KEYWORD_MESSAGES, Keyword, carrier_keyword
from channels.sms_rendering import (
    SMS_MAX_CHARACTERS,
    SMS_MAX_SEGMENTS,
    fits,
    option_number,
    options_line,
    render_sms,
)
from stores.sms_store import SmsStore


def assert_fits(body: str) -> None:
    size = sms_size(body)
    assert size.encoding == "GSM-7", body
    assert size.units <= SMS_MAX_CHARACTERS and size.segments <= SMS_MAX_SEGMENTS, (size, body)


LANGUAGES = ["en", "es"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_answer_with_its_call_offer_and_options_fits_in_one_two_segment_sms(
    language: str, answer_book: AnswerBook
) -> None:
    answer_book = answer_book.in_language(language)
    for answer in answer_book.answers.values():
        reply = render_sms(answer_book, answer_messages(answer_book, answer, "sms"))
        assert len(reply.bodies) == 1, answer.intent
        body = reply.bodies[0]
        assert_fits(body)
        assert to_gsm7(answer.sms) in body, f"{answer.intent}: the answer was cut"
        assert answer_book.clinic.phone in body


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_answer_offers_its_first_follow_ups_as_numbered_options(language: str, answer_book: AnswerBook) -> None:
    answer_book = answer_book.in_language(language)
    for answer in answer_book.answers.values():
        reply = render_sms(answer_book, answer_messages(answer_book, answer, "sms"))
        offered = len(reply.options)
        assert offered >= 1, f"{answer.intent}: no room for a single option"
        assert reply.options == tuple(f"/{intent}" for intent in answer.follow_ups[:offered]), answer.intent
        topics = [answer_book.answers[intent].topic for intent in answer.follow_ups[:offered]]
        assert reply.bodies[0].endswith(options_line(answer_book, topics)), answer.intent


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_emergency_reply_goes_out_whole_with_the_phone(language: str, answer_book: AnswerBook) -> None:
    answer_book = answer_book.in_language(language)
    reply = render_sms(answer_book, emergency_messages(answer_book, "sms"))
    assert reply.bodies == (to_gsm7(answer_book.message("emergency", "sms")),)
    assert_fits(reply.bodies[0])
    assert "911" in reply.bodies[0] and answer_book.clinic.phone in reply.bodies[0]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", sorted(set(KEYWORD_MESSAGES.values()) | {"sms_media_only", "service_unavailable"}))
def test_sms_only_messages_fit_in_one_segment_with_the_phone(key: str, language: str, answer_book: AnswerBook) -> None:
    text = to_gsm7(answer_book.in_language(language).message(key, "sms"))
    assert is_gsm7(text) and sms_size(text).segments == 1, text
    assert answer_book.clinic.phone in text


def test_help_reply_has_the_carrier_wording(answer_book: AnswerBook) -> None:
    text = answer_book.message("sms_help", "sms")
    assert answer_book.clinic.name in text
    assert "Reply STOP to opt out. Msg & data rates may apply." in text


def test_the_phone_is_added_when_no_message_has_it(answer_book: AnswerBook) -> None:
    reply = render_sms(answer_book, [{"text": "Hi! I\u2019m the clinic\u2019s assistant \U0001F60A \u2014 ask away."}])
    assert reply.bodies == (f"Hi! I'm the clinic's assistant - ask away.\n{answer_book.message('call_offer', 'sms')}",)


def test_options_are_dropped_rather_than_exceed_two_segments(answer_book: AnswerBook) -> None:
    buttons = [{"title": a.question, "payload": f"/{a.intent}"} for a in answer_book.answers.values()]
    reply = render_sms(answer_book, [{"text": answer_book.answers["ask_how_to_take"].sms, "buttons": buttons}])
    assert len(reply.bodies) == 1
    assert_fits(reply.bodies[0])
    assert 0 < len(reply.options) < len(buttons)
    assert reply.bodies[0].endswith(f"{len(reply.options)} for {answer_book.answers[reply.options[-1][1:]].topic}.")


def test_link_buttons_are_not_offered_as_options(answer_book: AnswerBook) -> None:
    reply = render_sms(answer_book, answer_messages(answer_book, answer_book.answers["ask_dose"], "web"))
    assert all(payload.startswith("/") for payload in reply.options)
    assert "tel:" not in "".join(reply.bodies)


def test_a_long_text_is_split_between_sentences_and_nothing_is_lost(answer_book: AnswerBook) -> None:
    sentences = [f"Sentence number {n} is here." for n in range(40)]
    reply = render_sms(answer_book, [{"text": " ".join(sentences)}])
    assert len(reply.bodies) > 1
    for body in reply.bodies:
        assert_fits(body)
    joined = " ".join(reply.bodies)
    assert all(sentence in joined for sentence in sentences)


def test_scope_and_help_replies_fit(answer_book: AnswerBook) -> None:
    for messages in (scope_messages(answer_book, "sms"), help_messages(answer_book, "sms")):
        reply = render_sms(answer_book, messages)
        assert len(reply.bodies) == 1 and fits(reply.bodies[0])
        assert reply.options


@pytest.mark.parametrize(
    "text, keyword",
    [
        ("STOP", Keyword.OPT_OUT), (" stop ", Keyword.OPT_OUT), ("StopAll", Keyword.OPT_OUT),
        ("unsubscribe", Keyword.OPT_OUT), ("Cancel", Keyword.OPT_OUT), ("end\n", Keyword.OPT_OUT),
        ("QUIT", Keyword.OPT_OUT), ("start", Keyword.OPT_IN), ("Unstop", Keyword.OPT_IN), ("yes", Keyword.OPT_IN),
        ("help", Keyword.HELP), (" INFO", Keyword.HELP),
        ("stop taking ldn?", None), ("help me", None), ("stop.", None), ("", None),
    ],
)
def test_carrier_keywords_are_single_words_in_any_case(text: str, keyword: Keyword) -> None:
    assert carrier_keyword(text) is keyword


@pytest.mark.parametrize("text, number", [("1", 1), (" 2 ", 2), ("3.", 3), ("1)", 1), ("one", None), ("1 2", None)])
def test_a_bare_number_picks_an_option(text: str, number: int) -> None:
    assert option_number(text) == number


def test_the_store_keeps_opt_outs_options_and_deliveries_across_instances(tmp_path: Path) -> None:
    store = SmsStore(tmp_path / "sms.db")
    assert store.opt_out("+15550000001") is True
    assert store.opt_out("+15550000001") is False
    store.set_options("+15550000001", ["/ask_dose", "/ask_weight"])
    assert store.claim_delivery("SM1", "+15550000001") is True
    store.finish_delivery("SM1", "<Response />")

    reopened = SmsStore(tmp_path / "sms.db")
    assert reopened.is_opted_out("+15550000001")
    assert reopened.option("+15550000001", 2) == "/ask_weight"
    assert reopened.option("+15550000001", 3) is None
    assert reopened.claim_delivery("SM1", "+15550000001") is False
    assert reopened.delivery_reply("SM1") == "<Response />"
    reopened.opt_in("+15550000001")
    assert not reopened.is_opted_out("+15550000001")
