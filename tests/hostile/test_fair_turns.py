"""A burst from one sender over REST: every message answered and stored in order, and nobody else waits behind it."""
from __future__ import annotations

import json
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import List, Tuple

import requests

from answer_book.model import AnswerBook
from runtime.stack import reply_text, rest_conversation_id
from tests.hostile.conftest import Stack

BURST = 20


def stored_user_texts(stack: Stack, conversation: str) -> List[str]:
    with closing(sqlite3.connect(stack.tracker_db)) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (conversation,)
        ).fetchall()
    return [json.loads(row[0])["text"] for row in rows]


def test_a_burst_from_one_sender_loses_nothing_and_the_others_are_answered_alongside(
    stack: Stack, answer_book: AnswerBook
) -> None:
    questions = [f"question {n}: is ldn addictive?" for n in range(BURST)]

    def ask(sender: str, text: str) -> Tuple[float, str]:
        response = requests.post(stack.assistant.rest_url, json={"sender": sender, "message": text}, timeout=60)
        assert response.status_code == 200
        return time.monotonic(), reply_text(response.json())

    with ThreadPoolExecutor(max_workers=BURST + 2) as pool:
        burst = [pool.submit(ask, "burst-sender", text) for text in questions]
        time.sleep(0.05)  # the burst is in
        others = [pool.submit(ask, f"other-visitor-{n}", "what is ldn?") for n in range(2)]
        burst_replies = [future.result() for future in burst]
        other_replies = [future.result() for future in others]
    assert all(answer_book.answers["ask_addictive"].text in text for _, text in burst_replies), "no apology"
    assert all(answer_book.answers["ask_what_is_ldn"].text in text for _, text in other_replies)
    # the others did not wait for the whole burst to be worked off
    assert max(done for done, _ in other_replies) < max(done for done, _ in burst_replies)
    assert sorted(stored_user_texts(stack, rest_conversation_id("burst-sender"))) == sorted(questions), "every message stored"
