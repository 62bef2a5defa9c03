"""The outcome a visitor sees on real patients' questions, through the whole assistant, side by side.

Part of `make eval`. The real held-out split (tests/nlu/real_holdout.yml: questions written after
public pages whose sites are never trained on) goes over REST through the Rasa server and the
action server (eval/outcomes.py judges each reply), for:
- ours: the trained model of this project (models/bliss.tar.gz, `make train`);
- ours, "Did you mean" with at most two choices (DID_YOU_MEAN_CHOICES=2), to see what three buy;
- rasa_default: Rasa's default pipeline and policies trained on our domain and data;
- before_issue_15: our config, domain and data as they were before the real questions were learned.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from answer_book.model import AnswerBook
from answer_book.passages import passage_store
from answer_book.store import answer_store
from eval.conversation_replies import conversation_replies
from eval.dev_set import read_dev_set
from eval.full_models import default_config, project_at, train
from eval.outcomes import OUTCOMES, ask_all, summary
from runtime.servers import DEFAULT_MODEL, PROJECT_DIR
from runtime.stack import start_assistant

REAL_HOLDOUT_PATH = PROJECT_DIR / "tests" / "nlu" / "real_holdout.yml"
SPANISH_HOLDOUT_PATH = PROJECT_DIR / "tests" / "nlu" / "spanish_holdout.yml"
#: main before issue 15 (the layout of issue 14 landed; no real questions learned yet).
BEFORE_ISSUE_15 = "d1b8701d097af9852559649240e6f65cab2464f3"
#: The targets of issue 15 on the real held-out split.
TARGETS = {"right_rate": 0.85, "right_or_one_click_rate": 0.93, "max_wrong_rate": 0.03}


def read_real_holdout(path: Path = REAL_HOLDOUT_PATH) -> List[Tuple[str, str]]:
    return read_dev_set(path) if path.exists() else []


#: Every model `make eval` compares; `make eval-outcomes` may pick some (MODELS=ours,before_issue_15).
MODEL_NAMES = ("ours", "ours_two_choices", "rasa_default", "before_issue_15")


def models_to_compare(work: Path, names: Sequence[str] = MODEL_NAMES) -> Dict[str, Tuple[Path, Dict[str, str]]]:
    """name -> (model, environment of the action server), for the `names` asked for (trained here)."""
    models: Dict[str, Tuple[Path, Dict[str, str]]] = {}
    for name in names:
        if name == "ours":
            models[name] = (DEFAULT_MODEL, {})
        elif name == "ours_two_choices":
            models[name] = (DEFAULT_MODEL, {"DID_YOU_MEAN_CHOICES": "2"})
        elif name == "rasa_default":
            models[name] = (train("rasa_default", default_config(work), work)[0], {})
        elif name == "before_issue_15":
            before = project_at(BEFORE_ISSUE_15, work)
            models[name] = (train("before_issue_15", before / "config.yml", work, project=before)[0], {})
        else:
            raise ValueError(f"unknown model {name!r}: one of {', '.join(MODEL_NAMES)}")
    return models


def ask_spanish_holdout(rest_url: str, book: AnswerBook) -> Dict[str, Any]:
    """Ours on the Spanish held-out split, each reply judged against the Spanish texts."""
    spanish = book.in_language("es")
    outcomes, seconds = ask_all(rest_url, read_dev_set(SPANISH_HOLDOUT_PATH), spanish, "ours-es",
                                conversation=conversation_replies(spanish))
    return summary(outcomes, seconds)


def evaluate_outcomes(
    work: Path, examples: Optional[List[Tuple[str, str]]] = None, names: Sequence[str] = MODEL_NAMES,
) -> Dict[str, Any]:
    """Every model's outcomes on the real held-out split (and ours on the Spanish one), the targets checked for ours."""
    examples = examples if examples is not None else read_real_holdout()
    if not examples:
        return {}
    book = answer_store().current()
    supports = {passage.text: passage.supports for passage in passage_store().current().passages}
    results: Dict[str, Any] = {}
    spanish: Dict[str, Any] = {}
    for name, (model, env) in models_to_compare(work, names).items():
        assistant = start_assistant(work / f"stack-{name}", model=model, env=env)
        try:
            outcomes, seconds = ask_all(assistant.rest_url, examples, book, name, supports, conversation_replies(book))
            if name == "ours" and SPANISH_HOLDOUT_PATH.exists():
                spanish = ask_spanish_holdout(assistant.rest_url, book)
        finally:
            assistant.stop()
        results[name] = summary(outcomes, seconds)
    ours = results["ours"]
    return {
        "set": str(REAL_HOLDOUT_PATH.relative_to(PROJECT_DIR)),
        "messages": len(examples),
        "models": results,
        "spanish_holdout": spanish,
        "targets": [
            {"target": "right answer", "minimum": TARGETS["right_rate"], "value": ours["right_rate"],
             "met": ours["right_rate"] >= TARGETS["right_rate"]},
            {"target": "right + one click", "minimum": TARGETS["right_or_one_click_rate"],
             "value": ours["right_or_one_click_rate"],
             "met": ours["right_or_one_click_rate"] >= TARGETS["right_or_one_click_rate"]},
            {"target": "wrong answer (at most)", "maximum": TARGETS["max_wrong_rate"], "value": ours["wrong_rate"],
             "met": ours["wrong_rate"] <= TARGETS["max_wrong_rate"]},
        ],
    }


