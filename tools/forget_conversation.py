"""Delete everything the assistant stored about one conversation (every message and event of a sender id).

Usage: python -m tools.forget_conversation SENDER_ID [--endpoints endpoints.yml]
(or `make forget SENDER=...`). Works on the SQL tracker store of the endpoints file
(SQLite var/rasa.db by default; PostgreSQL the same way). Prints how many events were deleted.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict

from tools.servers import PROJECT_DIR


def tracker_store_config(endpoints: Path) -> Dict[str, Any]:
    """The tracker_store section of an endpoints file (with ${ENV} variables filled in)."""
    from rasa.utils.endpoints import read_endpoint_config

    config = read_endpoint_config(str(endpoints), "tracker_store")
    if config is None or (config.type or "").lower() != "sql":
        raise SystemExit(f"{endpoints} has no SQL tracker_store: nothing this command can delete from.")
    return dict(config.kwargs, **({"host": config.url} if config.url else {}))


def forget(sender_id: str, endpoints: Path) -> int:
    """Delete every stored event of `sender_id`; the number of events deleted."""
    from rasa.core.tracker_store import SQLTrackerStore

    store = SQLTrackerStore(domain=None, **tracker_store_config(endpoints))
    with store.session_scope() as session:
        deleted = session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender_id).delete()
        session.commit()
    store.engine.dispose()
    return int(deleted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sender_id", help="the conversation's sender id (REST 'sender', widget session id, SMS number)")
    parser.add_argument("--endpoints", type=Path, default=PROJECT_DIR / "endpoints.yml")
    args = parser.parse_args()
    if not args.sender_id.strip():
        parser.error("give the sender id of the conversation to delete")
    deleted = forget(args.sender_id, args.endpoints)
    print(f"Deleted {deleted} stored events of conversation {args.sender_id!r}.")
    sys.exit(0)


if __name__ == "__main__":
    main()
