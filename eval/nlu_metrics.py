"""Score NLU predictions: in-scope accuracy, macro F1, out-of-scope rejection, confusion pairs.

Plain Python (no Rasa) so `make eval` and the regression test in `make test` count the same way.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Dict, Iterable, List, Sequence, Tuple

from sklearn.metrics import f1_score

from eval.dev_set import REJECTIONS, is_correct

OUT_OF_SCOPE = "out_of_scope"
EMERGENCY = "emergency"


@dataclass(frozen=True)
class Prediction:
    """What one pipeline made of one message."""

    text: str
    expected: str
    predicted: str
    confidence: float
    # The best intent the classifier ranked, even when FallbackClassifier answered nlu_fallback.
    top_intent: str
    top_confidence: float
    second_confidence: float = 0.0
    # The classifier's best intents with their confidences (eval/outcome_sweep.py replays them).
    ranking: Tuple[Tuple[str, float], ...] = ()

    @property
    def correct(self) -> bool:
        return is_correct(self.expected, self.predicted)


def is_faq_intent(intent: str) -> bool:
    return intent.startswith("ask_")


def label_for_f1(intent: str) -> str:
    """A rejection counts as the out-of-scope label, so F1 does not punish nlu_fallback on OOS."""
    return OUT_OF_SCOPE if intent in REJECTIONS else intent


def score(predictions: Sequence[Prediction]) -> Dict[str, object]:
    """The headline numbers for one pipeline on one set of messages."""
    in_scope = [p for p in predictions if p.expected != OUT_OF_SCOPE]
    oos = [p for p in predictions if p.expected == OUT_OF_SCOPE]
    emergencies = [p for p in predictions if p.expected == EMERGENCY]
    labels = sorted({p.expected for p in predictions})
    oos_answered = [p for p in oos if is_faq_intent(p.predicted)]
    return {
        "messages": len(predictions),
        "in_scope_messages": len(in_scope),
        "in_scope_accuracy": _ratio(sum(p.correct for p in in_scope), len(in_scope)),
        "macro_f1": round(float(
            f1_score(
                [label_for_f1(p.expected) for p in predictions],
                [label_for_f1(p.predicted) for p in predictions],
                labels=labels,
                average="macro",
                zero_division=0,
            )
        ), 4) if predictions else None,
        "oos_messages": len(oos),
        "oos_rejection_rate": _ratio(sum(p.predicted in REJECTIONS for p in oos), len(oos)),
        # A confident wrong answer (not a rejection, not right) is worse than "I'm not sure".
        "wrong_answer_rate": _ratio(sum(not p.correct and p.predicted not in REJECTIONS for p in predictions),
                                    len(predictions)),
        "emergencies": len(emergencies),
        "emergencies_recognised": sum(p.predicted == EMERGENCY for p in emergencies),
        "all_emergencies_recognised": all(p.predicted == EMERGENCY for p in emergencies),
        "oos_answered_with_faq": [
            {"text": p.text, "intent": p.predicted, "confidence": round(p.confidence, 3)} for p in oos_answered
        ],
        "confusion_pairs": confusion_pairs(predictions),
        "errors": [
            {"text": p.text, "expected": p.expected, "predicted": p.predicted,
             "confidence": round(p.confidence, 3), "top_intent": p.top_intent}
            for p in predictions if not p.correct
        ],
    }


def confusion_pairs(predictions: Iterable[Prediction]) -> List[Dict[str, object]]:
    """(expected, predicted) pairs of the wrong predictions, most frequent first."""
    counts = Counter((p.expected, p.predicted) for p in predictions if not p.correct)
    return [{"expected": e, "predicted": g, "count": n} for (e, g), n in counts.most_common()]


def mean_of(scores: Sequence[Dict[str, object]], key: str) -> float:
    values = [float(s[key]) for s in scores if s.get(key) is not None]
    return round(sum(values) / len(values), 4) if values else float("nan")


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def as_dicts(predictions: Iterable[Prediction]) -> List[Dict[str, object]]:
    return [asdict(p) for p in predictions]
