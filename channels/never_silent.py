"""Hand a message to Rasa and make sure the visitor gets a reply, whatever fails inside.

If the turn raises, or takes longer than the channel's reply timeout (the action
server is down or slow), and nothing was sent yet, the visitor gets the clinic's
"sorry, please call" message from the answers file.
"""
from __future__ import annotations

import asyncio
import logging
import os
import weakref
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage

from actions.answer_book import answer_store

logger = logging.getLogger(__name__)

#: Seconds a visitor waits at most before the apology (the action server's own timeout is 5 minutes).
DEFAULT_REPLY_TIMEOUT = 10.0


#: Turns the server works on at once (all channels); later messages wait their turn in arrival
#: order. Without a limit every waiting turn shares the CPU at each await, so at 32 concurrent
#: conversations the turns with more awaits (an action server call) finish last. Measured with the
#: benchmark's load (2-core machine, alternating runs): at 32 conversations p95 411-525 ms with 4
#: vs 679-844 ms without a limit, same throughput (70-90 msg/s). MAX_CONCURRENT_TURNS overrides
#: it (0: no limit).
MAX_CONCURRENT_TURNS = int(os.environ.get("MAX_CONCURRENT_TURNS", "4"))
_turn_slots: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]" = weakref.WeakKeyDictionary()


def _slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _turn_slots:
        _turn_slots[loop] = asyncio.Semaphore(MAX_CONCURRENT_TURNS)
    return _turn_slots[loop]


def service_unavailable_text(kind: str = "web") -> str:
    """The apology with the clinic's phone, from the last good answers file."""
    return answer_store().current().message("service_unavailable", kind)


async def handle_never_silent(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    messages_sent: Callable[[], int],
    reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
    kind: str = "web",
) -> bool:
    """Run the turn; send the apology if it failed or timed out before any reply.

    Returns True when the apology was sent. The turn keeps running after a timeout
    (shielded), so its events still reach the tracker store. The reply timeout counts
    from arrival, including the wait for a turn slot.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + reply_timeout
    slots = _slots() if MAX_CONCURRENT_TURNS > 0 else None
    acquired = False
    problem = None
    try:
        if slots is not None:
            await asyncio.wait_for(slots.acquire(), timeout=reply_timeout)
            acquired = True
        turn = asyncio.ensure_future(on_new_message(message))
        await asyncio.wait_for(asyncio.shield(turn), timeout=max(deadline - loop.time(), 0.01))
    except asyncio.TimeoutError:
        problem = f"no reply within {reply_timeout:.0f}s"
    except Exception as error:  # a bug or a store failure must not silence the visitor
        logger.exception("Turn failed on channel %s", message.input_channel)
        problem = type(error).__name__
    finally:
        if acquired:  # a timed-out turn goes on in the background but frees its slot
            slots.release()
    if messages_sent() > 0:
        return False
    logger.error(
        "Sending the apology on channel %s (%s)", message.input_channel, problem or "the turn produced no reply"
    )
    await message.output_channel.send_text_message(message.sender_id, service_unavailable_text(kind))
    return True
