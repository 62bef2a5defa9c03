"""The lock store under contention, against a real Redis: replicas are threads with their own connections.

Rasa's RedisLockStore changes a conversation's ticket queue by read-modify-write, so
concurrent replicas can be handed the same ticket; stores.redis_lock.AtomicRedisLockStore
must hand out unique tickets and let one holder at a time into a conversation.
"""
from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import threading
import time
from collections import Counter
from typing import Iterator, List, Type

import pytest
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from stores.redis_lock import AtomicRedisLockStore
from tests.results_dir import results_dir
from tests.scale.stack import Stack, install_packages, make_work_dir
from runtime.endpoints import endpoints_config
from runtime.servers import free_port

REPLICAS = 8
TICKETS_PER_REPLICA = 50
TURNS_PER_REPLICA = 15
# seconds: a ticket lost by a racing store blocks its conversation this long (Rasa default 60)
LOCK_LIFETIME = 3
REPLICA_SECONDS = 20  # each replica's turns end by then; unfinished turns count as errors
RESULTS_NAME = "lock_store.json"  # in tests/results_dir.py results_dir()
RESULTS: dict = {"rasa_redis_lock_store": {}, "atomic_redis_lock_store": {}}


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    install_packages()
    work_dir = make_work_dir()
    stack = Stack(work_dir)
    try:
        stack.start_redis(free_port())
        yield stack.redis_url
    finally:
        stack.stop()
        shutil.rmtree(work_dir, ignore_errors=True)


def replica_store(store_class: Type[RedisLockStore], redis_url: str) -> LockStore:
    """A lock store as a replica builds it from the endpoints runtime/endpoints.py writes."""
    settings = dict(endpoints_config({"REDIS_URL": redis_url})["lock_store"])
    settings.pop("type")
    if store_class is AtomicRedisLockStore:
        return LockStore.create(EndpointConfig(type="stores.redis_lock.AtomicRedisLockStore", **settings))
    return LockStore.create(EndpointConfig(type="redis", **settings))


