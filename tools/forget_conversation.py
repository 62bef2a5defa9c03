"""Delete everything the assistant stored about one conversation (every message and event of a sender id).

Usage: python -m tools.forget_conversation SENDER_ID [--endpoints endpoints.yml] [--sms-store var/sms.db]
(or `make forget SENDER=...`). Works on the SQL tracker store of the endpoints file
(SQLite var/rasa.db by default; PostgreSQL the same way). For an SMS conversation (the sender id
is the phone number) it also deletes the SMS channel's offered options and remembered replies;
an opt-out (STOP) is kept, so the number still gets no texts. Prints what was deleted.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Dict, List

from channels.incoming import channel_sender, conversation_id
from channels.rest import ClinicRestInput
from channels.socketio import ClinicSocketIOInput
from channels.twilio_sms import TwilioSmsInput, sms_store_location
from stores.sms_store import SmsStore
from runtime.endpoints import SQL_TRACKER_STORES, SQLITE_TRACKER_STORE
from runtime.servers import PROJECT_DIR


def tracker_store_config(endpoints: Path) -> Dict[str, Any]:
    """The tracker_store section of an endpoints file (with ${ENV} variables filled in)."""
    from rasa.utils.endpoints import read_endpoint_config

    config = read_endpoint_config(str(endpoints), "tracker_store")
    kind = (config.type or "") if config is not None else ""
    if kind.lower() != "sql" and kind not in SQL_TRACKER_STORES:
        raise SystemExit(f"{endpoints} has no SQL tracker_store: nothing this command can delete from.")
    kwargs = dict(config.kwargs, **({"host": config.url} if config.url else {}))
    if kind == SQLITE_TRACKER_STORE:  # Rasa's SQL store on SQLite, tuned (stores/sqlite_tracker_store.py)
        kwargs["dialect"] = "sqlite"
    return kwargs


def channel_names() -> List[str]:
    return [channel.name() for channel in (ClinicRestInput, ClinicSocketIOInput, TwilioSmsInput)]


def stored_ids(sender_id: str) -> List[str]:
    """The tracker store ids a sender may have: as given, and on each channel ("twilio_sms:+1850...")."""
    return [sender_id] + [conversation_id(channel, sender_id) for channel in channel_names()]


def forget(sender_id: str, endpoints: Path) -> int:
    """Delete every stored event of `sender_id` (on any channel); the number of events deleted."""
    from rasa.core.tracker_store import SQLTrackerStore

    store = SQLTrackerStore(domain=None, **tracker_store_config(endpoints))
    with store.session_scope() as session:
        deleted = session.query(store.SQLEvent).filter(store.SQLEvent.sender_id.in_(stored_ids(sender_id))).delete()
        session.commit()
    store.engine.dispose()
    return int(deleted)


def forget_sms(phone: str, sms_store: str) -> int:
    """Delete the SMS channel's options and remembered replies of `phone`; the number of rows deleted."""
    if "://" not in sms_store and not Path(sms_store).exists():
        return 0
    return SmsStore(sms_store).forget(phone)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "sender_id", help="the conversation's sender id (REST 'sender', widget session id, SMS number), with or without "
        "its channel in front ('twilio_sms:+18505550100')"
    )
    parser.add_argument("--endpoints", type=Path, default=PROJECT_DIR / "endpoints.yml")
    parser.add_argument(
        "--sms-store", default=sms_store_location(None, os.environ),
        help="the SMS store: a SQLite file or the postgresql:// URL (default: as the SMS channel chooses)"
    )
    args = parser.parse_args()
    if not args.sender_id.strip():
        parser.error("give the sender id of the conversation to delete")
    deleted = forget(args.sender_id, args.endpoints)
    sms_rows = forget_sms(channel_sender(TwilioSmsInput.name(), args.sender_id), args.sms_store)
    print(f"Deleted {deleted} stored events of conversation {args.sender_id!r}, {sms_rows} SMS channel rows.")
    sys.exit(0)


if __name__ == "__main__":
    main()
