"""Hand a message to Rasa and make sure the visitor gets a reply, whatever fails inside.

If the turn raises, or takes longer than the channel's reply timeout (the action
server is down or slow), and nothing was sent yet, the visitor gets the clinic's
"sorry, please call" message from the answers file, or, if the message is an
emergency (the safety net's phrases, or the model's `emergency` intent when the
channel can ask the model), the emergency message: 911, Poison Help, 988 first.
"""
from __future__ import annotations

import asyncio
import logging
import os
import weakref
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage

from actions.answer_book import answer_store
from safety.emergency_net import emergency_pattern_for

logger = logging.getLogger(__name__)

#: Seconds a visitor waits at most before the apology (the action server's own timeout is 5 minutes).
DEFAULT_REPLY_TIMEOUT = 10.0
#: Seconds to wait for the model's intent when deciding between the apology and the emergency message.
INTENT_CHECK_TIMEOUT = 3.0

#: Returns the model's intent name for a text (e.g. through the Rasa agent), used when the turn failed.
IntentOf = Callable[[str], Awaitable[Optional[str]]]


def model_intent_of(app: Any) -> Optional[IntentOf]:
    """Asks the Rasa server's loaded model (the sanic app's agent) for a text's intent.

    Channels pass it to `handle_never_silent` (e.g. `model_intent_of(request.app)`) so an emergency
    only the model recognises still gets the emergency message when the turn gives no reply.
    """
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    if agent is None:
        return None

    async def intent_of(text: str) -> Optional[str]:
        parsed = await agent.parse_message(text)
        return (parsed.get("intent") or {}).get("name")

    return intent_of


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


async def is_emergency(text: Optional[str], intent_of: Optional[IntentOf] = None) -> bool:
    """Whether a message the assistant could not answer is an emergency (safety net first, then the model)."""
    try:
        if emergency_pattern_for(text):
            return True
    except Exception:  # a broken patterns file must not cost the visitor the reply
        logger.exception("Safety net unavailable while checking an unanswered message")
    if intent_of is None or not (text or "").strip():
        return False
    try:
        return await asyncio.wait_for(intent_of(text or ""), timeout=INTENT_CHECK_TIMEOUT) == "emergency"
    except Exception:  # the model may be what failed
        logger.exception("Could not ask the model for the intent of an unanswered message")
        return False


async def fallback_text(text: Optional[str], kind: str = "web", intent_of: Optional[IntentOf] = None) -> str:
    """What a visitor gets when the turn gave no reply: the emergency message or the apology."""
    key = "emergency" if await is_emergency(text, intent_of) else "service_unavailable"
    return answer_store().current().message(key, kind)


async def handle_never_silent(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    messages_sent: Callable[[], int],
    reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
    kind: str = "web",
    intent_of: Optional[IntentOf] = None,
) -> bool:
    """Run the turn; send the apology (or the emergency message) if it failed or timed out before any reply.

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
    await message.output_channel.send_text_message(message.sender_id, await fallback_text(message.text, kind, intent_of))
    return True
