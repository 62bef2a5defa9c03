"""Write results/report.html (and report.json, its numbers) from the tracker store.

Usage: python -m tools.report [--since 2026-12-01] [--until 2026-12-07] [--db var/rasa.db] [--out results/report.html]
(or `make report SINCE=2026-12-01`). Without --db the store is the one the servers use
(runtime/endpoints.py: DATABASE_URL for PostgreSQL, else SQLITE_DB or var/rasa.db).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

from answer_book.model import AnswerBook
from answer_book.schema import load_answer_book
from answer_book.store import answers_path
from tools.report.page import render
from tools.report.store import engine_url, stored_events
from tools.report.summary import summarise
from tools.report.turns import conversation_turns, reply_texts

DEFAULT_OUT = Path("results/report.html")


def _day(value: str) -> str:
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a day written like 2026-12-01") from None
    return value


def build_report(
    book: AnswerBook, db: Optional[Path], since: Optional[str], until: Optional[str]
) -> Dict[str, Any]:
    """The report's numbers for the store (`db`, else the environment's) from `since` to `until`."""
    events = stored_events(engine_url(os.environ, db), since, until)
    return summarise(conversation_turns(events, reply_texts(book)))


def write_report(
    book: AnswerBook, report: Dict[str, Any], out: Path, since: Optional[str], until: Optional[str]
) -> None:
    questions = {intent: answer.question for intent, answer in book.answers.items()}
    days = report["days"]
    period = f"{since or (days[0] if days else 'the start')} to {until or (days[-1] if days else 'today')}"
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(report, questions, period, generated), encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="make report", description=__doc__.splitlines()[0])
    parser.add_argument("--since", type=_day, help="first day (UTC), e.g. 2026-12-01")
    parser.add_argument("--until", type=_day, help="last day (UTC), included")
    parser.add_argument("--db", type=Path, help="a SQLite tracker store file (default: the servers' store)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        book = load_answer_book(answers_path())
        report = build_report(book, args.db, args.since, args.until)
    except FileNotFoundError as error:
        print(f"make report: {error}", file=sys.stderr)
        return 1
    write_report(book, report, args.out, args.since, args.until)
    thumbs = {key: sum(counts[key] for counts in report["feedback"].values()) for key in ("helpful", "not_helpful")}
    print(f"Wrote {args.out} ({report['conversations']} conversations, {report['messages']} messages, "
          f"{report['unanswered_count']} not answered, {thumbs['helpful']} 👍 and {thumbs['not_helpful']} 👎) "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
