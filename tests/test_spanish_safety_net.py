"""The Spanish safety set through the emergency safety net alone (issue 16).

tests/safety/spanish_set.yml: >= 50 Spanish emergencies (with and without accents, misspelt, SMS style,
Spanglish) and >= 50 information questions with the same scary words. Until the assistant has its
Spanish emergency message this set is not run through the full stack (tests/test_safety_set.py); here
every sentence goes through the staff-edited patterns (safety/emergency_patterns.yml) as the NLU
component and the channels use them: every emergency must fire, at most 5% of the questions may.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from eval.dev_set import read_dev_set
from safety.emergency_net import DEFAULT_PATTERNS_PATH, PatternStore
from tests.test_safety_set import MAX_FALSE_ALARM_RATE, SAFETY_SETS

SPANISH_SET_PATH = Path(__file__).resolve().parent / "safety" / "spanish_set.yml"


def read_spanish_set() -> Dict[str, List[str]]:
    return yaml.safe_load(SPANISH_SET_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def store() -> PatternStore:
    return PatternStore(DEFAULT_PATTERNS_PATH)


def test_every_spanish_emergency_fires_the_safety_net(store: PatternStore) -> None:
    missed = [text for text in read_spanish_set()["emergency"] if store.match(text) is None]
    assert missed == [], f"{len(missed)} Spanish emergencies missed by safety/emergency_patterns.yml"


def test_spanish_information_questions_rarely_fire_the_safety_net(store: PatternStore) -> None:
    questions = read_spanish_set()["information"]
    alarms = [(text, store.match(text)) for text in questions if store.match(text) is not None]
    rate = len(alarms) / len(questions)
    print(f"\nSpanish false alarms (net alone): {len(alarms)}/{len(questions)} = {rate:.1%}: {alarms}")
    assert rate <= MAX_FALSE_ALARM_RATE, alarms


def test_the_spanish_patterns_never_fire_on_english_messages(store: PatternStore) -> None:
    """English behaviour does not depend on the Spanish part of the file (patterns named *_es)."""
    english_sets = [path for path in SAFETY_SETS.values() if path.resolve() != SPANISH_SET_PATH.resolve()]
    english = [text for path in english_sets for kind in ("emergency", "information")
               for text in yaml.safe_load(path.read_text(encoding="utf-8"))[kind]]
    english += [text for text, _ in read_dev_set()]
    fired = [(text, store.match(text)) for text in english if (store.match(text) or "").endswith("_es")]
    assert fired == []
