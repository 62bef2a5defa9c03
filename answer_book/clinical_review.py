"""The sentences of the English answers that need clinical review: not supported by the clinic's article.

Plain Python. `make check-answers` lists each with its line, so a staff edit cannot add a medical
claim unnoticed. A sentence a clinician approved is listed under the answer's `approved_additions:`
(docs/STAFF.md, "Sentences that need clinical review"); an approval whose sentence is no longer in
the answer is reported too, so approvals do not outlive the text they approved.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from answer_book.fidelity import ArticleSupport, read_medical_terms, sentence_key, split_sentences
from answer_book.model import APPROVED_ADDITIONS
from answer_book.passages import Passage
from staff_files.yaml_source import SourceMap, read_staff_yaml

REVIEWED_FIELDS = ("text", "sms")  # English only: the Spanish texts are translations, reviewed apart


@dataclass(frozen=True)
class Flagged:
    """A sentence of an answer the article does not support."""

    where: str  # "line N, column M"
    intent: str
    field: str
    sentence: str
    reason: str

    def line(self) -> str:
        return (f"{self.where}: needs clinical review: the {self.field} of {self.intent} says \"{self.sentence}\", "
                f"but no passage of the clinic's article backs {self.reason}. Reword it as the article says it, or have "
                f"a clinician approve it and add the sentence under {APPROVED_ADDITIONS}: of {self.intent}")


def review_answers(source: str, passages: Sequence[Passage], support: Optional[ArticleSupport] = None) -> List[str]:
    """Every sentence needing clinical review and every stale approval of the answers file `source`, by line."""
    root, data = read_staff_yaml(source)
    place = SourceMap(root, source)
    support = support or ArticleSupport(passages, read_medical_terms())
    problems: List[Tuple[int, str]] = []
    answers = data.get("answers") if isinstance(data, dict) and isinstance(data.get("answers"), dict) else {}
    for intent, entry in answers.items():
        if isinstance(entry, dict):
            problems += _review_answer(str(intent), entry, place, support)
    return [problem for _, problem in sorted(problems, key=lambda pair: pair[0])]


def _review_answer(intent: str, entry: Dict[str, Any], place: SourceMap,
                   support: ArticleSupport) -> List[Tuple[int, str]]:
    approved = [str(item) for item in entry.get(APPROVED_ADDITIONS) or () if isinstance(item, str)]
    approved_keys = {sentence_key(sentence) for sentence in approved}
    seen = set()
    problems = []
    for field in REVIEWED_FIELDS:
        text = entry.get(field)
        if not isinstance(text, str):
            continue
        for sentence in split_sentences(text):
            key = sentence_key(sentence)
            seen.add(key)
            if key in approved_keys:
                continue
            verdict = support.verdict(sentence)
            if not verdict.supported:
                where = _where_sentence(place, ("answers", intent, field), sentence)
                problems.append((_line_number(where), Flagged(where, intent, field, sentence, verdict.reason).line()))
    for index, sentence in enumerate(approved):
        if sentence_key(sentence) not in seen:
            where = place.where("answers", intent, APPROVED_ADDITIONS, index)
            problems.append((_line_number(where), f"{where}: the approved addition \"{sentence}\" of {intent} is not a "
                             "sentence of its text or sms any more: remove it (a changed sentence is reviewed again)"))
    return problems


def _where_sentence(place: SourceMap, keys: Tuple[str, ...], sentence: str) -> str:
    """The line and column of `sentence` in the value at `keys` (a folded text breaks it over lines)."""
    node = place.node(*keys)
    if node is None:
        return place.at(node)
    span = place.source[node.start_mark.index:node.end_mark.index]
    words = sentence.split()[:4]
    match = re.search(r"\s+".join(re.escape(word) for word in words), span)
    if match is None:
        return place.at(node)
    before = place.source[:node.start_mark.index + match.start()]
    return f"line {before.count(chr(10)) + 1}, column {len(before) - (before.rfind(chr(10)) + 1) + 1}"


def _line_number(where: str) -> int:
    found = re.match(r"line (\d+)", where)
    return int(found.group(1)) if found else 0


def approved_count(source: str) -> int:
    """How many approved additions the answers file lists (for the OK line)."""
    _, data = read_staff_yaml(source)
    answers = data.get("answers") if isinstance(data, dict) and isinstance(data.get("answers"), dict) else {}
    return sum(len(entry.get(APPROVED_ADDITIONS) or ()) for entry in answers.values() if isinstance(entry, dict))
