"""What a channel's conversations left in the tracker store (for tests)."""
from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import List

from channels.incoming import conversation_id


def user_texts(tracker_db: Path, sender: str, channel: str = "twilio_sms") -> List[str]:
    """The user messages Rasa processed for `sender`'s conversation on `channel`, from the tracker store (SQLite)."""
    with closing(sqlite3.connect(tracker_db)) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (conversation_id(channel, sender),),
        ).fetchall()
    return [json.loads(row[0]).get("text") for row in rows]
