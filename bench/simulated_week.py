"""A simulated week for `make report`: N conversations over REST into a fresh store, spread over 7 days.

`make bench-report` (N=500 by default, `N=...` to change): starts the assistant with a fresh SQLite
store, plays the conversations, every third one over the widget's socket.io channel as rasa-webchat
speaks it and the others over REST (bench/messages.yml, the real-question training split
data/nlu/real_questions.yml, small talk and bench/simulated_week.yml), then moves each
conversation to its day of the week by rewriting the stored time stamps (Rasa stamps events
when they happen; the store is rewritten after the servers stopped). It then runs the report
and checks every count against what was sent, prints the table, writes results/report.html
and screenshots, and times the report on 10,000 stored conversations (copies of the week's,
on three channels). tests/test_report.py does the same with 30 conversations.

What was expected comes from the replies the visitor saw over REST, not from the store:
an answer's text means that answer; "Did you mean" unclicked, an article passage or the
scope reply means unanswered. Every other "Did you mean" is clicked (its first question).
In the widget's conversations, the visitor clicks "Helpful? 👍 / 👎" under some answers
(FEEDBACK_PLAN): right away, or 👎 at the end of the conversation, on an answer further up; an
answer that got 👎 is expected among the unanswered messages.
"""
from __future__ import annotations

import argparse
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import yaml

from answer_book.model import AnswerBook
from answer_book.rendering import HELPFUL, NOT_HELPFUL, feedback_of
from runtime.log_privacy import redact
from tools.report.turns import channel_of

PROJECT_DIR = Path(__file__).resolve().parent.parent
EXTRA_MESSAGES = PROJECT_DIR / "bench" / "simulated_week.yml"
REAL_QUESTIONS = PROJECT_DIR / "data" / "nlu" / "real_questions.yml"
DAYS = 7
SCOPE_KEYS = ("scope", "personal_advice", "still_not_understood", "too_long")
#: Every WIDGET_EVERY-th conversation is played over the widget's socket.io channel, the others over REST.
WIDGET_EVERY = 3
#: The widget gets a reply's messages one by one: the reply is complete after this long without a new one.
WIDGET_QUIET_SECONDS = 0.6
#: What a simulated message is drawn from: (pool, share of messages).
MIX = (("real", 0.45), ("bench", 0.25), ("small_talk", 0.12), ("not_ours", 0.07), ("vague", 0.08), ("emergencies", 0.03))
#: What the widget's visitor does under its n-th answer (n % 4): 👍, 👎, nothing, or 👎 once the
#: conversation's other messages were sent (a click on an older answer's button).
FEEDBACK_PLAN = ((HELPFUL, False), (NOT_HELPFUL, False), None, (NOT_HELPFUL, True))


def message_pools() -> Dict[str, List[str]]:
    from bench.load import read_messages

    bench = read_messages()
    extra = yaml.safe_load(EXTRA_MESSAGES.read_text(encoding="utf-8"))
    real = [
        line.strip()[2:].strip()
        for block in yaml.safe_load(REAL_QUESTIONS.read_text(encoding="utf-8"))["nlu"]
        for line in block.get("examples", "").splitlines() if line.strip().startswith("- ")
    ]
    return {"real": real, "bench": bench["questions"], "small_talk": bench["small_talk"], **extra}


@dataclass
class Planned:
    sender: str
    day: int
    messages: List[str]
    channel: str = "rest"  # or "socketio" (the widget)
    conversation: str = ""  # the store's id, "<channel>:<sender>", known once played


def plan_week(count: int, seed: int, pools: Dict[str, List[str]]) -> List[Planned]:
    """`count` conversations of 1-3 messages, conversation i on day i % 7."""
    rng = random.Random(seed)
    names, weights = zip(*MIX)
    plan = []
    for index in range(count):
        length = rng.choice((1, 2, 2, 3))
        messages = [rng.choice(pools[rng.choices(names, weights)[0]]) for _ in range(length)]
        channel = "socketio" if index % WIDGET_EVERY == WIDGET_EVERY - 1 else "rest"
        plan.append(Planned(f"week-{index:04d}", index % DAYS, messages, channel))
    return plan


@dataclass
class Sent:
    """One message sent and what the visitor saw come back."""

    sender: str  # the conversation's id in the store
    day: int
    text: str
    outcome: str  # answered, clicked, unanswered, emergency, other (as tools/report/turns.py)
    answers: List[str] = field(default_factory=list)
    offered: List[str] = field(default_factory=list)
    feedback: Optional[str] = None  # a click on 👍 / 👎: feedback_helpful or feedback_not_helpful
    rated: List[str] = field(default_factory=list)  # the answers it rates
    buttons: List[Dict[str, Any]] = field(default_factory=list)  # the widget's 👍 / 👎 under an answer
    counted: bool = False  # a click: the last on the message it rates (the report counts that one)
    rated_by: Optional["Sent"] = field(default=None, repr=False)  # a message: the last click on it


