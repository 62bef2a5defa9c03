"""Wait for a store that is restarting instead of losing the visitor's message.

PostgreSQL or Redis killed and started again is unreachable for a few seconds. A turn that meets
it waits (without blocking the server: the waits are asyncio sleeps) and goes on when the store is
back, so its message reaches the tracker store; the visitor meanwhile gets the apology once the
channel's reply timeout passes (channels/never_silent.py), since the turn is shielded from it.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import time
from typing import Any, Callable, Tuple, Type, TypeVar

import redis
import sqlalchemy as sa

logger = logging.getLogger(__name__)

Result = TypeVar("Result")

#: Seconds a turn waits for its store. `make test-faults` kills PostgreSQL and Redis for 5 s; each
#: answers 0.3-1.3 s after its restart. Longer than Rasa's 60 s lock lifetime would be pointless.
WAIT_SECONDS = 30.0
#: Seconds between attempts (doubling from the first up to the last).
FIRST_PAUSE, LONGEST_PAUSE = 0.2, 2.0
#: What Redis raises while it is down or restarting.
REDIS_UNREACHABLE: Tuple[Type[BaseException], ...] = (redis.ConnectionError, redis.TimeoutError)


def _postgres_unreachable() -> Tuple[Type[BaseException], ...]:
    try:
        import psycopg2
    except ImportError:
        return ()
    return (psycopg2.OperationalError, psycopg2.InterfaceError)


def _is_unreachable(error: BaseException) -> bool:
    """The store is down or restarting (not a query error, nor a locked SQLite file: those fail at once)."""
    if isinstance(error, REDIS_UNREACHABLE):
        return True
    if not isinstance(error, sa.exc.DBAPIError):
        return False
    return bool(error.connection_invalidated) or isinstance(error.orig, _postgres_unreachable())


async def when_reachable(call: Callable[..., Any], *args: Any, wait_seconds: float = WAIT_SECONDS) -> Any:
    """`call(*args)` (a function or a coroutine function), retried while its store is unreachable."""
    deadline = time.monotonic() + wait_seconds
    pause = FIRST_PAUSE
    while True:
        try:
            result = call(*args)
            return await result if inspect.isawaitable(result) else result
        except Exception as error:
            if not _is_unreachable(error) or time.monotonic() + pause > deadline:
                raise
            logger.warning("Store unreachable (%s): trying again in %.1f s", type(error).__name__, pause)
        await asyncio.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)
