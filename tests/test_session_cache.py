"""The tracker store keeps a conversation's session between turns (stores/session_cache.py) and
still returns what Rasa's own SQLTrackerStore reads from the database: across a whole conversation,
after another replica's turn, after `make forget`, and when a new session starts."""
from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted, BotUttered, DefinePrevUserUtteredFeaturization, Event, SessionStarted, SlotSet, UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from stores.session_cache import CachedSession, SessionCache
from stores.sqlite_tracker_store import SQLiteTrackerStore
from tools.forget_conversation import forget

PROJECT_DIR = Path(__file__).resolve().parent.parent
SENDER = "rest:visitor-1"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_DIR / "domain.yml"))


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def store_on(db: Path, domain: Domain, **kwargs: Any) -> SQLiteTrackerStore:
    return SQLiteTrackerStore(domain=domain, db=str(db), **kwargs)


def a_turn(number: int, language: str = "en") -> List[Event]:
    """The events of one FAQ turn as the server stores them (user message, featurization, slot, action, reply)."""
    intent = {"name": "ask_dose", "confidence": 0.9}
    entities = [{"entity": "language", "value": language}]
    return [
        UserUttered(f"question {number}", intent, entities=entities,
                    parse_data={"intent": intent, "intent_ranking": [intent], "entities": entities, "text": f"question {number}"},
                    input_channel="rest"),
        DefinePrevUserUtteredFeaturization(False),
        SlotSet("language", language),
        ActionExecuted("action_answer_faq"),
        BotUttered(f"answer {number}", {"buttons": None}, {"utter_action": "utter_answer"}),
        ActionExecuted("action_listen"),
    ]


async def take_turn(store: SQLiteTrackerStore, number: int, sender: str = SENDER, **kwargs: Any) -> DialogueStateTracker:
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    if not tracker.events:
        tracker.update_with_events([ActionExecuted("action_session_start"), SessionStarted(),
                                    ActionExecuted("action_listen")], None)
    tracker.update_with_events(a_turn(number, **kwargs), None)
    await store.save(tracker)
    return tracker


def state(tracker: Optional[DialogueStateTracker]) -> Optional[Dict[str, Any]]:
    return None if tracker is None else tracker.current_state(EventVerbosity.ALL)


def stored_rows(db: Path, sender: str = SENDER) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def test_the_cache_returns_what_rasa_reads_across_a_whole_conversation(tmp_path: Path, domain: Domain) -> None:
    db = tmp_path / "rasa.db"
    store, rasa_store = store_on(db, domain), SQLTrackerStore(domain=domain, db=str(db))
    for number in range(30):
        run(take_turn(store, number, language="es" if number % 3 else "en"))
        cached = run(store.retrieve(SENDER))
        assert state(cached) == state(run(rasa_store.retrieve(SENDER)))
        assert list(cached.events) == list(run(rasa_store.retrieve(SENDER)).events)
    assert len(store.sessions) == 1  # the conversation is served from the cache, not read again
    assert stored_rows(db) == 3 + 30 * 6  # saving from the cache stored each event once


def test_a_returned_tracker_can_be_changed_without_changing_the_next_one(tmp_path: Path, domain: Domain) -> None:
    store = store_on(tmp_path / "rasa.db", domain)
    run(take_turn(store, 1))
    first = run(store.retrieve(SENDER))
    first.update_with_events([SlotSet("language", "es"), UserUttered("never saved")], None)
    again = run(store.retrieve(SENDER))
    assert again.get_slot("language") == "en" and again.latest_message.text == "question 1"
    assert len(again.events) == len(first.events) - 2


def test_a_cached_conversation_sees_the_turn_another_replica_stored(tmp_path: Path, domain: Domain) -> None:
    db = tmp_path / "rasa.db"
    replica_a, replica_b = store_on(db, domain), store_on(db, domain)
    run(take_turn(replica_a, 1))
    run(replica_a.retrieve(SENDER))
    run(take_turn(replica_b, 2, language="es"))  # the next turn of the conversation lands on the other replica
    seen_by_a = run(replica_a.retrieve(SENDER))
    assert seen_by_a.latest_message.text == "question 2" and seen_by_a.get_slot("language") == "es"
    run(take_turn(replica_a, 3))  # and back: replica A's save stores only its own new events
    assert stored_rows(db) == 3 + 3 * 6
    rasa_store = SQLTrackerStore(domain=domain, db=str(db))
    assert state(run(replica_a.retrieve(SENDER))) == state(run(rasa_store.retrieve(SENDER)))
    assert state(run(replica_b.retrieve(SENDER))) == state(run(rasa_store.retrieve(SENDER)))


