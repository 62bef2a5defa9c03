"""docs/STAFF.md followed as a staff member would: its worked example done step by step, with the
commands it names, on a copy of the answers file, and every reply compared with what the guide says
the staff member will see. The guide's line numbers and counts are checked against the file as it is
today (an edit above the cost answer moves them: the guide must then be updated, which this test says).
"""
from __future__ import annotations

import os
import re
import subprocess
import textwrap
from pathlib import Path
from typing import Iterator, List

import pytest

from answer_book.store import DEFAULT_ANSWERS_PATH
from runtime.stack import RunningAssistant, reply_text, start_assistant

PROJECT_DIR = Path(__file__).resolve().parents[2]
GUIDE = (PROJECT_DIR / "docs" / "STAFF.md").read_text(encoding="utf-8")
WORKED_EXAMPLE = GUIDE[GUIDE.index("## Worked example: an answer, start to finish"):]
WORKED_EXAMPLE = WORKED_EXAMPLE[:WORKED_EXAMPLE.index("\n## ", 3)]


def code_blocks(section: str) -> List[str]:
    """The section's fenced code blocks, in order, without the list indentation around them."""
    return [textwrap.dedent(block) for block in re.findall(r"```[a-z]*\n(.*?)\n\s*```", section, re.S)]


def same_words(text: str) -> str:
    return " ".join(text.split())


def run(command: List[str], answers: Path) -> subprocess.CompletedProcess:
    """A command as the guide gives it, in the assistant's folder, on the copy of the answers file."""
    env = {**os.environ, "ANSWERS_PATH": str(answers)}
    return subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("staff-guide") / "answers.yml"
    path.write_text(DEFAULT_ANSWERS_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, answers: Path) -> Iterator[RunningAssistant]:
    running = start_assistant(tmp_path_factory.mktemp("staff-guide-run"), env={"ANSWERS_PATH": str(answers)})
    yield running
    running.stop()


def test_the_worked_example_gives_what_the_guide_says(answers: Path, assistant: RunningAssistant) -> None:
    edit, refused, accepted, preview = code_blocks(WORKED_EXAMPLE)[:4]
    assert "is ldn covered by insurance?" in WORKED_EXAMPLE
    asked_before = reply_text(assistant.ask("staff-guide", "is ldn covered by insurance?"))

    # 1. the cost answer's text and sms rewritten, pasted as the guide shows them (with the curly quote)
    source = answers.read_text(encoding="utf-8")
    start = source.index("    text: >-", source.index("  ask_cost_insurance:"))
    end = source.index("    follow_ups:", start)
    source = source[:start] + textwrap.indent(edit.strip("\n") + "\n", "    ") + source[end:]
    answers.write_text(source, encoding="utf-8")

    # 2. make check-answers refuses it, at the line and column of the curly quote
    result = run(["make", "-s", "check-answers"], answers)
    assert result.returncode != 0
    shown = result.stdout.replace(str(answers), "answers/answers.yml")
    line, column = map(int, re.search(r"line (\d+), column (\d+)", shown).groups())
    assert source.splitlines()[line - 1][column - 1] == "’", "the problem points at the curly quote"
    in_the_guide = tuple(map(int, re.search(r"line (\d+), column (\d+)", refused).groups()))
    assert in_the_guide == (line, column), (
        f"docs/STAFF.md says line {in_the_guide[0]}, column {in_the_guide[1]}; the file gives line {line}, "
        f"column {column}: update the worked example")
    assert same_words(shown) == same_words(refused)

    # ... fixed as the guide says, it is OK, with the summary the guide shows
    lines = source.splitlines(keepends=True)
    lines[line - 1] = lines[line - 1][:column - 1] + "'" + lines[line - 1][column:]
    answers.write_text("".join(lines), encoding="utf-8")
    result = run(["make", "-s", "check-answers"], answers)
    assert result.returncode == 0, result.stdout
    first_lines = same_words(result.stdout.replace(str(answers), "answers/answers.yml"))
    assert first_lines.startswith(same_words(accepted).split(" every English")[0].rstrip(".")), (
        "docs/STAFF.md's OK line differs from make check-answers'")

    # 3. the preview command of the guide shows the answer as the guide does
    result = run([".venv/bin/python", "-m", "tools.preview_answers", "ask_cost_insurance"], answers)
    assert result.returncode == 0, result.stdout
    assert same_words(preview) in same_words(result.stdout), "docs/STAFF.md's preview differs from the command's"

    # 4. saved in place, it is published: the next reply starts with the new sentence
    new_first_sentence = same_words(edit.split("text: >-", 1)[1].split(". ")[0])
    asked_after = ""
    for _ in range(20):  # the assistant checks the file every second or two
        asked_after = reply_text(assistant.ask("staff-guide", "is ldn covered by insurance?"))
        if asked_after.startswith(new_first_sentence):
            break
    assert asked_after.startswith(new_first_sentence), asked_after
    assert not asked_before.startswith(new_first_sentence)


def test_every_command_the_guide_names_exists() -> None:
    targets = set(re.findall(r"^([a-z][a-z-]*):", (PROJECT_DIR / "Makefile").read_text(encoding="utf-8"), re.M))
    named = set(re.findall(r"`make ([a-z][a-z-]*)", GUIDE))
    assert named and named <= targets, f"docs/STAFF.md names make {sorted(named - targets)}, which do not exist"
    for path in re.findall(r"`((?:answers|safety|data|docs|review|results)/[\w./-]+\.(?:yml|md|html))`", GUIDE):
        if not path.startswith(("review/", "results/", "data/nlu/reviewed", "data/nlu/staff_questions")):
            assert (PROJECT_DIR / path).exists(), f"docs/STAFF.md points to {path}, which does not exist"
    for path in re.findall(r"`(\.\./shared/[\w./-]+)`", GUIDE):
        assert (PROJECT_DIR / path).exists(), f"docs/STAFF.md points to {path}, which does not exist"
