"""Rasa's SQL tracker store as this assistant runs it (endpoints `type:`), on PostgreSQL or SQLite.

Same tables and behaviour as Rasa's SQLTrackerStore; on start it gives conversations stored
before sender ids carried their channel the channel in front (stores/channel_sender_ids.py).
Subclasses tune the engine (stores/sqlite_tracker_store.py: WAL and pooled connections for SQLite).
A database that is restarting is waited for (stores/reachable.py) instead of losing the turn: without
that, `make test-faults` lost 16 of the 41 messages sent while PostgreSQL was killed and restarted,
some of them already answered (the reply was sent, the save failed).

The current session's events are kept between turns (stores/session_cache.py) instead of being read
and deserialised again on every turn. Each retrieve asks the database, in one statement, how many
rows the sender has, the newest row id and the rows newer than the cached ones: the same count and
id reuse the cache; only newer rows (another replica's turn) are read and appended; anything else (a
deleted conversation, `make forget`, a new session, a row committed late) reads the session again as
Rasa does. Save checks the same two numbers instead of Rasa's count of the session's rows.

The cached path talks to the database in SQLAlchemy Core statements built once, and a turn's new
events go in as one INSERT (executemany) instead of one ORM object and INSERT each: a scratch
loop of retrieve + save over 600 turns on SQLite took 2.9-3.0 ms a turn with the ORM, 0.56-0.65 ms
with this (2 Dec 2026). `make profile`, alternating with the code before: the store's share of the
Rasa server's busy CPU went from 21-29% to 12-16% at 1, 8 and 32 conversations.
"""
from __future__ import annotations

import itertools
import json
from typing import Any, Dict, Iterable, List, Optional, Sequence, Text, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from stores import channel_sender_ids
from stores.reachable import when_reachable
from stores.session_cache import MAX_CACHED_EVENTS, CachedSession, SessionCache


