"""The replies around the answers that carry the clinic's phone or example questions."""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Tracker

from answer_book.model import AnswerBook
from safety.emergency_net import SAFETY_NET_MARKER, pattern_language
from actions.clinic_action import ClinicAction
from safety.personal_advice import personal_question
from answer_book.rendering import (
    Message,
    contact_messages,
    emergency_messages,
    greeting_messages,
    help_messages,
    scope_messages,
)


class ActionExplainScope(ClinicAction):
    """Out of scope or not understood: what we can answer, 3 example questions, the phone.

    A question about one's own treatment the FAQ cannot answer ("can I stop my gabapentin")
    gets "only your own doctor can advise ..." with the same example questions.
    """

    def name(self) -> Text:
        return "action_explain_scope"

    def reply(self, book: AnswerBook, tracker: Tracker, kind: str) -> List[Message]:
        personal = personal_question(tracker.latest_message.get("text"))
        return scope_messages(book, kind, "personal_advice" if personal else "scope")


class ActionGreet(ClinicAction):
    """Hello: who the assistant is; on the website the starter questions and English / Español."""

    def name(self) -> Text:
        return "action_greet"

    def reply(self, book: AnswerBook, tracker: Tracker, kind: str) -> List[Message]:
        return greeting_messages(book, kind)


class ActionShowHelp(ClinicAction):
    """"What can I ask?": a few of the questions the assistant answers, as buttons."""

    def name(self) -> Text:
        return "action_show_help"

    def reply(self, book: AnswerBook, tracker: Tracker, kind: str) -> List[Message]:
        return help_messages(book, kind)


class ActionContactClinic(ClinicAction):
    """The clinic's phone, as text and as a link that dials it."""

    def name(self) -> Text:
        return "action_contact_clinic"

    def reply(self, book: AnswerBook, tracker: Tracker, kind: str) -> List[Message]:
        return contact_messages(book, kind)


class ActionEmergency(ClinicAction):
    """911, Poison Help and 988, then the clinic: no FAQ text."""

    def name(self) -> Text:
        return "action_emergency"

    def reply(self, book: AnswerBook, tracker: Tracker, kind: str) -> List[Message]:
        # a Spanish pattern fired ("my husband no respira help"): the message in Spanish, whatever
        # language the rest of the words looked like
        language = pattern_language(tracker.latest_message.get(SAFETY_NET_MARKER))
        return emergency_messages(book.in_language(language) if language else book, kind)
