"""Not understood (nlu_fallback): ask "Did you mean...?" on a close call, offer the phone on a second miss.

FallbackClassifier answers nlu_fallback when the best intent is below the threshold or the best
two are within the ambiguity threshold (config.yml); the classifier's ranking is still in
intent_ranking. Two-stage fallback:
1. first miss: if the two best intents are questions we answer and together hold most of the
   confidence, "Did you mean...?" with a button per question and "Something else"; otherwise
   what the assistant can answer (action_explain_scope's reply);
2. a miss right after a miss: stop guessing, offer the clinic's phone.
A question about one's own dose or treatment ("should I take 50mg") is never a close call to
guess at: it gets "only your own doctor can advise" (as action_explain_scope does).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker

from answer_book.model import Answer, AnswerBook
from actions.clinic_action import ClinicAction
from safety.personal_advice import personal_question
from answer_book.rendering import Message, did_you_mean_messages, scope_messages, still_not_understood_messages

FALLBACK_INTENT = "nlu_fallback"
#: Parse-data key set by nlu_components/input_guard.py on messages it refused to classify, and
#: its reason for a message over the length limits (plain strings: actions do not import Rasa).
INPUT_GUARD = "input_guard"
TOO_LONG = "too long"
#: The two candidates must together hold at least this much of the confidence: the model is
#: sure it is one of the two, unsure which (below it the message is more likely out of scope).
PAIR_CONFIDENCE = 0.5
#: Actions that are not a reply to the visitor when looking for the previous turn's reply.
NOT_A_REPLY = frozenset({"action_listen", "action_session_start"})


def close_call(book: AnswerBook, parse_data: Dict[str, Any]) -> Optional[List[Answer]]:
    """The two FAQ answers the message is torn between, or None.

    Only questions with an answer qualify (ask_* intents): never emergency, symptoms_worse or
    small talk; if one of those is among the best two, it is not a close call between questions.
    A message the input guard refused (empty, emoji only, too long) or with no word in it (a bare
    number) is not a question at all, whatever the classifier ranked for it.
    """
    if parse_data.get(INPUT_GUARD) or not any(c.isalpha() for c in str(parse_data.get("text") or "")):
        return None
    ranking = [r for r in parse_data.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
    best_two = ranking[:2]
    if len(best_two) < 2:
        return None
    names = [str(r.get("name")) for r in best_two]
    if not all(name.startswith("ask_") and name in book.answers for name in names):
        return None
    if sum(float(r.get("confidence") or 0.0) for r in best_two) < PAIR_CONFIDENCE:
        return None
    return [book.answers[name] for name in names]


def previous_reply(tracker: Tracker) -> Optional[str]:
    """The action that answered the visitor's previous message (None at the start)."""
    user_messages_seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            user_messages_seen += 1
        elif event.get("event") == "action" and user_messages_seen == 1:
            if event.get("name") not in NOT_A_REPLY:
                return event.get("name")
        if user_messages_seen > 1:
            return None
    return None


class ActionClarify(ClinicAction):
    """The reply to nlu_fallback: "Did you mean", what can be asked, or the phone on a second miss."""

    def name(self) -> Text:
        return "action_clarify"

    def reply(self, book: AnswerBook, tracker: Tracker, kind: str) -> List[Message]:
        if tracker.latest_message.get(INPUT_GUARD) == TOO_LONG:
            return scope_messages(book, kind, "too_long")
        if personal_question(tracker.latest_message.get("text")):  # own dose or treatment: no guess
            return scope_messages(book, kind, "personal_advice")
        if previous_reply(tracker) == self.name():
            return still_not_understood_messages(book, kind)
        candidates = close_call(book, tracker.latest_message)
        if candidates:
            return did_you_mean_messages(book, candidates, kind)
        return scope_messages(book, kind)
