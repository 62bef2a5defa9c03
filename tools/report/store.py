"""The stored events the report needs, read straight from Rasa's SQL tracker store table `events`.

Where the store is: `--db FILE` (a SQLite file), else the environment as the servers read it
(runtime/endpoints.py: PostgreSQL when DATABASE_URL is set, else SQLITE_DB or var/rasa.db).
A conversation deleted with `make forget` has no rows left, so it is not in the report.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Optional

import sqlalchemy as sa

from runtime.endpoints import endpoints_config

#: Actions that are not a reply to the visitor (the report skips their rows).
NOT_A_REPLY = ("action_listen", "action_session_start")


@dataclass(frozen=True)
class StoredEvent:
    """One row of the `events` table; `data` is parsed only when asked for (most rows never are)."""

    conversation: str  # "<channel>:<sender>"
    kind: str  # "user", "bot" or "action"
    timestamp: float
    action: Optional[str]
    raw: str

    @property
    def data(self) -> Dict[str, Any]:
        return json.loads(self.raw)


def engine_url(env: Mapping[str, str], sqlite_db: Optional[Path] = None) -> sa.engine.URL:
    """The SQLAlchemy URL of the tracker store: `sqlite_db`, else the one the environment chooses."""
    if sqlite_db is not None:
        return sa.engine.URL.create("sqlite", database=str(sqlite_db))
    store = endpoints_config(env)["tracker_store"]
    if store["dialect"] == "sqlite":
        return sa.engine.URL.create("sqlite", database=str(store["db"]))
    return sa.engine.URL.create(
        "postgresql", username=store.get("username"), password=store.get("password"),
        host=store["url"], port=store["port"], database=store["db"],
    )


def day_start(day: str) -> float:
    """The UTC time stamp of the start of `day` ("2026-12-01")."""
    return datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp()


def stored_events(
    url: sa.engine.URL, since: Optional[str] = None, until: Optional[str] = None
) -> Iterator[StoredEvent]:
    """The user, bot and reply-action events from the start of `since` to the end of `until` (UTC days),
    grouped by conversation, in the order they were stored."""
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        raise FileNotFoundError(f"no tracker store at {url.database} (has the assistant run here?)")
    query = (
        "SELECT sender_id, type_name, timestamp, action_name, data FROM events "
        "WHERE type_name IN ('user', 'bot', 'action') "
        "AND (action_name IS NULL OR action_name NOT IN :skipped)"
    )
    params: Dict[str, Any] = {"skipped": NOT_A_REPLY}
    if since:
        query += " AND timestamp >= :since"
        params["since"] = day_start(since)
    if until:
        query += " AND timestamp < :until"
        params["until"] = day_start(until) + 86400
    statement = sa.text(query + " ORDER BY sender_id, id").bindparams(sa.bindparam("skipped", expanding=True))
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            for row in connection.execute(statement, params):
                yield StoredEvent(row[0], row[1], float(row[2]), row[3], row[4])
    finally:
        engine.dispose()
