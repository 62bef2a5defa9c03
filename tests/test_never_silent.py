"""handle_never_silent with real Rasa channel objects: a failed or slow turn still gets a reply, emergencies first."""
from __future__ import annotations

import asyncio
from typing import Optional

import pytest

from rasa.core.channels.channel import UserMessage

from answer_book.model import AnswerBook
from channels.never_silent import ReplyCollector, handle_never_silent


def run_turn(text: str, turn, reply_timeout: float = 5.0, intent_of=None) -> ReplyCollector:
    collector = ReplyCollector()
    message = UserMessage(text, collector, "visitor", input_channel="rest")
    asyncio.run(handle_never_silent(turn, message, reply_timeout, intent_of=intent_of))
    return collector


async def failing_turn(message: UserMessage) -> None:
    raise ConnectionError("action server down")


async def endless_turn(message: UserMessage) -> None:
    await asyncio.sleep(3600)


def only_text(collector: ReplyCollector) -> str:
    assert len(collector.messages) == 1, collector.messages
    return collector.messages[0]["text"]


def test_a_failed_turn_gets_the_apology_with_the_phone(answer_book: AnswerBook) -> None:
    assert only_text(run_turn("is ldn addictive", failing_turn)) == answer_book.message("service_unavailable")


def test_a_failed_turn_on_an_emergency_gets_the_emergency_message(answer_book: AnswerBook) -> None:
    assert only_text(run_turn("my husband isnt breathing", failing_turn)) == answer_book.message("emergency")


@pytest.mark.parametrize("text", ["my husband is n\u043et breathing", "he over\u200bdosed", "i want to d i e", "I took an overdose"])
def test_a_failed_turn_on_a_disguised_emergency_gets_the_emergency_message(text: str, answer_book: AnswerBook) -> None:
    assert only_text(run_turn(text, failing_turn)) == answer_book.message("emergency")


def test_a_turn_that_never_ends_gets_the_apology_at_the_reply_timeout(answer_book: AnswerBook) -> None:
    assert only_text(run_turn("is ldn addictive", endless_turn, 0.2)) == answer_book.message("service_unavailable")


def test_an_emergency_only_the_model_recognised_gets_the_emergency_message(answer_book: AnswerBook) -> None:
    async def model_says_emergency(text: str) -> Optional[str]:
        return "emergency"

    collector = run_turn("come quick", failing_turn, intent_of=model_says_emergency)
    assert only_text(collector) == answer_book.message("emergency")


def test_a_model_that_fails_too_still_leaves_the_apology(answer_book: AnswerBook) -> None:
    async def broken_model(text: str) -> Optional[str]:
        raise RuntimeError("model not loaded")

    collector = run_turn("is ldn addictive", failing_turn, intent_of=broken_model)
    assert only_text(collector) == answer_book.message("service_unavailable")


def test_a_turn_that_replied_gets_nothing_more(answer_book: AnswerBook) -> None:
    async def replying_turn(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "an answer")

    assert only_text(run_turn("is ldn addictive", replying_turn)) == "an answer"


def test_a_reply_after_the_apology_is_dropped_but_the_turn_finishes(answer_book: AnswerBook) -> None:
    finished = []

    async def slow_turn(message: UserMessage) -> None:
        await asyncio.sleep(0.3)
        await message.output_channel.send_text_message(message.sender_id, "a late answer")
        finished.append(message.text)

    async def main() -> ReplyCollector:
        collector = ReplyCollector()
        await handle_never_silent(slow_turn, UserMessage("is ldn addictive", collector, "late", input_channel="rest"), 0.1)
        await asyncio.sleep(0.5)  # the turn goes on after the apology
        return collector

    collector = asyncio.run(main())
    assert only_text(collector) == answer_book.message("service_unavailable")
    assert finished == ["is ldn addictive"], "the message still reaches the conversation"


def test_a_failed_turn_in_spanish_gets_the_apology_and_the_emergency_message_in_spanish(answer_book: AnswerBook) -> None:
    spanish = answer_book.in_language("es")
    assert only_text(run_turn("¿la ldn engorda?", failing_turn)) == spanish.message("service_unavailable")
    assert only_text(run_turn("mi esposo no respira", failing_turn)) == spanish.message("emergency")
