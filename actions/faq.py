"""Answer a question about LDN with the staff-edited answer for the predicted intent.

A message with two questions ("is it addictive and does it cause weight gain?") gets the answer
to each: nlu_components/two_questions.py lists their intents in the parse data's `questions`.
"""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Tracker

from answer_book.model import AnswerBook
from actions.clinic_action import ClinicAction
from safety.personal_advice import personal_question
from answer_book.rendering import Message, asks_for_feedback, scope_messages, several_answers_messages

#: Parse-data key with the intents of a multi-question message (nlu_components/two_questions.py).
QUESTIONS = "questions"


class ActionAnswerFaq(ClinicAction):
    """The answer(s) keyed by the latest intent, then the offer to call and the follow-ups.

    A question about the visitor's own dose or treatment gets the general answer and
    "only your own doctor can advise ..." instead of the plain offer to call. In the widget,
    "Helpful? 👍 / 👎" comes between the answer and the offer to call.
    """

    def name(self) -> Text:
        return "action_answer_faq"

    def reply(self, book: AnswerBook, tracker: Tracker, kind: str) -> List[Message]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        questions = tracker.latest_message.get(QUESTIONS) or [intent]
        answers = [book.answers[question] for question in questions if question in book.answers]
        if not answers:  # an intent with no answer (yet): explain what we can answer
            return scope_messages(book, kind)
        closing = "personal_advice" if personal_question(tracker.latest_message.get("text")) else "call_offer"
        feedback = asks_for_feedback(tracker.get_latest_input_channel())
        return several_answers_messages(book, answers, kind, closing, feedback)
