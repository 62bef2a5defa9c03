"""The current session's events of recent conversations, kept between turns in one server process.

Rasa's SQLTrackerStore reads every event of the session and deserialises it again on every turn:
`make profile` measured an 80-message conversation (548 events) at 95 ms a retrieve, 50 of them in
`deserialise_events` and 21 in building ORM rows; the replay into a tracker is 1 ms. So the store
keeps the deserialised events of each conversation it served, with what the database held when it
read them (how many rows of the sender, the newest row id), and builds the tracker from them again
(stores/sql_tracker_store.py checks the database before using them). Plain Python, no Rasa import
beyond the Event type, so it is easy to test.

The Event objects are shared between the cache and the trackers built from them, as Rasa's own
`DialogueStateTracker.copy()` shares them: the tracker (its event list, slots, loop) is new each time.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

from rasa.shared.core.events import Event

#: Events kept over all conversations. A stored event takes 2.3 KB deserialised (tracemalloc over
#: the 548 events of an 80-message conversation: 1.24 MB), so this is about 115 MB: some 700
#: conversations of 10 messages (7 events each), the least recently used dropped first.
MAX_CACHED_EVENTS = 50_000


@dataclass(frozen=True)
class CachedSession:
    """A conversation's current session as read from the store, and the store's state when read."""

    events: Tuple[Event, ...]  # the session's events, in row-id order (what Rasa's session query returns)
    session_rows: int  # the rows they came from (Rasa's save counts rows; a row that fails to deserialise has none)
    stored_rows: int  # rows of the sender in the events table (all sessions)
    newest_id: int  # the largest row id of the sender
    session_start: Optional[float]  # the newest SessionStarted timestamp (None: no session start stored)

    def extended(self, events: Sequence[Event], rows: int, stored_rows: int, newest_id: int) -> "CachedSession":
        """This session with `events` (from `rows` more session rows) after it."""
        return CachedSession(self.events + tuple(events), self.session_rows + rows, stored_rows, newest_id,
                             self.session_start)


class SessionCache:
    """A bounded least-recently-used map of conversation id -> CachedSession."""

    def __init__(self, max_events: int = MAX_CACHED_EVENTS) -> None:
        self.max_events = max_events
        self._sessions: "OrderedDict[str, CachedSession]" = OrderedDict()
        self._events = 0

    def __len__(self) -> int:
        return len(self._sessions)

    @property
    def cached_events(self) -> int:
        return self._events

    def get(self, conversation_id: str) -> Optional[CachedSession]:
        session = self._sessions.get(conversation_id)
        if session is not None:
            self._sessions.move_to_end(conversation_id)
        return session

    def put(self, conversation_id: str, session: CachedSession) -> None:
        self.forget(conversation_id)
        if len(session.events) > self.max_events:
            return  # a conversation longer than the whole cache is read from the store each time
        self._sessions[conversation_id] = session
        self._events += len(session.events)
        while self._events > self.max_events:
            _, dropped = self._sessions.popitem(last=False)
            self._events -= len(dropped.events)

    def forget(self, conversation_id: str) -> None:
        dropped = self._sessions.pop(conversation_id, None)
        if dropped is not None:
            self._events -= len(dropped.events)
