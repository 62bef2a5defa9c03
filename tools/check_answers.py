"""`make check-answers`: check the answers file with every rule the assistant applies before serving it.

Usage: python -m tools.check_answers [PATH]   (default: ANSWERS_PATH or answers/answers.yml)
Prints each problem as "answers/answers.yml, line 14, column 5: what to change" and exits 1,
or prints a short OK summary and exits 0. The running assistant uses the same rules: a file
this command refuses is never served (the last good answers keep serving). Then, on a good file,
every sentence of an English answer the clinic's article does not support is listed as "needs
clinical review" with its line, and the command exits 1 (answer_book/clinical_review.py); the
assistant does not apply this one: it serves the file, the clinic reviews the sentence.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional, Tuple

import yaml

from answer_book.clinical_review import approved_count, review_answers
from answer_book.model import AnswerBook, AnswersFileError, untranslated_and_unreviewed
from answer_book.passages import DEFAULT_PASSAGES_PATH, ArticlePassages, PassagesFileError, parse_passages
from answer_book.schema import load_answer_book, project_intents, summary
from answer_book.store import answers_path
from staff_files.live_file import display_path, problems_to_fix


def read_passages(book: AnswerBook, path: Path) -> Tuple[Optional[ArticlePassages], List[str]]:
    """The article passages and the problems of their file, checked against the answers."""
    try:
        passages = parse_passages(path.read_text(encoding="utf-8"), path)
    except (OSError, UnicodeDecodeError) as error:
        return None, [f"{display_path(path)}, line 1, column 1: the file cannot be read ({error})"]
    except PassagesFileError as error:
        return None, error.lines()
    return passages, [
        f"{display_path(path)}, passage {number} ({passage.section}): 'supports' names {key}, which is not an answer"
        for number, passage in enumerate(passages.passages, start=1) for key in passage.supports
        if key not in book.answers
    ]


def clinical_review_problems(path: Path, passages: ArticlePassages) -> List[str]:
    """The sentences of the English answers that the clinic's article does not support (issue 18)."""
    return [f"{display_path(path)}, {problem}" for problem in review_answers(path.read_text(encoding="utf-8"),
                                                                              passages.passages)]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, help="the answers file (default: %(default)s)",
                        default=answers_path())
    parser.add_argument("--domain", type=Path, help="the domain whose intents answers are keyed by")
    parser.add_argument("--rules", type=Path, help="the rules file or folder (which questions need an answer)")
    parser.add_argument("--passages", type=Path, default=DEFAULT_PASSAGES_PATH, help="the article passages file")
    args = parser.parse_args(argv)
    try:
        book = load_answer_book(args.path, project_intents(args.domain, args.rules))
    except AnswersFileError as error:
        print("\n".join(error.lines()))
        print(f"\n{problems_to_fix(len(error.problems), display_path(args.path))}. "
              "Until they are fixed, the assistant keeps serving the last good answers.")
        return 1
    passages, problems = read_passages(book, args.passages)
    if passages is None or problems:
        print("\n".join(problems))
        print(f"\n{len(problems)} problem(s) to fix in {display_path(args.passages)}.")
        return 1
    problems = clinical_review_problems(args.path, passages)
    if problems:
        print("\n".join(problems))
        print(f"\n{len(problems)} sentence(s) of {display_path(args.path)} need clinical review (docs/STAFF.md, "
              "\"Sentences that need clinical review\"). The assistant serves the file meanwhile.")
        return 1
    approved = approved_count(args.path.read_text(encoding="utf-8"))
    print(f"{display_path(args.path)}: OK. " + "; ".join(summary(book)) + "; every English sentence is in the "
          f"clinic's article or one of the {approved} approved additions.")
    print(f"{display_path(args.passages)}: OK.")
    print_translation_status(args.path)
    return 0


def print_translation_status(path: Path) -> None:
    """Which Spanish texts are still to write, and which the clinic has not reviewed (served meanwhile)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing, unreviewed = untranslated_and_unreviewed(data)
    if missing:
        print(f"No Spanish text yet (served in English): {', '.join(missing)}")
    if unreviewed:
        print(f"Spanish texts not yet reviewed by the clinic ({len(unreviewed)}; set reviewed: true once checked): "
              + ", ".join(unreviewed))
    if not missing and not unreviewed:
        print("Every Spanish text is written and reviewed.")


if __name__ == "__main__":
    sys.exit(main())
