"""Not understood (nlu_fallback): ask "Did you mean...?" on a close call, offer the phone on a second miss.

FallbackClassifier answers nlu_fallback when the best intent is below the threshold or the best
two are within the ambiguity threshold (config.yml); the classifier's ranking is still in
intent_ranking. Two-stage fallback:
1. first miss: if the best intents are questions we answer and together hold most of the
   confidence, "Did you mean...?" with a button per question and "Something else"; else, if a
   passage of the clinic's article fits the question well enough (answer_book/passages.py), that
   passage quoted as the clinic's text; otherwise what the assistant can answer;
2. a miss right after a miss: stop guessing, offer the clinic's phone.
A question about one's own dose or treatment ("should I take 50mg") is never a close call to
guess at: it gets "only your own doctor can advise" (as action_explain_scope does).
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker

from answer_book.model import Answer, AnswerBook
from actions.clinic_action import ClinicAction
from safety.personal_advice import personal_question
from answer_book.passages import Passage, passage_store
from answer_book.rendering import (
    Message,
    did_you_mean_messages,
    passage_messages,
    scope_messages,
    still_not_understood_messages,
)

FALLBACK_INTENT = "nlu_fallback"
#: Parse-data key set by nlu_components/input_guard.py on messages it refused to classify, and
#: its reason for a message over the length limits (plain strings: actions do not import Rasa).
INPUT_GUARD = "input_guard"
TOO_LONG = "too long"
#: The candidates offered must together hold at least this much of the confidence: the model is
#: sure it is one of them, unsure which (below it the message is more likely out of scope).
PAIR_CONFIDENCE = 0.5
#: At most this many questions under "Did you mean" (DID_YOU_MEAN_CHOICES overrides it, for
#: `make eval` to measure 2 against 3: results/eval.md).
MAX_CHOICES = int(os.environ.get("DID_YOU_MEAN_CHOICES", "3"))
#: Intents near the top of the ranking that forbid a guess (Did you mean) or quoting the article:
#: the message may be about someone in danger or symptoms getting worse, not a question.
NOT_A_QUESTION = frozenset({"emergency", "symptoms_worse"})
#: Actions that are not a reply to the visitor when looking for the previous turn's reply.
NOT_A_REPLY = frozenset({"action_listen", "action_session_start"})


def close_call(book: AnswerBook, parse_data: Dict[str, Any], max_choices: int = MAX_CHOICES) -> Optional[List[Answer]]:
    """The FAQ answers (two, or up to `max_choices`) the message is torn between, or None.

    The fewest of the best questions with an answer (ask_* intents) that together hold
    PAIR_CONFIDENCE, at least two; small talk, out_of_scope or contact_clinic between them is passed
    over (cross-validation on the real-question split, eval/outcome_sweep.py: 1.7% fewer unanswered
    at threshold 0.65, the rest unchanged). Never when emergency or symptoms_worse is among the best
    two: that message may not be a question. A message the input guard refused (empty, emoji only,
    too long) or with no word in it (a bare number) is not a question at all, whatever the
    classifier ranked for it.
    """
    if parse_data.get(INPUT_GUARD) or not any(c.isalpha() for c in str(parse_data.get("text") or "")):
        return None
    ranking = [str(r.get("name")) for r in parse_data.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
    if NOT_A_QUESTION & set(ranking[:2]):
        return None
    confidence = {str(r.get("name")): float(r.get("confidence") or 0.0) for r in parse_data.get("intent_ranking") or []}
    questions = [name for name in ranking if name.startswith("ask_") and name in book.answers][:max_choices]
    held = 0.0
    for count, name in enumerate(questions, start=1):
        held += confidence[name]
        if count >= 2 and held >= PAIR_CONFIDENCE:
            return [book.answers[question] for question in questions[:count]]
    return None


#: The language of the clinic's article (../shared/content/ldn-article.txt) and so of its passages.
ARTICLE_LANGUAGE = "en"


def article_passage(parse_data: Dict[str, Any]) -> Optional[Passage]:
    """The clinic article's passage to quote for a question no answer fits, or None.

    Never for a message the input guard refused, or one whose best two intents include an
    emergency or worsening symptoms (the safety net has already turned a real emergency into
    `emergency`, which never reaches this action).
    """
    if parse_data.get(INPUT_GUARD):
        return None
    ranking = [r.get("name") for r in parse_data.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
    if NOT_A_QUESTION & set(ranking[:2]):
        return None
    return passage_store().current().fitting(str(parse_data.get("text") or ""))


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
        # the clinic's article is in English: its passages are quoted to English conversations only
        passage = article_passage(tracker.latest_message) if book.language == ARTICLE_LANGUAGE else None
        if passage is not None:
            return passage_messages(book, passage.section, passage.text, passage.supports, kind)
        return scope_messages(book, kind)
