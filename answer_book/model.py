"""The answers: the clinic, each answer and the messages around them, as one validated version.

Plain Python, the bottom of the answers package: it imports nothing of the project but the staff
file basics. `build_book` makes a book from whatever a parsed file holds (blanks where it is
wrong); answer_book/schema.py says what is wrong and refuses the file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

from staff_files.live_file import StaffFileError


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


class AnswersFileError(StaffFileError):
    """The answers file cannot be served; `problems` say what to change, each "line N, column M: ..."."""


REQUIRED_MESSAGES = (
    "call_offer", "call_button", "scope", "help", "contact", "emergency", "service_unavailable",
    # the SMS channel's carrier keyword replies (channels/sms_keywords.py)
    "sms_opt_out", "sms_opt_in", "sms_help", "sms_media_only",
    # no personal medical advice (safety/personal_advice.py)
    "personal_advice",
    "did_you_mean", "something_else_button", "still_not_understood",
    # a passage of the clinic's article quoted when no answer fits (answer_book/passages.py)
    "article_passage",
    # hostile or careless input (nlu_components/input_guard.py, channels/never_silent.py)
    "too_long", "busy",
)
ANSWER_FIELDS = ("question", "topic", "text", "sms", "follow_ups", "source")


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def build_book(data: Dict[str, Any]) -> AnswerBook:
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
