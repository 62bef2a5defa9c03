"""What each fault did to the visitors, from their turns and from the tracker store (PostgreSQL).

- silent turn: no reply at all (an error, a dropped socket, an empty reply, every SMS delivery failed);
- duplicate answer: a message the tracker store holds more than once (answered twice), or an SMS
  delivered again that got another reply than the first time;
- lost: a message the tracker store does not hold at all;
- seconds to normal: from the restart until the end of the last turn of the fault that was not
  answered normally (silent, the apology, or an emergency without the emergency message); 0 when
  visitors were answered normally all along after the restart.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import psycopg2

from answer_book.model import AnswerBook
from tests.faults.visitors import EMERGENCY, Turn


@dataclass
class FaultWindow:
    fault: str
    killed: float
    restarted: float = 0.0
    ready_seconds: float = 0.0  # from the restart until the process answered its readiness check
    ended: float = 0.0
    emergencies: List[Turn] = field(default_factory=list)


@dataclass
class FaultNumbers:
    fault: str
    sent: int
    replies: int
    silent: int
    duplicates: int
    lost: int
    apologies: int
    seconds_to_normal: float
    emergency_replies: Dict[str, bool]
    ready_seconds: float
    page_loads_failed: int
    examples: List[str]


def stored_message_counts(database_url: str) -> Counter:
    """How often each message id (metadata `turn`, or the SMS MessageSid) is in the tracker store."""
    counts: Counter = Counter()
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT data FROM events WHERE type_name = 'user'")
        for (data,) in cursor.fetchall():
            event = json.loads(data)
            turn_id = (event.get("metadata") or {}).get("turn") or event.get("message_id")
            if turn_id:
                counts[turn_id] += 1
    return counts


def is_apology(turn: Turn, book: AnswerBook) -> bool:
    kind = "sms" if turn.channel == "sms" else "web"
    texts = {book.message(key, kind) for key in ("service_unavailable", "busy")}
    return any(any(text in reply for text in texts) for reply in turn.replies)


def got_emergency_message(turn: Turn, book: AnswerBook) -> bool:
    expected = book.message("emergency", "sms" if turn.channel == "sms" else "web")
    return any(expected in reply for reply in turn.replies)


def is_silent(turn: Turn) -> bool:
    return not any(reply.strip() for reply in turn.replies)


def is_normal(turn: Turn, book: AnswerBook) -> bool:
    if turn.text == EMERGENCY:
        return got_emergency_message(turn, book)
    return not is_silent(turn) and not is_apology(turn, book)


def fault_numbers(
    window: FaultWindow, turns: List[Turn], page_loads: List[Tuple[float, bool]], stored: Counter, book: AnswerBook
) -> FaultNumbers:
    mine = [turn for turn in turns if window.killed <= turn.started < window.ended]
    silent = [turn for turn in mine if is_silent(turn)]
    twice = [turn for turn in mine if stored[turn.turn_id] > 1 or (
        turn.redelivered_reply is not None and turn.redelivered_reply != turn.replies)]
    lost = [turn for turn in mine if stored[turn.turn_id] == 0]
    abnormal = [turn for turn in mine if not is_normal(turn, book)]
    last_abnormal = max((turn.ended for turn in abnormal), default=window.restarted)
    examples = [f"{turn.channel} {turn.text!r}: {turn.error or turn.replies}" for turn in (silent + lost + twice)[:5]]
    by_channel = {turn.channel: got_emergency_message(turn, book) for turn in window.emergencies}
    return FaultNumbers(
        fault=window.fault,
        sent=len(mine),
        replies=len(mine) - len(silent),
        silent=len(silent),
        duplicates=len(twice),
        lost=len(lost),
        apologies=sum(1 for turn in mine if is_apology(turn, book)),
        seconds_to_normal=round(max(0.0, last_abnormal - window.restarted), 1),
        emergency_replies=by_channel,
        ready_seconds=round(window.ready_seconds, 1),
        page_loads_failed=sum(1 for started, ok in page_loads if window.killed <= started < window.ended and not ok),
        examples=examples,
    )


def markdown_table(rows: List[FaultNumbers], intro: str) -> str:
    lines = [
        intro, "",
        "| Fault (SIGKILL, then restarted) | Messages sent | Replies received | Silent turns | Duplicate answers "
        "| Lost from the tracker store | Apologies | Seconds to normal answers after the restart "
        "| Emergency message during the fault (REST / socket.io / SMS) | Process ready after restart (s) "
        "| Page loads failed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for row in rows:
        emergency = " / ".join(
            "yes" if row.emergency_replies.get(channel) else ("no" if channel in row.emergency_replies else "-")
            for channel in ("rest", "socketio", "sms")
        )
        lines.append(
            f"| {row.fault} | {row.sent} | {row.replies} | {row.silent} | {row.duplicates} | {row.lost} "
            f"| {row.apologies} | {row.seconds_to_normal:g} | {emergency} | {row.ready_seconds:g} "
            f"| {row.page_loads_failed} |"
        )
    lines += ["", *DEFINITIONS]
    return "\n".join(lines) + "\n"


DEFINITIONS = (
    "A row counts the messages sent from the kill until the next fault (the baseline: before the first).",
    "- Silent turn: no reply at all (an error, a socket that dropped before the reply, every SMS delivery failed).",
    "- Duplicate answer: a message the tracker store holds more than once, or an SMS delivered again (same "
    "MessageSid, as Twilio retries) that got another reply than the first time.",
    "- Lost: a message the tracker store (PostgreSQL) does not hold, read after the run.",
    "- Apologies: replies with the clinic's phone instead of the answer (the never-silent layer); not silent.",
    "- Seconds to normal: from the restart until the last reply of the fault that was not normal (silent, "
    "the apology, an emergency without the emergency message) came; 0 when all were normal after the restart.",
    "- Process ready: from the restart until the process answered its readiness check (a replica loads its "
    "model meanwhile, while the other one serves everyone through nginx).",
    "- Page loads: a GET of the demo page every second, failing while the page server is down.",
)


def target_problems(row: FaultNumbers, back_within: float, during_fault: bool = True) -> Optional[str]:
    """What of the issue's targets this fault (or, not `during_fault`, the load before any) missed, or None."""
    problems = []
    if row.silent:
        problems.append(f"{row.silent} silent turns")
    if row.lost:
        problems.append(f"{row.lost} messages lost from the tracker store")
    if row.duplicates:
        problems.append(f"{row.duplicates} duplicate answers")
    if row.seconds_to_normal > back_within:
        problems.append(f"normal answers back {row.seconds_to_normal:g} s after the restart")
    if during_fault and (len(row.emergency_replies) != 3 or not all(row.emergency_replies.values())):
        problems.append(f"emergency message during the fault: {row.emergency_replies}")
    return f"{row.fault}: " + ", ".join(problems) + f" (e.g. {row.examples})" if problems else None
