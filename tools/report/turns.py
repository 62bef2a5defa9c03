"""One Turn per visitor message: when, on which channel, what the assistant did with it.

The outcome comes from the actions Rasa stored after the message (rasa's `action` events),
and for action_clarify from its first bot message, recognised by the answers file's texts:
- "answered":    action_answer_faq with an answer for the intent(s); `answers` lists them
- "emergency":   action_emergency (the 911 message)
- "unanswered":  a scope reply (action_explain_scope, or action_clarify's scope / "still not
                 understood" / too long), an article passage quoted, or "Did you mean" whose
                 questions the visitor did not click next (`reason` says which)
- "clicked":     "Did you mean" and the visitor's next message was one of its questions
- "feedback":    a click on 👍 or 👎 under an answer (the widget); its `answer` entities name the
                 answers it rates, so it is matched to the latest message that got them, however
                 much later it came. The visitor's last click on a message counts (`counted`); a
                 message whose answer got 👎 is "unanswered" (`reason` NOT_HELPFUL), its answers
                 still counted as given
- "other":       small talk, help, the clinic's phone
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Optional, Tuple

from answer_book.model import AnswerBook
from answer_book.rendering import FEEDBACK_INTENTS, NOT_HELPFUL, rated_answers
from runtime.log_privacy import redact
from tools.report.store import StoredEvent

FALLBACK_INTENT = "nlu_fallback"
SCOPE_REPLY = "scope reply"
NOT_CLICKED = "Did you mean: not clicked"
PASSAGE = "article passage given"
NOT_HELPFUL_REASON = "answer marked 👎 not helpful"


@dataclass(frozen=True)
class ReplyTexts:
    """How the report recognises action_clarify's replies and which intents have an answer."""

    did_you_mean: FrozenSet[str]
    passage_intros: Tuple[str, ...]
    answered_intents: FrozenSet[str]


def reply_texts(book: AnswerBook) -> ReplyTexts:
    """The "Did you mean" texts and article-passage intros of every language and channel of `book`."""
    books = [book, *book.translations.values()]
    did_you_mean = {b.message("did_you_mean", kind) for b in books for kind in ("web", "sms")}
    intros = {b.message("article_passage", kind) for b in books for kind in ("web", "sms")}
    return ReplyTexts(frozenset(did_you_mean), tuple(sorted(intros)), frozenset(book.answers))


@dataclass
class Turn:
    conversation: str
    channel: str
    timestamp: float
    text: str  # redacted as the logs are (runtime/log_privacy.py)
    intent: Optional[str]
    closest: Optional[str]  # the best intent of the ranking that is not nlu_fallback
    outcome: str = "other"
    reason: Optional[str] = None
    answers: List[str] = field(default_factory=list)
    offered: List[str] = field(default_factory=list)  # "Did you mean" payloads
    rated: List[str] = field(default_factory=list)  # a feedback click: the answers it rates
    counted: bool = False  # a feedback click: the visitor's last on the message it rates

    @property
    def feedback(self) -> Optional[str]:
        """feedback_helpful or feedback_not_helpful for a click on 👍 / 👎, else None."""
        return self.intent if self.outcome == "feedback" else None

    @property
    def day(self) -> str:
        return datetime.fromtimestamp(self.timestamp, tz=timezone.utc).strftime("%Y-%m-%d")


def channel_of(conversation: str) -> str:
    """The channel of a conversation id "<channel>:<sender>"."""
    return conversation.split(":", 1)[0] if ":" in conversation else "unknown"


def _closest(parse_data: Dict[str, Any]) -> Optional[str]:
    for candidate in parse_data.get("intent_ranking") or []:
        if candidate.get("name") and candidate.get("name") != FALLBACK_INTENT:
            return str(candidate["name"])
    return (parse_data.get("intent") or {}).get("name")