def issue_concurrently(store_class: Type[RedisLockStore], redis_url: str) -> List[int]:
    conversation = f"tickets-{secrets.token_hex(4)}"
    stores = [replica_store(store_class, redis_url) for _ in range(REPLICAS)]
    tickets: List[int] = []
    guard, start = threading.Lock(), threading.Barrier(REPLICAS)

    def issue(store: LockStore) -> None:
        start.wait()
        mine = [store.issue_ticket(conversation, 60) for _ in range(TICKETS_PER_REPLICA)]
        with guard:
            tickets.extend(mine)

    threads = [threading.Thread(target=issue, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tickets


def holders_at_once(store_class: Type[RedisLockStore], redis_url: str) -> dict:
    """Replicas take turns on one conversation through `lock()` (as Agent.handle_message does)."""
    conversation = f"turns-{secrets.token_hex(4)}"
    state = {"inside": 0, "most_inside": 0, "turns": 0, "errors": 0}
    guard, start = threading.Lock(), threading.Barrier(REPLICAS)

    async def one_turn(store: LockStore) -> None:
        async with store.lock(conversation, lock_lifetime=LOCK_LIFETIME, wait_time_in_seconds=0.005):
            with guard:
                state["inside"] += 1
                state["most_inside"] = max(state["most_inside"], state["inside"])
            await asyncio.sleep(0.002)
            with guard:
                state["inside"] -= 1
                state["turns"] += 1

    async def take_turns(store: LockStore) -> None:
        deadline = time.monotonic() + REPLICA_SECONDS
        for _ in range(TURNS_PER_REPLICA):
            try:
                # a racing store can strand a replica behind a lost ticket: bound every turn
                await asyncio.wait_for(one_turn(store), timeout=max(0.1, deadline - time.monotonic()))
            except (Exception, asyncio.TimeoutError):  # LockError (ticket lost) or the time bound
                with guard:
                    state["errors"] += 1

    def replica(store: LockStore) -> None:
        start.wait()
        asyncio.run(take_turns(store))

    threads = [threading.Thread(target=replica, args=(replica_store(store_class, redis_url),)) for _ in range(REPLICAS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return state


def test_rasas_redis_lock_store_races_under_contention(redis_url: str) -> None:
    """Measured, not asserted: how often Rasa's own store hands out one ticket twice."""
    tickets = issue_concurrently(RedisLockStore, redis_url)
    RESULTS["rasa_redis_lock_store"] = {
        "tickets_issued": len(tickets),
        "tickets_issued_twice_or_more": sum(1 for count in Counter(tickets).values() if count > 1),
        **{f"turns_{key}": value for key, value in holders_at_once(RedisLockStore, redis_url).items() if key != "inside"},
    }
    assert len(tickets) == REPLICAS * TICKETS_PER_REPLICA


def test_atomic_lock_store_issues_every_ticket_once(redis_url: str) -> None:
    tickets = issue_concurrently(AtomicRedisLockStore, redis_url)
    duplicates = {ticket: count for ticket, count in Counter(tickets).items() if count > 1}
    RESULTS["atomic_redis_lock_store"] = {"tickets_issued": len(tickets), "tickets_issued_twice_or_more": len(duplicates)}
    assert not duplicates, f"tickets handed out more than once: {dict(list(duplicates.items())[:10])}"
    assert sorted(tickets) == list(range(REPLICAS * TICKETS_PER_REPLICA))


def test_atomic_lock_store_lets_one_replica_at_a_time_into_a_conversation(redis_url: str) -> None:
    state = holders_at_once(AtomicRedisLockStore, redis_url)
    RESULTS["atomic_redis_lock_store"].update({f"turns_{k}": v for k, v in state.items() if k != "inside"})
    (results_dir() / RESULTS_NAME).write_text(json.dumps({"command": "make test-scale", **RESULTS}, indent=2) + "\n", encoding="utf-8")
    print("\nlock store under contention:\n" + json.dumps(RESULTS, indent=2))
    assert state["errors"] == 0, f"{state['errors']} turns lost their ticket"
    assert state["most_inside"] == 1, f"{state['most_inside']} replicas were inside one conversation at once"
    assert state["turns"] == REPLICAS * TURNS_PER_REPLICA


def test_a_killed_replicas_ticket_frees_the_conversation_within_its_lease(redis_url: str) -> None:
    from stores.redis_lock import TICKET_LEASE_SECONDS

    dead, alive = replica_store(AtomicRedisLockStore, redis_url), replica_store(AtomicRedisLockStore, redis_url)
    conversation = f"killed-{secrets.token_hex(4)}"
    dead.issue_ticket(conversation, TICKET_LEASE_SECONDS)  # taken, then the replica died: never renewed

    async def next_turn() -> float:
        started = time.monotonic()
        async with alive.lock(conversation):
            return time.monotonic() - started

    waited = asyncio.run(next_turn())
    assert TICKET_LEASE_SECONDS - 1 < waited < TICKET_LEASE_SECONDS + 3, f"waited {waited:.1f} s (Rasa's lifetime: 60 s)"


def test_a_live_turn_longer_than_the_lease_keeps_the_conversation(redis_url: str) -> None:
    from stores.redis_lock import TICKET_LEASE_SECONDS

    first, second = replica_store(AtomicRedisLockStore, redis_url), replica_store(AtomicRedisLockStore, redis_url)
    conversation = f"long-{secrets.token_hex(4)}"
    spans = {}

    async def turn(store: LockStore, name: str, delay: float, seconds: float) -> None:
        await asyncio.sleep(delay)
        async with store.lock(conversation):
            spans[name] = [time.monotonic()]
            await asyncio.sleep(seconds)
            spans[name].append(time.monotonic())

    async def both() -> None:
        await asyncio.gather(turn(first, "long", 0, TICKET_LEASE_SECONDS * 1.5), turn(second, "next", 1, 0.1))

    asyncio.run(both())
    assert spans["next"][0] >= spans["long"][1], "the next turn started while the long one still ran"
