"""How close the whole turn comes to the NLU's own speed, from one `make bench` run (issue 19 item 3).

The NLU alone (bench/nlu_speed.py, in-process) is the limit a turn cannot beat; the rest of the
turn (tracker store, policies, action server) should cost little beside it. From a pipeline's
results: full-turn messages/second at 8 and 32 conversations over the NLU-alone messages/second
at the same concurrency, single-conversation p50 over the NLU-alone p50, and the reply time of a
conversation's 80th message over its 5th (long conversations measured on the same servers).

The 80th over the 5th compares the same five texts, sent alternately as messages 76-80 of a long
conversation and as messages 3-7 of a fresh one, in three rounds: the machine's noise of the moment
and the cost of the text itself hit both sides alike. The sequential measure of stops 23-24 (one
conversation's messages 3-7 against its last five: different texts, a minute apart) is kept beside
it: on this shared 2-core machine it gave 1.02-1.59 for the same code.
"""
from __future__ import annotations

import time
from typing import Any, Dict, List, Optional

from bench.load import conversations, rest_turn
from bench.profile_turn import LONG_CONVERSATION, median, message_costs

#: The issue's targets (ratios hold on any machine): throughput at least this share of the NLU's ...
MIN_THROUGHPUT_SHARE = 0.6
#: ... a single conversation's p50 at most this multiple of the NLU's, the 80th message at most this of the 5th.
MAX_P50_MULTIPLE, MAX_LATE_OVER_EARLY = 2.0, 1.2


#: Rounds of the paired measure, and the texts compared in each (messages 3-7 against the last five).
PAIRED_ROUNDS, PROBES = 3, 5


async def long_conversation(url: str, apology: str, length: int = LONG_CONVERSATION,
                            rounds: int = PAIRED_ROUNDS) -> Dict[str, Any]:
    """The reply time of the same texts late in a long conversation over early in a fresh one (medians of
    all rounds' probes), and the sequential measure of one conversation beside it."""
    import aiohttp

    texts = conversations(1, length, seed=80)[0]
    probes = texts[2:2 + PROBES]
    early: List[float] = []
    late: List[float] = []
    errors = 0
    async with aiohttp.ClientSession() as session:
        turn = rest_turn(session, url, apology)
        for round_ in range(rounds):
            long_sender, fresh_sender = f"limit-long-{round_}", f"limit-fresh-{round_}"
            for text in texts[:length - PROBES]:
                errors += (await turn(long_sender, text)) is not None
            for text in texts[:2]:
                errors += (await turn(fresh_sender, text)) is not None
            for index, text in enumerate(probes):
                order = [(fresh_sender, early), (long_sender, late)]
                for sender, seconds in order if index % 2 == 0 else reversed(order):
                    started = time.perf_counter()
                    errors += (await turn(sender, text)) is not None
                    seconds.append(time.perf_counter() - started)
    sequential, sequential_errors = await message_costs(url, apology, length)
    return {"messages": length, "rounds": rounds, "probes": len(early),
            "early_ms": _ms(median(early)), "late_ms": _ms(median(late)), "ratio": round(median(late) / median(early), 2),
            "sequential": {"early_ms": _ms(median(sequential[2:7])), "late_ms": _ms(median(sequential[-5:])),
                           "ratio": round(median(sequential[-5:]) / median(sequential[2:7]), 2)},
            "errors": errors + sequential_errors}


def _ms(seconds: float) -> float:
    return round(1000 * seconds, 1)


def _level(levels: List[Dict[str, Any]], concurrency: int) -> Dict[str, Any]:
    return next((level for level in levels if level["concurrency"] == concurrency), {})


def _ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return round(a / b, 2) if a is not None and b else None


def limit_ratios(pipeline: Dict[str, Any]) -> Dict[str, Any]:
    """The ratios to the limit of one pipeline's results (bench/turns.py `bench_pipeline`)."""
    full, nlu = pipeline["full_turn"]["levels"], pipeline["nlu_only"]["levels"]
    result: Dict[str, Any] = {}
    for concurrency in (8, 32):
        result[f"throughput_c{concurrency}_over_nlu"] = _ratio(
            _level(full, concurrency).get("messages_per_second"), _level(nlu, concurrency).get("messages_per_second"))
    result["p50_c1_over_nlu"] = _ratio(_level(full, 1).get("p50_ms"), _level(nlu, 1).get("p50_ms"))
    long = pipeline["full_turn"].get("long_conversation") or {}
    result["late_over_early"] = long.get("ratio")
    result["late_over_early_sequential"] = (long.get("sequential") or {}).get("ratio")
    return result


def limit_lines(ratios: Dict[str, Any]) -> List[str]:
    """The summary lines, each with its target."""
    return [
        "  ratio to the limit (NLU alone, same run):",
        f"    full-turn msg/s over NLU msg/s: at 8 x{ratios['throughput_c8_over_nlu']}, "
        f"at 32 x{ratios['throughput_c32_over_nlu']} (target >= {MIN_THROUGHPUT_SHARE})",
        f"    single-conversation p50 over NLU p50: x{ratios['p50_c1_over_nlu']} (target <= {MAX_P50_MULTIPLE})",
        f"    {LONG_CONVERSATION}th message over the 5th, the same texts side by side: x{ratios['late_over_early']} "
        f"(target <= {MAX_LATE_OVER_EARLY}; one conversation's own 5th and 80th: x{ratios['late_over_early_sequential']})",
    ]
