"""`make profile`: where a turn's CPU goes in the Rasa server, sampled with py-spy under REST load.

Both servers start on loopback (runtime/stack.py) with models/bliss.tar.gz; py-spy samples the Rasa
server while the bench's REST visitors (bench/load.py) talk at 1, 8 and 32 concurrent
conversations, and while one conversation is at its 5th and its 80th message. Each sample's stack
is put in one bucket, the first of BUCKETS whose pattern one of its frames matches (so SQL inside
a tracker-store save counts as the store, not as JSON). Writes results/profile.md and .json.
A benchmark, not a test: it prints numbers and fails on nothing.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from bench.load import conversations, rest_turn, run_load
from runtime.servers import PROJECT_DIR
from runtime.stack import start_assistant

RESULTS_DIR = Path(os.environ.get("BLISS_RESULTS_DIR") or PROJECT_DIR / "results")
IDLE = "idle (event loop waiting)"
#: (bucket, regular expression over one frame "function (file:line)"), first match wins.
BUCKETS: Tuple[Tuple[str, str], ...] = (
    # the tracker store's retrieve and save, with the events they (de)serialise inside them
    ("tracker store: SQL", r"sqlalchemy|sqlite3|stores/sql|tracker_store\.py"),
    ("lock store", r"lock_store\.py|redis_lock"),
    ("events to and from the tracker", r"shared/core/events\.py|shared/core/trackers\.py|dialogue_state_tracker"),
    ("NLU graph (featurizers, DIET, LR)", r"rasa/nlu/|nlu_components/|tensorflow|keras|spacy|sklearn|scipy"),
    ("policies and the domain", r"core/policies/|shared/core/domain\.py|core/featurizers"),
    ("action server call", r"core/actions/action\.py|aiohttp/client|endpoints\.py"),
    ("graph runner", r"rasa/engine/"),
    ("JSON", r"\bjson/|ujson|orjson"),
    ("the rest of the request (sanic, Rasa's processor, our channels)", r"sanic/"),
    (IDLE, r"select \(|_run_once|epoll|selectors\.py"),
)
OTHER = "other"
SCENARIOS: Tuple[Tuple[str, int, int, int], ...] = (
    # (name, concurrent conversations, conversations, messages each)
    ("1 conversation", 1, 6, 20),
    ("8 conversations", 8, 16, 15),
    ("32 conversations", 32, 32, 10),
)
LONG_CONVERSATION = 80  # messages: the 5th and the 80th are compared
SAMPLE_RATE = 200  # py-spy samples per second


#: A sample whose deepest Python frame is Sanic's loop.run_forever() is uvloop's C event loop between
#: Python callbacks: waiting in epoll, which py-spy does not always see as idle (it was about 40% of
#: the "busy" samples of one 80-message conversation, none of them in Python code).
UVLOOP_LEAF = r"^serve \(sanic/server/runners\.py"


def bucket_of(stack: str) -> str:
    frames = stack.split(";")
    if re.search(UVLOOP_LEAF, frames[-1]):
        return IDLE
    for name, pattern in BUCKETS:
        if any(re.search(pattern, frame) for frame in frames):
            return name
    return OTHER


def read_samples(path: Path) -> Counter:
    """py-spy's raw output ("frame;frame;frame count" per line) grouped into buckets."""
    counts: Counter = Counter()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, number = line.rpartition(" ")
        if stack and number.isdigit():
            counts[bucket_of(stack)] += int(number)
    return counts


def shares(counts: Counter) -> Dict[str, float]:
    busy = sum(n for name, n in counts.items() if not name.startswith("idle"))
    return {name: round(n / busy, 3) for name, n in counts.most_common() if not name.startswith("idle")} if busy else {}


class Sampler:
    """py-spy recording one process until stopped."""

    def __init__(self, pid: int, out: Path) -> None:
        self.out = out
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid), "--format", "raw",
             "--rate", str(SAMPLE_RATE), "--nonblocking", "--output", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(1.0)  # attached

    def stop(self) -> Counter:
        self.process.send_signal(subprocess.signal.SIGINT)
        self.process.wait(timeout=60)
        return read_samples(self.out) if self.out.exists() else Counter()


