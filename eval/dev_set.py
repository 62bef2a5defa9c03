"""Read the held-out development questions (shared/eval/dev_questions.yml)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Tuple

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEV_SET_PATH = Path(os.environ.get("DEV_SET_PATH") or PROJECT_DIR.parent / "shared" / "eval" / "dev_questions.yml")

#: Predictions that count as a correct rejection of an out-of-scope message.
REJECTIONS = frozenset({"out_of_scope", "nlu_fallback"})


def read_dev_set(path: Path = DEV_SET_PATH) -> List[Tuple[str, str]]:
    """(message, expected intent) pairs, in file order."""
    with path.open(encoding="utf-8") as handle:
        table = yaml.safe_load(handle) or {}
    return [(str(text), intent) for intent, texts in table.items() for text in texts or []]


def is_correct(expected: str, predicted: str) -> bool:
    return predicted == expected or (expected == "out_of_scope" and predicted in REJECTIONS)
