"""Issue 16: a Spanish conversation is answered in Spanish, whatever the reply is.

Every message of the Spanish held-out split (tests/nlu/spanish_holdout.yml, never trained on) goes
over REST to the running assistant, each in a fresh conversation: answers, "Did you mean", the
scope reply, small talk and emergencies alike. Each bot message must be one the Spanish texts
could have produced (it contains no English text of the answers file or of the domain's
responses) and the reply is never empty. A message in which the detector finds no Spanish at all
("asdfgh") is answered in English by design (English on doubt): those are listed, and at most 2%
of the split may be one. How often the answer is the right one is measured by `make eval`, not here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, List, Set

import pytest
import yaml

from answer_book.language import SPANISH
from answer_book.language_detection import detect
from answer_book.model import AnswerBook
from eval.dev_set import read_dev_set
from runtime.stack import RunningAssistant, reply_text

PROJECT_DIR = Path(__file__).resolve().parent.parent
SPANISH_HOLDOUT_PATH = PROJECT_DIR / "tests" / "nlu" / "spanish_holdout.yml"


def english_responses() -> Iterator[str]:
    """The domain's English response texts (the variations without a language condition)."""
    domain = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text(encoding="utf-8"))
    for variations in domain.get("responses", {}).values():
        for variation in variations:
            if not variation.get("condition") and variation.get("text"):
                yield " ".join(str(variation["text"]).split())


def english_only_texts(book: AnswerBook) -> Set[str]:
    """Every English text the assistant can send that the Spanish book does not also hold."""
    english, spanish = book.in_language("en"), book.in_language("es")
    texts: List[str] = [answer.text for answer in english.answers.values()]
    texts += [answer.question for answer in english.answers.values()]
    texts += [english.message(key) for key in english.messages]
    texts += list(english_responses())
    spanish_texts = {answer.text for answer in spanish.answers.values()}
    spanish_texts |= {answer.question for answer in spanish.answers.values()}
    spanish_texts |= {spanish.message(key) for key in spanish.messages}
    return {text for text in texts if text and text not in spanish_texts}


@pytest.fixture(scope="module")
def english_texts(answer_book: AnswerBook) -> Set[str]:
    texts = english_only_texts(answer_book)
    assert len(texts) > 40  # the answers, their questions, the messages and the responses
    return texts


def test_the_spanish_holdout_is_answered_in_spanish_every_time(
    assistant: RunningAssistant, english_texts: Set[str]
) -> None:
    examples = read_dev_set(SPANISH_HOLDOUT_PATH)
    assert len(examples) >= 150
    no_spanish_seen = [text for text, _ in examples if detect(text) != SPANISH]
    assert len(no_spanish_seen) <= 0.02 * len(examples), no_spanish_seen
    silent, in_english = [], []
    for number, (text, _) in enumerate(examples):
        messages = assistant.ask(f"spanish-holdout-{number}", text)
        reply = " ".join(reply_text(messages).split())
        titles = [str(button.get("title") or "") for message in messages for button in message.get("buttons") or []]
        if not reply:
            silent.append(text)
        elif text in no_spanish_seen:
            continue
        elif any(english in reply for english in english_texts) or any(title in english_texts for title in titles):
            in_english.append((text, reply[:100]))
    assert silent == []
    assert in_english == []
