"""The clinical-review check of make check-answers (issue 18, item 5), on real edits of the answers file."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

from answer_book.clinical_review import review_answers
from answer_book.fidelity import ArticleSupport, read_medical_terms, split_sentences
from answer_book.passages import DEFAULT_PASSAGES_PATH, Passage, parse_passages
from answer_book.schema import AnswersFileError, parse_answer_book
from staff_files.yaml_edit import replace_text

PROJECT_DIR = Path(__file__).resolve().parent.parent
ANSWERS = PROJECT_DIR / "answers" / "answers.yml"
DOSE = ("answers", "ask_dose", "text")
DOSE_TEXT = ("A common dose of low-dose naltrexone is 4.5 mg, though the exact amount can vary by person. {} "
             "Only your own doctor can advise on the right dose for you.")


@pytest.fixture(scope="module")
def article() -> Tuple[Tuple[Passage, ...], ArticleSupport]:
    passages = parse_passages(DEFAULT_PASSAGES_PATH.read_text(encoding="utf-8"), DEFAULT_PASSAGES_PATH).passages
    return passages, ArticleSupport(passages, read_medical_terms())


@pytest.fixture(scope="module")
def source() -> str:
    return ANSWERS.read_text(encoding="utf-8")


def review(source: str, article: Tuple[Tuple[Passage, ...], ArticleSupport]) -> List[str]:
    return review_answers(source, *article)


def test_todays_answers_need_no_clinical_review(source, article) -> None:
    assert review(source, article) == []


def test_a_new_dose_is_flagged_with_the_line_of_its_sentence(source, article) -> None:
    edited = replace_text(source, DOSE, DOSE_TEXT.format("Some patients take 10 mg a day for stronger relief."))
    problems = review(edited, article)
    assert len(problems) == 1
    line = next(number for number, text in enumerate(edited.splitlines(), start=1) if "Some patients" in text)
    assert problems[0].startswith(f"line {line}, column ")
    assert "needs clinical review: the text of ask_dose says \"Some patients take 10 mg" in problems[0]
    assert "the number 10 mg" in problems[0]


@pytest.mark.parametrize("claim, named", [
    ("It is fine to take gabapentin with it.", "gabapentin"),
    ("It also helps with lupus.", "lupus"),
    ("It cures fibromyalgia.", "cure"),
    ("Most people have no side effects at all.", "'side effect'"),
    ("It is safe during pregnancy.", "pregnancy"),
])
def test_an_invented_drug_condition_or_claim_is_flagged(source, article, claim, named) -> None:
    problems = review(replace_text(source, DOSE, DOSE_TEXT.format(claim)), article)
    assert len(problems) == 1 and claim in problems[0] and named in problems[0]


def test_a_faithful_rewording_passes(source, article) -> None:
    reworded = ("Low-dose naltrexone is commonly taken at 4.5 mg, but the exact amount varies from person to "
                "person. The doses used for chronic pain can be a tenth of the usual naltrexone dose, or even less.")
    assert review(replace_text(source, DOSE, reworded), article) == []


def test_the_911_line_passes_only_as_an_approved_addition(source, article) -> None:
    unapproved = source.replace('      - "If it is severe or sudden, or you have trouble breathing, call 911."\n', "")
    problems = review(unapproved, article)
    assert len(problems) == 1
    assert "symptoms_worse says \"If it is severe or sudden, or you have trouble breathing, call 911.\"" in problems[0]


def test_an_approved_addition_no_longer_in_the_answer_is_reported(source, article) -> None:
    edited = replace_text(source, ("answers", "symptoms_worse", "sms"),
                          "If your symptoms get worse, don't hesitate to consult an understanding professional.")
    problems = review(edited, article)
    assert len(problems) == 1
    assert "the approved addition \"If severe or sudden, or trouble breathing, call 911.\" of symptoms_worse" in problems[0]


def test_approved_additions_must_be_a_list_of_sentences(source) -> None:
    broken = source.replace('    approved_additions:\n      - "If it is severe',
                            '    approved_additions: "If it is severe')
    broken = broken.replace('call 911."\n      - "If severe or sudden, or trouble breathing, call 911."', 'call 911."')
    with pytest.raises(AnswersFileError, match="approved_additions of symptoms_worse must be a list"):
        parse_answer_book(broken, ANSWERS)


def test_sentences_keep_decimals_and_quotes_and_list_items_apart() -> None:
    assert split_sentences('A dose is 4.5 mg. It is prescribed "off label." That is all:\n- one item\n- two') == [
        "A dose is 4.5 mg.", 'It is prescribed "off label."', "That is all:", "one item", "two"]


def test_check_answers_lists_the_sentence_and_fails(tmp_path: Path, source) -> None:
    path = tmp_path / "answers.yml"
    path.write_text(replace_text(source, DOSE, DOSE_TEXT.format("Some patients take 10 mg a day.")), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "tools.check_answers", str(path)], cwd=PROJECT_DIR,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"{path}, line " in result.stdout and "needs clinical review" in result.stdout
    assert "1 sentence(s) of" in result.stdout
