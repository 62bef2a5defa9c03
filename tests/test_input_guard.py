"""The input limits: an over-long message reaches no model component, and the safety net still reads all of it."""
from __future__ import annotations

from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.emergency_safety_net import EmergencySafetyNet
from nlu_components.input_guard import EMPTY, INPUT_GUARD, NO_WORDS, TOO_LONG, InputGuard, InputLimits

LIMITS = InputLimits.get_default_config()
LONG_STORY = "pain ldn is it ok " * 4000  # 72,000 characters of short words


def run(text: str) -> Message:
    """The message through InputLimits, a stand-in for the model (records what it saw), InputGuard."""
    [message] = InputLimits(LIMITS).process([Message(data={TEXT: text})])
    run.model_saw = message.get(TEXT)  # type: ignore[attr-defined]
    message.set(INTENT, {"name": "ask_dose", "confidence": 0.9}, add_to_output=True)
    [message] = InputGuard(LIMITS).process([message])
    return message


def test_an_over_long_message_is_hidden_from_the_model_and_refused() -> None:
    message = run(LONG_STORY)
    assert run.model_saw == ""  # type: ignore[attr-defined]
    assert message.get(INTENT)["name"] == DEFAULT_NLU_FALLBACK_INTENT_NAME
    assert message.get(INPUT_GUARD) == TOO_LONG
    assert message.get(TEXT) == LONG_STORY, "the parse data keeps the visitor's whole text"


def test_too_many_tokens_in_few_characters_is_too_long() -> None:
    padding = "a " * (LIMITS["max_tokens"] + 1)
    assert len(padding) < LIMITS["max_characters"]
    assert run(padding).get(INPUT_GUARD) == TOO_LONG


def test_a_normal_question_reaches_the_model_untouched() -> None:
    message = run("is ldn addictive?")
    assert run.model_saw == "is ldn addictive?"  # type: ignore[attr-defined]
    assert message.get(INTENT)["name"] == "ask_dose" and message.get(INPUT_GUARD) is None


def test_empty_and_wordless_messages_keep_their_reasons() -> None:
    assert run("   ").get(INPUT_GUARD) == EMPTY
    assert run("\U0001F622\U0001F48A").get(INPUT_GUARD) == NO_WORDS


def test_the_safety_net_after_the_guard_reads_the_whole_long_message() -> None:
    [message] = EmergencySafetyNet({}).process([run(LONG_STORY + " and now my husband is not breathing")])
    assert message.get(INTENT)["name"] == "emergency"