def expected_outcome(book: AnswerBook, text: str, reply: List[Dict[str, Any]]) -> Sent:
    """What the visitor saw: the answers whose text came back, the emergency message, or no answer."""
    books = [book, *book.translations.values()]
    texts = [str(message.get("text") or "") for message in reply]
    sent = Sent("", 0, text, "other")
    if any(t == b.message("emergency", kind) for b in books for kind in ("web", "sms") for t in texts):
        sent.outcome = "emergency"
        return sent
    sent.answers = [intent for b in books for intent, answer in b.answers.items() if answer.text in texts]
    if sent.answers:
        sent.outcome = "answered"
        sent.buttons = [b for message in reply for b in message.get("buttons") or []
                        if feedback_of(str(b.get("payload", "")), book)]
    elif any(t == b.message("did_you_mean") for b in books for t in texts):
        sent.outcome = "unanswered"
        buttons = [b for message in reply for b in (message.get("buttons") or message.get("quick_replies") or [])]
        sent.offered = [str(b["payload"]) for b in buttons if str(b.get("payload", "")).startswith("/ask_")]
    elif any(t.startswith(b.message("article_passage")) for b in books for t in texts):
        sent.outcome = "unanswered"
    elif any(t == b.message(key) for b in books for key in SCOPE_KEYS for t in texts):
        sent.outcome = "unanswered"
    return sent


def widget_reply(client: Any, text: str, timeout: float = 60.0) -> List[Dict[str, Any]]:
    """Send `text` from the widget; its messages once the first arrived and no other for a moment."""
    start = len(client.messages)
    client.client.emit("user_uttered", {"message": text, "session_id": client.session_id})
    deadline, seen, quiet_since = time.monotonic() + timeout, start, time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        if len(client.messages) != seen:
            seen, quiet_since = len(client.messages), time.monotonic()
        elif seen > start and time.monotonic() - quiet_since >= WIDGET_QUIET_SECONDS:
            break
    return client.messages[start:]


def play(assistant: Any, plan: List[Planned], book: AnswerBook) -> List[Sent]:
    """Send every planned message (REST or the widget); click the first question of every other "Did you mean",
    and in the widget 👍 / 👎 under answers as FEEDBACK_PLAN says."""
    from runtime.servers import page_origins
    from tools.clients import WidgetClient

    sent: List[Sent] = []
    counters: Counter = Counter()
    for conversation in plan:
        widget = None
        if conversation.channel == "socketio":
            widget = WidgetClient(assistant.rasa.url, page_origins(assistant.page_port)[1])
            conversation.conversation = f"socketio:{widget.session_id}"
            ask = lambda text: widget_reply(widget, text)  # noqa: E731
        else:
            conversation.conversation = f"rest:{conversation.sender}"
            ask = lambda text: assistant.ask(conversation.sender, text)  # noqa: E731
        mine: List[Sent] = []
        later: List[Dict[str, Any]] = []  # 👎 buttons clicked at the end of the conversation

        def send(text: str) -> Sent:
            turn = expected_outcome(book, text, ask(text))
            turn.sender, turn.day = conversation.conversation, conversation.day
            sent.append(turn)
            mine.append(turn)
            return turn

        def click(button: Dict[str, Any]) -> None:
            intent, rated = feedback_of(str(button["payload"]), book) or ("", ())
            # the report rates the latest message that got these answers (tools/report/turns.py)
            asked = next(s for s in reversed(mine) if set(rated) <= set(s.answers))
            turn = send(str(button["payload"]))
            turn.outcome, turn.feedback, turn.rated, turn.counted = "feedback", intent, list(rated), True
            if asked.rated_by is not None:
                asked.rated_by.counted = False
            asked.rated_by = turn
            asked.outcome = "unanswered" if intent == NOT_HELPFUL else "answered"

        def maybe_rate(turn: Sent) -> None:
            if not turn.buttons:
                return
            choice = FEEDBACK_PLAN[counters["answers"] % len(FEEDBACK_PLAN)]
            counters["answers"] += 1
            if choice is None:
                return
            button = next(b for b in turn.buttons if (feedback_of(str(b["payload"]), book) or ("",))[0] == choice[0])
            if choice[1]:
                later.append(button)
            else:
                click(button)

        try:
            for text in conversation.messages:
                turn = send(text)
                maybe_rate(turn)
                if turn.offered:
                    counters["did_you_mean"] += 1
                    if counters["did_you_mean"] % 2 == 0:
                        turn.outcome = "clicked"
                        maybe_rate(send(turn.offered[0]))
            for button in later:
                click(button)
        finally:
            if widget is not None:
                widget.close()
    return sent