async def play(url: str, apology: str, plan: List[List[str]], concurrency: int, prefix: str) -> Dict[str, Any]:
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:
        return (await run_load(rest_turn(session, url, apology), plan, concurrency, prefix, 300.0)).summary()


async def message_costs(url: str, apology: str, length: int) -> Tuple[List[float], int]:
    """One conversation of `length` messages, each reply's seconds."""
    import aiohttp

    seconds = []
    async with aiohttp.ClientSession() as session:
        turn = rest_turn(session, url, apology)
        errors = 0
        for text in conversations(1, length, seed=80)[0]:
            started = time.perf_counter()
            errors += (await turn("profile-long", text)) is not None
            seconds.append(time.perf_counter() - started)
    return seconds, errors


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def markdown(report: Dict[str, Any]) -> str:
    names = [name for name, _ in BUCKETS if not name.startswith("idle")] + [OTHER]
    lines = ["# Where a turn's CPU goes (`make profile`)", "",
             f"py-spy at {SAMPLE_RATE} Hz on the Rasa server (REST load, action server on loopback, SQLite "
             f"tracker store, models/bliss.tar.gz); {report['generated']}. Shares of the busy samples "
             "(idle event-loop waiting left out); each sample goes to the first bucket one of its frames matches.",
             "", "| bucket | " + " | ".join(s["name"] for s in report["scenarios"]) + " |",
             "|---|" + "---|" * len(report["scenarios"])]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(f"{s['shares'].get(name, 0.0):.1%}" for s in report["scenarios"]) + " |")
    lines += ["| busy samples | " + " | ".join(str(s["busy_samples"]) for s in report["scenarios"]) + " |",
              "| messages/s | " + " | ".join(str(s["load"].get("messages_per_second")) for s in report["scenarios"]) + " |",
              "| p50 / p95 ms | " + " | ".join(f"{s['load'].get('p50_ms')} / {s['load'].get('p95_ms')}"
                                                for s in report["scenarios"]) + " |"]
    long = report["long_conversation"]
    lines += ["", f"One conversation of {LONG_CONVERSATION} messages: median reply of messages 3-7 "
              f"{long['early_ms']} ms, of messages 76-80 {long['late_ms']} ms (ratio {long['ratio']}); "
              f"errors {long['errors']}.", ""]
    return "\n".join(lines)


def main() -> int:
    from answer_book.store import answer_store

    apology = answer_store().current().message("service_unavailable", "web")
    report: Dict[str, Any] = {"generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "scenarios": []}
    with tempfile.TemporaryDirectory(prefix="bliss-profile-") as tmp:
        work = Path(tmp)
        assistant = start_assistant(work / "run")
        try:
            url, pid = assistant.rest_url, assistant.rasa.process.pid
            asyncio.run(play(url, apology, conversations(2, 10, seed=1), 1, "warm"))
            for name, concurrency, count, length in SCENARIOS:
                sampler = Sampler(pid, work / f"{concurrency}.txt")
                load = asyncio.run(play(url, apology, conversations(count, length, seed=concurrency), concurrency, f"p{concurrency}"))
                counts = sampler.stop()
                report["scenarios"].append({"name": name, "load": load, "shares": shares(counts),
                                            "busy_samples": sum(n for b, n in counts.items() if not b.startswith("idle")),
                                            "samples": dict(counts)})
                print(name, load.get("messages_per_second"), "msg/s", shares(counts), flush=True)
            seconds, errors = asyncio.run(message_costs(url, apology, LONG_CONVERSATION))
            early, late = median(seconds[2:7]), median(seconds[-5:])
            report["long_conversation"] = {"early_ms": round(1000 * early, 1), "late_ms": round(1000 * late, 1),
                                           "ratio": round(late / early, 2), "errors": errors}
        finally:
            assistant.stop()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "profile.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    text = markdown(report)
    (RESULTS_DIR / "profile.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
