"""The recent window of a conversation (runtime/patches/recent_turns.py) predicts what the whole session does.

Real DialogueStateTrackers of long conversations over every intent of the domain, the trained
model's policies: at every step of every turn the window and the whole session give the same
action, the same confidence and the same policy.
"""
from __future__ import annotations

import itertools
from typing import Any, Iterator, List

import numpy as np
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.constants import (ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME, USER_INTENT_BACK,
                                       USER_INTENT_RESTART, USER_INTENT_SESSION_START)
from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered,
                                     UserUtteranceReverted)
from rasa.shared.core.trackers import DialogueStateTracker

from runtime.patches import recent_turns
from runtime.patches.recent_turns import RECENT_USER_TURNS, recent_tracker
from tests.conftest import MODEL_PATH

TURNS = 80  # the long conversation of `make profile`


@pytest.fixture(scope="module")
def processor() -> Any:
    from rasa.core.agent import Agent

    if not MODEL_PATH.exists():
        pytest.fail(f"{MODEL_PATH} is missing: run `make train` (make test does it for you)")
    return Agent.load(str(MODEL_PATH)).processor


def user(intent: str, text: str = "a message") -> UserUttered:
    parse_data = {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text}
    return UserUttered(text, intent=parse_data["intent"], parse_data=parse_data, input_channel="rest")


def new_session(processor: Any) -> DialogueStateTracker:
    tracker = DialogueStateTracker("long-visitor", processor.domain.slots)
    for event in (ActionExecuted(ACTION_SESSION_START_NAME), SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME)):
        tracker.update(event)
    return tracker


def intents_in_turn_order(processor: Any) -> Iterator[str]:
    """Every intent of the domain in turn (the fallback among them), then again.

    Left out: restart, back and session_start, whose default actions rewind or restart the
    history (the window then is the whole session, test_a_short_session_and_a_rewound_one...).
    """
    rewinding = {USER_INTENT_RESTART, USER_INTENT_BACK, USER_INTENT_SESSION_START}
    return itertools.cycle(sorted(set(processor.domain.intents) - rewinding))


def predictions_agree(processor: Any, tracker: DialogueStateTracker) -> str:
    """The action both predict (asserting that the window predicts as the whole session)."""
    whole = processor._predict_next_with_tracker(tracker)
    window = processor._predict_next_with_tracker(recent_tracker(tracker))
    assert np.argmax(window.probabilities) == np.argmax(whole.probabilities), tracker.sender_id
    assert window.max_confidence == pytest.approx(whole.max_confidence)
    assert window.policy_name == whole.policy_name
    return processor.domain.action_names_or_texts[int(np.argmax(whole.probabilities))]


def play_turn(processor: Any, tracker: DialogueStateTracker, intent: str) -> List[str]:
    """One user message and the actions predicted until the next listen; their names."""
    tracker.update(user(intent))
    actions = []
    while len(actions) < 5:
        action = predictions_agree(processor, tracker)
        actions.append(action)
        tracker.update(ActionExecuted(action))
        if action == ACTION_LISTEN_NAME:
            break
        tracker.update(BotUttered(f"the reply of {action}"))
    return actions


def test_the_window_predicts_what_the_whole_session_does_turn_by_turn(processor: Any) -> None:
    tracker = new_session(processor)
    intents = intents_in_turn_order(processor)
    for turn in range(TURNS):
        if turn == 30:
            tracker.update(SlotSet("language", "es"))  # a slot set long before the window
        actions = play_turn(processor, tracker, next(intents))
        assert actions[-1] == ACTION_LISTEN_NAME and len(actions) >= 2, actions
    assert len(tracker.events) > 8 * TURNS / 2


def test_the_window_holds_whole_recent_turns_and_the_current_state(processor: Any) -> None:
    tracker = new_session(processor)
    intents = intents_in_turn_order(processor)
    for turn in range(40):
        if turn == 3:
            tracker.update(SlotSet("language", "es"))
        play_turn(processor, tracker, next(intents))
    tracker.update(user("ask_dose", "how much do I take"))

    recent = recent_tracker(tracker)
    users = [event for event in recent.events if isinstance(event, UserUttered)]
    assert len(users) == RECENT_USER_TURNS
    assert len(recent.events) < len(tracker.events) / 5
    first_turn = next(event for event in recent.events if isinstance(event, ActionExecuted))
    assert first_turn.action_name == ACTION_LISTEN_NAME  # the window starts at a turn boundary
    assert recent.current_slot_values() == tracker.current_slot_values()
    assert recent.latest_message.text == "how much do I take"
    assert recent.get_latest_input_channel() == "rest"
    turns = list(recent.events)[list(recent.events).index(first_turn):]
    assert [e.as_dict() for e in turns] == [e.as_dict() for e in list(tracker.events)[-len(turns):]]


def test_a_short_session_and_a_rewound_one_are_given_whole(processor: Any) -> None:
    short = new_session(processor)
    play_turn(processor, short, "greet")
    assert recent_tracker(short) is short

    rewound = new_session(processor)
    intents = intents_in_turn_order(processor)
    for _ in range(10):
        play_turn(processor, rewound, next(intents))
    rewound.update(UserUtteranceReverted())
    assert recent_tracker(rewound) is rewound


def test_installed_the_action_server_is_sent_the_window(processor: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.processor import MessageProcessor

    for cls, name in ((RemoteAction, "_action_call_format"), (MessageProcessor, "_predict_next_with_tracker")):
        monkeypatch.setattr(cls, name, getattr(cls, name))  # put back after the test
    monkeypatch.setattr(recent_turns.install, "installed", False)
    tracker = new_session(processor)
    intents = intents_in_turn_order(processor)
    for _ in range(30):
        play_turn(processor, tracker, next(intents))
    tracker.update(user("ask_side_effects", "any side effects"))
    action = RemoteAction("action_answer_faq", None)
    whole = action._action_call_format(tracker, processor.domain)
    recent_turns.install()
    sent = action._action_call_format(tracker, processor.domain)
    assert len(sent["tracker"]["events"]) < len(whole["tracker"]["events"]) / 4
    for key in ("sender_id", "slots", "latest_message", "active_loop", "latest_input_channel", "latest_action_name"):
        assert sent["tracker"][key] == whole["tracker"][key], key
    # and the prediction of the installed processor is the window's
    tracker.update(ActionExecuted("action_answer_faq"))
    prediction = processor._predict_next_with_tracker(tracker)
    assert processor.domain.action_names_or_texts[int(np.argmax(prediction.probabilities))] == ACTION_LISTEN_NAME
