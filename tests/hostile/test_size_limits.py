"""The largest message each channel accepts gets a clear reply, costs no memory, and keeps its emergency."""
from __future__ import annotations

from typing import Callable, Dict, List

import pytest
import requests

from answer_book.model import AnswerBook
from channels.base import MAX_REQUEST_BYTES
from runtime.stack import reply_text
from tests.hostile.conftest import Stack, new_phone
from tools.clients import twiml_messages
from tools.process_memory import process_peak_mb, reset_peak, rss_mb

#: Leaves room for the JSON or form framing around the message, so it is the largest accepted.
FRAMING_BYTES = 512
#: The issue's budget: the Rasa server's peak memory while it works on them, against its idle memory.
MAX_PEAK_OVER_IDLE = 1.2


def short_words(size: int, last_words: str = "") -> str:
    """About `size` characters of short words (the costliest text for a model: one token each)."""
    words = ("pain ldn is it ok " * (size // 18 + 1))[: size - len(last_words) - 1]
    return f"{words} {last_words}".strip()


def largest_message(last_words: str = "") -> str:
    return short_words(MAX_REQUEST_BYTES - FRAMING_BYTES, last_words)


def over_rest(stack: Stack, text: str) -> str:
    response = requests.post(stack.assistant.rest_url, json={"sender": "largest-rest", "message": text}, timeout=60)
    assert response.status_code == 200, response.text[:300]
    return reply_text(response.json())


def over_socketio(stack: Stack, text: str) -> str:
    with stack.widget() as widget:
        return "\n".join(str(m.get("text")) for m in widget.ask_until_phone(text, stack.phone))


def over_sms(stack: Stack, text: str) -> str:
    return "\n".join(twiml_messages(stack.sms.text(new_phone(), text)))


CHANNELS: Dict[str, Callable[[Stack, str], str]] = {"rest": over_rest, "socketio": over_socketio, "sms": over_sms}


@pytest.mark.parametrize("channel", CHANNELS)
def test_the_largest_message_gets_please_send_a_shorter_message(
    channel: str, stack: Stack, answer_book: AnswerBook
) -> None:
    reply = CHANNELS[channel](stack, largest_message())
    kind = "sms" if channel == "sms" else "web"
    assert reply.startswith(answer_book.message("too_long", kind).split(" or call")[0])
    assert answer_book.clinic.phone in reply


@pytest.mark.parametrize("channel", CHANNELS)
def test_an_emergency_at_the_end_of_a_long_message_still_gets_the_emergency_message(
    channel: str, stack: Stack, answer_book: AnswerBook
) -> None:
    # SMS keeps Twilio's 1,600 characters; REST and the widget read the whole 64 KB
    size = 1500 if channel == "sms" else MAX_REQUEST_BYTES - FRAMING_BYTES
    reply = CHANNELS[channel](stack, short_words(size, "and now my husband is not breathing"))
    kind = "sms" if channel == "sms" else "web"
    assert answer_book.message("emergency", kind) in reply


def test_the_rasa_server_peak_memory_stays_within_the_budget_under_the_largest_messages(stack: Stack) -> None:
    pid = stack.assistant.rasa.process.pid
    stack.assistant.ask("warm-up", "what is ldn")
    idle = rss_mb(pid)
    reset_peak(pid)
    for channel in CHANNELS.values():
        channel(stack, largest_message())
    peak = process_peak_mb(pid)
    assert peak <= MAX_PEAK_OVER_IDLE * idle, f"peak {peak} MB with {idle} MB idle"


def test_a_larger_rest_body_is_refused_with_413_before_it_is_read(stack: Stack) -> None:
    body = b'{"sender": "too-big", "message": "' + b"a " * MAX_REQUEST_BYTES + b'"}'
    response = requests.post(
        stack.assistant.rest_url, data=body, headers={"Content-Type": "application/json"}, timeout=60
    )
    assert response.status_code == 413 and "at most" in response.json()["error"]


CLOSE_WAIT_SECONDS = 30  # engine.io's ping interval is 25 s: a long-poll returns within it


def test_a_larger_socketio_packet_closes_only_that_connection(stack: Stack, answer_book: AnswerBook) -> None:
    with stack.widget() as widget:
        widget.client.emit("user_uttered", {"message": "a " * MAX_REQUEST_BYTES, "session_id": widget.session_id})
        # the client learns it on its next long-poll: 2 s were enough on a quiet machine, not on a busy CI one
        for _ in range(CLOSE_WAIT_SECONDS):
            if not widget.client.connected:
                break
            widget.client.sleep(1)
        assert not widget.client.connected, "engine.io closes a connection that sent an oversized packet"
    with stack.widget() as widget:
        replies: List[dict] = widget.ask_until_phone("is ldn addictive?", answer_book.clinic.phone)
        assert answer_book.answers["ask_addictive"].text in [reply.get("text") for reply in replies]
