"""`make add-question`: a brand new question, from one file a staff member fills in, into every file it needs.

Usage: python -m tools.add_question [review/new_question.yml]
Without the file, writes a template there to fill in (exit 2). With it, checks everything before
writing anything, each problem with its line in that file:
- the name: `ask_` and lowercase words with underscores, not a question the assistant has already;
- the answer: every rule of `make check-answers` (sizes, SMS characters, follow-ups, phone...), and no
  sentence the clinic's article does not support unless it is listed under approved_additions;
- the examples: at least 25, none written twice, none already a training example, none from the dev
  set or a held-out split (those measure the assistant and must never be trained on).
Then it adds the name to domain.yml, the rule to data/rules/faq.yml, the examples to
data/nlu/staff_questions.yml and the answer to answers/answers.yml (the answers' other lines and
comments untouched), and `make add-question` retrains the model. Exit 0 added, 1 problems (nothing
written), 2 template written.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import yaml

from answer_book.clinical_review import review_answers
from answer_book.model import AnswersFileError
from answer_book.passages import DEFAULT_PASSAGES_PATH, parse_passages
from answer_book.schema import parse_answer_book, project_intents
from answer_book.store import answers_path
from staff_files.live_file import display_path, problems_to_fix
from staff_files.yaml_source import SourceMap, read_staff_yaml, yaml_problem
from tools.review import PROJECT_DIR, TRAINING_DIR, same_text, training_texts
from tools.review_apply import held_out_texts

DEFAULT_NEW_QUESTION = PROJECT_DIR / "review" / "new_question.yml"
MIN_EXAMPLES = 25  # what tests/test_consistency.py asks of every question
NAME_FORMAT = re.compile(r"ask_[a-z0-9]+(_[a-z0-9]+)*")
#: The answers file indents an answer's name 2 spaces and its fields 4; the new-question file 0 and 2.
ANSWER_INDENT = "  "

TEMPLATE = """\
# A brand new question for the assistant (docs/STAFF.md, "Add a brand new question").
# Fill in every field, then run `make add-question` again: it checks this file, adds the question
# to every file that needs it and retrains the assistant (a few minutes). Nothing is changed until
# every check passes.
name: ask_telehealth             # ask_ and a few lowercase words joined by _, never used before
answer:                          # the same six fields as an answer in answers/answers.yml
  question: "Can I see a doctor by video?"   # the button text (max 40 characters)
  topic: "video visits"                      # a word or two for text-message menus (max 24)
  text: >-
    Write the website answer here (max 600 characters), from the clinic's article.
  sms: >-
    The shorter text-message version.
  follow_ups: [ask_clinic_services, ask_where_to_get]
  source: "The article section it comes from"
examples:                        # at least 25 ways patients ask it, in their own words, typos too
  - first way a patient asks it
  - second way
"""


@dataclass
class Paths:
    domain: Path
    rules: Path  # data/rules/faq.yml: the new rule goes at its end
    rules_dir: Path  # every rules file (which questions need an answer)
    training: Path  # data/nlu/staff_questions.yml
    training_dir: Path
    answers: Path
    passages: Path = DEFAULT_PASSAGES_PATH


def project_paths() -> Paths:
    rules_dir = PROJECT_DIR / "data" / "rules"
    return Paths(PROJECT_DIR / "domain.yml", rules_dir / "faq.yml", rules_dir, TRAINING_DIR / "staff_questions.yml",
                 TRAINING_DIR, answers_path())


def with_intent(domain: str, name: str) -> str:
    """domain.yml with `  - name` after its last `  - ask_` line (the other lines untouched)."""
    lines = domain.splitlines(keepends=True)
    last = max(index for index, line in enumerate(lines) if re.match(r"  - ask_\w+\s*$", line))
    return "".join(lines[:last + 1] + [f"  - {name}\n"] + lines[last + 1:])


def with_rule(rules: str, name: str) -> str:
    return rules.rstrip("\n") + f"\n\n- rule: answer {name}\n  steps:\n  - intent: {name}\n  - action: action_answer_faq\n"


def with_examples(training: Optional[str], name: str, examples: Sequence[str]) -> str:
    """The staff questions' training file (Rasa's format) with a block for `name`."""
    head = training.rstrip("\n") + "\n" if training else (
        "# Questions added by clinic staff with `make add-question` (tools/add_question.py).\n"
        'version: "3.1"\nnlu:\n')
    return head + f"- intent: {name}\n  examples: |\n" + "".join(f"    - {example}\n" for example in examples)


def answer_lines(source: str, root: yaml.Node) -> Tuple[int, List[str]]:
    """The new-question file's `answer:` fields as written (0-based first line, the lines)."""
    node = SourceMap(root, source).node("answer")
    lines = source.splitlines(keepends=True)
    start, end = node.start_mark.line, node.end_mark.line + (1 if node.end_mark.column else 0)
    return start, [line if line.strip() else "\n" for line in lines[start:end]]


