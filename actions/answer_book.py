"""The staff-editable answers: parse, validate and serve the last good version.

Plain Python (no rasa_sdk) so the loader, the checker and the tests share it.
The file's path comes from the caller or from the ANSWERS_PATH environment variable.
"""
from __future__ import annotations

import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple

import yaml

if TYPE_CHECKING:
    from actions.answer_schema import ProjectIntents

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
    """The answers file cannot be served; `problems` say what to change, each "line N, column M: ..."."""

    def __init__(self, path: Path, problems: List[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> List[str]:
        """Each problem prefixed with the file, as staff read it: "answers/answers.yml, line 14, column 5: ..."."""
        return [f"{display_path(self.path)}, {problem}" for problem in self.problems]


def display_path(path: Path) -> str:
    """The path relative to the working directory when it is inside it (shorter to read)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


REQUIRED_MESSAGES = (
    "call_offer", "call_button", "scope", "help", "contact", "emergency", "service_unavailable",
    # the SMS channel's carrier keyword replies (channels/sms_keywords.py)
    "sms_opt_out", "sms_opt_in", "sms_help", "sms_media_only",
    # no personal medical advice (actions/personal_advice.py)
    "personal_advice",
    "did_you_mean", "something_else_button", "still_not_understood",
    # hostile or careless input (nlu_components/input_guard.py, channels/never_silent.py)
    "too_long", "busy",
)
ANSWER_FIELDS = ("question", "topic", "text", "sms", "follow_ups", "source")


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _build_book(data: Dict[str, Any]) -> AnswerBook:
    """An AnswerBook from whatever the file holds (blanks where it is wrong); the schema says what is wrong."""
    clinic_data = data.get("clinic") if isinstance(data.get("clinic"), dict) else {}
    clinic = Clinic(name=_text(clinic_data.get("name")), phone=_text(clinic_data.get("phone")))
    answers: Dict[str, Answer] = {}
    entries = data.get("answers") if isinstance(data.get("answers"), dict) else {}
    for intent, entry in entries.items():
        entry = entry if isinstance(entry, dict) else {}
        follow_ups = entry.get("follow_ups") if isinstance(entry.get("follow_ups"), list) else []
        answers[str(intent)] = Answer(
            intent=str(intent),
            question=_text(entry.get("question")),
            topic=_text(entry.get("topic")),
            text=_text(entry.get("text")),
            sms=_text(entry.get("sms")),
            follow_ups=tuple(str(follow_up) for follow_up in follow_ups),
            source=_text(entry.get("source")),
        )
    messages: Dict[str, Dict[str, str]] = {}
    for key, variants in (data.get("messages") if isinstance(data.get("messages"), dict) else {}).items():
        if isinstance(variants, dict) and _text(variants.get("text")):
            messages[str(key)] = {str(name): _text(value) for name, value in variants.items() if _text(value)}
    lists = {key: tuple(data.get(key) or ()) if isinstance(data.get(key), list) else ()
             for key in ("scope_examples", "help_topics")}
    return AnswerBook(clinic, answers, messages, lists["scope_examples"], lists["help_topics"])


def parse_answer_book(source: str, path: Path, intents: Optional["ProjectIntents"] = None) -> AnswerBook:
    """Build an AnswerBook from YAML text, or raise AnswersFileError listing every problem.

    `intents` (default: read from domain.yml and data/rules) says which answer keys exist
    and which must be present, so a file cut short is refused.
    """
    # Imported here: the rules render the SMS as sent, and rendering imports this module.
    from actions.answer_schema import check_answers, project_intents
    from actions.yaml_source import SourceMap

    loader = yaml.SafeLoader(source)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else "line 1, column 1: "
        problem = getattr(error, "problem", None) or str(error)
        raise AnswersFileError(path, [f"{where}the file is not valid YAML ({problem}): check the indentation "
                                      "and the quotes on this line and the one before"]) from error
    finally:
        loader.dispose()
    book = _build_book(data if isinstance(data, dict) else {})
    problems = check_answers(data, book, SourceMap(root, source), intents or project_intents())
    if problems:
        raise AnswersFileError(path, problems)
    return book


def load_answer_book(path: Path, intents: Optional["ProjectIntents"] = None) -> AnswerBook:
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AnswersFileError(path, [f"line 1, column 1: the file cannot be read ({error})"]) from error
    return parse_answer_book(source, path, intents)


Stamp = Tuple[int, int, int, int]  # inode, modification time, change time (ns), size
#: An editor that saves in place (truncate, then write) leaves the file empty or half written for a
#: moment. A broken file younger than this is refused without logging and checked again on the next
#: request; the error is logged once when it stays.
SAVE_SETTLE_SECONDS = 1.0


class AnswerStore:
    """Serves the last good AnswerBook and picks up edits of the file.

    Each `current()` call compares the file's stamp (inode, modification and change
    times, size) with the one it last loaded. A changed file is read whole, checked
    with every rule, and only a valid one replaces the book being served (one
    reference swap, so a request gets the old or the new book, never a mix).
    A file that changes while it is read (an editor writing in place) is read again
    on the next request; a broken edit is logged once and the old book stays.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._book: Optional[AnswerBook] = None
        self._stamp: Optional[Stamp] = None
        self.last_error: Optional[AnswersFileError] = None

    def _file_stamp(self) -> Optional[Stamp]:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size)

    def current(self) -> AnswerBook:
        """The last good book; re-reads the file first when it changed since the last read."""
        book = self._book
        if book is not None and self._file_stamp() == self._stamp:
            return book
        # While one request reloads, the others keep getting the book being served.
        if self._lock.acquire(blocking=book is None):
            try:
                stamp = self._file_stamp()
                if self._book is None or stamp != self._stamp:
                    self._reload(stamp)
            finally:
                self._lock.release()
        if self._book is None:
            raise self.last_error or AnswersFileError(self.path, ["line 1, column 1: no answers loaded"])
        return self._book

    def _read_settled(self, stamp: Optional[Stamp]) -> Tuple[Optional[Stamp], Optional[str], str]:
        """(stamp, text, read error) of a read during which the file did not change, or (None, None, "")."""
        for _ in range(1 if self._book is not None else 5):  # at start-up, wait for a save to finish
            try:
                source: Optional[str] = self.path.read_text(encoding="utf-8")
                read_error = ""
            except (OSError, UnicodeDecodeError) as error:
                source, read_error = None, str(error)
            after = self._file_stamp()
            if after == stamp:
                return stamp, source, read_error
            stamp = after
            time.sleep(0.05)
        return None, None, ""

    def _reload(self, stamp: Optional[Stamp]) -> None:
        settled, source, read_error = self._read_settled(stamp)
        if settled is None and source is None and not read_error:
            return  # being written right now: the next request reads the finished file
        try:
            if source is None:
                raise AnswersFileError(self.path, [f"line 1, column 1: the file cannot be read ({read_error})"])
            book = parse_answer_book(source, self.path)
        except AnswersFileError as error:
            self.last_error = error
            if self._book is not None and self._just_written(settled):
                return  # maybe a save in progress: checked again on the next request, logged if it stays
            self._stamp = settled
            served = "keeping the last good answers" if self._book else "no answers to serve"
            logger.error("Answers file refused (%s). To fix:\n  %s", served, "\n  ".join(error.lines()))
            return
        self._stamp = settled
        if self._book is not None:
            logger.info("Answers reloaded from %s (%d answers)", display_path(self.path), len(book.answers))
        self._book = book
        self.last_error = None

    @staticmethod
    def _just_written(stamp: Optional[Stamp]) -> bool:
        """Saved less than SAVE_SETTLE_SECONDS ago: an editor saving in place may not have finished."""
        return stamp is not None and time.time_ns() - stamp[1] < SAVE_SETTLE_SECONDS * 1e9


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
