"""How `make eval` counts: other thresholds, the threshold sweep, message-by-message differences
and the issue's targets, on hand-made predictions (no model needed)."""
from __future__ import annotations

from dataclasses import asdict
from typing import Dict, List

import pytest

from eval.evaluate import POOLED, paired_differences, targets, threshold_sweep, with_thresholds
from eval.nlu_metrics import Prediction, score


def prediction(expected: str, top: str, confidence: float, second: float = 0.0, predicted: str = "") -> Prediction:
    return Prediction(text=f"{expected} {top} {confidence}", expected=expected, predicted=predicted or top,
                      confidence=confidence, top_intent=top, top_confidence=confidence, second_confidence=second)


def test_a_lower_threshold_answers_what_the_fallback_held_back() -> None:
    held_back = prediction("ask_dose", "ask_dose", 0.45, predicted="nlu_fallback")

    assert with_thresholds([held_back], 0.4, 0.1)[0].predicted == "ask_dose"
    assert with_thresholds([held_back], 0.5, 0.1)[0].predicted == "nlu_fallback"


def test_a_close_second_is_held_back_by_the_ambiguity_threshold() -> None:
    close = prediction("ask_dose", "ask_dose", 0.6, second=0.55)

    assert with_thresholds([close], 0.5, 0.1)[0].predicted == "nlu_fallback"
    assert with_thresholds([close], 0.5, 0.04)[0].predicted == "ask_dose"


def test_what_a_later_component_decided_is_kept() -> None:
    emergency = prediction("emergency", "contact_clinic", 0.3, predicted="emergency")

    assert with_thresholds([emergency], 0.5, 0.1)[0].predicted == "emergency"


def test_the_sweep_counts_wrong_answers_and_needless_fallbacks() -> None:
    predictions = [
        prediction("ask_dose", "ask_dose", 0.45, predicted="nlu_fallback"),  # right at 0.4, needless fallback at 0.5
        prediction("out_of_scope", "ask_weight", 0.42, predicted="nlu_fallback"),  # wrong answer at 0.4
        prediction("ask_weight", "ask_weight", 0.9),  # right at both
    ]
    rows = {(r["threshold"], r["ambiguity"]): r for r in threshold_sweep(predictions)}

    assert rows[(0.4, 0.1)]["wrong_answers"] == 1 and rows[(0.4, 0.1)]["needless_fallbacks"] == 0
    assert rows[(0.5, 0.1)]["wrong_answers"] == 0 and rows[(0.5, 0.1)]["needless_fallbacks"] == 1
    assert rows[(0.4, 0.1)]["cost"] == 1 and rows[(0.5, 0.1)]["cost"] == 0.5


def report(ours: List[Prediction], theirs: List[Prediction]) -> Dict[str, object]:
    pipelines = {}
    for name, predictions, parse_ms in (("ours", ours, 5.0), ("rasa_default", theirs, 5.0)):
        scored = score(predictions)
        scored["predictions"] = [asdict(p) for p in predictions]
        pipelines[name] = {"dev": scored, "holdout": scored, POOLED: score(predictions + predictions),
                           "parse_ms_median": parse_ms}
    return {"pipelines": pipelines, "sets": ["dev", "holdout"]}


def test_paired_differences_say_who_was_right_where() -> None:
    ours = [prediction("ask_dose", "ask_dose", 0.9), prediction("out_of_scope", "nlu_fallback", 0.5)]
    theirs = [prediction("ask_dose", "ask_cost_insurance", 0.9), prediction("out_of_scope", "nlu_fallback", 0.5)]

    counts = paired_differences(report(ours, theirs)["pipelines"], ["dev", "holdout"])

    assert counts == {"only_ours_right": 2, "only_default_right": 0, "both_right": 2, "both_wrong": 0}


def test_a_tie_is_not_ahead_and_an_oos_faq_answer_fails_its_target() -> None:
    same = [prediction("ask_dose", "ask_dose", 0.9), prediction("out_of_scope", "ask_weight", 0.8)]

    met = {row["target"]: row["met"] for row in targets(report(same, same))}

    assert met["dev in-scope accuracy: ours ahead of the default"] is False
    assert met["dev out-of-scope answered with an FAQ above the fallback threshold: none"] is False
    assert met["dev out-of-scope rejection >= 0.90"] is False
    assert met["dev in-scope accuracy >= 0.95"] is True
    assert met["parse time median <= 1.2 x the default's"] is True


@pytest.mark.parametrize("ours_ms, met", [(6.0, True), (6.5, False)])
def test_the_parse_time_target_is_a_ratio_to_the_default(ours_ms: float, met: bool) -> None:
    predictions = [prediction("ask_dose", "ask_dose", 0.9)]
    built = report(predictions, predictions)
    built["pipelines"]["ours"]["parse_ms_median"] = ours_ms

    rows = {row["target"]: row["met"] for row in targets(built)}

    assert rows["parse time median <= 1.2 x the default's"] is met


def test_the_fallback_thresholds_are_read_from_the_config(tmp_path) -> None:
    from eval.evaluate import fallback_thresholds

    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n  - name: DIETClassifier\n  - name: FallbackClassifier\n"
                      "    threshold: 0.45\n    ambiguity_threshold: 0.05\n", encoding="utf-8")
    without = tmp_path / "none.yml"
    without.write_text("pipeline:\n  - name: DIETClassifier\n", encoding="utf-8")

    assert fallback_thresholds(config) == (0.45, 0.05)
    assert fallback_thresholds(without) == (None, None)
