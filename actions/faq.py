"""Answer a question about LDN with the staff-edited answer for the predicted intent."""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Tracker

from actions.answer_book import AnswerBook
from actions.clinic_action import ClinicAction
from actions.personal_advice import personal_question
from actions.rendering import Message, answer_messages, scope_messages


class ActionAnswerFaq(ClinicAction):
    """The answer keyed by the latest intent, then the offer to call and the follow-ups.

    A question about the visitor's own dose or treatment gets the general answer and
    "only your own doctor can advise ..." instead of the plain offer to call.
    """

    def name(self) -> Text:
        return "action_answer_faq"

    def reply(self, book: AnswerBook, tracker: Tracker, kind: str) -> List[Message]:
        answer = book.answer_for((tracker.latest_message.get("intent") or {}).get("name"))
        if answer is None:  # an intent with no answer (yet): explain what we can answer
            return scope_messages(book, kind)
        closing = "personal_advice" if personal_question(tracker.latest_message.get("text")) else "call_offer"
        return answer_messages(book, answer, kind, closing)
