"""Regression guard: the trained model still understands the held-out questions.

tests/nlu/holdout.yml (our own), tests/nlu/real_holdout.yml (written after real patients' questions
on sites never trained on, issue 15) and tests/nlu/spanish_holdout.yml (issue 16) are never in
data/; the model (models/bliss.tar.gz, which `make test` trains) is loaded in-process. The targets,
the whole-assistant outcomes and the comparison with Rasa's default pipeline are measured by
`make eval`, not here: these guards sit about 3 points below what was measured, so a data or config
change that loses ground fails `make test`.
"""
from __future__ import annotations

import asyncio
import re
from collections import Counter
from typing import Any, Callable, Dict, List

import pytest

from answer_book.model import AnswerBook
from tests.conftest import MODEL_PATH
from eval.dev_set import read_dev_set
from eval.evaluate import (
    HOLDOUT_PATH, OUR_CONFIG, fallback_thresholds, questions_answered, read_two_questions, to_prediction,
    training_examples,
)
from eval.nlu_metrics import Prediction, score
from eval.outcome_sweep import simulated_outcome

#: Measured 2026-12-03 19:07 UTC after round 4 of issue 15's real-patient wording (data/nlu/patient_wording_round4_*.yml,
#: data/nlu/es/patient_wording_round4.yml) and the fallback threshold raised to 0.7 (config.yml), model trained
#: 19:00 UTC, in-process as below (2 Dec in brackets): own holdout in-scope accuracy 0.871 (0.905: the higher
#: threshold sends more of it to "Did you mean"; no confident wrong answer). Guards 3 points off.
MIN_IN_SCOPE_ACCURACY = 0.841
#: Real held-out split, now 396 messages (224 + 172 of round 4's new holdout-side sites), same model: right 0.646
#: (the expected intent, out of scope rejected, emergencies recognised), confident wrong answers 5.6%;
#: replayed as a visitor sees it (eval/outcome_sweep.py) right or one click away 0.857.
MIN_REAL_RIGHT_RATE = 0.616
MAX_REAL_WRONG_ANSWER_RATE = 0.086
MIN_REAL_RIGHT_OR_ONE_CLICK = 0.827
#: Spanish held-out split, now 207 messages (157 + 50 of round 4), same model: in-scope accuracy 0.794 (the new
#: 50 are harder: 0.866 on the first 157 on 2 Dec), out-of-scope rejection 0.9375. Guards 3 points off
#: (issue 16's target, 0.85 for both, is checked by `make eval`).
MIN_SPANISH_IN_SCOPE_ACCURACY = 0.764
MIN_SPANISH_OOS_REJECTION = 0.907
REAL_HOLDOUT_PATH = HOLDOUT_PATH.parent / "real_holdout.yml"
SPANISH_HOLDOUT_PATH = HOLDOUT_PATH.parent / "spanish_holdout.yml"


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


def predictions_of(parse: Callable[[str], Dict[str, Any]], path) -> List[Prediction]:
    return [to_prediction(text, expected, parse(text)) for text, expected in read_dev_set(path)]


def scored_set(parse: Callable[[str], Dict[str, Any]], path) -> Dict[str, object]:
    return score(predictions_of(parse, path))


@pytest.fixture(scope="module")
def real_predictions(parse: Callable[[str], Dict[str, Any]]) -> List[Prediction]:
    """The real held-out split parsed once for both of its guards."""
    return predictions_of(parse, REAL_HOLDOUT_PATH)


def test_real_patients_questions_stay_above_the_guard(real_predictions: List[Prediction]) -> None:
    predictions = real_predictions
    scored = score(predictions)
    assert scored["messages"] >= 200
    right_rate = sum(p.correct for p in predictions) / len(predictions)
    assert right_rate >= MIN_REAL_RIGHT_RATE, scored["errors"]
    assert scored["wrong_answer_rate"] <= MAX_REAL_WRONG_ANSWER_RATE, scored["errors"]
    assert scored["all_emergencies_recognised"]


def test_real_patients_questions_are_answered_or_one_click_away(
    real_predictions: List[Prediction], answer_book: AnswerBook,
) -> None:
    """The visitor's view: below the threshold "Did you mean" must offer the right question."""
    questions = [p for p in real_predictions if p.expected != "emergency"]
    threshold, ambiguity = fallback_thresholds(OUR_CONFIG)
    outcomes = [simulated_outcome(p, threshold, ambiguity, answer_book) for p in questions]
    served = sum(outcome in ("right", "one_click") for outcome in outcomes) / len(outcomes)
    assert served >= MIN_REAL_RIGHT_OR_ONE_CLICK, Counter(outcomes)


def test_spanish_questions_stay_above_the_guard(parse: Callable[[str], Dict[str, Any]]) -> None:
    scored = scored_set(parse, SPANISH_HOLDOUT_PATH)
    assert scored["messages"] >= 150
    assert scored["in_scope_accuracy"] >= MIN_SPANISH_IN_SCOPE_ACCURACY, scored["errors"]
    assert scored["oos_rejection_rate"] >= MIN_SPANISH_OOS_REJECTION, scored["errors"]
    assert scored["all_emergencies_recognised"]
