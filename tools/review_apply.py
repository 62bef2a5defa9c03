"""`make review-apply`: check the edited review file and add its messages to data/nlu/reviewed.yml.

Usage: python -m tools.review_apply [--pending review/pending.yml] [--reviewed data/nlu/reviewed.yml]
Every entry needs a message and a suggested_intent that is a question the assistant answers or
out_of_scope. Refused, each with its line: an unknown intent, a message written twice, a message that
is already a training example, and a message of the dev set (../shared/eval/dev_questions.yml) or of a
held-out split (tests/nlu/*.yml), which must never be trained on or their scores mean nothing. With any
problem nothing is added; otherwise the messages are added (the file is created on the first apply),
the review file is emptied, and it says to run `make train`.
"""
from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml

from eval.dev_set import DEV_SET_PATH
from staff_files.live_file import display_path, problems_to_fix
from staff_files.yaml_source import SourceMap, read_staff_yaml, yaml_problem
from tools.review import DEFAULT_PENDING, HEADER, PROJECT_DIR, TRAINING_DIR, faq_and_out_of_scope, same_text, training_texts

DEFAULT_REVIEWED = TRAINING_DIR / "reviewed.yml"
HELD_OUT_DIR = PROJECT_DIR / "tests" / "nlu"
#: The held-out side of the uncovered topics (tests/test_consistency.py keeps them out of data/ too).
UNCOVERED_TOPICS = PROJECT_DIR / "eval" / "real_questions" / "uncovered_topics.yml"


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def held_out_texts(dev_set: Path = DEV_SET_PATH, held_out_dir: Path = HELD_OUT_DIR) -> Dict[str, str]:
    """same_text(message) -> the file it is held out in, for the dev set and every held-out split."""
    texts: Dict[str, str] = {}
    files = [dev_set, *sorted(held_out_dir.glob("*.yml"))]
    for path in files:
        if path.exists():
            for text in _strings(yaml.safe_load(path.read_text(encoding="utf-8"))):
                texts.setdefault(same_text(text), display_path(path))
    if UNCOVERED_TOPICS.exists():
        topics = yaml.safe_load(UNCOVERED_TOPICS.read_text(encoding="utf-8")).get("topics") or []
        for topic in topics:
            for text in (topic.get("examples") or {}).get("holdout") or []:
                texts.setdefault(same_text(text), display_path(UNCOVERED_TOPICS))
    return texts


def check_review(source: str, intents: Sequence[str], trained: Mapping[str, str],
                 held_out: Mapping[str, str]) -> Tuple[List[Tuple[str, str]], List[str]]:
    """((message, intent) accepted, problems "line N, column M: ..."); any problem means nothing is added."""
    try:
        root, data = read_staff_yaml(source)
    except yaml.YAMLError as error:
        return [], [yaml_problem(error, source)]
    place = SourceMap(root, source)
    if data is None or (isinstance(data, dict) and not data.get("messages")):
        return [], []
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        return [], ["line 1, column 1: the file must start with messages: and list the messages under it"]
    accepted: List[Tuple[str, str]] = []
    problems: List[str] = []
    first_line: Dict[str, int] = {}
    previous_line = 0
    for index, entry in enumerate(data["messages"]):
        keys = ("messages", index)
        if not isinstance(entry, dict) or not isinstance(entry.get("message"), str) or not entry["message"].strip():
            problems.append(f"{place.where(*keys)}: each entry needs a message: and a suggested_intent:")
            continue
        message, intent = " ".join(entry["message"].split()), entry.get("suggested_intent")
        key = same_text(message)
        line = place.node(*keys, "message").start_mark.line + 1
        if intent not in intents:
            close = difflib.get_close_matches(str(intent), intents, n=1, cutoff=0.8)
            hint = f"did you mean {close[0]}?" if close else "use one of the names listed at the end of the file, or out_of_scope"
            problems.append(f"{place.where(*keys, 'suggested_intent')}: {intent} is not a question the assistant "
                            f"answers: {hint}")
        elif key in first_line:
            above = ", the entry above" if first_line[key] == previous_line else ""
            problems.append(f"{place.where(*keys, 'message')}: this message is written twice (first on line "
                            f"{first_line[key]}{above}): delete one of them")
        elif key in held_out:
            problems.append(f"{place.where(*keys, 'message')}: this message is in {held_out[key]}, the questions "
                            "kept apart to measure the assistant: delete this entry (it must never be trained on)")
        elif key in trained:
            problems.append(f"{place.where(*keys, 'message')}: this message is already a training example "
                            f"(of {trained[key]}): delete this entry")
        else:
            accepted.append((message, str(intent)))
        first_line.setdefault(key, line)
        previous_line = line
    return accepted, problems


def reviewed_examples(path: Path) -> Dict[str, List[str]]:
    """intent -> examples of the reviewed training file (empty when it does not exist yet)."""
    if not path.exists():
        return {}
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples: Dict[str, List[str]] = {}
    for block in document.get("nlu") or []:
        lines = str(block.get("examples") or "").splitlines()
        examples.setdefault(block["intent"], []).extend(l.strip()[2:] for l in lines if l.strip().startswith("- "))
    return examples


def reviewed_yaml(examples: Mapping[str, Sequence[str]]) -> str:
    """Rasa training data (version 3.1), one block per intent, examples as block text."""
    parts = ['# Patients\' messages reviewed by the clinic (make review, make review-apply): added, not edited.\n'
             'version: "3.1"\n', "nlu:\n"]
    for intent in sorted(examples):
        parts.append(f"- intent: {intent}\n  examples: |\n")
        parts.extend(f"    - {text}\n" for text in examples[intent])
    return "".join(parts)


def apply_review(pending: Path, reviewed: Path, intents: Sequence[str], trained: Mapping[str, str],
                 held_out: Mapping[str, str]) -> Tuple[int, List[str]]:
    """(messages added, problems); the review file is emptied once its messages are added."""
    accepted, problems = check_review(pending.read_text(encoding="utf-8"), intents, trained, held_out)
    if problems or not accepted:
        return 0, problems
    examples = reviewed_examples(reviewed)
    for message, intent in accepted:
        examples.setdefault(intent, []).append(message)
    reviewed.parent.mkdir(parents=True, exist_ok=True)
    reviewed.write_text(reviewed_yaml(examples), encoding="utf-8")
    pending.write_text(HEADER + "messages: []\n", encoding="utf-8")
    return len(accepted), []


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pending", type=Path, default=DEFAULT_PENDING, help="the edited review file")
    parser.add_argument("--reviewed", type=Path, default=DEFAULT_REVIEWED, help="the training file to add to")
    args = parser.parse_args(argv)
    if not args.pending.exists():
        print(f"{display_path(args.pending)} does not exist: run make review first.")
        return 1
    added, problems = apply_review(args.pending, args.reviewed, faq_and_out_of_scope(), training_texts(),
                                   held_out_texts())
    shown = display_path(args.pending)
    if problems:
        print("\n".join(f"{shown}, {problem}" for problem in problems))
        print(f"\n{problems_to_fix(len(problems), shown)}: nothing was added.")
        return 1
    if not added:
        print(f"{shown} has no messages to add.")
        return 0
    print(f"Added {added} message{'s' if added != 1 else ''} to {display_path(args.reviewed)}; {shown} is emptied.")
    print("now run make train")
    return 0


if __name__ == "__main__":
    sys.exit(main())