def week_start(today: Optional[datetime] = None) -> datetime:
    """Midnight UTC six days ago: the week ends today."""
    now = today or datetime.now(timezone.utc)
    return datetime(now.year, now.month, now.day, tzinfo=timezone.utc) - timedelta(days=DAYS - 1)


def spread_over_week(db: Path, plan: List[Planned], first_day: datetime) -> int:
    """Move each conversation to its day: every event stamped from 08:00 UTC of that day, in stored order."""
    index = {p.conversation: (number, p.day) for number, p in enumerate(plan)}
    with closing(sqlite3.connect(db)) as connection:
        rows = connection.execute("SELECT id, sender_id FROM events ORDER BY id").fetchall()
        seen: Counter = Counter()
        updates = []
        for event_id, sender in rows:
            number, day = index[sender]
            stamp = first_day.timestamp() + day * 86400 + 8 * 3600 + (number // DAYS) * 90 + seen[sender] * 0.5
            seen[sender] += 1
            updates.append((stamp, stamp, event_id))
        connection.executemany(
            "UPDATE events SET timestamp = ?, data = json_set(data, '$.timestamp', ?) WHERE id = ?", updates
        )
        connection.commit()
    return len(updates)


def expected_report(sent: List[Sent], first_day: datetime) -> Dict[str, Any]:
    """The report's numbers as the script sent them (the keys of tools/report/summary.py)."""
    day_name = lambda day: (first_day + timedelta(days=day)).strftime("%Y-%m-%d")  # noqa: E731
    days = sorted({day_name(s.day) for s in sent})
    conversations: Dict[str, set] = {day: set() for day in days}
    for s in sent:
        conversations[day_name(s.day)].add(s.sender)
    answers = Counter(a for s in sent for a in s.answers)
    feedback: Dict[str, Counter] = {}
    for s in sent:
        for answer in s.rated if s.counted else ():
            feedback.setdefault(answer, Counter())["helpful" if s.feedback == HELPFUL else "not_helpful"] += 1
    return {
        "days": days,
        "conversations": len({s.sender for s in sent}),
        "messages": len(sent),
        "outcomes": dict(Counter(s.outcome for s in sent)),
        "conversations_per_day": {day: len(conversations[day]) for day in days},
        "messages_per_day": dict(Counter(day_name(s.day) for s in sent)),
        "messages_per_channel": dict(Counter(channel_of(s.sender) for s in sent)),
        "conversations_per_channel": dict(Counter(channel_of(c) for c in {s.sender for s in sent})),
        "answers": dict(answers),
        "feedback": {answer: {"helpful": c["helpful"], "not_helpful": c["not_helpful"]} for answer, c in feedback.items()},
        "emergencies_per_day": {day: sum(1 for s in sent if s.outcome == "emergency" and day_name(s.day) == day)
                                for day in days},
        "unanswered_count": sum(1 for s in sent if s.outcome == "unanswered"),
        "unanswered_texts": Counter(redact(s.text) for s in sent if s.outcome == "unanswered"),
    }


def report_unanswered_texts(report: Dict[str, Any]) -> Counter:
    """The unanswered texts of a report, each with how many times it was sent."""
    texts: Counter = Counter()
    for group in report["unanswered"]:
        for message in group["messages"]:
            texts[message["text"]] += message["count"]
    return texts


def compare(report: Dict[str, Any], expected: Dict[str, Any]) -> List[Tuple[str, Any, Any, bool]]:
    """(what, sent, in the report, equal) for every count of the report."""
    rows = []
    for key in ("conversations", "messages", "unanswered_count"):
        rows.append((key, expected[key], report[key], expected[key] == report[key]))
    for key in ("outcomes", "conversations_per_day", "messages_per_day", "messages_per_channel",
                "conversations_per_channel", "answers", "emergencies_per_day"):
        for name in sorted(set(expected[key]) | set(report[key])):
            sent, found = expected[key].get(name, 0), report[key].get(name, 0)
            rows.append((f"{key}[{name}]", sent, found, sent == found))
    for name in sorted(set(expected["feedback"]) | set(report.get("feedback") or {})):
        for key, thumb in (("helpful", "👍"), ("not_helpful", "👎")):
            sent = expected["feedback"].get(name, {}).get(key, 0)
            found = (report.get("feedback") or {}).get(name, {}).get(key, 0)
            rows.append((f"feedback[{name} {thumb}]", sent, found, sent == found))
    texts = report_unanswered_texts(report)
    rows.append(("unanswered texts (each with its count)", len(expected["unanswered_texts"]), len(texts),
                 texts == expected["unanswered_texts"]))
    return rows


def table(rows: List[Tuple[str, Any, Any, bool]]) -> str:
    lines = [f"{'count':<52} {'sent':>6} {'report':>6}  ok"]
    lines += [f"{what:<52} {sent!s:>6} {found!s:>6}  {'ok' if ok else 'DIFFERENT'}" for what, sent, found, ok in rows]
    return "\n".join(lines)


def run_report(db: Path, out: Path, since: Optional[str] = None) -> Tuple[Dict[str, Any], float]:
    """`python -m tools.report` on `db` as `make report` runs it; its numbers and its wall time."""
    command = [sys.executable, "-m", "tools.report", "--db", str(db), "--out", str(out)]
    started = time.perf_counter()
    result = subprocess.run(command + (["--since", since] if since else []), cwd=PROJECT_DIR,
                            capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"tools.report failed: {result.stderr[-2000:]}")
    return json.loads(out.with_suffix(".json").read_text(encoding="utf-8")), seconds


def screenshots(page: Path, out_dir: Path) -> List[Path]:
    """The report's top and its unanswered messages, as Debian's Chromium shows them."""
    from playwright.sync_api import sync_playwright

    shots = [out_dir / "report-top.png", out_dir / "report-unanswered.png"]
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
        tab = browser.new_page(viewport={"width": 1100, "height": 1400})
        tab.goto(page.resolve().as_uri())
        tab.screenshot(path=str(shots[0]))
        tab.locator("h2", has_text="could not answer").evaluate("heading => heading.scrollIntoView()")
        tab.screenshot(path=str(shots[1]))
        browser.close()
    return shots


def copy_to_many(source: Path, target: Path, conversations: int) -> int:
    """`target`: the conversations of `source` copied until there are `conversations`, on three channels."""
    channels = ("rest", "socketio", "twilio_sms")
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        for (sql,) in src.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'events' AND sql IS NOT NULL"):
            dst.execute(sql)
        rows = src.execute("SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id").fetchall()
        senders = sorted({row[0] for row in rows})
        made = 0
        copy = 0
        while made < conversations:
            wanted = set(senders[: conversations - made])
            dst.executemany(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) VALUES (?,?,?,?,?,?)",
                [(f"{channels[copy % 3]}:copy{copy}-{r[0].split(':', 1)[1]}",) + tuple(r[1:]) for r in rows if r[0] in wanted],
            )
            made += len(wanted)
            copy += 1
        dst.commit()
        return int(dst.execute("SELECT COUNT(*) FROM events").fetchone()[0])


