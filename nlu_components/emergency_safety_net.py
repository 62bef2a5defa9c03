"""Make every message the safety net recognises an `emergency`, whatever the classifier said.

The second layer of emergency detection (the first is the trained `emergency` intent): it runs
last in the pipeline, so it also overrides `nlu_fallback` (low confidence) and the input guard
(an emergency inside an over-long message). The phrases live in a staff-editable YAML file
(safety/emergency_patterns.yml) that is re-read when it changes, without a retrain.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from safety.emergency_net import SAFETY_NET_MARKER, PatternStore, pattern_store, patterns_path

logger = logging.getLogger(__name__)

EMERGENCY_INTENT = "emergency"
MARKER = SAFETY_NET_MARKER  # in the parse data: the name of the pattern that fired


def mark_emergency(message: Message, pattern_name: str) -> None:
    """Set the intent to `emergency` (confidence 1.0, first in the ranking) and say which pattern fired."""
    top = {INTENT_NAME_KEY: EMERGENCY_INTENT, "confidence": 1.0}
    others = [entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get(INTENT_NAME_KEY) != EMERGENCY_INTENT]
    message.set(INTENT, top, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [top] + others, add_to_output=True)
    message.set(MARKER, pattern_name, add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmergencySafetyNet(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # None: EMERGENCY_PATTERNS_PATH or safety/emergency_patterns.yml (the file the channels use too)
        return {"patterns_file": None}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.store: PatternStore = pattern_store(patterns_path(config.get("patterns_file")))
        self.store.current()  # refuse to start without a good patterns file

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "EmergencySafetyNet":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        patterns = self.store.current()
        for message in messages:
            pattern_name = patterns.match(message.get(TEXT))
            if pattern_name is None:
                continue
            before = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if before != EMERGENCY_INTENT:
                logger.info("Safety net: pattern %s turned %s into emergency", pattern_name, before)
            mark_emergency(message, pattern_name)
        return messages
