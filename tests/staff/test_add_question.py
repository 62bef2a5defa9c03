"""`make add-question` (tools/add_question.py) on a copy of the project's files: what it writes, what it refuses."""
from __future__ import annotations

import difflib
import shutil
from pathlib import Path
from typing import Dict

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from answer_book.schema import load_answer_book, project_intents
from eval.dev_set import DEV_SET_PATH
from tools.add_question import MIN_EXAMPLES, Paths, TEMPLATE, main, prepare

PROJECT_DIR = Path(__file__).resolve().parents[2]

EXAMPLES = [
    "can I see the doctor by video", "do you do telehealth visits", "is there a virtual appointment option",
    "can my ldn consult be online", "do I have to come in or can we zoom", "video call with a pain doctor possible?",
    "telemedicine for naltrexone?", "can i do my visit from home on my phone", "online visit for low dose naltrexone",
    "do you offer virtual care", "tele health appt", "can the doctor see me over facetime",
    "I live far away, can I be seen remotely", "remote consultation for chronic pain", "are visits by video covered",
    "can I get LDN through a virtual visit", "do you see patients online", "is a webcam appointment ok",
    "my car broke down, can the visit be online", "telehealth option for follow ups?", "can we meet on a video chat",
    "virtual pain clinic visit", "do i need to be there in person", "online doctor for my fibro and ldn",
    "can the follow up be a phone or video visit",
]
#: A sentence of ask_where_to_get's answer: the clinic's article supports it (the fidelity check passes).
FAITHFUL = "Naltrexone, even low-dose naltrexone, is a prescription medication."


def new_question(name: str = "ask_telehealth", text: str = FAITHFUL, examples=EXAMPLES, approved=()) -> str:
    answer = {"question": "Can I see a doctor by video?", "topic": "video visits", "text": text,
              "sms": "LDN needs a prescription.", "follow_ups": ["ask_clinic_services", "ask_where_to_get"],
              "source": "4. You get it from a compounding pharmacist"}
    if approved:
        answer["approved_additions"] = list(approved)
    return yaml.safe_dump({"name": name, "answer": answer, "examples": list(examples)}, sort_keys=False,
                          allow_unicode=True, width=100)


@pytest.fixture
def project(tmp_path: Path) -> Paths:
    """The project's domain, rules, training data and answers, copied."""
    shutil.copy(PROJECT_DIR / "domain.yml", tmp_path / "domain.yml")
    shutil.copytree(PROJECT_DIR / "data" / "rules", tmp_path / "rules")
    shutil.copytree(PROJECT_DIR / "data" / "nlu", tmp_path / "nlu")
    shutil.copy(PROJECT_DIR / "answers" / "answers.yml", tmp_path / "answers.yml")
    return Paths(tmp_path / "domain.yml", tmp_path / "rules" / "faq.yml", tmp_path / "rules",
                 tmp_path / "nlu" / "staff_questions.yml", tmp_path / "nlu", tmp_path / "answers.yml")


def contents(paths: Paths) -> Dict[str, str]:
    files = [paths.domain, paths.answers, *sorted(paths.rules_dir.glob("*.yml")), *sorted(paths.training_dir.rglob("*.yml"))]
    return {str(path): path.read_text(encoding="utf-8") for path in files}


def only_added_lines(before: str, after: str) -> bool:
    return all(tag == "insert" for tag, *_ in difflib.SequenceMatcher(None, before.splitlines(), after.splitlines())
               .get_opcodes() if tag != "equal")


