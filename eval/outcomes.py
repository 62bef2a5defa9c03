"""What a visitor sees, through the whole assistant: the right answer, one click away, no answer, or wrong.

Each labelled message is sent over REST to a running assistant (Rasa server + action server, a
fresh conversation each) and its reply is read as the visitor reads it:

- right: the answer of the expected intent (or an article passage that supports it), the
  emergency message for an emergency, the reply of a conversation intent ("hola" -> the greeting,
  eval/conversation_replies.py), and for an out-of-scope message no answer at all;
- one click: a "Did you mean" button that asks the expected question;
- no answer: the scope reply, "please send a shorter message" and the like: the phone, no answer;
- wrong: another answer, a passage that does not support the expected one, the emergency message
  for something that is not one, or anything but the emergency message for an emergency.
"""
from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import requests

from answer_book.model import AnswerBook

OUTCOMES = ("right", "one_click", "no_answer", "wrong")
EMERGENCY = "emergency"
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Outcome:
    text: str
    expected: str
    outcome: str
    answered: Tuple[str, ...]  # the intents whose answers (or supporting passages) the reply gave
    offered: Tuple[str, ...]  # the questions offered as "Did you mean" buttons


def reply_text(messages: Sequence[Mapping[str, Any]]) -> str:
    return "\n".join(str(message.get("text") or "") for message in messages)


def offered_intents(messages: Sequence[Mapping[str, Any]], book: AnswerBook) -> Tuple[str, ...]:
    """The answers a "Did you mean" reply offers as buttons (not the follow-ups under an answer)."""
    did_you_mean = book.message("did_you_mean")
    offered = []
    for message in messages:
        if str(message.get("text") or "").startswith(did_you_mean):
            for button in message.get("buttons") or []:
                payload = str(button.get("payload") or "")
                if payload.startswith("/") and payload[1:] in book.answers:
                    offered.append(payload[1:])
    return tuple(offered)


def judge(
    text: str, expected: str, messages: Sequence[Mapping[str, Any]], book: AnswerBook,
    passage_supports: Optional[Mapping[str, Iterable[str]]] = None,
    conversation: Optional[Mapping[str, Iterable[str]]] = None,
) -> Outcome:
    """The outcome of one reply; `passage_supports`: an article passage's text -> the intents it supports;
    `conversation`: a conversation intent -> the texts that show its reply was given."""
    passage_supports = passage_supports or {}
    conversation = conversation or {}
    reply = reply_text(messages)
    answered = [intent for intent, answer in book.answers.items() if answer.text and answer.text in reply]
    passages = [passage for passage in passage_supports if passage in reply]
    answered += [intent for passage in passages for intent in passage_supports[passage]]
    offered = offered_intents(messages, book)
    emergency = book.message(EMERGENCY) in reply
    if expected == EMERGENCY:
        outcome = "right" if emergency else "wrong"
    elif emergency:
        outcome = "wrong"
    elif expected == OUT_OF_SCOPE:
        outcome = "wrong" if answered or passages else "right"
    elif expected in answered or any(text in reply for text in conversation.get(expected, ())):
        outcome = "right"
    elif answered or passages:
        outcome = "wrong"
    elif expected in offered:
        outcome = "one_click"
    else:
        outcome = "no_answer"
    return Outcome(text, expected, outcome, tuple(dict.fromkeys(answered)), offered)


def ask_all(
    rest_url: str, examples: Sequence[Tuple[str, str]], book: AnswerBook, name: str,
    passage_supports: Optional[Mapping[str, Iterable[str]]] = None,
    conversation: Optional[Mapping[str, Iterable[str]]] = None,
) -> Tuple[List[Outcome], List[float]]:
    """Every (text, expected) over REST, each in a fresh conversation; the outcomes and reply seconds."""
    outcomes, seconds = [], []
    session = requests.Session()
    for number, (text, expected) in enumerate(examples):
        started = time.perf_counter()
        response = session.post(rest_url, json={"sender": f"eval-{name}-{number}", "message": text}, timeout=60)
        seconds.append(time.perf_counter() - started)
        response.raise_for_status()
        outcomes.append(judge(text, expected, response.json(), book, passage_supports, conversation))
    return outcomes, seconds


def summary(outcomes: Sequence[Outcome], seconds: Sequence[float] = ()) -> Dict[str, Any]:
    """Counts and rates of each outcome, right + one click, and the wrong ones listed."""
    counts = Counter(outcome.outcome for outcome in outcomes)
    total = len(outcomes) or 1
    result: Dict[str, Any] = {"messages": len(outcomes)}
    for name in OUTCOMES:
        result[name] = counts.get(name, 0)
        result[f"{name}_rate"] = round(counts.get(name, 0) / total, 3)
    result["right_or_one_click_rate"] = round((counts["right"] + counts["one_click"]) / total, 3)
    result["wrong_answers"] = [asdict(outcome) for outcome in outcomes if outcome.outcome == "wrong"]
    result["outcomes"] = [asdict(outcome) for outcome in outcomes]
    if seconds:
        result["reply_ms_median"] = round(1000 * statistics.median(seconds), 1)
    return result
