"""A store that is restarting is waited for; a query error or a locked SQLite file fails at once (stores/reachable.py)."""
from __future__ import annotations

import asyncio
import sqlite3
from typing import List

import pytest
import redis
import sqlalchemy as sa

from stores import reachable
from stores.reachable import when_reachable


def flaky(failures: List[BaseException]):  # type: ignore[no-untyped-def]
    calls = []

    def call() -> str:
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return "done"

    return call, calls


def test_a_restarting_redis_is_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reachable, "FIRST_PAUSE", 0.01)
    call, calls = flaky([redis.ConnectionError("down"), redis.ConnectionError("down")])
    assert asyncio.run(when_reachable(call)) == "done"
    assert len(calls) == 3


def test_an_unreachable_store_fails_after_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reachable, "FIRST_PAUSE", 0.01)
    call, _ = flaky([redis.ConnectionError("down")] * 100)
    with pytest.raises(redis.ConnectionError):
        asyncio.run(when_reachable(call, wait_seconds=0.05))


@pytest.mark.parametrize("error", [
    ValueError("a bug"),
    sa.exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")),
])
def test_other_errors_fail_at_once(error: BaseException) -> None:
    call, calls = flaky([error])
    with pytest.raises(type(error)):
        asyncio.run(when_reachable(call))
    assert len(calls) == 1


def test_a_coroutine_function_is_awaited() -> None:
    async def answer(value: int) -> int:
        return value * 2

    assert asyncio.run(when_reachable(answer, 21)) == 42
