"""What the SMS channel remembers per phone number: opt-outs, the last numbered options offered,
and the MessageSids already answered (Twilio may deliver a message twice).

Plain Python with SQLAlchemy Core, on the same database as the tracker store: SQLite by default
(a file, `SMS_STORE_PATH`), PostgreSQL whenever the tracker store is (`DATABASE_URL`), so every
replica shares the opt-outs, the options and the answered deliveries. A few small writes per text.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional, Union

import sqlalchemy as sa

#: A MessageSid is remembered this long; Twilio's retries come within minutes.
DELIVERY_MEMORY_SECONDS = 7 * 24 * 3600

#: The tables keep the names of the SQLite file of earlier versions, so its opt-outs stay in force.
METADATA = sa.MetaData()
OPT_OUTS = sa.Table(
    "opt_outs", METADATA,
    sa.Column("phone", sa.String(64), primary_key=True), sa.Column("since", sa.Float, nullable=False),
)
OPTIONS = sa.Table(
    "options", METADATA,
    sa.Column("phone", sa.String(64), primary_key=True), sa.Column("payloads", sa.Text, nullable=False),
)
DELIVERIES = sa.Table(
    "deliveries", METADATA,
    sa.Column("message_sid", sa.String(64), primary_key=True),
    sa.Column("phone", sa.String(64), nullable=False),
    sa.Column("received", sa.Float, nullable=False),  # when it was claimed
    sa.Column("twiml", sa.Text),  # the reply, once sent
)
sa.Index("deliveries_received", DELIVERIES.c.received)


@dataclass(frozen=True)
class Delivery:
    phone: str
    claimed_at: float
    twiml: Optional[str]


def database_url(path_or_url: Union[str, Path]) -> str:
    """An SQLAlchemy URL: a postgresql:// URL as it is, else the SQLite file at the path."""
    text = str(path_or_url)
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql" + text[text.index("://"):]
    Path(text).parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{text}"


#: Attempts at creating the tables: replicas starting at once on an empty PostgreSQL all try to.
CREATE_ATTEMPTS = 3


def create_tables(engine: sa.engine.Engine) -> None:
    """The tables, if missing. Two replicas starting at once both issue CREATE TABLE; one fails
    (a unique violation in pg_type: `make test-faults` saw a replica exit on it); trying again
    finds the tables there."""
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        try:
            METADATA.create_all(engine)
            return
        except (sa.exc.IntegrityError, sa.exc.ProgrammingError):
            if attempt == CREATE_ATTEMPTS:
                raise
            time.sleep(0.5)


class SmsStore:
    """Opt-outs, offered options and seen deliveries of the SMS channel."""

    def __init__(self, path_or_url: Union[str, Path]) -> None:
        url = database_url(path_or_url)
        self.dialect = url.split(":", 1)[0]
        options = {"connect_args": {"timeout": 5}} if self.dialect == "sqlite" else {"pool_pre_ping": True}
        self.engine = sa.create_engine(url, **options)
        create_tables(self.engine)

    def _insert(self, table: sa.Table) -> Any:
        if self.dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        return insert(table)

    # Opt-outs (STOP ... START)
    def is_opted_out(self, phone: str) -> bool:
        with self.engine.connect() as connection:
            return connection.execute(sa.select(OPT_OUTS.c.phone).where(OPT_OUTS.c.phone == phone)).first() is not None

    def opt_out(self, phone: str) -> bool:
        """Record the opt-out; False if the number was already opted out."""
        with self.engine.begin() as connection:
            result = connection.execute(self._insert(OPT_OUTS).values(phone=phone, since=time.time())
                                        .on_conflict_do_nothing(index_elements=["phone"]))
            return result.rowcount == 1

    def opt_in(self, phone: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(OPT_OUTS.delete().where(OPT_OUTS.c.phone == phone))

    # Numbered options ("Reply 1 for ...")
    def set_options(self, phone: str, payloads: List[str]) -> None:
        with self.engine.begin() as connection:
            if payloads:
                statement = self._insert(OPTIONS).values(phone=phone, payloads=json.dumps(payloads))
                connection.execute(statement.on_conflict_do_update(
                    index_elements=["phone"], set_={"payloads": statement.excluded.payloads}))
            else:
                connection.execute(OPTIONS.delete().where(OPTIONS.c.phone == phone))

    def option(self, phone: str, number: int) -> Optional[str]:
        """The payload of option `number` (1-based) last offered to this phone, if any."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(OPTIONS.c.payloads).where(OPTIONS.c.phone == phone)).first()
        payloads = json.loads(row[0]) if row else []
        return payloads[number - 1] if 1 <= number <= len(payloads) else None

    # Deliveries (MessageSid), so a retried delivery is never answered twice
    def claim_delivery(self, message_sid: str, phone: str) -> bool:
        """True if this MessageSid is new (and is now claimed); False if it was seen before."""
        now = time.time()
        with self.engine.begin() as connection:
            connection.execute(DELIVERIES.delete().where(DELIVERIES.c.received < now - DELIVERY_MEMORY_SECONDS))
            result = connection.execute(self._insert(DELIVERIES).values(
                message_sid=message_sid, phone=phone, received=now, twiml=None,
            ).on_conflict_do_nothing(index_elements=["message_sid"]))
            return result.rowcount == 1

    def take_over_delivery(self, message_sid: str, claimed_at: float) -> bool:
        """Claim a delivery whose first claim was abandoned (its server died); False if another took it."""
        with self.engine.begin() as connection:
            result = connection.execute(
                DELIVERIES.update()
                .where(DELIVERIES.c.message_sid == message_sid, DELIVERIES.c.received == claimed_at,
                       DELIVERIES.c.twiml.is_(None))
                .values(received=time.time())
            )
            return result.rowcount == 1

    def finish_delivery(self, message_sid: str, twiml: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(DELIVERIES.update().where(DELIVERIES.c.message_sid == message_sid).values(twiml=twiml))

    def delivery(self, message_sid: str) -> Optional[Delivery]:
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(DELIVERIES.c.phone, DELIVERIES.c.received, DELIVERIES.c.twiml)
                .where(DELIVERIES.c.message_sid == message_sid)
            ).first()
        return Delivery(row[0], row[1], row[2]) if row else None

    def delivery_reply(self, message_sid: str) -> Optional[str]:
        """The TwiML already returned for this MessageSid (None while it is still being answered)."""
        delivery = self.delivery(message_sid)
        return delivery.twiml if delivery else None

    def forget(self, phone: str) -> int:
        """Delete the options and remembered replies of `phone` (an opt-out is kept); the rows deleted."""
        with self.engine.begin() as connection:
            return sum(connection.execute(table.delete().where(table.c.phone == phone)).rowcount
                       for table in (OPTIONS, DELIVERIES))
