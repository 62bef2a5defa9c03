"""The safety test sets are real tests: big enough, and made of sentences the model was not trained on."""
from __future__ import annotations

from typing import Set

import pytest

from tests.test_consistency import normalise, read_yaml_files
from eval.dev_set import read_dev_set
from tests.test_safety_set import SAFETY_SETS, read_safety_set

#: the least number of emergencies and of information questions in each set
MIN_PER_KIND = {"safety": 50, "slang": 40}


def training_sentences() -> Set[str]:
    sentences = set()
    for document in read_yaml_files("data/nlu"):
        for block in document.get("nlu", []):
            for line in (block.get("examples") or "").splitlines():
                if line.startswith("- "):
                    sentences.add(normalise(line[2:]))
    return sentences


def test_every_safety_set_has_a_minimum_size() -> None:
    assert set(MIN_PER_KIND) == set(SAFETY_SETS)


@pytest.mark.parametrize("set_name", list(SAFETY_SETS))
def test_the_set_has_enough_of_each_kind(set_name: str) -> None:
    safety_set = read_safety_set(SAFETY_SETS[set_name])
    assert len(safety_set["emergency"]) >= MIN_PER_KIND[set_name]
    assert len(safety_set["information"]) >= MIN_PER_KIND[set_name]


@pytest.mark.parametrize("set_name", list(SAFETY_SETS))
def test_no_sentence_of_the_set_is_in_the_training_data_or_the_dev_set(set_name: str) -> None:
    safety_set = read_safety_set(SAFETY_SETS[set_name])
    known = training_sentences() | {normalise(text) for text, _ in read_dev_set()}
    reused = [text for kind in ("emergency", "information") for text in safety_set[kind] if normalise(text) in known]
    assert reused == []


@pytest.mark.parametrize("set_name", list(SAFETY_SETS))
def test_no_sentence_is_both_an_emergency_and_an_information_question(set_name: str) -> None:
    safety_set = read_safety_set(SAFETY_SETS[set_name])
    both = {normalise(t) for t in safety_set["emergency"]} & {normalise(t) for t in safety_set["information"]}
    assert both == set()


def test_the_sets_do_not_share_sentences() -> None:
    sentences = {
        name: {normalise(t) for kind in ("emergency", "information") for t in read_safety_set(path)[kind]}
        for name, path in SAFETY_SETS.items()
    }
    assert sentences["safety"] & sentences["slang"] == set()