class ClinicSQLTrackerStore(SQLTrackerStore):
    def __init__(self, cached_events: int = MAX_CACHED_EVENTS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.engine = self.tuned_engine(self.engine)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.sessions = SessionCache(int(cached_events))
        # built once: building a statement cost more than running it on SQLite
        self.statements = _Statements(self.SQLEvent.__table__)
        channel_sender_ids.migrate(self.engine)

    def tuned_engine(self, engine: sa.engine.Engine) -> sa.engine.Engine:
        """The engine to use instead of Rasa's (the same one here)."""
        return engine

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await when_reachable(self._retrieve_session, sender_id)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        return await when_reachable(super().retrieve_full_tracker, conversation_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save: only the events not stored yet, so trying again never doubles one (how many are
        stored comes from the cache when the store still holds exactly its rows, else from Rasa's count)."""
        await when_reachable(self._save, tracker)

    # Reading the session: synchronous, like Rasa's, so no other turn of this process runs in between
    def _retrieve_session(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        with self.engine.connect() as connection:
            current = self._current_session(connection, sender_id)
        if not self.domain or current is None or current.session_rows == 0:
            return None
        return DialogueStateTracker.from_events(sender_id, list(current.events), self.domain.slots)

    def _rows_after(self, connection: sa.engine.Connection, sender_id: Text, after: int) -> Tuple[int, int, List[Any]]:
        """(rows of the sender, newest row id, the rows with an id above `after`), from one statement
        so the three agree (one snapshot of the table, also while other replicas write)."""
        result = connection.execute(self.statements.rows_after, {"sender": sender_id, "after": after}).all()
        total, newest = (result[0][0] or 0, result[0][1] or 0) if result else (0, 0)
        return total, newest, [row for row in result if row.id is not None]

    def _totals(self, connection: sa.engine.Connection, sender_id: Text) -> Tuple[int, int]:
        """(rows of the sender, newest row id)."""
        total, newest = connection.execute(self.statements.totals, {"sender": sender_id}).one()
        return total, newest or 0

    def _current_session(self, connection: sa.engine.Connection, sender_id: Text) -> Optional[CachedSession]:
        cached = self.sessions.get(sender_id)
        if cached is not None:
            total, newest, rows = self._rows_after(connection, sender_id, cached.newest_id)
            if total == cached.stored_rows + len(rows) and not any(row.type_name == SessionStarted.type_name for row in rows):
                if rows:
                    in_session = [row for row in rows if _in_session(row.timestamp, cached.session_start)]
                    cached = cached.extended(_events(in_session), len(in_session), total, newest)
                    self.sessions.put(sender_id, cached)
                return cached
        total, newest, rows = self._rows_after(connection, sender_id, 0)
        if total == 0:
            self.sessions.forget(sender_id)
            return None
        starts = [row.timestamp for row in rows if row.type_name == SessionStarted.type_name and row.timestamp is not None]
        session_start = max(starts) if starts else None  # Rasa's session query: max(timestamp) of session_started
        in_session = [row for row in rows if _in_session(row.timestamp, session_start)]
        current = CachedSession(tuple(_events(in_session)), len(in_session), total, newest, session_start)
        self.sessions.put(sender_id, current)
        return current

    # Saving the new events: one INSERT of all of them (executemany), not one ORM insert each
    async def _save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        if not self._save_after_cached_session(tracker):
            self._save_counting_session_rows(tracker)

    def _save_after_cached_session(self, tracker: DialogueStateTracker) -> bool:
        """Store the events after the cached session's, if the store still holds exactly its rows
        (else drop the cache and return False); the cache then holds the new rows too."""
        sender_id = tracker.sender_id
        cached = self.sessions.get(sender_id)
        if cached is None:
            return False
        with self.engine.begin() as connection:
            if self._totals(connection, sender_id) != (cached.stored_rows, cached.newest_id):
                self.sessions.forget(sender_id)
                return False
            rows = self._insert(connection, sender_id, itertools.islice(tracker.events, cached.session_rows, None))
            total, newest = self._totals(connection, sender_id)
        # as a later read would deserialise them, not the objects Rasa holds and may go on changing
        events = deserialise_events([json.loads(row["data"]) for row in rows])
        if total != cached.stored_rows + len(rows) or any(_starts_or_leaves_session(e, cached.session_start) for e in events):
            self.sessions.forget(sender_id)  # read the session from the store next time
        else:
            self.sessions.put(sender_id, cached.extended(events, len(rows), total, newest))
        return True

    def _save_counting_session_rows(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save: the session's rows counted as Rasa counts them, the events after them stored."""
        with self.session_scope() as session:
            stored = self._event_query(session, tracker.sender_id, False).count()
            self._insert(session.connection(), tracker.sender_id, itertools.islice(tracker.events, stored, None))
            session.commit()

    def _insert(self, connection: sa.engine.Connection, sender_id: Text, events: Iterable[Event]) -> List[Dict[str, Any]]:
        """Insert the events table rows of `events` (as Rasa's save writes them); the rows' values."""
        rows = [_row(sender_id, event) for event in events]
        if rows:
            connection.execute(self.statements.insert, rows)
        return rows


class _Statements:
    """The SQL of the clinic's store over Rasa's events table, with the sender (and a row id) as parameters."""

    def __init__(self, table: sa.Table) -> None:
        sender, after = sa.bindparam("sender"), sa.bindparam("after")
        self.totals = (sa.select(sa.func.count().label("total"), sa.func.max(table.c.id).label("newest"))
                       .where(table.c.sender_id == sender))
        totals = self.totals.subquery()
        later = (sa.select(table.c.id, table.c.type_name, table.c.timestamp, table.c.data)
                 .where(table.c.sender_id == sender, table.c.id > after).subquery())
        self.rows_after = (sa.select(totals.c.total, totals.c.newest, later.c.id, later.c.type_name, later.c.timestamp,
                                     later.c.data)
                           .select_from(totals.outerjoin(later, sa.true())).order_by(later.c.id))
        self.insert = table.insert()


def _row(sender_id: Text, event: Event) -> Dict[str, Any]:
    """The events table row of `event`, as Rasa's save writes it."""
    data = event.as_dict()
    return {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"), "data": json.dumps(data)}


def _in_session(timestamp: Optional[float], session_start: Optional[float]) -> bool:
    """Rasa's session filter: `timestamp >= session_start OR session_start IS NULL` (NULL >= x is false)."""
    return session_start is None or (timestamp is not None and timestamp >= session_start)


def _starts_or_leaves_session(event: Event, session_start: Optional[float]) -> bool:
    return isinstance(event, SessionStarted) or not _in_session(event.timestamp, session_start)


def _events(rows: Sequence[Any]) -> List[Event]:
    """The Events of result rows, deserialised as Rasa's retrieve does."""
    return deserialise_events([json.loads(row.data) for row in rows])