def test_a_forgotten_conversation_is_gone_and_starts_again_empty(tmp_path: Path, domain: Domain) -> None:
    db = tmp_path / "rasa.db"
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump({"tracker_store": {
        "type": "stores.sqlite_tracker_store.SQLiteTrackerStore", "dialect": "sqlite", "db": str(db)}}))
    server, other_replica = store_on(db, domain), store_on(db, domain)
    for number in range(3):
        run(take_turn(server, number))
    assert run(server.retrieve(SENDER)) is not None
    assert forget("visitor-1", endpoints) == 3 + 3 * 6
    assert run(server.retrieve(SENDER)) is None
    run(take_turn(server, 4))  # the visitor writes again: only the new conversation
    run(take_turn(other_replica, 5))
    assert [e.text for e in run(server.retrieve(SENDER)).events if isinstance(e, UserUttered)] == ["question 4", "question 5"]


def test_a_conversation_forgotten_and_begun_again_on_another_replica_is_not_mixed_with_the_old(
    tmp_path: Path, domain: Domain
) -> None:
    db = tmp_path / "rasa.db"
    server, other_replica = store_on(db, domain), store_on(db, domain)
    for number in range(3):
        run(take_turn(server, number))
    with sqlite3.connect(db) as connection:  # what `make forget` does
        connection.execute("DELETE FROM events WHERE sender_id = ?", (SENDER,))
    run(take_turn(other_replica, 9))  # newer row ids than the server cached, fewer rows
    texts = [e.text for e in run(server.retrieve(SENDER)).events if isinstance(e, UserUttered)]
    assert texts == ["question 9"]


def test_a_new_session_is_read_as_rasa_reads_it(tmp_path: Path, domain: Domain) -> None:
    db = tmp_path / "rasa.db"
    store, rasa_store = store_on(db, domain), SQLTrackerStore(domain=domain, db=str(db))
    run(take_turn(store, 1))
    tracker = run(store.retrieve(SENDER))
    time.sleep(0.01)  # the new session's start is later than the old session's events
    tracker.update_with_events([ActionExecuted("action_session_start"), SessionStarted(),
                                SlotSet("language", "en"), ActionExecuted("action_listen")], None)
    tracker.update_with_events(a_turn(2), None)
    run(store.save(tracker))
    run(take_turn(store, 3))
    assert state(run(store.retrieve(SENDER))) == state(run(rasa_store.retrieve(SENDER)))
    assert "question 1" not in [e.text for e in run(store.retrieve(SENDER)).events if isinstance(e, UserUttered)]


def test_the_cache_drops_the_least_recently_used_conversation_beyond_its_events() -> None:
    cache = SessionCache(max_events=10)
    session = CachedSession(tuple(ActionExecuted("action_listen") for _ in range(4)), 4, 4, 4, None)
    for name in ("a", "b"):
        cache.put(name, session)
    cache.get("a")
    cache.put("c", session)  # 12 events: b, the least recently used, goes
    assert cache.get("b") is None and cache.get("a") is session and cache.get("c") is session
    assert cache.cached_events == 8
    cache.put("long", CachedSession(tuple(ActionExecuted("action_listen") for _ in range(11)), 11, 11, 11, None))
    assert cache.get("long") is None and cache.cached_events == 8


def test_a_store_without_cache_reads_the_database_every_time(tmp_path: Path, domain: Domain) -> None:
    store = store_on(tmp_path / "rasa.db", domain, cached_events=0)
    run(take_turn(store, 1))
    run(take_turn(store, 2))
    assert len(store.sessions) == 0 and stored_rows(tmp_path / "rasa.db") == 3 + 2 * 6
