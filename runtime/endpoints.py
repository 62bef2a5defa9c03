"""Build the Rasa endpoints file from the environment: SQLite by default, PostgreSQL + Redis when set.

Rasa's own `${VAR}` substitution in endpoints.yml raises when a variable is unset,
so one endpoints.yml cannot serve both the single-machine default and a scaled-out
deployment. This plain module (no Rasa import) writes the file instead:

- ACTION_SERVER_URL  the action server's webhook (default http://127.0.0.1:5055/webhook)
- DATABASE_URL       postgresql://user:password@host:port/db  -> SQL tracker store on PostgreSQL
- REDIS_URL          redis://[:password@]host:port/db          -> Redis lock store (one conversation
                     is processed by one replica at a time; stores/redis_lock.py: Rasa's RedisLockStore
                     with atomic ticket updates)
- SQLITE_DB          the SQLite file when DATABASE_URL is unset (default var/rasa.db)
- ACTION_SERVER_TOKEN  the secret the Rasa server sends the action server with every call
                     (header X-Action-Token; the file names the variable, Rasa fills it in)

Usage: python -m runtime.endpoints OUT.yml   (the container entrypoint does this before `rasa run`)
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict, Mapping, Optional
from urllib.parse import unquote, urlsplit

import yaml

from stores import DATABASE_URL_VAR

ACTION_URL_VAR = "ACTION_SERVER_URL"
REDIS_URL_VAR = "REDIS_URL"
SQLITE_DB_VAR = "SQLITE_DB"
#: The action server accepts calls only with this secret (runtime/action_server.py).
ACTION_TOKEN_VAR = "ACTION_SERVER_TOKEN"
ACTION_TOKEN_HEADER = "X-Action-Token"
#: Every variable this module reads (the deployment files set exactly these; a test checks it).
ENV_VARS = (ACTION_URL_VAR, DATABASE_URL_VAR, REDIS_URL_VAR, SQLITE_DB_VAR, ACTION_TOKEN_VAR)

DEFAULT_ACTION_URL = "http://127.0.0.1:5055/webhook"
DEFAULT_SQLITE_DB = "var/rasa.db"
POSTGRES_SCHEMES = ("postgresql", "postgres")
POSTGRES_DEFAULT_PORT = 5432
REDIS_DEFAULT_PORT = 6379
#: Keys of this assistant in a Redis that other apps may share.
LOCK_KEY_PREFIX = "bliss"
#: Rasa's RedisLockStore, with atomic ticket updates (Rasa's own races between replicas: see the module)
LOCK_STORE_TYPE = "stores.redis_lock.AtomicRedisLockStore"


class EndpointsConfigError(ValueError):
    """A store URL in the environment cannot be used; the message says which and why."""


#: The SQLite tracker store class (stores/sqlite_tracker_store.py): Rasa's SQLTrackerStore, tuned.
SQLITE_TRACKER_STORE = "stores.sqlite_tracker_store.SQLiteTrackerStore"
#: The PostgreSQL one (stores/sql_tracker_store.py): Rasa's, with the sender id migration.
SQL_TRACKER_STORE = "stores.sql_tracker_store.ClinicSQLTrackerStore"
#: Both: SQL tracker stores that `make forget` can delete from.
SQL_TRACKER_STORES = (SQLITE_TRACKER_STORE, SQL_TRACKER_STORE)

def postgres_tracker_store(url: str) -> Dict[str, Any]:
    """Rasa's SQL tracker store settings for a postgresql:// URL (password percent-decoded)."""
    parts = urlsplit(url)
    database = parts.path.lstrip("/")
    if parts.scheme not in POSTGRES_SCHEMES or not parts.hostname or not database:
        raise EndpointsConfigError(
            f"{DATABASE_URL_VAR} must look like postgresql://user:password@host:5432/database "
            f"(got scheme {parts.scheme!r}, host {parts.hostname!r}, database {database!r})"
        )
    store: Dict[str, Any] = {
        "type": SQL_TRACKER_STORE,
        "dialect": "postgresql",
        "url": parts.hostname,
        "port": parts.port or POSTGRES_DEFAULT_PORT,
        "db": unquote(database),
    }
    if parts.username:
        store["username"] = unquote(parts.username)
    if parts.password:
        store["password"] = unquote(parts.password)
    return store


def redis_lock_store(url: str) -> Dict[str, Any]:
    """Rasa's Redis lock store settings for a redis:// URL (Rasa wants host, port, db apart)."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise EndpointsConfigError(
            f"{REDIS_URL_VAR} must look like redis://[:password@]host:6379/0 "
            f"(got scheme {parts.scheme!r}, host {parts.hostname!r})"
        )
    db = parts.path.lstrip("/") or "0"
    if not db.isdigit():
        raise EndpointsConfigError(f"{REDIS_URL_VAR}: the database after the last / must be a number, got {db!r}")
    store: Dict[str, Any] = {
        "type": LOCK_STORE_TYPE,
        "url": parts.hostname,
        "port": parts.port or REDIS_DEFAULT_PORT,
        "db": int(db),
        "key_prefix": LOCK_KEY_PREFIX,
    }
    if parts.password:
        store["password"] = unquote(parts.password)
    if parts.scheme == "rediss":
        store["use_ssl"] = True
    return store


def action_endpoint(url: str) -> Dict[str, Any]:
    """The action server's endpoint: its URL and the token header (Rasa reads the value from the environment)."""
    return {"url": url, "headers": {ACTION_TOKEN_HEADER: "${" + ACTION_TOKEN_VAR + "}"}}


def endpoints_config(
    env: Mapping[str, str], action_url: Optional[str] = None, sqlite_db: Optional[str] = None
) -> Dict[str, Any]:
    """The endpoints as a dict: arguments win over the environment, the environment over defaults."""
    action_url = action_url or env.get(ACTION_URL_VAR) or DEFAULT_ACTION_URL
    config: Dict[str, Any] = {"action_endpoint": action_endpoint(action_url)}
    if env.get(DATABASE_URL_VAR):
        config["tracker_store"] = postgres_tracker_store(env[DATABASE_URL_VAR])
    else:
        sqlite_db = sqlite_db or env.get(SQLITE_DB_VAR) or DEFAULT_SQLITE_DB
        # Rasa's SQL store on SQLite in WAL mode with pooled connections (docs/PERFORMANCE.md)
        config["tracker_store"] = {"type": SQLITE_TRACKER_STORE, "dialect": "sqlite", "db": str(sqlite_db)}
    if env.get(REDIS_URL_VAR):
        config["lock_store"] = redis_lock_store(env[REDIS_URL_VAR])
    return config


def uses_production_stores(env: Mapping[str, str]) -> bool:
    """True when the environment asks for PostgreSQL or Redis instead of the SQLite default."""
    return bool(env.get(DATABASE_URL_VAR) or env.get(REDIS_URL_VAR))


def write_endpoints_file(path: Path, config: Dict[str, Any]) -> Path:
    """Write `config` as YAML (created readable by the owner only: it may hold passwords)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(
        "# Generated by runtime/endpoints.py from the environment; do not edit.\n" + yaml.safe_dump(config),
        encoding="utf-8",
    )
    return path


def main(argv: Optional[list] = None) -> int:
    import os

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        config = endpoints_config(os.environ)
    except EndpointsConfigError as error:
        print(f"runtime.endpoints: {error}", file=sys.stderr)
        return 1
    write_endpoints_file(Path(args[0]), config)
    kind = config["tracker_store"]["dialect"] + (" + redis lock store" if "lock_store" in config else "")
    print(f"runtime.endpoints: wrote {args[0]} ({kind})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
