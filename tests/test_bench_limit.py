"""bench/limit.py: the full turn's ratios to the NLU-alone limit, from one run's results."""
from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Dict, List, Tuple

from aiohttp import web

from bench.limit import limit_lines, limit_ratios, long_conversation


def level(concurrency: int, per_second: float, p50: float) -> dict:
    return {"concurrency": concurrency, "messages_per_second": per_second, "p50_ms": p50}


def test_the_full_turn_is_divided_by_the_nlu_of_the_same_concurrency() -> None:
    pipeline = {
        "nlu_only": {"levels": [level(1, 120.0, 7.5), level(8, 110.0, 70.0), level(32, 100.0, 300.0)]},
        "full_turn": {"levels": [level(1, 30.0, 30.0), level(8, 44.0, 180.0), level(32, 40.0, 800.0)],
                      "long_conversation": {"ratio": 1.1, "sequential": {"ratio": 1.3}}},
    }
    ratios = limit_ratios(pipeline)
    assert ratios == {"throughput_c8_over_nlu": 0.4, "throughput_c32_over_nlu": 0.4, "p50_c1_over_nlu": 4.0,
                      "late_over_early": 1.1, "late_over_early_sequential": 1.3}
    assert any("x0.4" in line and "8" in line for line in limit_lines(ratios))


def test_a_missing_level_gives_no_ratio_rather_than_a_wrong_one() -> None:
    pipeline = {"nlu_only": {"levels": [level(1, 120.0, 7.5)]}, "full_turn": {"levels": [level(1, 30.0, 30.0)]}}
    assert limit_ratios(pipeline)["throughput_c8_over_nlu"] is None
    assert limit_ratios(pipeline)["late_over_early"] is None


class GrowingCostServer:
    """A REST webhook on a loopback port whose reply takes longer the more messages its sender sent."""

    def __init__(self, seconds_per_earlier_message: float) -> None:
        self.seconds_per_earlier_message = seconds_per_earlier_message
        self.received: Dict[str, List[str]] = defaultdict(list)

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        earlier = self.received[body["sender"]]
        await asyncio.sleep(self.seconds_per_earlier_message * len(earlier))
        earlier.append(body["message"])
        return web.json_response([{"recipient_id": body["sender"], "text": "an answer"}])


async def measured(seconds_per_earlier_message: float) -> Tuple[dict, GrowingCostServer]:
    server = GrowingCostServer(seconds_per_earlier_message)
    app = web.Application()
    app.router.add_post("/webhook", server.webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        result = await long_conversation(f"http://127.0.0.1:{port}/webhook", "sorry", length=30, rounds=2)
    finally:
        await runner.cleanup()
    return result, server


def test_the_late_messages_are_the_same_texts_as_the_early_ones_of_a_fresh_conversation() -> None:
    result, server = asyncio.run(measured(0.0))
    fresh, long = server.received["limit-fresh-0"], server.received["limit-long-0"]
    assert len(fresh) == 7 and len(long) == 30
    assert fresh[2:] == long[-5:] and fresh[:2] == long[:2]
    assert result["probes"] == 10 and result["errors"] == 0


def test_a_cost_that_grows_with_the_conversation_shows_in_both_measures() -> None:
    result, _ = asyncio.run(measured(0.002))  # message 3: 4 ms more, message 30: 58 ms more
    assert result["ratio"] > 3 and result["sequential"]["ratio"] > 3
    assert result["late_ms"] > result["early_ms"]
