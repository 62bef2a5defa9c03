"""Keep messages no classifier should see or guess at away from the model.

Two components, one rule (`reason_to_refuse`):
- InputLimits, first in the pipeline: a message over the character or token limit reaches no
  component whose cost grows with the message. Its text is hidden (empty) from spaCy, the
  featurizers and DIET, whose attention grows with the square of the tokens: a 64 KB message
  of short words (32,000 tokens) took the Rasa server from 0.9 GB to over 9 GB of memory.
- InputGuard, after the classifiers: an empty message, one with no letters or digits (emoji
  only, punctuation) or one over the limits gets `nlu_fallback` instead of the classifier's
  guess ("pain " x 1000 was classified ask_how_it_works at 0.9), with the reason in the parse
  data (`input_guard`: action_clarify answers "too long" with "please send a shorter message").
  It puts the full text back, so the emergency safety net after it reads the whole message.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

WORD_CHARACTER = re.compile(r"\w", re.UNICODE)
TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)

#: The parse-data key with the reason a message was not classified (actions/clarify.py reads it).
INPUT_GUARD = "input_guard"
EMPTY = "empty"
NO_WORDS = "no letters or digits"
TOO_LONG = "too long"
#: Set on a message InputLimits hid from the model: its full text (not an output property).
HIDDEN_TEXT = "input_limits_hidden_text"

#: A chat question; the longest question of data/nlu and the held-out sets is far shorter.
DEFAULT_LIMITS = {"max_characters": 1000, "max_tokens": 250}


def reason_to_refuse(text: Optional[str], max_characters: int, max_tokens: int) -> Optional[str]:
    """Why this text should not be classified, or None if it may be."""
    text = (text or "").strip()
    if not text:
        return EMPTY
    if len(text) > max_characters:
        return TOO_LONG
    if not WORD_CHARACTER.search(text.replace("_", "")):
        return NO_WORDS
    if len(TOKEN.findall(text)) > max_tokens:
        return TOO_LONG
    return None


class _Limits(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return dict(DEFAULT_LIMITS)

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.max_characters = int(config["max_characters"])
        self.max_tokens = int(config["max_tokens"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "_Limits":
        return cls(config)

    def reason(self, text: Optional[str]) -> Optional[str]:
        return reason_to_refuse(text, self.max_characters, self.max_tokens)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class InputLimits(_Limits):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if self.reason(text) == TOO_LONG:
                message.set(HIDDEN_TEXT, text)
                message.set(TEXT, "")
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        return training_data


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class InputGuard(_Limits):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            hidden = message.get(HIDDEN_TEXT)
            if hidden is not None:
                message.set(TEXT, hidden, add_to_output=True)
                message.data.pop(HIDDEN_TEXT, None)
            reason = self.reason(message.get(TEXT))
            if reason is None:
                continue
            fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [fallback] + list(message.get(INTENT_RANKING_KEY) or []), add_to_output=True)
            message.set(INPUT_GUARD, reason, add_to_output=True)
        return messages
