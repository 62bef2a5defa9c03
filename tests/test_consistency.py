"""The project's parts agree: intents, training examples, rules, answers and the dev set."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set

import pytest
import yaml

from answer_book.model import AnswerBook
from answer_book.rendering import FEEDBACK_INTENTS
from answer_book.schema import PHONE_LIKE
from eval.dev_set import read_dev_set
from safety.emergency_net import normalise as fold

PROJECT_DIR = Path(__file__).resolve().parent.parent


def domain_intents() -> List[str]:
    """The domain's intents, in order (read when the tests are collected, to name one test per question)."""
    domain = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text(encoding="utf-8"))
    return [next(iter(intent)) if isinstance(intent, dict) else intent for intent in domain["intents"]]


#: The FAQ questions are the domain's ask_<topic> intents: a question staff add (docs/STAFF.md) is
#: checked here without editing this file.
FAQ_INTENTS = [intent for intent in domain_intents() if intent.startswith("ask_")]
#: The conversation's own intents change only with the code that handles them.
CONVERSATION_INTENTS = [
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "help", "contact_clinic",
    "symptoms_worse", "emergency", "out_of_scope",
]
#: Intents only the assistant's own buttons send (the widget's 👍 / 👎): never typed, so no training examples.
PAYLOAD_ONLY_INTENTS = list(FEEDBACK_INTENTS)
MIN_FAQ_EXAMPLES = 25


def read_yaml_files(folder: str) -> List[dict]:
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted((PROJECT_DIR / folder).rglob("*.yml"))]


def normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@pytest.fixture(scope="module")
def examples() -> Dict[str, List[str]]:
    by_intent: Dict[str, List[str]] = {}
    for document in read_yaml_files("data/nlu"):
        for block in document.get("nlu", []):
            if "intent" in block:
                lines = [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
                by_intent.setdefault(block["intent"], []).extend(lines)
    return by_intent


@pytest.fixture(scope="module")
def ruled_intents() -> Dict[str, Set[str]]:
    """intent -> the actions that rules run right after it."""
    actions: Dict[str, Set[str]] = {}
    for document in read_yaml_files("data/rules"):
        for rule in document.get("rules", []):
            steps = rule["steps"]
            for step, following in zip(steps, steps[1:]):
                if "intent" in step and "action" in following:
                    actions.setdefault(step["intent"], set()).add(following["action"])
    return actions


def test_domain_declares_the_faq_questions_and_exactly_the_conversation_intents(domain: dict) -> None:
    assert len(FAQ_INTENTS) >= 20
    others = [intent for intent in domain["intents"] if intent not in FAQ_INTENTS and intent not in PAYLOAD_ONLY_INTENTS]
    assert others == CONVERSATION_INTENTS
    assert set(PAYLOAD_ONLY_INTENTS) <= set(domain["intents"])


def test_payload_only_intents_have_a_rule_and_no_training_examples(
    examples: Dict[str, List[str]], ruled_intents: Dict[str, Set[str]]
) -> None:
    for intent in PAYLOAD_ONLY_INTENTS:
        assert intent not in examples, f"{intent} is sent by a button only: typed words must not select it"
        assert intent in ruled_intents, intent


def test_the_answers_are_exactly_the_intents_whose_rule_answers_them(
    answer_book: AnswerBook, ruled_intents: Dict[str, Set[str]]
) -> None:
    """answers.yml <-> rules running action_answer_faq: an answer nobody asks for, or a rule with no answer, fails."""
    answered_by_rule = {intent for intent, actions in ruled_intents.items() if "action_answer_faq" in actions}
    assert set(answer_book.answers) == answered_by_rule
    assert set(FAQ_INTENTS) <= answered_by_rule


@pytest.mark.parametrize("intent", FAQ_INTENTS)
def test_every_faq_intent_has_examples_a_rule_and_an_answer(
    intent: str, examples: Dict[str, List[str]], ruled_intents: Dict[str, Set[str]], answer_book: AnswerBook
) -> None:
    assert len(examples.get(intent, [])) >= MIN_FAQ_EXAMPLES
    assert ruled_intents.get(intent) == {"action_answer_faq"}
    assert intent in answer_book.answers


def test_every_conversation_intent_has_examples_and_a_rule(
    examples: Dict[str, List[str]], ruled_intents: Dict[str, Set[str]]
) -> None:
    for intent in CONVERSATION_INTENTS:
        assert len(examples.get(intent, [])) >= 15, intent
        assert intent in ruled_intents, intent
    assert "nlu_fallback" in ruled_intents


def test_every_answer_and_follow_up_names_an_existing_intent(answer_book: AnswerBook, domain: dict) -> None:
    for intent, answer in answer_book.answers.items():
        assert intent in domain["intents"]
        assert set(answer.follow_ups) <= set(domain["intents"])


def test_no_training_example_is_in_two_intents(examples: Dict[str, List[str]]) -> None:
    seen: Dict[str, str] = {}
    for intent, lines in examples.items():
        for line in lines:
            key = normalise(line)
            assert seen.get(key, intent) == intent, f"{line!r} is in {seen[key]} and {intent}"
            seen[key] = intent


def test_no_dev_set_question_is_in_the_training_data(examples: Dict[str, List[str]]) -> None:
    training = {normalise(line) for lines in examples.values() for line in lines}
    leaked = [text for text, _ in read_dev_set() if normalise(text) in training]
    assert leaked == []


# Held-out sets that must never be trained on, checked like the dev set (same format: intent -> list).
# tests/nlu/holdout.yml is checked by tests/test_nlu_regression.py.
REAL_HOLDOUT_PATH = PROJECT_DIR / "tests" / "nlu" / "real_holdout.yml"
UNCOVERED_TOPICS_PATH = PROJECT_DIR / "eval" / "real_questions" / "uncovered_topics.yml"


def test_no_real_holdout_question_is_in_the_training_data(examples: Dict[str, List[str]]) -> None:
    training = {normalise(line) for lines in examples.values() for line in lines}
    leaked = [text for text, _ in read_dev_set(REAL_HOLDOUT_PATH) if normalise(text) in training]
    assert leaked == []


def test_the_real_holdout_uses_only_domain_intents(domain: dict) -> None:
    assert {intent for _, intent in read_dev_set(REAL_HOLDOUT_PATH)} <= set(domain["intents"])


# Issue 16: the Spanish held-out split, written before any Spanish training example (data/nlu/es/).
# Compared as written and with accents folded ("qué" and "que" are one word: people type both).
SPANISH_HOLDOUT_PATH = PROJECT_DIR / "tests" / "nlu" / "spanish_holdout.yml"


def test_no_spanish_holdout_question_is_in_the_training_data(examples: Dict[str, List[str]]) -> None:
    lines = [line for lines in examples.values() for line in lines]
    training = {normalise(line) for line in lines} | {fold(line) for line in lines}
    held_out = read_dev_set(SPANISH_HOLDOUT_PATH)
    assert held_out
    assert [text for text, _ in held_out if normalise(text) in training or fold(text) in training] == []


def test_the_spanish_holdout_uses_only_domain_intents(domain: dict) -> None:
    assert {intent for _, intent in read_dev_set(SPANISH_HOLDOUT_PATH)} <= set(domain["intents"])


def test_no_held_out_example_of_an_uncovered_topic_is_in_the_training_data(examples: Dict[str, List[str]]) -> None:
    """The holdout-side examples of eval/real_questions/uncovered_topics.yml stay out of data/ too."""
    training = {normalise(line) for lines in examples.values() for line in lines}
    topics = yaml.safe_load(UNCOVERED_TOPICS_PATH.read_text(encoding="utf-8"))["topics"]
    held_out = [text for topic in topics for text in topic["examples"].get("holdout") or []]
    assert held_out and [text for text in held_out if normalise(text) in training] == []


def test_answers_carry_no_phone_number_of_their_own(answer_book: AnswerBook) -> None:
    for answer in answer_book.answers.values():
        for text in (answer.text, answer.sms):
            assert not PHONE_LIKE.search(text), answer.intent  # with or without the area code


def test_domain_responses_carry_no_phone_number(domain: dict) -> None:
    assert "213-6396" not in yaml.safe_dump(domain["responses"])