def with_answer(answers: str, name: str, fields: Sequence[str]) -> Tuple[str, int]:
    """answers.yml with the answer at the end of `answers:` (before the comments above `messages:`),
    and the 0-based line of its first field."""
    lines = answers.splitlines(keepends=True)
    at = next(index for index, line in enumerate(lines) if line.startswith("messages:"))
    while at > 0 and (lines[at - 1].startswith("#") or not lines[at - 1].strip()):
        at -= 1
    block = [f"{ANSWER_INDENT}{name}:\n", *(ANSWER_INDENT + line if line.strip() else line for line in fields)]
    if not block[-1].endswith("\n"):
        block[-1] += "\n"
    return "".join(lines[:at] + block + ["\n"] + lines[at:]), at + 1


def moved_back(problem: str, inserted_at: int, count: int, first_line: int, shown: str) -> str:
    """A problem of the new answers file, at its line in the new-question file when it is in the answer."""
    match = re.match(r"line (\d+), column (\d+)(.*)", problem, re.S)
    if match and inserted_at < int(match.group(1)) <= inserted_at + count:
        line = int(match.group(1)) - inserted_at + first_line
        column = max(1, int(match.group(2)) - len(ANSWER_INDENT))
        return f"{shown}, line {line}, column {column}{match.group(3)}"
    return f"{shown}, answer: {problem}"


def check_examples(data: Dict[str, Any], place: SourceMap, shown: str, trained: Mapping[str, str],
                   held_out: Mapping[str, str]) -> Tuple[List[str], List[str]]:
    examples = data.get("examples")
    if not isinstance(examples, list):
        return [], [f"{shown}, {place.where('examples')}: examples: must list at least {MIN_EXAMPLES} questions, "
                    "one per line starting with '- '"]
    kept, problems, seen = [], [], {}
    for index, example in enumerate(examples):
        where = f"{shown}, {place.where('examples', index)}"
        text = " ".join(str(example).split()) if isinstance(example, (str, int, float)) else ""
        key = same_text(text)
        if not key:
            problems.append(f"{where}: this example is empty")
        elif key in seen:
            problems.append(f"{where}: this example is written twice (first on line {seen[key]}): delete one")
        elif key in held_out:
            problems.append(f"{where}: this question is in {held_out[key]}, kept apart to measure the assistant: "
                            "write it in other words or delete it")
        elif key in trained:
            problems.append(f"{where}: this is already a training example of {trained[key]}: if it asks the new "
                            "question, the two questions overlap; write another example")
        else:
            kept.append(text)
        seen.setdefault(key, place.node("examples", index).start_mark.line + 1)
    if len(kept) < MIN_EXAMPLES and not problems:
        problems.append(f"{shown}, {place.where_key('examples')}: {len(kept)} examples; write at least {MIN_EXAMPLES} "
                        "different ways patients ask it")
    return kept, problems


@dataclass
class NewFiles:
    domain: str
    rules: str
    training: str
    answers: str


