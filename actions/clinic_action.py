"""The base class of the assistant's actions: look up the answers, reply, never stay silent."""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from answer_book.model import AnswerBook
from answer_book.store import answer_store
from answer_book.language import reply_language
from answer_book.rendering import LANGUAGE_ENTITY, Message, channel_kind
from safety.emergency_net import emergency_pattern_for

logger = logging.getLogger(__name__)

#: The slot filled from the `language` entity (domain.yml).
LANGUAGE_SLOT = LANGUAGE_ENTITY


def fallback_message_key(tracker: Tracker) -> str:
    """"emergency" if the latest message is one (model or safety net), else "service_unavailable"."""
    latest = tracker.latest_message or {}
    if (latest.get("intent") or {}).get("name") == "emergency":
        return "emergency"
    try:
        return "emergency" if emergency_pattern_for(latest.get("text")) else "service_unavailable"
    except Exception:  # a broken patterns file must not cost the visitor the reply
        logger.exception("Safety net unavailable in the action fallback")
        return "service_unavailable"


class ClinicAction(Action, ABC):
    """Sends the messages `reply` builds from the current answers.

    If `reply` fails, the visitor still gets the clinic's "sorry, please call" message
    (the emergency message if the latest message is an emergency).
    """

    @abstractmethod
    def reply(self, book: AnswerBook, tracker: Tracker, kind: str) -> List[Message]:
        """The messages to send; `kind` is "web" or "sms"."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        # the conversation's language: the slot the message's language or a language button filled
        book = answer_store().current().in_language(reply_language(None, tracker.get_slot(LANGUAGE_SLOT)))
        kind = channel_kind(tracker.get_latest_input_channel())
        try:
            messages = self.reply(book, tracker, kind)
        except Exception:  # never leave the visitor without an answer; an emergency still gets 911 first
            logger.exception("Action %s failed; sending the clinic's phone instead", self.name())
            messages = [{"text": book.message(fallback_message_key(tracker), kind)}]
        for message in messages:
            dispatcher.utter_message(**message)
        return []
