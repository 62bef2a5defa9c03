"""The benchmark's visitors: conversations from bench/messages.yml, a load client, percentiles.

A load run has `concurrency` workers; each takes the next conversation and sends its
messages one after the other (a visitor waits for the reply before typing again), so
`concurrency` conversations are in flight at any time. One aiohttp session with a
connection pool keeps the client light next to the servers it measures.
"""
from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
MESSAGES_PATH = PROJECT_DIR / "bench" / "messages.yml"
SMALL_TALK_SHARE = 0.2  # one message in five is small talk


def read_messages(path: Path = MESSAGES_PATH) -> Dict[str, List[str]]:
    table = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {"questions": list(table["questions"]), "small_talk": list(table["small_talk"])}


def conversations(count: int, length: int, seed: int) -> List[List[str]]:
    """`count` conversations of `length` messages: mostly LDN questions, some small talk (seeded)."""
    table = read_messages()
    rng = random.Random(seed)
    result = []
    for _ in range(count):
        result.append(
            [
                rng.choice(table["small_talk"] if rng.random() < SMALL_TALK_SHARE else table["questions"])
                for _ in range(length)
            ]
        )
    return result


def percentile(values: Sequence[float], q: float) -> Optional[float]:
    """The q-th percentile (0-100) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class LoadResult:
    concurrency: int
    conversations: int
    messages: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: List[float] = field(default_factory=list)
    error_examples: List[str] = field(default_factory=list)

    def note_error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_examples) < 5:
            self.error_examples.append(text[:300])

    def summary(self) -> Dict[str, Any]:
        return {
            "concurrency": self.concurrency,
            "conversations": self.conversations,
            "messages": self.messages,
            "errors": self.errors,
            "error_examples": self.error_examples,
            "seconds": round(self.seconds, 2),
            "messages_per_second": round(self.messages / self.seconds, 1) if self.seconds else None,
            "p50_ms": _round(percentile(self.latencies_ms, 50)),
            "p95_ms": _round(percentile(self.latencies_ms, 95)),
            "p99_ms": _round(percentile(self.latencies_ms, 99)),
            "max_ms": _round(max(self.latencies_ms) if self.latencies_ms else None),
        }


def _round(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 1)


#: One turn: (conversation id, text) -> None on success, or the error description.
Turn = Callable[[str, str], Awaitable[Optional[str]]]


async def run_load(
    turn: Turn, plan: List[List[str]], concurrency: int, prefix: str, timeout: float
) -> LoadResult:
    """Play `plan` (conversations of messages) with `concurrency` workers; bounded by `timeout` seconds."""
    result = LoadResult(concurrency=concurrency, conversations=len(plan))
    queue: "asyncio.Queue[int]" = asyncio.Queue()
    for index in range(len(plan)):
        queue.put_nowait(index)

    async def worker() -> None:
        while not queue.empty():
            index = queue.get_nowait()
            sender = f"{prefix}-{index}"
            for text in plan[index]:
                started = time.perf_counter()
                problem = await turn(sender, text)
                result.latencies_ms.append((time.perf_counter() - started) * 1000.0)
                result.messages += 1
                if problem:
                    result.note_error(f"{sender}: {text!r}: {problem}")

    started = time.perf_counter()
    workers = [asyncio.ensure_future(worker()) for _ in range(concurrency)]
    try:
        await asyncio.wait_for(asyncio.gather(*workers), timeout=timeout)
    except asyncio.TimeoutError:
        for task in workers:
            task.cancel()
        unsent = sum(len(conversation) for conversation in plan) - result.messages
        result.note_error(f"run stopped after {timeout:.0f}s with {unsent} messages unsent")
        result.errors += max(unsent - 1, 0)
    result.seconds = time.perf_counter() - started
    return result


def rest_turn(session: Any, url: str, apology: str, request_timeout: float = 30.0) -> Turn:
    """A Turn over REST that checks the reply: HTTP 200, not empty, addressed to the sender, not the apology."""
    import aiohttp

    async def turn(sender: str, text: str) -> Optional[str]:
        try:
            async with session.post(
                url, json={"sender": sender, "message": text}, timeout=aiohttp.ClientTimeout(total=request_timeout)
            ) as response:
                body = await response.text()
                if response.status != 200:
                    return f"HTTP {response.status}: {body[:200]}"
                messages = json.loads(body)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            return f"{type(error).__name__}: {error}"
        if not messages:
            return "empty reply"
        if any(message.get("recipient_id") != sender for message in messages):
            return "reply addressed to another conversation"
        if any(message.get("text") == apology for message in messages):
            return "the apology (the turn failed inside the server)"
        return None

    return turn