def _user_turn(event: StoredEvent) -> Turn:
    data = event.data
    parse_data = data.get("parse_data") or {}
    turn = Turn(
        event.conversation, channel_of(event.conversation), event.timestamp, redact(str(data.get("text") or "")),
        (parse_data.get("intent") or {}).get("name"), _closest(parse_data),
        answers=list(parse_data.get("questions") or []),
    )
    if turn.intent in FEEDBACK_INTENTS:
        turn.outcome, turn.answers = "feedback", []
        turn.rated = rated_answers(parse_data)
    return turn


def _decide(turn: Turn, actions: List[str], first_bot: Optional[Dict[str, Any]], texts: ReplyTexts) -> None:
    if turn.outcome == "feedback":
        return
    if "action_emergency" in actions:
        turn.outcome = "emergency"
    elif "action_answer_faq" in actions:
        answers = [a for a in (turn.answers or [turn.intent]) if a in texts.answered_intents]
        turn.answers = answers
        turn.outcome, turn.reason = ("answered", None) if answers else ("unanswered", SCOPE_REPLY)
    elif "action_explain_scope" in actions:
        turn.outcome, turn.reason = "unanswered", SCOPE_REPLY
    elif "action_clarify" in actions:
        text = str((first_bot or {}).get("text") or "")
        if text in texts.did_you_mean:
            buttons = ((first_bot or {}).get("data") or {}).get("buttons") or []
            turn.offered = [str(b.get("payload")) for b in buttons if str(b.get("payload", "")).startswith("/ask_")]
            turn.outcome, turn.reason = "unanswered", NOT_CLICKED  # until the next message clicks one
        elif text.startswith(texts.passage_intros):
            turn.outcome, turn.reason = "unanswered", PASSAGE
        else:
            turn.outcome, turn.reason = "unanswered", SCOPE_REPLY
    if turn.outcome != "answered":
        turn.answers = []


def _conversation(events: List[StoredEvent], texts: ReplyTexts) -> List[Turn]:
    """The turns of one conversation's events; "Did you mean" followed by a click on one of its questions is "clicked"."""
    turns: List[Turn] = []
    actions: List[str] = []
    first_bot: Optional[Dict[str, Any]] = None
    for event in events:
        if event.kind == "user":
            if turns:
                _decide(turns[-1], actions, first_bot, texts)
            turns.append(_user_turn(event))
            actions, first_bot = [], None
        elif not turns:
            continue
        elif event.kind == "action":
            actions.append(str(event.action))
        elif event.kind == "bot" and first_bot is None and actions and actions[-1] == "action_clarify":
            first_bot = event.data
    if turns:
        _decide(turns[-1], actions, first_bot, texts)
    for asked, following in zip(turns, turns[1:]):
        if asked.reason == NOT_CLICKED and following.text in asked.offered:
            asked.outcome, asked.reason = "clicked", None
    _apply_feedback(turns)
    return turns


def _apply_feedback(turns: List[Turn]) -> None:
    """Each feedback click rates the latest earlier message that got its answers (none found: the
    answers alone, e.g. the message was before --since); the last click on a message counts."""
    last_click: Dict[Any, Turn] = {}
    for index, turn in enumerate(turns):
        if turn.feedback is None:
            continue
        asked = next((t for t in reversed(turns[:index]) if turn.rated and set(turn.rated) <= set(t.answers)), None)
        last_click[id(asked) if asked is not None else tuple(turn.rated)] = turn
        if asked is not None:
            asked.outcome, asked.reason = (
                ("unanswered", NOT_HELPFUL_REASON) if turn.feedback == NOT_HELPFUL else ("answered", None)
            )
    for click in last_click.values():
        click.counted = True


def conversation_turns(events: Iterable[StoredEvent], texts: ReplyTexts) -> Iterator[Turn]:
    """Every turn of stored events grouped by conversation (as tools.report.store yields them)."""
    batch: List[StoredEvent] = []
    for event in events:
        if batch and event.conversation != batch[0].conversation:
            yield from _conversation(batch, texts)
            batch = []
        batch.append(event)
    if batch:
        yield from _conversation(batch, texts)
