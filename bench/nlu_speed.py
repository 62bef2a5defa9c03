"""NLU parsing alone, in-process: `python -m bench.nlu_speed MODEL OUT.json` (run by bench/turns.py).

Loads the model with Agent.load and times `await agent.parse_message(text)` at the same
concurrency levels as the REST runs (parsing is CPU-bound, so concurrent parses queue
behind each other in the event loop, as they do inside the Rasa server). The model's graphs run as
in the Rasa server (runtime/patches/graph_runner.py), so the turn and the parse are compared alike.
"""
from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, Optional

from bench.load import conversations, run_load
from tools.process_memory import peak_rss_mb

#: (concurrency, conversations, messages per conversation): 300 parses per level.
LEVELS = ((1, 10, 30), (8, 8, 38), (32, 32, 10))


async def measure(model: str) -> Dict[str, Any]:
    from rasa.core.agent import Agent

    from runtime.patches import graph_runner

    graph_runner.install()
    started = time.perf_counter()
    agent = Agent.load(model)
    load_seconds = time.perf_counter() - started

    async def turn(sender: str, text: str) -> Optional[str]:
        result = await agent.parse_message(text)
        return None if result.get("intent", {}).get("name") else "no intent"

    for text in conversations(1, 20, seed=1)[0]:  # warm-up: the first parses build TF graphs
        await agent.parse_message(text)
    levels = []
    for concurrency, count, length in LEVELS:
        plan = conversations(count, length, seed=concurrency)
        result = await run_load(turn, plan, concurrency, prefix=f"nlu-{concurrency}", timeout=120)
        levels.append(result.summary())
    return {"model_load_seconds": round(load_seconds, 2), "levels": levels, "peak_rss_mb": peak_rss_mb("self")}


def main() -> None:
    model, out = sys.argv[1], Path(sys.argv[2])
    out.write_text(json.dumps(asyncio.run(measure(model)), indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
