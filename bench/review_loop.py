"""`make bench-review-loop`: the weekly review loop of docs/STAFF.md, on the simulated week, twice.

1. Week 1: the simulated week (bench/simulated_week.py: N conversations, its seed) against the project's model.
2. `make review` on its store (tools/review.py), then the staff member's decisions: the file
   bench/review_loop_decisions.yml gives, for a message of the review file, the question it asks or
   out_of_scope; an entry it does not decide is deleted, as a staff member deletes what they cannot
   decide. `make review-apply` (tools/review_apply.py) adds them to a copy of data/.
3. A model trained on that copy (as `make train` does, the project's model left alone).
4. Week 2: the same week against the new model.
Results in results/review_loop.md: per reviewed message its reply in both weeks, and how many of the
week's messages went from unanswered to answered, and from answered to unanswered (nothing else changed
between the weeks). Each message is counted by what the model did (a 👎 click does not change it).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import yaml

from bench.simulated_week import PROJECT_DIR, Sent, simulate
from runtime.log_privacy import redact
from tools.review import (collect, faq_and_out_of_scope, messages_yaml, pending_yaml, same_text, stored_conversations,
                          training_texts)
from tools.review_apply import apply_review, held_out_texts

DECISIONS = PROJECT_DIR / "bench" / "review_loop_decisions.yml"
RESULTS_NAME = "review_loop.md"


def decided_review(pending: Path, decisions: Mapping[str, str]) -> Tuple[int, int]:
    """The review file edited as the decisions say (undecided entries deleted); (kept, deleted)."""
    document = yaml.safe_load(pending.read_text(encoding="utf-8")) or {}
    entries = document.get("messages") or []
    by_text = {same_text(message): intent for message, intent in decisions.items()}
    kept = [{"message": e["message"], "suggested_intent": by_text[same_text(e["message"])]}
            for e in entries if same_text(e["message"]) in by_text]
    pending.write_text(messages_yaml(kept), encoding="utf-8")
    return len(kept), len(entries) - len(kept)


def train(data_dir: Path, out_dir: Path) -> Path:
    """A model trained on `data_dir` with the project's config and domain (the command of `make train`)."""
    subprocess.run([sys.executable, "-m", "rasa", "train", "--force", "--config", "config.yml", "--domain",
                    "domain.yml", "--data", str(data_dir), "--out", str(out_dir), "--fixed-model-name", "reviewed"],
                   cwd=PROJECT_DIR, check=True)
    return out_dir / "reviewed.tar.gz"


Occurrences = List[Tuple[str, Tuple[str, ...]]]


def model_outcomes(sent: Sequence[Sent]) -> Dict[str, Occurrences]:
    """same_text(message as the review file shows it) -> (what the model did, the answers given) each time
    the week sent it. "clicked" is a "Did you mean" the visitor clicked: no answer until the click. A 👎
    does not change what the model did."""
    outcomes: Dict[str, Occurrences] = {}
    for turn in sent:
        if turn.outcome == "feedback" or turn.text.startswith("/"):
            continue
        outcome = "answered" if turn.answers else turn.outcome
        outcomes.setdefault(same_text(redact(turn.text)), []).append((outcome, tuple(turn.answers)))
    return outcomes


def answered_each_time(occurrences: Occurrences, intent: Optional[str] = None) -> bool:
    """Whether the model answered the message every time it came (with `intent`, when given)."""
    return bool(occurrences) and all(outcome == "answered" and (intent is None or intent in answers)
                                     for outcome, answers in occurrences)


def shown(occurrences: Occurrences) -> str:
    counts: Dict[str, int] = {}
    for outcome, answers in occurrences:
        key = f"{outcome} {', '.join(answers)}".strip()
        counts[key] = counts.get(key, 0) + 1
    return "; ".join(f"{key} ×{count}" if count > 1 else key for key, count in counts.items()) or "-"


