"""bench/limit.py: the full turn's ratios to the NLU-alone limit, from one run's results."""
from __future__ import annotations

from bench.limit import limit_lines, limit_ratios


def level(concurrency: int, per_second: float, p50: float) -> dict:
    return {"concurrency": concurrency, "messages_per_second": per_second, "p50_ms": p50}


def test_the_full_turn_is_divided_by_the_nlu_of_the_same_concurrency() -> None:
    pipeline = {
        "nlu_only": {"levels": [level(1, 120.0, 7.5), level(8, 110.0, 70.0), level(32, 100.0, 300.0)]},
        "full_turn": {"levels": [level(1, 30.0, 30.0), level(8, 44.0, 180.0), level(32, 40.0, 800.0)],
                      "long_conversation": {"ratio": 1.1}},
    }
    ratios = limit_ratios(pipeline)
    assert ratios == {"throughput_c8_over_nlu": 0.4, "throughput_c32_over_nlu": 0.4, "p50_c1_over_nlu": 4.0,
                      "late_over_early": 1.1}
    assert any("x0.4" in line and "8" in line for line in limit_lines(ratios))


def test_a_missing_level_gives_no_ratio_rather_than_a_wrong_one() -> None:
    pipeline = {"nlu_only": {"levels": [level(1, 120.0, 7.5)]}, "full_turn": {"levels": [level(1, 30.0, 30.0)]}}
    assert limit_ratios(pipeline)["throughput_c8_over_nlu"] is None
    assert limit_ratios(pipeline)["late_over_early"] is None
