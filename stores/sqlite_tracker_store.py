"""Rasa's SQL tracker store on SQLite, with settings for a chat server (endpoints.yml `type:`).

- journal_mode=WAL, synchronous=NORMAL: a commit appends to the write-ahead log instead of
  rewriting and fsyncing the database file twice per turn; readers never wait for the writer.
  Committed turns survive a crash or restart of the server (not a power cut of the last ones).
- a pool of open connections instead of a new connection for each of the 2-3 store round trips
  of every turn (SQLAlchemy 1.4 opens a fresh one per session for file databases).
- busy_timeout 1 s instead of 5 s: the store runs in the server's event loop, so a locked
  file (a backup, an sqlite3 shell) stalls every conversation while it waits; after 1 s the
  turn fails, is logged, and the visitor gets the answer or the apology (never silence).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from stores.sql_tracker_store import ClinicSQLTrackerStore

BUSY_TIMEOUT_MS = 1000
PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _apply_pragmas(connection: Any, record: Any) -> None:
    cursor = connection.cursor()
    for pragma in PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


class SQLiteTrackerStore(ClinicSQLTrackerStore):
    """The clinic's SQL tracker store for a SQLite file (`db:`), WAL mode and pooled connections."""

    def __init__(self, db: str = "rasa.db", **kwargs: Any) -> None:
        kwargs.pop("dialect", None)
        super().__init__(dialect="sqlite", db=db, **kwargs)

    def tuned_engine(self, engine: sa.engine.Engine) -> sa.engine.Engine:
        url = engine.url
        engine.dispose()
        tuned = sa.create_engine(
            url, poolclass=sa.pool.QueuePool, pool_size=2, max_overflow=8,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        sa.event.listen(tuned, "connect", _apply_pragmas)
        return tuned
