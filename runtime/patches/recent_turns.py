"""The policies and the action server see a conversation's recent turns, not its whole session.

Rasa 3.6 gives the policy graph and every custom action call the whole session: the rule and
memoization policies rebuild a state for every earlier turn (`tracker.past_states`) on each
prediction, twice a turn, and RemoteAction serialises every event to JSON for the action server.
So a turn got slower with each message: py-spy over four 80-message conversations (2 Dec 2026,
messages 5-14 against 71-80) put 4.1 of the 3.9 extra busy samples per message (200 Hz) in the
policy prediction and 1.0 in JSON.

What this project's dialogue reads is short: every rule is one user turn, the longest training
story is five (data/stories/), and the actions read the latest message, the slots and the action
that answered the previous message (actions/clarify.py). So both get a tracker built from the last
RECENT_USER_TURNS user turns, started with the current slot values and active loop. Where that
could differ from the whole session it is not used: when the window holds an event that rewinds
history (reverted utterances or actions, a restart, a reset of every slot) or sets a slot that
influences the conversation (its earlier value would be seen in the window's states).
tests/test_recent_turns.py checks that the policies predict the same action with the same
confidence from the window as from the whole session, turn by turn, over long conversations.
"""
from __future__ import annotations

from typing import Any, Dict, List

from runtime.patches.version_guard import patch_of

#: The Rasa release this patch was written and tested against (constraints.txt pins it).
PATCHED_RASA_VERSION = "3.6.21"
#: User turns the policies and the action server see: the longest training story (5 turns).
RECENT_USER_TURNS = 5


def recent_tracker(tracker: Any, user_turns: int = RECENT_USER_TURNS) -> Any:
    """A tracker with `tracker`'s last `user_turns` user turns, or `tracker` itself where a window could differ.

    The window starts at the action_listen before the oldest of those user messages, so every
    turn in it is whole. Its cost is the window's length, not the session's.
    """
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import (ActionExecuted, ActionReverted, ActiveLoop, AllSlotsReset, Restarted,
                                         SlotSet, UserUttered, UserUtteranceReverted)

    events = tracker.events
    window: List[Any] = []
    users = 0
    for event in reversed(events):
        if isinstance(event, (UserUtteranceReverted, ActionReverted, Restarted, AllSlotsReset)):
            return tracker
        if isinstance(event, SlotSet) and _influences_conversation(tracker, event.key):
            return tracker
        window.append(event)
        if users == user_turns and isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN_NAME:
            break
        users += isinstance(event, UserUttered)
    else:
        return tracker  # the whole session is no longer than the window
    recent = tracker.init_copy()
    for name, value in tracker.current_slot_values().items():
        if value != tracker.slots[name].initial_value:
            recent.update(SlotSet(name, value))
    if tracker.active_loop_name:
        recent.update(ActiveLoop(tracker.active_loop_name))
    for event in reversed(window):
        recent.update(event)
    return recent


def _influences_conversation(tracker: Any, slot_name: str) -> bool:
    slot = tracker.slots.get(slot_name)
    return slot is None or bool(slot.influence_conversation)


@patch_of("Rasa", PATCHED_RASA_VERSION, __file__)
def install() -> None:
    """Give Rasa's policy prediction and custom action calls the recent window (once a process)."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor

    predict_from_whole_session = MessageProcessor._predict_next_with_tracker
    call_format_of_whole_session = RemoteAction._action_call_format

    def predict_next_with_tracker(self: MessageProcessor, tracker: Any) -> Any:
        if tracker.followup_action:  # Rasa clears it on the tracker it was given
            return predict_from_whole_session(self, tracker)
        return predict_from_whole_session(self, recent_tracker(tracker))

    def action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> Dict[str, Any]:
        return call_format_of_whole_session(self, recent_tracker(tracker), domain)

    MessageProcessor._predict_next_with_tracker = predict_next_with_tracker
    RemoteAction._action_call_format = action_call_format

