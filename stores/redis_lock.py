"""Rasa's Redis lock store with atomic ticket updates, for several replicas.

Rasa 3.6's RedisLockStore keeps a conversation's ticket queue as one JSON value and
changes it by read-modify-write (get, change, set). Two replicas doing that at the
same moment overwrite each other: both hold "ticket 0", or one's ticket vanishes, and
two turns of one conversation run at once. `make test-scale` saw it: of 5 message
pairs sent to both replicas at the same instant, 1 started a second session (a
replica read the conversation before the other had stored its turn); with 8 replicas
racing on one conversation (tests/scale/test_lock_store.py, results/lock_store.json)
Rasa's store handed 88 of 400 ticket numbers out more than once, let 8 replicas in at
once and lost 9 of 120 turns to LockError; this store: 0, 1 and 0.

This store does every change inside a Redis optimistic transaction (WATCH/MULTI/EXEC,
retried when another replica changed the key meanwhile), so tickets are issued and
removed one at a time across all replicas.

Tickets are leases: a ticket lives TICKET_LEASE_SECONDS and the replica that holds it (waiting or
serving) renews it every RENEW_EVERY_SECONDS while its turn runs. A replica killed during a turn stops
renewing, so its conversation is free again within the lease, not after Rasa's 60 s ticket lifetime
(`make test-faults`, the replica row: the surviving replica gave one widget visitor the apology for
every message until 46.7 s after the restart, waiting for the dead replica's ticket). A live turn
that takes long (a store being waited for, up to 30 s) keeps its ticket. Configured by runtime/endpoints.py as
`lock_store: {type: stores.redis_lock.AtomicRedisLockStore, url, port, db, password, key_prefix}`.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Optional, Text, Tuple, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from stores.reachable import when_reachable

logger = logging.getLogger(__name__)

Result = TypeVar("Result")
#: attempts before giving up on a key other replicas keep changing (each attempt is ~1 ms on loopback)
MAX_ATTEMPTS = 100
#: How long a ticket lives without renewal. A turn takes 15-600 ms (make bench, make test-scale p95
#: 0.9 s during a replica stop); renewal every 2 s keeps a live turn's ticket with margin for a
#: stalled event loop (the model loading on the same 2 cores stalled replies for several seconds).
TICKET_LEASE_SECONDS = 10.0
RENEW_EVERY_SECONDS = 2.0


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose ticket changes are atomic across processes."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        # Rasa builds lock stores named by module path with `endpoint_config=`; tests pass kwargs
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _modify(
        self, conversation_id: Text, change: Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Result]]
    ) -> Result:
        """Apply `change` to the stored lock atomically; it returns (lock to store or None to delete, result)."""
        key = self.key_prefix + conversation_id
        for _ in range(MAX_ATTEMPTS):
            with self.red.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    serialised = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(serialised)) if serialised else None
                    new_lock, result = change(lock)
                    pipe.multi()
                    if new_lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, new_lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another replica changed the lock between our read and write: redo
        raise LockError(f"Could not update the lock of conversation '{conversation_id}': too much contention.")

    def _issue(self, conversation_id: Text, lock_lifetime: float) -> int:
        def issue(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        return self._modify(conversation_id, issue)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._issue(conversation_id, lock_lifetime)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}")

    @asynccontextmanager
    async def lock(
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's lock, but a Redis that is restarting is waited for (stores/reachable.py): without
        that, `make test-faults` lost every message of the 5 s Redis was down (14 of 38)."""
        lease = min(lock_lifetime, TICKET_LEASE_SECONDS)
        try:
            ticket = await when_reachable(self._issue, conversation_id, lease)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}")
        renewing = asyncio.ensure_future(self._keep_renewing(conversation_id, ticket, lease))
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            renewing.cancel()
            try:
                self.cleanup(conversation_id, ticket)
            except redis.RedisError as error:  # the turn is done and stored; the ticket expires by itself
                logger.warning("Could not remove the lock ticket of a finished turn (%s)", type(error).__name__)

    async def _keep_renewing(self, conversation_id: Text, ticket_number: int, lease: float) -> None:
        """Push the ticket's expiry `lease` seconds ahead every RENEW_EVERY_SECONDS, until cancelled."""
        while True:
            await asyncio.sleep(RENEW_EVERY_SECONDS)
            try:
                self.renew(conversation_id, ticket_number, lease)
            except (redis.RedisError, LockError) as error:  # Redis restarting: the next renewal tries again
                logger.warning("Could not renew a lock ticket (%s)", type(error).__name__)

    def renew(self, conversation_id: Text, ticket_number: int, lease: float) -> None:
        def push_expiry(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            for ticket in lock.tickets if lock is not None else ():
                if ticket.number == ticket_number:
                    ticket.expires = time.time() + lease
            return lock, None

        self._modify(conversation_id, push_expiry)

    def update_lock(self, conversation_id: Text) -> None:
        def remove_expired(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._modify(conversation_id, remove_expired)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def remove(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._modify(conversation_id, remove)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove our ticket, and the lock if no one else holds a ticket: in one step, so a ticket
        issued meanwhile by another replica is never deleted with it."""

        def remove_and_maybe_delete(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._modify(conversation_id, remove_and_maybe_delete)
