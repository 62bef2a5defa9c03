"""Two questions in one message ("is it addictive and does it cause weight gain?").

QuestionSplitter (first in the pipeline) cuts such a message into its questions and adds each
part as an extra message, so the rest of the pipeline (spaCy, featurizers, DIET,
FallbackClassifier) classifies the parts with the same model. QuestionCollector (after the
classifiers) takes the parts out again and, when they are two or more different questions we
answer, puts their intents in the `questions` output of the original message;
action_answer_faq then answers each. The parts never reach the dialogue.

Only FAQ questions (ask_*) are combined: an emergency, a worsening symptom or anything the
classifiers did not give a confident FAQ intent keeps the whole message's prediction.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

#: Set on a part: the position of the message it was cut from (it is not an output property).
PART_OF = "two_questions_part_of"
#: Output property of the original message: the intents of its questions, in order.
QUESTIONS = "questions"

QUESTION_START = (
    r"(?:does|do|is|are|will|would|can|could|should|how|what|whats|what's|where|when|why|which|who|"
    r"any|r|wat)"
)
#: Where a second question starts: after a question mark, or at "and/also/plus" + a question word.
BOUNDARY = re.compile(
    rf"\?+\s*(?=\S)|\s*[,;]?\s+(?:and|also|plus|&)\s+(?:also\s+)?(?={QUESTION_START}\b)",
    re.IGNORECASE,
)
MIN_WORDS = 2
#: Each part is classified by the whole model: a message of more questions is classified as a whole.
MAX_QUESTIONS = 4


def split_questions(text: str) -> List[str]:
    """The questions in `text` (a one-element list when it asks one thing, or more than MAX_QUESTIONS)."""
    parts = [part.strip(" ,;?") for part in BOUNDARY.split(text or "", maxsplit=MAX_QUESTIONS)]
    parts = [part for part in parts if part]
    if not 2 <= len(parts) <= MAX_QUESTIONS or any(len(part.split()) < MIN_WORDS for part in parts):
        return [text]
    return parts


def faq_intent(message: Message) -> str | None:
    name = (message.get(INTENT) or {}).get("name")
    return name if isinstance(name, str) and name.startswith("ask_") else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class QuestionSplitter(GraphComponent):
    """Adds a message per question of a multi-question message (inference only)."""

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> "QuestionSplitter":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        parts: List[Message] = []
        for position, message in enumerate(messages):
            questions = split_questions(message.get(TEXT) or "")
            if len(questions) > 1:
                parts += [Message(data={TEXT: question, PART_OF: position}) for question in questions]
        return messages + parts

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class QuestionCollector(GraphComponent):
    """Removes the parts again and records the questions of their original message."""

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> "QuestionCollector":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        originals = [message for message in messages if message.get(PART_OF) is None]
        intents_by_original: Dict[int, List[str | None]] = {}
        for message in messages:
            if message.get(PART_OF) is not None:
                intents_by_original.setdefault(int(message.get(PART_OF)), []).append(faq_intent(message))
        for position, intents in intents_by_original.items():
            original = originals[position]
            whole = (original.get(INTENT) or {}).get("name")
            distinct = list(dict.fromkeys(intents))
            if None in distinct or len(distinct) < 2:
                continue  # a part is not a confident FAQ question, or they ask the same thing
            if whole != DEFAULT_NLU_FALLBACK_INTENT_NAME and faq_intent(original) is None:
                continue  # emergency, symptoms, small talk or out of scope: keep that decision
            if whole == DEFAULT_NLU_FALLBACK_INTENT_NAME:
                original.set(INTENT, {"name": distinct[0], "confidence": 1.0}, add_to_output=True)
            original.set(QUESTIONS, distinct, add_to_output=True)
        return originals

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
