"""Give conversations stored before sender ids carried their channel the channel in front, once.

Since channels/incoming.py `conversation_id`, the tracker store's sender id is "<channel>:<sender>"
("twilio_sms:+18505550100", "rest:visitor-1"). A conversation stored earlier under the bare id
is renamed to that form, so a patient who texts again continues it. The channel is the one of
the conversation's own messages (each user event records its `input_channel`); a conversation
without a message (nothing to continue) is left as it is.

Runs when the tracker store starts; a row in `bliss_migrations` records that it ran, so it runs
once per database, also when several replicas start at once (the second waits for the first's
transaction and finds the row).
"""
from __future__ import annotations

import json
import logging
import time
from typing import Dict

import sqlalchemy as sa

logger = logging.getLogger(__name__)

MIGRATION = "channel_sender_ids"
MIGRATIONS_TABLE = sa.table("bliss_migrations", sa.column("name"), sa.column("applied_at"))


def _ensure_migrations_table(connection: sa.engine.Connection) -> None:
    connection.execute(
        sa.text("CREATE TABLE IF NOT EXISTS bliss_migrations (name VARCHAR(64) PRIMARY KEY, applied_at FLOAT)")
    )


def senders_to_rename(connection: sa.engine.Connection) -> Dict[str, str]:
    """Bare sender id -> "<channel>:<sender id>", from the channel of each conversation's messages."""
    renames: Dict[str, str] = {}
    rows = connection.execute(
        sa.text("SELECT sender_id, data FROM events WHERE type_name = 'user' ORDER BY id")
    )
    for sender_id, data in rows:
        try:
            channel = json.loads(data or "{}").get("input_channel")
        except ValueError:
            continue
        if isinstance(channel, str) and channel and not sender_id.startswith(f"{channel}:"):
            renames[sender_id] = f"{channel}:{sender_id}"
    return renames


def migrate(engine: sa.engine.Engine) -> int:
    """Rename the bare sender ids of `engine`'s events table if not done yet; the conversations renamed."""
    if not sa.inspect(engine).has_table("events"):
        return 0  # a new database: every conversation will be stored with its channel
    try:
        with engine.begin() as connection:
            _ensure_migrations_table(connection)
    except sa.exc.DBAPIError:  # two replicas creating it at the same moment: one wins
        logger.info("bliss_migrations was being created by another server")
    try:
        with engine.begin() as connection:
            connection.execute(MIGRATIONS_TABLE.insert().values(name=MIGRATION, applied_at=time.time()))
            renames = senders_to_rename(connection)
            for old, new in renames.items():
                connection.execute(
                    sa.text("UPDATE events SET sender_id = :new WHERE sender_id = :old"), {"new": new, "old": old}
                )
    except sa.exc.IntegrityError:
        return 0  # done before (or by another replica just now)
    if renames:
        logger.info("Tracker store: %d stored conversations now carry their channel in the sender id", len(renames))
    return len(renames)
