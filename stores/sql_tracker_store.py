"""Rasa's SQL tracker store as this assistant runs it (endpoints `type:`), on PostgreSQL or SQLite.

Same tables and behaviour as Rasa's SQLTrackerStore; on start it gives conversations stored
before sender ids carried their channel the channel in front (stores/channel_sender_ids.py).
Subclasses tune the engine (stores/sqlite_tracker_store.py: WAL and pooled connections for SQLite).
A database that is restarting is waited for (stores/reachable.py) instead of losing the turn: without
that, `make test-faults` lost 16 of the 41 messages sent while PostgreSQL was killed and restarted,
some of them already answered (the reply was sent, the save failed).
"""
from __future__ import annotations

from typing import Any, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from stores import channel_sender_ids
from stores.reachable import when_reachable


class ClinicSQLTrackerStore(SQLTrackerStore):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.engine = self.tuned_engine(self.engine)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        channel_sender_ids.migrate(self.engine)

    def tuned_engine(self, engine: sa.engine.Engine) -> sa.engine.Engine:
        """The engine to use instead of Rasa's (the same one here)."""
        return engine

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await when_reachable(super().retrieve, sender_id)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        return await when_reachable(super().retrieve_full_tracker, conversation_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save (it stores only the events not stored yet, so trying again never doubles one)."""
        await when_reachable(super().save, tracker)
