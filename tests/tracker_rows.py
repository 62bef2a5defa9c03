"""What the SMS channel's conversations left in the tracker store (for tests)."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import List


def user_texts(tracker_db: Path, phone: str) -> List[str]:
    """The user messages Rasa processed for the SMS conversation of `phone`, from the tracker store (SQLite)."""
    import json

    from channels.incoming import conversation_id
    from channels.twilio_sms import TwilioSmsInput

    with closing(sqlite3.connect(tracker_db)) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (conversation_id(TwilioSmsInput.name(), phone),),
        ).fetchall()
    return [json.loads(row[0]).get("text") for row in rows]
