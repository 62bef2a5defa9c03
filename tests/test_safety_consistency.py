"""The safety test sets are real tests: big enough, and made of sentences the model was not trained on."""
from __future__ import annotations

from itertools import combinations
from typing import Set

import pytest

from safety.emergency_net import normalise as fold
from tests.test_consistency import normalise, read_yaml_files
from eval.dev_set import read_dev_set
from tests.test_safety_set import SAFETY_SETS, read_safety_set

#: every safety set (all run through the full stack by tests/test_safety_set.py; the Spanish one also
#: through the safety net alone, tests/test_spanish_safety_net.py)
CHECKED_SETS = SAFETY_SETS
#: the least number of emergencies and of information questions in each set
MIN_PER_KIND = {"safety": 50, "slang": 40, "hidden": 40, "spanish": 50, "disguised": 40}


def training_sentences() -> Set[str]:
    """Every training example, compared as written and with accents folded ("tomé" and "tome" are one sentence)."""
    sentences = set()
    for document in read_yaml_files("data/nlu"):
        for block in document.get("nlu", []):
            for line in (block.get("examples") or "").splitlines():
                if line.startswith("- "):
                    sentences.add(normalise(line[2:]))
                    sentences.add(fold(line[2:]))
    return sentences


def test_every_safety_set_has_a_minimum_size() -> None:
    assert set(MIN_PER_KIND) == set(CHECKED_SETS)


@pytest.mark.parametrize("set_name", list(CHECKED_SETS))
def test_the_set_has_enough_of_each_kind(set_name: str) -> None:
    safety_set = read_safety_set(CHECKED_SETS[set_name])
    assert len(safety_set["emergency"]) >= MIN_PER_KIND[set_name]
    assert len(safety_set["information"]) >= MIN_PER_KIND[set_name]


@pytest.mark.parametrize("set_name", list(CHECKED_SETS))
def test_no_sentence_of_the_set_is_in_the_training_data_or_the_dev_set(set_name: str) -> None:
    safety_set = read_safety_set(CHECKED_SETS[set_name])
    dev = [text for text, _ in read_dev_set()]
    known = training_sentences() | {normalise(text) for text in dev} | {fold(text) for text in dev}
    reused = [
        text for kind in ("emergency", "information") for text in safety_set[kind]
        if normalise(text) in known or fold(text) in known
    ]
    assert reused == []


@pytest.mark.parametrize("set_name", list(CHECKED_SETS))
def test_no_sentence_is_both_an_emergency_and_an_information_question(set_name: str) -> None:
    safety_set = read_safety_set(CHECKED_SETS[set_name])
    both = {fold(t) for t in safety_set["emergency"]} & {fold(t) for t in safety_set["information"]}
    assert both == set()


@pytest.mark.parametrize("set_name", list(CHECKED_SETS))
def test_no_sentence_is_in_the_set_twice(set_name: str) -> None:
    safety_set = read_safety_set(CHECKED_SETS[set_name])
    sentences = [fold(t) for kind in ("emergency", "information") for t in safety_set[kind]]
    assert sorted({s for s in sentences if sentences.count(s) > 1}) == []


def test_the_sets_do_not_share_sentences() -> None:
    sentences = {
        name: {fold(t) for kind in ("emergency", "information") for t in read_safety_set(path)[kind]}
        for name, path in CHECKED_SETS.items()
    }
    shared = {(a, b): sentences[a] & sentences[b] for a, b in combinations(sentences, 2)}
    assert {pair: both for pair, both in shared.items() if both} == {}
