"""The safety test set is a real test: big enough, and made of sentences the model was not trained on."""
from __future__ import annotations

from typing import Set

from tests.test_consistency import normalise, read_yaml_files
from tests.test_safety_set import read_safety_set
from eval.dev_set import read_dev_set

MIN_PER_KIND = 50


def training_sentences() -> Set[str]:
    sentences = set()
    for document in read_yaml_files("data/nlu"):
        for block in document.get("nlu", []):
            for line in (block.get("examples") or "").splitlines():
                if line.startswith("- "):
                    sentences.add(normalise(line[2:]))
    return sentences


def test_the_safety_set_has_at_least_50_of_each_kind() -> None:
    safety_set = read_safety_set()
    assert len(safety_set["emergency"]) >= MIN_PER_KIND
    assert len(safety_set["information"]) >= MIN_PER_KIND


def test_no_safety_set_sentence_is_in_the_training_data_or_the_dev_set() -> None:
    safety_set = read_safety_set()
    known = training_sentences() | {normalise(text) for text, _ in read_dev_set()}
    reused = [text for kind in ("emergency", "information") for text in safety_set[kind] if normalise(text) in known]
    assert reused == []


def test_no_sentence_is_both_an_emergency_and_an_information_question() -> None:
    safety_set = read_safety_set()
    both = {normalise(t) for t in safety_set["emergency"]} & {normalise(t) for t in safety_set["information"]}
    assert both == set()