def simulate(work_dir: Path, count: int, seed: int, model: Optional[Path] = None
             ) -> Tuple[Path, List[Planned], List[Sent], datetime]:
    """Start the assistant (`model`, default the project's) on a fresh store in `work_dir`, play the week,
    stop it, spread the week."""
    from answer_book.schema import load_answer_book
    from answer_book.store import DEFAULT_ANSWERS_PATH
    from runtime.servers import ensure_action_token
    from runtime.stack import DEFAULT_MODEL, start_assistant

    ensure_action_token()
    book = load_answer_book(DEFAULT_ANSWERS_PATH)
    plan = plan_week(count, seed, message_pools())
    assistant = start_assistant(work_dir, env={"SMS_STORE_PATH": str(work_dir / "sms.db")}, model=model or DEFAULT_MODEL)
    try:
        sent = play(assistant, plan, book)
    finally:
        assistant.stop()
    first_day = week_start()
    spread_over_week(work_dir / "rasa.db", plan, first_day)
    return work_dir / "rasa.db", plan, sent, first_day


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--results", type=Path, default=PROJECT_DIR / "results")
    parser.add_argument("--large", type=int, default=10_000, help="conversations of the timing run (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bliss-week-") as work_dir:
        return run_week(Path(work_dir), args)


def run_week(work_dir: Path, args: argparse.Namespace) -> int:
    """The week in `work_dir` (its store and servers' files), the table, the screenshots, the timing."""
    started = time.perf_counter()
    db, plan, sent, first_day = simulate(work_dir, args.conversations, args.seed)
    played = time.perf_counter() - started
    report, seconds = run_report(db, args.results / "report.html")
    rows = compare(report, expected_report(sent, first_day))
    print(table(rows))
    print(f"\n{args.conversations} conversations, {len(sent)} messages played in {played:.0f} s; "
          f"make report on them: {seconds:.1f} s")
    for shot in screenshots(args.results / "report.html", args.results):
        print(f"screenshot {shot}")
    if args.large:
        large = work_dir / "large.db"
        events = copy_to_many(db, large, args.large)
        large_report, large_seconds = run_report(large, work_dir / "large.html")
        print(f"make report on {large_report['conversations']} stored conversations ({events} events, "
              f"{large_report['messages']} messages): {large_seconds:.1f} s (target < 30 s)")
    different = [row for row in rows if not row[3]]
    print("every count equals what was sent" if not different else f"{len(different)} counts DIFFERENT")
    return 0 if not different else 1


if __name__ == "__main__":
    sys.exit(main())
