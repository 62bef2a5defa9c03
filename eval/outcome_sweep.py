"""Which fallback threshold serves real patients best: the visitor's outcome, simulated from rankings.

`make eval` cross-validates the pipeline on data/nlu; for the held-out fold's examples written after
real patients' questions (the training split of issue 15: data/nlu/real_questions.yml and
faq_real_topics.yml), this module replays what the assistant would have done with other
FallbackClassifier thresholds, from each message's intent ranking:

- the best intent at or above the threshold (and clear of the second by the ambiguity threshold):
  its answer, right or wrong;
- below it: "Did you mean" with the choices actions/clarify.py's close_call offers for that ranking
  (one click if the expected question is among them), or no answer.

Article passages are left out (they need the passage store and rarely change the choice).
cost = wrong answers + half the unanswered + a quarter of the one-click answers: a confident wrong
answer to a medical question is the worst outcome, "I'm not sure, here is the phone" costs the
visitor a call, a "Did you mean" button a click. config.yml's thresholds come from this table.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Dict, FrozenSet, List, Sequence

from actions.clarify import close_call
from answer_book.model import AnswerBook
from eval.nlu_metrics import EMERGENCY, OUT_OF_SCOPE, Prediction

PROJECT_DIR = Path(__file__).resolve().parent.parent
NLU_DIR = PROJECT_DIR / "data" / "nlu"
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
AMBIGUITIES = (0.1, 0.2)
WRONG_COST, UNANSWERED_COST, ONE_CLICK_COST = 1.0, 0.5, 0.25


def real_training_files() -> List[Path]:
    """The training files written after real patients' questions (issue 15, item 1; round 2's per group)."""
    return [NLU_DIR / "real_questions.yml", NLU_DIR / "faq_real_topics.yml",
            *sorted(NLU_DIR.glob("patient_wording_*.yml"))]


def real_training_texts() -> FrozenSet[str]:
    """Every example sentence of real_training_files(), read by Rasa's loader (as training_examples is)."""
    from rasa.shared.nlu.training_data.loading import load_data

    return frozenset(str(m.get("text")) for path in real_training_files() for m in load_data(str(path)).intent_examples)


def simulated_outcome(prediction: Prediction, threshold: float, ambiguity: float, book: AnswerBook) -> str:
    """right, one_click, no_answer or wrong: what the visitor would have seen (eval/outcomes.py's words)."""
    ranking = list(prediction.ranking)
    expected = prediction.expected
    if not ranking:
        return "right" if expected == OUT_OF_SCOPE else "no_answer"
    best, best_confidence = ranking[0]
    second_confidence = ranking[1][1] if len(ranking) > 1 else 0.0
    if best_confidence >= threshold and best_confidence - second_confidence >= ambiguity:
        if best == expected:
            return "right"
        if best in book.answers:
            return "wrong"
        return "right" if expected == OUT_OF_SCOPE else "no_answer"
    if expected == OUT_OF_SCOPE:
        return "right"
    parse_data = {"text": prediction.text,
                  "intent_ranking": [{"name": name, "confidence": confidence} for name, confidence in ranking]}
    offered = [answer.intent for answer in close_call(book, parse_data) or []]
    return "one_click" if expected in offered else "no_answer"


def outcome_sweep(predictions: Sequence[Prediction], book: AnswerBook) -> List[Dict[str, object]]:
    """For each (threshold, ambiguity): the outcome rates and the cost. Emergencies are left out:
    the safety net, not the threshold, decides them."""
    examples = [p for p in predictions if p.expected != EMERGENCY]
    rows = []
    for ambiguity in AMBIGUITIES:
        for threshold in THRESHOLDS:
            counts = Counter(simulated_outcome(p, threshold, ambiguity, book) for p in examples)
            total = len(examples) or 1
            row: Dict[str, object] = {"threshold": threshold, "ambiguity": ambiguity, "messages": len(examples)}
            row.update({name: round(counts[name] / total, 3) for name in ("right", "one_click", "no_answer", "wrong")})
            row["cost"] = round(WRONG_COST * counts["wrong"] + UNANSWERED_COST * counts["no_answer"]
                                + ONE_CLICK_COST * counts["one_click"], 2)
            rows.append(row)
    return rows
