"""The staff-editable answers: parse, validate and serve the last good version.

Plain Python (no rasa_sdk) so the loader, the checker and the tests share it.
The file's path comes from the caller or from the ANSWERS_PATH environment variable.
"""
from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

import yaml

logger = logging.getLogger(__name__)

DEFAULT_ANSWERS_PATH = Path(__file__).resolve().parent.parent / "answers" / "answers.yml"
ANSWERS_PATH_ENV = "ANSWERS_PATH"


@dataclass(frozen=True)
class Clinic:
    name: str
    phone: str  # as patients read it, e.g. "(850) 213-6396"

    @property
    def tel_uri(self) -> str:
        """The phone as a dialable link, e.g. "tel:+18502136396"."""
        digits = re.sub(r"\D", "", self.phone)
        return f"tel:+1{digits}" if len(digits) == 10 else f"tel:+{digits}"


@dataclass(frozen=True)
class Answer:
    intent: str
    question: str  # button label, phrased as the patient's question
    topic: str  # short label for SMS menus
    text: str  # shown on the website
    sms: str  # sent by text message
    follow_ups: Tuple[str, ...]
    source: str  # the article section the answer comes from


@dataclass(frozen=True)
class AnswerBook:
    """One complete, validated version of the answers file."""

    clinic: Clinic
    answers: Mapping[str, Answer]
    messages: Mapping[str, Mapping[str, str]]
    scope_examples: Tuple[str, ...]
    help_topics: Tuple[str, ...]

    def answer_for(self, intent: Optional[str]) -> Optional[Answer]:
        return self.answers.get(intent or "")

    def message(self, key: str, channel: str = "web") -> str:
        """A message with the clinic's name and phone filled in; "sms" falls back to "text"."""
        variants = self.messages[key]
        template = variants.get("sms") if channel == "sms" else None
        return self.fill_in(template or variants["text"])

    def fill_in(self, template: str) -> str:
        return template.replace("{clinic_name}", self.clinic.name).replace("{phone}", self.clinic.phone)


