"""The answers: the clinic, each answer and the messages around them, as one validated version.

Plain Python, the bottom of the answers package: it imports nothing of the project but the staff
file basics. `build_book` makes a book from whatever a parsed file holds (blanks where it is
wrong); answer_book/schema.py says what is wrong and refuses the file.

Languages: every answer and message has its English text and may have a Spanish one in an `es:`
block beside it (translated from the English, `reviewed: true` once the clinic checked it). The
book of a file is the English one; `in_language("es")` is the same book with the Spanish texts
(an answer or message not translated yet stays in English there).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Dict, Mapping, Optional, Tuple

from staff_files.live_file import StaffFileError

ENGLISH, SPANISH = "en", "es"
#: The key of a translation's block under an answer or a message, and its review mark.
TRANSLATIONS = (SPANISH,)
REVIEWED = "reviewed"


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
    """One complete, validated version of the answers file, in one language."""

    clinic: Clinic
    answers: Mapping[str, Answer]
    messages: Mapping[str, Mapping[str, str]]
    scope_examples: Tuple[str, ...]
    help_topics: Tuple[str, ...]
    starter_questions: Tuple[str, ...] = ()
    language: str = ENGLISH
    translations: Mapping[str, "AnswerBook"] = field(default_factory=dict)

    def in_language(self, language: Optional[str]) -> "AnswerBook":
        """This book in `language` ("en", "es"); English for a language the file has no texts for."""
        if language == self.language:
            return self
        return self.translations.get(language or "", self)

    def answer_for(self, intent: Optional[str]) -> Optional[Answer]:
        return self.answers.get(intent or "")

    def message(self, key: str, channel: str = "web") -> str:
        """A message with the clinic's name and phone filled in; "sms" falls back to "text"."""
        variants = self.messages[key]
        template = variants.get("sms") if channel == "sms" else None
        return self.fill_in(template or variants["text"])

    def fill_in(self, template: str, **values: str) -> str:
        """The clinic's name and phone, and any `values` ({options}, {number} ...), put in `template`."""
        text = template.replace("{clinic_name}", self.clinic.name).replace("{phone}", self.clinic.phone)
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
        return text


class AnswersFileError(StaffFileError):
    """The answers file cannot be served; `problems` say what to change, each "line N, column M: ..."."""


REQUIRED_MESSAGES = (
    "call_offer", "call_button", "scope", "help", "contact", "emergency", "service_unavailable",
    # the greeting with the language choice, the emergency message's dial buttons, SMS options
    "greeting", "english_button", "spanish_button", "call_911_button", "call_poison_help_button", "call_988_button",
    "sms_options", "sms_option",
    # the SMS channel's carrier keyword replies (channels/sms_keywords.py)
    "sms_opt_out", "sms_opt_in", "sms_help", "sms_media_only",
    # no personal medical advice (safety/personal_advice.py)
    "personal_advice",
    "did_you_mean", "something_else_button", "still_not_understood",
    # a passage of the clinic's article quoted when no answer fits (answer_book/passages.py)
    "article_passage",
    # hostile or careless input (nlu_components/input_guard.py, channels/never_silent.py)
    "too_long", "busy",
    # "Helpful? 👍 / 👎" under an answer in the widget, and the replies to a click (answer_book/rendering.py)
    "feedback_question", "feedback_helpful_button", "feedback_not_helpful_button", "feedback_thanks", "feedback_sorry",
)
ANSWER_FIELDS = ("question", "topic", "text", "sms", "follow_ups", "source")
#: An answer's sentences that are not in the clinic's article but a clinician approved (the 911 line,
#: "ask your own doctor"): `make check-answers` does not flag them for clinical review (answer_book/clinical_review.py).
APPROVED_ADDITIONS = "approved_additions"
#: The lists of answer names: offered on a miss, on "help", when the chat opens.
LISTS = ("scope_examples", "help_topics", "starter_questions")
#: The fields a translation gives (follow-ups and source are the English answer's).
TRANSLATED_FIELDS = ("question", "topic", "text", "sms")


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _translated(entry: Any, language: str) -> Dict[str, Any]:
    """`entry` with the fields of its `language` block over the English ones (English: as it is)."""
    entry = entry if isinstance(entry, dict) else {}
    if language == ENGLISH:
        return entry
    block = entry.get(language) if isinstance(entry.get(language), dict) else {}
    return {**entry, **{name: value for name, value in block.items() if name != REVIEWED and _text(value)}}


def build_book(data: Dict[str, Any], language: str = ENGLISH) -> AnswerBook:
    """An AnswerBook in `language` from whatever the file holds (blanks where it is wrong); the schema
    says what is wrong. In English, it carries its translations (`in_language`)."""
    clinic_data = data.get("clinic") if isinstance(data.get("clinic"), dict) else {}
    clinic = Clinic(name=_text(clinic_data.get("name")), phone=_text(clinic_data.get("phone")))
    answers: Dict[str, Answer] = {}
    entries = data.get("answers") if isinstance(data.get("answers"), dict) else {}
    for intent, entry in entries.items():
        entry = _translated(entry, language)
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
        variants = _translated(variants, language)
        if _text(variants.get("text")):
            messages[str(key)] = {str(name): _text(value) for name, value in variants.items()
                                  if name in ("text", "sms") and _text(value)}
    lists = {key: tuple(data.get(key) or ()) if isinstance(data.get(key), list) else ()
             for key in LISTS}
    book = AnswerBook(clinic, answers, messages, lists["scope_examples"], lists["help_topics"],
                      lists["starter_questions"], language)
    if language == ENGLISH:
        book = replace(book, translations={other: build_book(data, other) for other in TRANSLATIONS})
    return book


def untranslated_and_unreviewed(data: Dict[str, Any], language: str = SPANISH) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """The answers and messages with no `language` text yet, and those whose text the clinic has not reviewed."""
    missing, unreviewed = [], []
    for section in ("answers", "messages"):
        for key, entry in (data.get(section) if isinstance(data.get(section), dict) else {}).items():
            block = entry.get(language) if isinstance(entry, dict) else None
            name = f"{section}.{key}"
            if not isinstance(block, dict):
                missing.append(name)
            elif block.get(REVIEWED) is not True:
                unreviewed.append(name)
    return tuple(missing), tuple(unreviewed)