def prepare(source: str, shown: str, paths: Paths) -> Tuple[Optional[NewFiles], List[str], str]:
    """The four files as they would be with the new question, or the problems (and the question's name)."""
    try:
        root, data = read_staff_yaml(source)
    except yaml.YAMLError as error:
        return None, [f"{shown}, {yaml_problem(error, source)}"], ""
    if not isinstance(data, dict) or not isinstance(data.get("answer"), dict):
        return None, [f"{shown}, line 1, column 1: the file needs name:, answer: and examples: (make add-question "
                      "writes a template when the file is missing)"], ""
    place = SourceMap(root, source)
    name = str(data.get("name") or "")
    intents = project_intents(paths.domain, paths.rules_dir)
    problems: List[str] = []
    if not NAME_FORMAT.fullmatch(name):
        problems.append(f"{shown}, {place.where('name')}: the name must be ask_ and lowercase words joined by _, "
                        "like ask_telehealth")
    elif name in intents.known:
        problems.append(f"{shown}, {place.where('name')}: {name} is already a question of the assistant: "
                        "choose another name (to change its answer, edit answers/answers.yml)")
    examples, example_problems = check_examples(data, place, shown, training_texts(paths.training_dir),
                                                held_out_texts())
    problems += example_problems
    if problems:
        return None, problems, name
    first, fields = answer_lines(source, root)
    files = NewFiles(with_intent(paths.domain.read_text(encoding="utf-8"), name),
                     with_rule(paths.rules.read_text(encoding="utf-8"), name),
                     with_examples(paths.training.read_text(encoding="utf-8") if paths.training.exists() else None,
                                   name, examples), "")
    files.answers, inserted_at = with_answer(paths.answers.read_text(encoding="utf-8"), name, fields)
    return files, answer_problems(files, paths, (inserted_at, len(fields), first, shown)), name


def answer_problems(files: NewFiles, paths: Paths, where: Tuple[int, int, int, str]) -> List[str]:
    """The answers file with the new answer, checked as `make check-answers` does, against the new domain and rules."""
    with tempfile.TemporaryDirectory() as folder:
        domain, rules_dir = Path(folder) / "domain.yml", Path(folder) / "rules"
        rules_dir.mkdir()
        domain.write_text(files.domain, encoding="utf-8")
        for rules_file in paths.rules_dir.glob("*.yml"):
            text = files.rules if rules_file == paths.rules else rules_file.read_text(encoding="utf-8")
            (rules_dir / rules_file.name).write_text(text, encoding="utf-8")
        try:
            parse_answer_book(files.answers, paths.answers, project_intents(domain, rules_dir))
        except AnswersFileError as error:
            return [moved_back(problem, *where) for problem in error.problems]
    passages = parse_passages(paths.passages.read_text(encoding="utf-8"), paths.passages).passages
    return [moved_back(problem, *where) for problem in review_answers(files.answers, passages)
            if _in_new_answer(problem, where)]


def _in_new_answer(problem: str, where: Tuple[int, int, int, str]) -> bool:
    match = re.match(r"line (\d+)", problem)
    return bool(match) and where[0] < int(match.group(1)) <= where[0] + where[1]


def write_all(files: NewFiles, paths: Paths) -> None:
    """Each file written whole to a temporary file beside it, then put in place."""
    for path, text in ((paths.training, files.training), (paths.rules, files.rules), (paths.domain, files.domain),
                       (paths.answers, files.answers)):
        partial = path.with_name(f".{path.name}.new")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)


def main(argv: Optional[List[str]] = None, paths: Optional[Paths] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_NEW_QUESTION, help="the new question's file")
    args = parser.parse_args(argv)
    paths = paths or project_paths()
    shown = display_path(args.file)
    if not args.file.exists():
        args.file.parent.mkdir(parents=True, exist_ok=True)
        args.file.write_text(TEMPLATE, encoding="utf-8")
        print(f"Wrote a template to {shown}: fill it in, then run `make add-question` again.")
        return 2
    files, problems, name = prepare(args.file.read_text(encoding="utf-8"), shown, paths)
    if problems or files is None:
        print("\n".join(problems))
        print(f"\n{problems_to_fix(len(problems), shown)}. Nothing was changed.")
        return 1
    write_all(files, paths)
    print(f"Added {name}: {display_path(paths.domain)}, {display_path(paths.rules)}, "
          f"{display_path(paths.training)} and {display_path(paths.answers)}. The running assistant serves the "
          "answer once the model knows the question: retrain (make add-question does it next), then restart.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