class AnswersFileError(ValueError):
    """The answers file cannot be served; `problems` say what to change, with line numbers."""

    def __init__(self, path: Path, problems: List[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


REQUIRED_MESSAGES = (
    "call_offer", "call_button", "scope", "help", "contact", "emergency", "service_unavailable", "personal_advice"
)
ANSWER_FIELDS = ("question", "topic", "text", "sms", "follow_ups", "source")


def parse_answer_book(source: str, path: Path) -> AnswerBook:
    """Build an AnswerBook from YAML text, or raise AnswersFileError listing every problem."""
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
        data = yaml.safe_load(source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise AnswersFileError(path, [f"{where}the file is not valid YAML ({problem})"]) from error
    problems: List[str] = []
    if not isinstance(data, dict):
        raise AnswersFileError(path, ["the file must start with 'version:', 'clinic:' and 'answers:'"])

    def line_of(*keys: str) -> str:
        node = root
        for key in keys:
            if not isinstance(node, yaml.MappingNode):
                break
            match = next((v for k, v in node.value if k.value == key), None)
            if match is None:
                break
            node = match
        return f"line {node.start_mark.line + 1}, column {node.start_mark.column + 1}" if node else "?"

    clinic_data = data.get("clinic") or {}
    clinic = Clinic(name=str(clinic_data.get("name") or ""), phone=str(clinic_data.get("phone") or ""))
    if not clinic.name:
        problems.append(f"{line_of('clinic')}: the clinic needs a 'name'")
    if not re.fullmatch(r"\(\d{3}\) \d{3}-\d{4}", clinic.phone):
        problems.append(f"{line_of('clinic', 'phone')}: the clinic phone must look like (850) 213-6396")

    answers_data = data.get("answers")
    answers: Dict[str, Answer] = {}
    if not isinstance(answers_data, dict) or not answers_data:
        problems.append(f"{line_of('answers')}: 'answers:' must list at least one answer")
        answers_data = {}
    for intent, entry in answers_data.items():
        if not isinstance(entry, dict):
            problems.append(f"{line_of('answers', intent)}: the answer for {intent} must have fields")
            continue
        for field in ANSWER_FIELDS:
            value = entry.get(field)
            if value is None or (isinstance(value, str) and not value.strip()):
                problems.append(f"{line_of('answers', intent)}: the {field} for {intent} is empty or missing")
        follow_ups = tuple(entry.get("follow_ups") or ())
        answers[intent] = Answer(
            intent=intent,
            question=str(entry.get("question") or "").strip(),
            topic=str(entry.get("topic") or "").strip(),
            text=str(entry.get("text") or "").strip(),
            sms=str(entry.get("sms") or "").strip(),
            follow_ups=follow_ups,
            source=str(entry.get("source") or "").strip(),
        )
    for intent, answer in answers.items():
        for follow_up in answer.follow_ups:
            if follow_up not in answers or follow_up == intent:
                problems.append(
                    f"{line_of('answers', intent, 'follow_ups')}: the follow-up {follow_up} of {intent} "
                    "is not another answer in this file"
                )

    messages_data = data.get("messages") or {}
    messages: Dict[str, Dict[str, str]] = {}
    for key in REQUIRED_MESSAGES:
        variants = messages_data.get(key)
        if not isinstance(variants, dict) or not str(variants.get("text") or "").strip():
            problems.append(f"{line_of('messages')}: the message {key} needs a 'text'")
            continue
        messages[key] = {name: str(value).strip() for name, value in variants.items()}

    lists: Dict[str, Tuple[str, ...]] = {}
    for key in ("scope_examples", "help_topics"):
        lists[key] = tuple(data.get(key) or ())
        unknown = [intent for intent in lists[key] if intent not in answers]
        if not lists[key] or unknown:
            problems.append(f"{line_of(key)}: {key} must list answers of this file (unknown: {unknown})")

    if problems:
        raise AnswersFileError(path, problems)
    return AnswerBook(clinic, answers, messages, lists["scope_examples"], lists["help_topics"])


def load_answer_book(path: Path) -> AnswerBook:
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AnswersFileError(path, [f"the file cannot be read ({error})"]) from error
    return parse_answer_book(source, path)


class AnswerStore:
    """Serves the last good AnswerBook and picks up edits of the file.

    Each `current()` call compares the file's modification stamp with the one
    it last loaded; a changed file is parsed whole, and only a valid one replaces
    the book being served. A broken edit is logged once and the old book stays.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._book: Optional[AnswerBook] = None
        self._stamp: Optional[Tuple[int, int]] = None
        self.last_error: Optional[AnswersFileError] = None

    def _file_stamp(self) -> Optional[Tuple[int, int]]:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def current(self) -> AnswerBook:
        stamp = self._file_stamp()
        if self._book is not None and stamp == self._stamp:
            return self._book
        with self._lock:
            if self._book is None or stamp != self._stamp:
                self._reload(stamp)
        if self._book is None:
            raise self.last_error or AnswersFileError(self.path, ["no answers loaded"])
        return self._book

    def _reload(self, stamp: Optional[Tuple[int, int]]) -> None:
        self._stamp = stamp
        try:
            book = load_answer_book(self.path)
        except AnswersFileError as error:
            self.last_error = error
            served = "keeping the last good answers" if self._book else "no answers to serve"
            logger.error("Answers file refused (%s): %s", served, "; ".join(error.problems))
            return
        if self._book is not None:
            logger.info("Answers reloaded from %s (%d answers)", self.path, len(book.answers))
        self._book = book
        self.last_error = None


_stores: Dict[Path, AnswerStore] = {}
_stores_lock = threading.Lock()


def answers_path() -> Path:
    return Path(os.environ.get(ANSWERS_PATH_ENV) or DEFAULT_ANSWERS_PATH)


def answer_store(path: Optional[Path] = None) -> AnswerStore:
    """The shared store for `path` (default: ANSWERS_PATH or answers/answers.yml)."""
    path = (path or answers_path()).resolve()
    with _stores_lock:
        if path not in _stores:
            _stores[path] = AnswerStore(path)
        return _stores[path]
