"""What the tracker store holds of a turn: the bot's messages after one user message.

A reply can be lost on its way out (the replica that ran the turn died before sending it, or the
widget's socket dropped); the channel then gives the stored reply again instead of a second turn:
SMS for a retried MessageSid, the widget for a message it sends again after reconnecting.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from channels.incoming import conversation_id


async def stored_conversation(app: Any, channel: str, sender: str) -> Optional[DialogueStateTracker]:
    """The conversation of `sender` on `channel` as the Rasa server's tracker store holds it, or None."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    if agent is None or agent.tracker_store is None:
        return None
    return await agent.tracker_store.retrieve(conversation_id(channel, sender))


def bot_messages_after(tracker: DialogueStateTracker, is_the_message: Callable[[UserUttered], bool],
                       last_only: bool = False) -> Optional[List[Dict[str, Any]]]:
    """The bot's messages (`BotUttered.message()`) after the user message `is_the_message` picks.

    None when no user message matches or nothing followed it. `last_only`: only the conversation's
    last user message may match (a message sent again is the one still waiting for its reply).
    """
    users = [index for index, event in enumerate(tracker.events) if isinstance(event, UserUttered)]
    if last_only:
        users = users[-1:]
    for position, index in enumerate(users):
        if not is_the_message(tracker.events[index]):
            continue
        end = users[position + 1] if position + 1 < len(users) else len(tracker.events)
        messages = [event.message() for event in list(tracker.events)[index + 1:end] if isinstance(event, BotUttered)]
        return messages or None
    return None
