"""Answer a question about LDN with the staff-edited answer for the predicted intent.

A two-question intent ("ask_addictive+ask_weight", see data/nlu/multi_question.yml) gets the
answer to each of its parts.
"""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Tracker

from actions.answer_book import AnswerBook
from actions.clinic_action import ClinicAction
from actions.rendering import Message, scope_messages, several_answers_messages

#: Joins the parts of a two-question intent (intent_split_symbol of the tokenizer in config.yml).
INTENT_SPLIT_SYMBOL = "+"


class ActionAnswerFaq(ClinicAction):
    """The answer(s) keyed by the latest intent, then the offer to call and the follow-ups."""

    def name(self) -> Text:
        return "action_answer_faq"

    def reply(self, book: AnswerBook, tracker: Tracker, kind: str) -> List[Message]:
        intent = str((tracker.latest_message.get("intent") or {}).get("name") or "")
        answers = [book.answers[part] for part in intent.split(INTENT_SPLIT_SYMBOL) if part in book.answers]
        if not answers:  # an intent with no answer (yet): explain what we can answer
            return scope_messages(book, kind)
        return several_answers_messages(book, answers, kind)
