"""Rasa's SQL tracker store as this assistant runs it (endpoints `type:`), on PostgreSQL or SQLite.

Same tables and behaviour as Rasa's SQLTrackerStore; on start it gives conversations stored
before sender ids carried their channel the channel in front (stores/channel_sender_ids.py).
Subclasses tune the engine (stores/sqlite_tracker_store.py: WAL and pooled connections for SQLite).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from stores import channel_sender_ids


class ClinicSQLTrackerStore(SQLTrackerStore):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.engine = self.tuned_engine(self.engine)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        channel_sender_ids.migrate(self.engine)

    def tuned_engine(self, engine: sa.engine.Engine) -> sa.engine.Engine:
        """The engine to use instead of Rasa's (the same one here)."""
        return engine