def report(reviewed: Sequence[Tuple[str, str]], before: Mapping[str, Occurrences],
           after: Mapping[str, Occurrences], intro: str) -> Tuple[str, int]:
    """The results page, and how many reviewed messages moved to the answer the staff member chose."""
    rows, moved = [], 0
    for message, intent in reviewed:
        first, second = before.get(same_text(message), []), after.get(same_text(message), [])
        move = intent != "out_of_scope" and not answered_each_time(first) and answered_each_time(second, intent)
        moved += move
        rows.append(f"| {message} | {intent} | {shown(first)} | {shown(second)} | {'yes' if move else ''} |")
    common = [key for key in before if key in after]
    gained = sum(1 for key in common if not answered_each_time(before[key]) and answered_each_time(after[key]))
    worse = [key for key in common if answered_each_time(before[key]) and not answered_each_time(after[key])]
    lost = len(worse)
    changed = sum(1 for key in common if answered_each_time(before[key]) and answered_each_time(after[key])
                  and {answers for _, answers in before[key]} != {answers for _, answers in after[key]})
    unanswered = [sum(1 for key in common if not answered_each_time(side[key])) for side in (before, after)]
    page = "\n".join([
        "# The review loop on the simulated week (`make bench-review-loop`)", "", intro, "",
        f"- Reviewed messages that moved from not answered (at least once) to answered with the question chosen "
        f"in review (every time): **{moved}** of {len(reviewed)} reviewed (target: at least 5).",
        f"- The week's {len(common)} different messages (small talk, emergencies and out-of-scope ones included): "
        f"not answered at least once {unanswered[0]} in week 1, {unanswered[1]} in week 2; {gained} went from not "
        f"answered to answered every time, {lost} the other way, {changed} answered with another answer.",
        "- A message counts as not answered when it got the scope reply, the article, or \"Did you mean\" "
        "(clicked or not); a 👎 does not change what the model did.", "",
        "| Message (as reviewed) | Chosen in review | Week 1 | Week 2 | Moved |", "|---|---|---|---|---|", *rows, "",
        "Answered every time in week 1, not in week 2 (as compared, lower case):", "",
        *(f"- {key}: {shown(before[key])} -> {shown(after[key])}" for key in worse), ""])
    return page, moved


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--decisions", type=Path, default=DECISIONS)
    parser.add_argument("--results", type=Path, default=PROJECT_DIR / "results")
    args = parser.parse_args(argv)
    decisions = yaml.safe_load(args.decisions.read_text(encoding="utf-8"))["decisions"]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bliss-review-loop-") as folder:
        work = Path(folder)
        db, _, week_one, _ = simulate(work / "week1", args.conversations, args.seed)
        intents = faq_and_out_of_scope()
        items = collect(stored_conversations({"dialect": "sqlite", "db": str(db)}), intents[:-1], training_texts())
        pending = work / "pending.yml"
        pending.write_text(pending_yaml(items, intents), encoding="utf-8")
        kept, deleted = decided_review(pending, decisions)
        reviewed = [(e["message"], e["suggested_intent"])
                    for e in yaml.safe_load(pending.read_text(encoding="utf-8"))["messages"] or []]
        data = work / "data"
        shutil.copytree(PROJECT_DIR / "data", data)
        added, problems = apply_review(pending, data / "nlu" / "reviewed.yml", intents, training_texts(),
                                       held_out_texts())
        if problems:
            print("\n".join(problems))
            return 1
        model = train(data, work / "models")
        _, _, week_two, _ = simulate(work / "week2", args.conversations, args.seed, model=model)
    intro = (f"{args.conversations} conversations (seed {args.seed}); `make review` listed {len(items)} messages, "
             f"the staff decisions (bench/review_loop_decisions.yml) kept {kept} and deleted {deleted}; "
             f"`make review-apply` added {added}; a model trained with them played the same week again. "
             f"Run took {time.perf_counter() - started:.0f} s.")
    page, moved = report(reviewed, model_outcomes(week_one), model_outcomes(week_two), intro)
    print(page)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / RESULTS_NAME).write_text(page, encoding="utf-8")
    return 0 if moved >= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
