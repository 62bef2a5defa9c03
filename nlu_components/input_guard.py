"""Route messages no classifier should guess at to `nlu_fallback`.

An empty message, one with no letters or digits (emoji only, punctuation), or one
longer than a chat question (a pasted document) gets the "what I can answer" reply
instead of whatever intent the classifier would guess for it.
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


def reason_to_refuse(text: Optional[str], max_characters: int) -> Optional[str]:
    """Why this text should not be classified, or None if it may be."""
    text = (text or "").strip()
    if not text:
        return "empty"
    if not WORD_CHARACTER.search(text.replace("_", "")):
        return "no letters or digits"
    if len(text) > max_characters:
        return f"longer than {max_characters} characters"
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class InputGuard(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"max_characters": 1000}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.max_characters = int(config["max_characters"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "InputGuard":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            reason = reason_to_refuse(message.get(TEXT), self.max_characters)
            if reason is None:
                continue
            fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [fallback] + list(message.get(INTENT_RANKING_KEY) or []), add_to_output=True)
            message.set("input_guard", reason, add_to_output=True)
        return messages
