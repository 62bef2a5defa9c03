"""A sender id names a conversation on its own channel only; widget sessions are the server's to issue."""
from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import List

import sqlalchemy as sa

from answer_book.model import AnswerBook
from stores.sqlite_tracker_store import SQLiteTrackerStore
from stores import channel_sender_ids
from tests.hostile.conftest import Stack, new_phone
from tests.tracker_rows import user_texts
from runtime.stack import rest_conversation_id


def stored_senders(db: Path) -> List[str]:
    with closing(sqlite3.connect(db)) as connection:
        return [row[0] for row in connection.execute("SELECT DISTINCT sender_id FROM events")]


def test_a_rest_sender_named_like_a_phone_never_reaches_that_patients_sms_conversation(stack: Stack) -> None:
    phone = new_phone()
    stack.text("is ldn addictive?", phone)
    stack.assistant.ask(phone, "/restart")
    stack.assistant.ask(phone, "what is ldn")
    assert user_texts(stack.tracker_db, phone) == ["is ldn addictive?"], "the SMS conversation is untouched"
    assert rest_conversation_id(phone) in stored_senders(stack.tracker_db)


def test_the_rest_reply_is_addressed_to_the_sender_as_the_client_named_it(stack: Stack) -> None:
    assert {message["recipient_id"] for message in stack.assistant.ask("named-client", "hello")} == {"named-client"}


def test_a_made_up_widget_session_id_is_replaced_by_one_the_server_issued(stack: Stack) -> None:
    with stack.widget(session_id="twilio_sms:+15550000000") as widget:
        assert widget.session_id != "twilio_sms:+15550000000"
    with stack.widget(session_id=widget.session_id) as reloaded:
        assert reloaded.session_id == widget.session_id


def test_only_the_socket_that_holds_a_session_gets_its_replies(stack: Stack, answer_book: AnswerBook) -> None:
    with stack.widget() as first:
        with stack.widget(session_id=first.session_id) as second:
            replies = second.ask_until_phone("is ldn addictive?", answer_book.clinic.phone)
            assert answer_book.answers["ask_addictive"].text in [reply.get("text") for reply in replies]
            first.client.sleep(1)
            assert first.messages == [], "the session's replies went to the one socket holding it"


def test_stored_conversations_get_their_channel_in_front_once(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, timestamp FLOAT, "
            "intent_name TEXT, action_name TEXT, data TEXT)"
        )
        rows = [
            ("+18505550123", "user", {"text": "hi", "input_channel": "twilio_sms"}),
            ("+18505550123", "action", {"name": "utter_greet"}),
            ("visitor-1", "user", {"text": "hi", "input_channel": "rest"}),
            ("only-a-session-start", "action", {"name": "action_session_start"}),
        ]
        connection.executemany(
            "INSERT INTO events (sender_id, type_name, data) VALUES (?, ?, ?)",
            [(sender, kind, json.dumps(data)) for sender, kind, data in rows],
        )
    engine = sa.create_engine(f"sqlite:///{db}")
    assert channel_sender_ids.migrate(engine) == 2
    assert channel_sender_ids.migrate(engine) == 0, "it runs once"
    assert sorted(stored_senders(db)) == ["only-a-session-start", "rest:visitor-1", "twilio_sms:+18505550123"]


def test_the_tracker_store_renames_old_conversations_when_it_starts(tmp_path: Path) -> None:
    db = tmp_path / "rasa.db"
    SQLiteTrackerStore(db=str(db)).engine.dispose()  # creates the tables
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("DELETE FROM bliss_migrations")
        connection.execute(
            "INSERT INTO events (sender_id, type_name, data) VALUES (?, 'user', ?)",
            ("+18505550199", json.dumps({"text": "hi", "input_channel": "twilio_sms"})),
        )
    SQLiteTrackerStore(db=str(db)).engine.dispose()
    assert stored_senders(db) == ["twilio_sms:+18505550199"]
