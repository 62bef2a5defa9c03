"""Tag each message with the language it is written in, as the entity `language` ("en" or "es").

The `language` slot (domain.yml) is filled from this entity, so the conversation keeps its
language: a message that does not tell ("1", "ok", a payload, an emoji) adds no entity and the
slot keeps what it was (English when the conversation has not shown another). The detection is
answer_book/language_detection.py (lingua, with the product words left out). Payloads ("/ask_dose") are
the assistant's own buttons, in the conversation's language already: never tagged.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from answer_book.language_detection import detect, preload
from answer_book.rendering import LANGUAGE_ENTITY

EXTRACTOR = "LanguageTagger"
#: A chat message shows its language in its first sentences (an over-long one is not read further).
DETECTED_CHARACTERS = 1000


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageTagger(GraphComponent):
    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageTagger":
        preload()  # with the model, not in the first visitor's turn
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.lstrip().startswith("/"):
                continue
            language = detect(text[:DETECTED_CHARACTERS])
            if language is None:
                continue
            entity = {"entity": LANGUAGE_ENTITY, "value": language, "start": 0, "end": len(text),
                      "extractor": EXTRACTOR, "confidence_entity": 1.0}
            others = [e for e in message.get(ENTITIES) or [] if e.get("entity") != LANGUAGE_ENTITY]
            message.set(ENTITIES, others + [entity], add_to_output=True)
        return messages
