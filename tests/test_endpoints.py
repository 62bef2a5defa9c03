"""Store selection by environment: SQLite by default, PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set.

The generated files are read back with Rasa's own endpoint reader and lock store class,
so the keys are the ones Rasa 3.6 understands.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.core.utils import AvailableEndpoints

from stores.redis_lock import AtomicRedisLockStore
from runtime.endpoints import (
    ACTION_TOKEN_HEADER,
    ACTION_TOKEN_VAR,
    SQL_TRACKER_STORE,
    SQLITE_TRACKER_STORE,
    EndpointsConfigError,
    endpoints_config,
    main,
    write_endpoints_file,
)
from runtime.rasa_server import command, prepare
from runtime.servers import DEFAULT_CREDENTIALS, SOCKETIO_CHANNEL
from runtime.servers import write_endpoints

PRODUCTION_ENV = {
    "ACTION_SERVER_URL": "http://actions:5055/webhook",
    "DATABASE_URL": "postgresql://bliss:p%40ss%2Fword@db.internal:6543/bliss",
    "REDIS_URL": "redis://:s3cret@redis.internal:6380/2",
}


def read_back(tmp_path: Path, env: dict) -> AvailableEndpoints:
    return AvailableEndpoints.read_endpoints(str(write_endpoints_file(tmp_path / "endpoints.yml", endpoints_config(env))))


def test_without_store_variables_the_sqlite_default_stays(tmp_path: Path) -> None:
    endpoints = read_back(tmp_path, {})
    assert endpoints.tracker_store.kwargs == {"dialect": "sqlite", "db": "var/rasa.db"}
    assert endpoints.lock_store is None
    assert endpoints.action.url == "http://127.0.0.1:5055/webhook"
    assert endpoints_config({}) == yaml.safe_load((Path(__file__).parent.parent / "endpoints.yml").read_text())


def test_database_url_selects_the_sql_tracker_store_on_postgresql(tmp_path: Path) -> None:
    store = read_back(tmp_path, PRODUCTION_ENV).tracker_store
    assert store.type == SQL_TRACKER_STORE and store.url == "db.internal"
    url = SQLTrackerStore.get_db_url(
        store.kwargs["dialect"], store.url, store.kwargs["port"], store.kwargs["db"],
        store.kwargs["username"], store.kwargs["password"],
    )
    assert url.drivername == "postgresql" and url.host == "db.internal" and url.port == 6543
    assert (url.database, url.username, url.password) == ("bliss", "bliss", "p@ss/word")


def test_redis_url_selects_the_redis_lock_store(tmp_path: Path) -> None:
    lock_store = LockStore.create(read_back(tmp_path, PRODUCTION_ENV).lock_store)
    assert isinstance(lock_store, AtomicRedisLockStore) and isinstance(lock_store, RedisLockStore)
    connection = lock_store.red.connection_pool.connection_kwargs
    assert (connection["host"], connection["port"], connection["db"]) == ("redis.internal", 6380, 2)
    assert connection["password"] == "s3cret"
    assert lock_store.key_prefix.startswith("bliss")


def test_action_server_url_comes_from_the_environment(tmp_path: Path) -> None:
    assert read_back(tmp_path, PRODUCTION_ENV).action.url == "http://actions:5055/webhook"


def test_make_runs_endpoints_file_sends_the_action_token_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ACTION_TOKEN_VAR, "the-token-of-make-run")
    endpoints = AvailableEndpoints.read_endpoints(str(Path(__file__).parent.parent / "endpoints.yml"))
    assert endpoints.action.headers == {ACTION_TOKEN_HEADER: "the-token-of-make-run"}


def test_the_rasa_server_sends_the_action_token_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ACTION_TOKEN_VAR, "a-token-of-this-deployment")
    assert read_back(tmp_path, PRODUCTION_ENV).action.headers == {ACTION_TOKEN_HEADER: "a-token-of-this-deployment"}
    assert "a-token-of-this-deployment" not in (tmp_path / "endpoints.yml").read_text(), "the file names the variable"


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"DATABASE_URL": "mysql://u:p@h/db"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://u:p@h:5432/"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://redis:6379/0"}, "REDIS_URL"),
        ({"REDIS_URL": "redis://redis:6379/locks"}, "REDIS_URL"),
    ],
)
def test_a_malformed_store_url_is_refused_with_the_variable_named(env: dict, variable: str) -> None:
    with pytest.raises(EndpointsConfigError, match=variable):
        endpoints_config(env)


def test_the_cli_writes_the_file_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "endpoints.yml"
    assert main([str(out)]) == 0
    assert yaml.safe_load(out.read_text())["lock_store"]["url"] == "redis.internal"
    assert out.stat().st_mode & 0o077 == 0, "the file holds passwords: owner only"
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.db")
    assert main([str(tmp_path / "bad.yml")]) == 1


def test_write_endpoints_for_tests_keeps_sqlite_unless_given_an_environment(tmp_path: Path) -> None:
    default = yaml.safe_load(write_endpoints(tmp_path / "a.yml", "http://127.0.0.1:1/webhook", tmp_path / "t.db").read_text())
    assert default["tracker_store"] == {"type": SQLITE_TRACKER_STORE, "dialect": "sqlite", "db": str(tmp_path / "t.db")}
    scaled = write_endpoints(tmp_path / "b.yml", "http://127.0.0.1:1/webhook", tmp_path / "t.db", env=PRODUCTION_ENV)
    scaled_config = yaml.safe_load(scaled.read_text())
    assert scaled_config["tracker_store"]["dialect"] == "postgresql"
    assert scaled_config["action_endpoint"]["url"] == "http://127.0.0.1:1/webhook"


def test_the_http_api_stays_off_unless_a_jwt_secret_is_set(tmp_path: Path) -> None:
    without = command({}, "0.0.0.0", 5005, tmp_path / "e.yml")
    assert "--enable-api" not in without and "--jwt-secret" not in without
    with_secret = command({"RASA_JWT_SECRET": "k"}, "0.0.0.0", 5005, tmp_path / "e.yml")
    assert "--enable-api" in with_secret
    assert with_secret[with_secret.index("--jwt-secret") + 1] == "k"


def test_cors_origins_become_the_socketio_channels_only_allowed_origins(tmp_path: Path) -> None:
    assert prepare({}, tmp_path / "endpoints.yml") == DEFAULT_CREDENTIALS
    site = "https://www.example-clinic.com"
    credentials = yaml.safe_load(prepare({"CORS_ORIGINS": site}, tmp_path / "endpoints.yml").read_text())
    assert credentials[SOCKETIO_CHANNEL]["allowed_origins"] == [site]
    assert "channels.rest.ClinicRestInput" in credentials, "the other channels stay as configured"
    args = command({"CORS_ORIGINS": site}, "0.0.0.0", 5005, tmp_path / "e.yml")
    assert args[args.index("--cors") + 1] == site
