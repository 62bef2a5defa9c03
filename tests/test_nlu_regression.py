"""Regression guard: the trained model still understands our own held-out questions.

tests/nlu/holdout.yml is hand-written and never in data/; the model (models/bliss.tar.gz, which
`make test` trains) is loaded in-process. The targets and the comparison with Rasa's default
pipeline are measured by `make eval`, not here.
"""
from __future__ import annotations

import asyncio
import re
from typing import Any, Callable, Dict, List

import pytest

from tests.conftest import MODEL_PATH
from eval.dev_set import read_dev_set
from eval.evaluate import HOLDOUT_PATH, questions_answered, read_two_questions, to_prediction, training_examples
from eval.nlu_metrics import Prediction, score

MIN_IN_SCOPE_ACCURACY = 0.90


def normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@pytest.fixture(scope="module")
def parse() -> Callable[[str], Dict[str, Any]]:
    """Parse a message with the trained model, in-process."""
    from rasa.core.agent import Agent

    if not MODEL_PATH.exists():
        pytest.fail(f"{MODEL_PATH} is missing: run `make train` (make test does it for you)")
    agent = Agent.load(str(MODEL_PATH))
    return lambda text: asyncio.run(agent.parse_message(text))


@pytest.fixture(scope="module")
def holdout_predictions(parse: Callable[[str], Dict[str, Any]]) -> List[Prediction]:
    return [to_prediction(text, expected, parse(text)) for text, expected in read_dev_set(HOLDOUT_PATH)]


def test_holdout_questions_are_not_in_the_training_data() -> None:
    training = {normalise(text) for text, _ in training_examples()}
    assert [text for text, _ in read_dev_set(HOLDOUT_PATH) if normalise(text) in training] == []


def test_in_scope_accuracy_on_the_holdout_stays_above_the_guard(holdout_predictions: List[Prediction]) -> None:
    scored: Dict[str, object] = score(holdout_predictions)
    assert scored["in_scope_messages"] >= 60
    assert scored["in_scope_accuracy"] >= MIN_IN_SCOPE_ACCURACY, scored["errors"]


def test_a_message_with_two_questions_gets_both_answered(parse: Callable[[str], Dict[str, Any]]) -> None:
    text, expected = read_two_questions()[0]
    assert questions_answered(parse(text)) == expected


def test_one_question_with_and_in_it_stays_one_question(parse: Callable[[str], Dict[str, Any]]) -> None:
    parsed = parse("can i take ldn and tramadol together")
    assert "questions" not in parsed
    assert parsed["intent"]["name"] == "ask_interactions"
