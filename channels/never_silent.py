"""Hand a message to Rasa and make sure the visitor gets a reply, whatever fails inside.

If the turn raises, or takes longer than the channel's reply timeout (the action
server is down or slow), and nothing was sent yet, the visitor gets the clinic's
"sorry, please call" message from the answers file, or, if the message is an
emergency (the safety net's phrases, or the model's `emergency` intent when the
channel can ask the model), the emergency message: 911, Poison Help, 988 first.
The turn itself still runs to the end, so the message reaches the tracker store; what
it sends after the apology is dropped (the visitor never gets both).

Fair turns: the messages of one conversation are worked on one at a time, in arrival
order, and wait for that before they take one of the server's turn slots; so a burst
from one sender holds at most one slot and delays nobody else.
"""
from __future__ import annotations

import asyncio
import logging
import os
import weakref
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from answer_book.language import reply_language
from answer_book.language_detection import detect
from answer_book.model import AnswerBook
from answer_book.store import answer_store
from safety.emergency_net import emergency_pattern_for, pattern_language

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


class ReplyCollector(CollectingOutputChannel):
    """Collects a turn's messages (REST, SMS); once the apology is in, drops whatever the turn sends later."""

    def __init__(self) -> None:
        super().__init__()
        self.closed = False

    @property
    def messages_sent(self) -> int:
        return len(self.messages)

    async def _persist_message(self, message: Dict[Text, Any]) -> None:
        if self.closed:
            logger.info("Dropped a reply that came after the apology")
            return
        await super()._persist_message(message)

    async def send_last_text(self, recipient_id: Text, text: Text) -> None:
        """Send `text` as the turn's only reply (the apology): later messages are dropped."""
        await super()._persist_message(self._message(recipient_id, text=text))
        self.closed = True


#: Turns the server works on at once (all channels); later messages wait their turn in arrival
#: order. Without a limit every waiting turn shares the CPU at each await, so at 32 concurrent
#: conversations the turns with more awaits (an action server call) finish last. Measured with the
#: benchmark's load (2-core machine, alternating runs): at 32 conversations p95 411-525 ms with 4
#: vs 679-844 ms without a limit, same throughput (70-90 msg/s). MAX_CONCURRENT_TURNS overrides
#: it (0: no limit).
MAX_CONCURRENT_TURNS = int(os.environ.get("MAX_CONCURRENT_TURNS", "4"))
#: Messages of one conversation that may wait for their turn; more get the `busy` message and are
#: not worked on. A turn takes 15-30 ms here (make bench), so 32 queued messages are answered in
#: about a second, far inside the reply timeout; a client flooding one conversation is refused.
MAX_WAITING_PER_CONVERSATION = 32


@dataclass
class _Conversation:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # FIFO: waiters acquire in arrival order
    waiting: int = 0


@dataclass
class _TurnQueues:
    slots: Optional[asyncio.Semaphore]
    conversations: Dict[str, _Conversation] = field(default_factory=dict)


_queues: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _TurnQueues]" = weakref.WeakKeyDictionary()


def _turn_queues() -> _TurnQueues:
    loop = asyncio.get_running_loop()
    if loop not in _queues:
        _queues[loop] = _TurnQueues(asyncio.Semaphore(MAX_CONCURRENT_TURNS) if MAX_CONCURRENT_TURNS > 0 else None)
    return _queues[loop]


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


def book_for(text: Optional[str]) -> AnswerBook:
    """The answers in the language `text` is written in (English when it does not tell)."""
    try:
        # a Spanish emergency pattern decides first ("my husband no respira help"), then the words
        language = pattern_language(emergency_pattern_for(text)) or detect(text)
    except Exception:  # the detector must not cost the visitor the reply
        logger.exception("Language detection failed for an unanswered message")
        language = None
    return answer_store().current().in_language(reply_language(language, None))


async def fallback_text(text: Optional[str], kind: str = "web", intent_of: Optional[IntentOf] = None) -> str:
    """What a visitor gets when the turn gave no reply: the emergency message or the apology, in their language."""
    key = "emergency" if await is_emergency(text, intent_of) else "service_unavailable"
    return book_for(text).message(key, kind)


def _join_queue(sender_id: str) -> Optional[_Conversation]:
    """This message's place in its conversation's queue, or None when the queue is full."""
    queues = _turn_queues()
    conversation = queues.conversations.setdefault(sender_id, _Conversation())
    if conversation.waiting >= MAX_WAITING_PER_CONVERSATION:
        return None
    conversation.waiting += 1
    return conversation


async def _run_in_order(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage, conversation: _Conversation
) -> None:
    """The turn, after this conversation's earlier messages and with one of the server's turn slots."""
    queues = _turn_queues()
    try:
        async with conversation.lock:
            if queues.slots is None:
                await on_new_message(message)
            else:
                async with queues.slots:
                    await on_new_message(message)
    finally:
        conversation.waiting -= 1
        if conversation.waiting == 0 and queues.conversations.get(message.sender_id) is conversation:
            del queues.conversations[message.sender_id]


async def handle_never_silent(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
    kind: str = "web",
    intent_of: Optional[IntentOf] = None,
) -> bool:
    """Run the turn; send the apology (or the emergency message) if it failed or timed out before any reply.

    `message.output_channel` counts what it sent (`messages_sent`) and has `send_last_text`
    (ReplyCollector, the socket.io output). Returns True when the turn's own reply was
    replaced (apology, emergency message, or `busy` for a conversation flooding the server).
    The reply timeout counts from arrival, including the wait for earlier messages.
    """
    output = message.output_channel
    conversation = _join_queue(message.sender_id)
    if conversation is None:
        logger.warning("Conversation on channel %s has %d messages waiting: refused one", message.input_channel,
                       MAX_WAITING_PER_CONVERSATION)
        key = "emergency" if await is_emergency(message.text) else "busy"
        await output.send_last_text(message.sender_id, book_for(message.text).message(key, kind))
        return True
    problem = None
    turn = asyncio.ensure_future(_run_in_order(on_new_message, message, conversation))
    try:
        # shielded: a timed-out turn goes on, so the message still reaches the tracker store
        await asyncio.wait_for(asyncio.shield(turn), timeout=reply_timeout)
    except asyncio.TimeoutError:
        problem = f"no reply within {reply_timeout:g}s"
        turn.add_done_callback(_log_late_failure)
    except Exception as error:  # a bug or a store failure must not silence the visitor
        logger.exception("Turn failed on channel %s", message.input_channel)
        problem = type(error).__name__
    if output.messages_sent > 0:
        return False
    logger.error(
        "Sending the apology on channel %s (%s)", message.input_channel, problem or "the turn produced no reply"
    )
    await output.send_last_text(message.sender_id, await fallback_text(message.text, kind, intent_of))
    return True


def _log_late_failure(turn: "asyncio.Future[None]") -> None:
    if not turn.cancelled() and turn.exception() is not None:
        logger.error("A turn that timed out failed later", exc_info=turn.exception())
