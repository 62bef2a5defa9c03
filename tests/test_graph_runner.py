"""The model's graphs run by dask's in-order executor (runtime/patches/graph_runner.py) give what
Rasa's own runner with dask's scheduler gives: the same parse of every benchmark message (intent,
ranking, entities) and the same policy prediction on real trackers, and a failing component still
fails the run the way it did."""
from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List

import numpy as np
import pytest
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted

from bench.load import conversations
from runtime.patches import graph_runner
from tests.conftest import MODEL_PATH
from tests.test_recent_turns import new_session, user

MESSAGES = sorted({text for conversation in conversations(6, 20, seed=19) for text in conversation})


@pytest.fixture(scope="module")
def agent() -> Any:
    from rasa.core.agent import Agent

    if not MODEL_PATH.exists():
        pytest.fail(f"{MODEL_PATH} is missing: run `make train` (make test does it for you)")
    graph_runner.install()
    return Agent.load(str(MODEL_PATH))


def parses(agent: Any) -> List[str]:
    async def parse_all() -> List[Dict[str, Any]]:
        return [await agent.parse_message(text) for text in MESSAGES]

    keys = ("intent", "intent_ranking", "entities", "text")
    return [json.dumps({key: parse.get(key) for key in keys}, sort_keys=True, default=str)
            for parse in asyncio.run(parse_all())]


def with_dask_scheduler(monkeypatch: pytest.MonkeyPatch) -> None:
    assert graph_runner.rasa_run_with_dask_scheduler is not None
    monkeypatch.setattr(DaskGraphRunner, "run", graph_runner.rasa_run_with_dask_scheduler)


def test_every_benchmark_message_parses_as_with_dasks_scheduler(agent: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    in_order = parses(agent)
    with_dask_scheduler(monkeypatch)
    assert parses(agent) == in_order
    assert len({json.loads(parse)["intent"]["name"] for parse in in_order}) > 10  # not one intent for all


def test_the_policies_predict_as_with_dasks_scheduler(agent: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    processor = agent.processor
    trackers = []
    for intent in sorted(processor.domain.intents):
        tracker = new_session(processor)
        tracker.update(user(intent))
        trackers.append(tracker)
    answered = trackers[0].copy()
    answered.update(ActionExecuted("action_answer_faq"))
    trackers.append(answered)
    in_order = [processor._predict_next_with_tracker(tracker) for tracker in trackers]
    with_dask_scheduler(monkeypatch)
    scheduled = [processor._predict_next_with_tracker(tracker) for tracker in trackers]
    for mine, rasas in zip(in_order, scheduled):
        assert np.array_equal(mine.probabilities, rasas.probabilities)
        assert mine.policy_name == rasas.policy_name
    assert {processor.domain.action_names_or_texts[int(np.argmax(p.probabilities))] for p in in_order} - {ACTION_LISTEN_NAME}


def test_a_failing_component_fails_the_run_as_before(agent: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.engine.exceptions import GraphComponentException

    runner, target = agent.processor.graph_runner, agent.processor.model_metadata.nlu_target
    causes = []
    for run in (DaskGraphRunner.run, graph_runner.rasa_run_with_dask_scheduler):
        monkeypatch.setattr(DaskGraphRunner, "run", run)
        with pytest.raises(GraphComponentException) as error:
            runner.run(inputs={"__message__": [None]}, targets=[target])  # None is no Message
        causes.append(type(error.value.__cause__))
    assert causes[0] is causes[1] is AttributeError
