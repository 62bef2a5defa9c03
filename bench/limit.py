"""How close the whole turn comes to the NLU's own speed, from one `make bench` run (issue 19 item 3).

The NLU alone (bench/nlu_speed.py, in-process) is the limit a turn cannot beat; the rest of the
turn (tracker store, policies, action server) should cost little beside it. From a pipeline's
results: full-turn messages/second at 8 and 32 conversations over the NLU-alone messages/second
at the same concurrency, single-conversation p50 over the NLU-alone p50, and the reply time of a
conversation's 80th message over its 5th (a long conversation measured on the same servers).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from bench.profile_turn import LONG_CONVERSATION, median, message_costs

#: The issue's targets (ratios hold on any machine): throughput at least this share of the NLU's ...
MIN_THROUGHPUT_SHARE = 0.6
#: ... a single conversation's p50 at most this multiple of the NLU's, the 80th message at most this of the 5th.
MAX_P50_MULTIPLE, MAX_LATE_OVER_EARLY = 2.0, 1.2


async def long_conversation(url: str, apology: str, length: int = LONG_CONVERSATION) -> Dict[str, Any]:
    """One conversation of `length` messages: median reply of messages 3-7 and of the last five."""
    seconds, errors = await message_costs(url, apology, length)
    early, late = median(seconds[2:7]), median(seconds[-5:])
    return {"messages": length, "early_ms": round(1000 * early, 1), "late_ms": round(1000 * late, 1),
            "ratio": round(late / early, 2), "errors": errors}


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
    return result


def limit_lines(ratios: Dict[str, Any]) -> List[str]:
    """The summary lines, each with its target."""
    return [
        "  ratio to the limit (NLU alone, same run):",
        f"    full-turn msg/s over NLU msg/s: at 8 x{ratios['throughput_c8_over_nlu']}, "
        f"at 32 x{ratios['throughput_c32_over_nlu']} (target >= {MIN_THROUGHPUT_SHARE})",
        f"    single-conversation p50 over NLU p50: x{ratios['p50_c1_over_nlu']} (target <= {MAX_P50_MULTIPLE})",
        f"    {LONG_CONVERSATION}th message over the 5th: x{ratios['late_over_early']} (target <= {MAX_LATE_OVER_EARLY})",
    ]
