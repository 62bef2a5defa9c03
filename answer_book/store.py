"""The answers being served: the last good version of answers/answers.yml, re-read when staff save it.

Plain Python (no rasa_sdk) so the actions, the channels, the checker and the tests share it. The
file's path comes from the caller or from the ANSWERS_PATH environment variable.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from answer_book.model import AnswerBook, AnswersFileError
from answer_book.schema import parse_answer_book
from staff_files.live_file import LiveFile, shared

DEFAULT_ANSWERS_PATH = Path(__file__).resolve().parent.parent / "answers" / "answers.yml"
ANSWERS_PATH_ENV = "ANSWERS_PATH"


class AnswerStore(LiveFile[AnswerBook]):
    """Serves the last good AnswerBook of one file and picks up edits of it (staff_files/live_file.py)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, parse_answer_book, "Answers file", AnswersFileError)


def answers_path() -> Path:
    """ANSWERS_PATH, else answers/answers.yml."""
    configured = os.environ.get(ANSWERS_PATH_ENV)
    return Path(configured) if configured else DEFAULT_ANSWERS_PATH


def answer_store(path: Optional[Path] = None) -> AnswerStore:
    """The shared store for `path` (default: ANSWERS_PATH or answers/answers.yml)."""
    return shared(AnswerStore, path or answers_path())