def test_a_new_question_is_written_to_every_file_it_needs(project: Paths, tmp_path: Path) -> None:
    before = contents(project)
    question_file = tmp_path / "new_question.yml"
    question_file.write_text(new_question(), encoding="utf-8")
    assert main([str(question_file)], project) == 0

    intents = project_intents(project.domain, project.rules_dir)
    assert "ask_telehealth" in intents.known and "ask_telehealth" in intents.answered
    book = load_answer_book(project.answers, intents)
    assert book.answers["ask_telehealth"].text == FAITHFUL
    assert list(book.answers["ask_telehealth"].follow_ups) == ["ask_clinic_services", "ask_where_to_get"]
    for path in (project.domain, project.answers, project.rules):
        assert only_added_lines(before[str(path)], path.read_text(encoding="utf-8")), f"{path.name}: lines changed"
    trained = load_data(str(project.training))
    assert sorted(m.get("text") for m in trained.intent_examples if m.get("intent") == "ask_telehealth") == sorted(EXAMPLES)
    after = contents(project)
    assert {path for path in after if after[path] != before.get(path)} == {
        str(project.domain), str(project.answers), str(project.rules), str(project.training)}, "no other file touched"

    second = tmp_path / "second.yml"  # a second question appends to the staff file
    second.write_text(new_question("ask_parking", examples=[f"{e} and where do i park" for e in EXAMPLES]),
                      encoding="utf-8")
    assert main([str(second)], project) == 0
    assert {m.get("intent") for m in load_data(str(project.training)).intent_examples} == {"ask_telehealth", "ask_parking"}


def line_of(source: str, needle: str) -> int:
    return next(number for number, line in enumerate(source.splitlines(), start=1) if needle in line)


def test_every_problem_is_refused_with_its_line_and_nothing_is_changed(project: Paths, tmp_path: Path) -> None:
    dev_question = next(iter(yaml.safe_load(DEV_SET_PATH.read_text(encoding="utf-8"))["ask_dose"]))
    examples = [*EXAMPLES[:20], EXAMPLES[0], dev_question, "What dose of LDN is used?"]
    source = new_question("ask_dose", text="LDN cures arthritis in a week. " + "x" * 600, examples=examples)
    before = contents(project)
    question_file = tmp_path / "new_question.yml"
    question_file.write_text(source, encoding="utf-8")
    assert main([str(question_file)], project) == 1
    assert contents(project) == before, "nothing written"

    _, problems, _ = prepare(source, "new_question.yml", project)
    assert any(p.startswith(f"new_question.yml, line {line_of(source, 'name:')},") and "already a question" in p
               for p in problems)
    assert any(f"line {line_of(source, '- ' + EXAMPLES[0])}" in p for p in problems if "written twice" in p)
    assert any("kept apart to measure" in p for p in problems)
    assert any("already a training example of ask_dose" in p for p in problems)

    too_long = new_question(text="LDN cures arthritis in a week. " + "x" * 600)  # the answer's own checks
    _, problems, _ = prepare(too_long, "new_question.yml", project)
    assert problems == [f"new_question.yml, line {line_of(too_long, 'text:')}, column 9: the text for ask_telehealth "
                        "is 631 characters: one chat bubble holds at most 600, shorten it by 31"]


def test_a_claim_the_article_does_not_hold_needs_approval(project: Paths) -> None:
    claim = "LDN cures arthritis in a week."
    _, problems, _ = prepare(new_question(text=claim), "new_question.yml", project)
    assert len(problems) == 1 and problems[0].startswith("new_question.yml, line 5, column 9: needs clinical review")
    files, problems, _ = prepare(new_question(text=claim, approved=[claim]), "new_question.yml", project)
    assert problems == [] and files is not None


def test_too_few_examples_are_refused(project: Paths) -> None:
    _, problems, _ = prepare(new_question(examples=EXAMPLES[:MIN_EXAMPLES - 1]), "new_question.yml", project)
    assert problems == [f"new_question.yml, line {line_of(new_question(examples=EXAMPLES[:24]), 'examples:')}, "
                        f"column 1: {MIN_EXAMPLES - 1} examples; write at least {MIN_EXAMPLES} different ways "
                        "patients ask it"]


def test_without_the_file_a_template_is_written_that_the_checks_read(project: Paths, tmp_path: Path) -> None:
    question_file = tmp_path / "review" / "new_question.yml"
    assert main([str(question_file)], project) == 2
    assert question_file.read_text(encoding="utf-8") == TEMPLATE
    _, problems, name = prepare(TEMPLATE, "new_question.yml", project)
    assert name == "ask_telehealth" and any("2 examples" in p for p in problems)