def markdown(report: Dict[str, Any]) -> List[str]:
    """The eval.md section of the outcomes."""
    if not report:
        return []
    lines = [
        "## What a visitor sees on real patients' questions (through the whole assistant)",
        "",
        f"{report['messages']} messages of `{report['set']}` (written after public pages of sites never trained "
        "on), each over REST in a fresh conversation, the reply judged by eval/outcomes.py.",
        "",
        "| model | " + " | ".join(OUTCOMES) + " | right + one click |",
        "| --- | " + " | ".join("---" for _ in OUTCOMES) + " | --- |",
    ]
    for name, result in report["models"].items():
        cells = [f"{result[outcome]} ({result[f'{outcome}_rate']:.1%})" for outcome in OUTCOMES]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {result['right_or_one_click_rate']:.1%} |")
    lines += ["", "| target (ours) | goal | measured | met |", "| --- | --- | --- | --- |"]
    for target in report["targets"]:
        goal = f">= {target['minimum']:.0%}" if "minimum" in target else f"<= {target['maximum']:.0%}"
        lines.append(f"| {target['target']} | {goal} | {target['value']:.1%} | {'yes' if target['met'] else 'NO'} |")
    spanish = report.get("spanish_holdout") or {}
    if spanish:
        cells = [f"{spanish[outcome]} ({spanish[f'{outcome}_rate']:.1%})" for outcome in OUTCOMES]
        lines += ["", f"Ours on the Spanish held-out split ({spanish['messages']} messages of tests/nlu/spanish_holdout.yml, "
                  "judged against the Spanish texts):", "",
                  "| " + " | ".join(OUTCOMES) + " | right + one click |", "| " + " | ".join("---" for _ in OUTCOMES) + " | --- |",
                  "| " + " | ".join(cells) + f" | {spanish['right_or_one_click_rate']:.1%} |"]
    wrong = report["models"]["ours"]["wrong_answers"]
    lines += ["", f"Wrong answers of ours ({len(wrong)}):", ""]
    lines += [f"- \"{row['text']}\": expected {row['expected']}, answered {', '.join(row['answered']) or '(emergency)'}"
              for row in wrong]
    return lines + [""]


def plot(report: Dict[str, Any], path: Path) -> None:
    """A stacked bar per model: right, one click, no answer, wrong."""
    if not report:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(report["models"])
    colours = {"right": "#2e7d32", "one_click": "#9ccc65", "no_answer": "#bdbdbd", "wrong": "#c62828"}
    figure, axis = plt.subplots(figsize=(8, 3.2))
    left = [0.0] * len(names)
    for outcome in OUTCOMES:
        values = [report["models"][name][f"{outcome}_rate"] for name in names]
        axis.barh(names, values, left=left, color=colours[outcome], label=outcome.replace("_", " "))
        left = [a + b for a, b in zip(left, values)]
    axis.set_xlim(0, 1)
    axis.invert_yaxis()
    axis.set_xlabel(f"share of {report['messages']} real held-out questions")
    axis.legend(ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """`make eval-outcomes`: only the whole-assistant part of `make eval`, for the models asked for."""
    import argparse
    import json
    import logging
    import tempfile

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--models", default=",".join(MODEL_NAMES), help="comma-separated, ours first")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "results")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.models.split(",") if name.strip()]
    if names[:1] != ["ours"]:
        parser.error("the models start with ours (the targets are checked on it)")
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    with tempfile.TemporaryDirectory(prefix="bliss-outcomes-") as tmp:
        report = evaluate_outcomes(Path(tmp), names=names)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "eval_outcomes.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    text = "\n".join(["# Whole-assistant outcomes (`make eval-outcomes`)", ""] + markdown(report))
    (args.out / "eval_outcomes.md").write_text(text, encoding="utf-8")
    plot(report, args.out / "eval_outcomes.png")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
