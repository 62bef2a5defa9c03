"""What the SMS channel remembers per phone number, in SQLite: opt-outs, the last numbered
options offered, and the MessageSids already answered (Twilio may deliver a message twice).

Plain Python (sqlite3). One short connection per call: the channel makes a few
small writes per text message, and the file survives restarts of the server.
"""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

#: A MessageSid is remembered this long; Twilio's retries come within minutes.
DELIVERY_MEMORY_SECONDS = 7 * 24 * 3600

SCHEMA = """
CREATE TABLE IF NOT EXISTS opt_outs (phone TEXT PRIMARY KEY, since REAL NOT NULL);
CREATE TABLE IF NOT EXISTS options (phone TEXT PRIMARY KEY, payloads TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    message_sid TEXT PRIMARY KEY, phone TEXT NOT NULL, received REAL NOT NULL, twiml TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_received ON deliveries (received);
"""


class SmsStore:
    """Opt-outs, offered options and seen deliveries of the SMS channel, in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as connection:
            connection.executescript(SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=5)) as connection:
            with connection:  # commit, or roll back on error
                yield connection

    # Opt-outs (STOP ... START)
    def is_opted_out(self, phone: str) -> bool:
        with self._connection() as connection:
            return connection.execute("SELECT 1 FROM opt_outs WHERE phone = ?", (phone,)).fetchone() is not None

    def opt_out(self, phone: str) -> bool:
        """Record the opt-out; False if the number was already opted out."""
        with self._connection() as connection:
            cursor = connection.execute("INSERT OR IGNORE INTO opt_outs VALUES (?, ?)", (phone, time.time()))
            return cursor.rowcount == 1

    def opt_in(self, phone: str) -> None:
        with self._connection() as connection:
            connection.execute("DELETE FROM opt_outs WHERE phone = ?", (phone,))

    # Numbered options ("Reply 1 for ...")
    def set_options(self, phone: str, payloads: List[str]) -> None:
        with self._connection() as connection:
            if payloads:
                connection.execute("INSERT OR REPLACE INTO options VALUES (?, ?)", (phone, json.dumps(payloads)))
            else:
                connection.execute("DELETE FROM options WHERE phone = ?", (phone,))

    def option(self, phone: str, number: int) -> Optional[str]:
        """The payload of option `number` (1-based) last offered to this phone, if any."""
        with self._connection() as connection:
            row = connection.execute("SELECT payloads FROM options WHERE phone = ?", (phone,)).fetchone()
        payloads = json.loads(row[0]) if row else []
        return payloads[number - 1] if 1 <= number <= len(payloads) else None

    # Deliveries (MessageSid), so a retried delivery is never answered twice
    def claim_delivery(self, message_sid: str, phone: str) -> bool:
        """True if this MessageSid is new (and is now claimed); False if it was seen before."""
        now = time.time()
        with self._connection() as connection:
            connection.execute("DELETE FROM deliveries WHERE received < ?", (now - DELIVERY_MEMORY_SECONDS,))
            cursor = connection.execute(
                "INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?, NULL)", (message_sid, phone, now)
            )
            return cursor.rowcount == 1

    def finish_delivery(self, message_sid: str, twiml: str) -> None:
        with self._connection() as connection:
            connection.execute("UPDATE deliveries SET twiml = ? WHERE message_sid = ?", (twiml, message_sid))

    def delivery_reply(self, message_sid: str) -> Optional[str]:
        """The TwiML already returned for this MessageSid (None while it is still being answered)."""
        with self._connection() as connection:
            row = connection.execute("SELECT twiml FROM deliveries WHERE message_sid = ?", (message_sid,)).fetchone()
        return row[0] if row else None
