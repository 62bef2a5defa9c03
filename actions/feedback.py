"""The reply to a click on 👍 or 👎 under an answer (the widget's feedback buttons).

The click itself is the stored event the report counts: the user message with the intent
feedback_helpful or feedback_not_helpful and the answers it rates as `answer` entities
(answer_book/rendering.py `feedback_payload`).
"""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Tracker

from answer_book.model import AnswerBook
from actions.clinic_action import ClinicAction
from answer_book.rendering import HELPFUL, Message, feedback_reply_messages, rated_answers


class ActionAcknowledgeFeedback(ClinicAction):
    """👍: a short thank-you. 👎: sorry, the clinic's phone and one follow-up question.

    A click with no answer before it (a fresh conversation, an answer since removed from the
    file) gets the same reply, without a follow-up.
    """

    def name(self) -> Text:
        return "action_acknowledge_feedback"

    def reply(self, book: AnswerBook, tracker: Tracker, kind: str) -> List[Message]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        rated = rated_answers(tracker.latest_message)
        return feedback_reply_messages(book, intent or HELPFUL, rated, kind)
