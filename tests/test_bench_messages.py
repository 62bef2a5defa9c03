"""The benchmark's visitors: their messages are not the held-out dev set, and the load client counts right."""
from __future__ import annotations

import asyncio
from typing import Optional

from tests.test_consistency import normalise
from bench.load import conversations, percentile, read_messages, run_load
from eval.dev_set import read_dev_set


def test_no_benchmark_message_is_copied_from_the_dev_set() -> None:
    dev = {normalise(text) for text, _ in read_dev_set()}
    table = read_messages()
    copied = [text for texts in table.values() for text in texts if normalise(text) in dev]
    assert table["questions"] and table["small_talk"]
    assert not copied


def test_a_load_run_sends_every_message_and_counts_the_errors() -> None:
    plan = conversations(5, 4, seed=3)
    seen = []

    async def turn(sender: str, text: str) -> Optional[str]:
        await asyncio.sleep(0)
        seen.append((sender, text))
        return "bad" if text == plan[0][0] else None

    result = asyncio.run(run_load(turn, plan, concurrency=3, prefix="t", timeout=30))
    assert result.messages == len(seen) == 20
    assert sorted(seen) == sorted((f"t-{n}", text) for n, texts in enumerate(plan) for text in texts)
    assert result.errors == sum(text == plan[0][0] for texts in plan for text in texts)
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
