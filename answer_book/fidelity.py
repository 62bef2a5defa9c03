"""Whether a sentence of an English answer is supported by the clinic's article.

Plain Python. The rule (issue 18, item 5). A sentence is supported when one passage of the
article (answers/article_passages.yml, with its heading), or two passages together (a sentence
may join two facts of the article), has:
1. every number of the sentence, with the same unit when the sentence gives one
   ("10 mg", "two weeks", "24 hours" are not "4.5 mg", "eight to ten weeks", "six hours");
2. every medical term of the sentence: a drug of nlu_pipeline/drug_names.yml, a condition or a
   claim of answer_book/medical_terms.yml;
3. every negation of the sentence said of the same words ("avoid tramadol" in "avoid taking
   alcohol, tramadol"), with the same quantifier ("no side effects" is not "not many side effects");
4. all but at most MAX_UNSUPPORTED_WORDS of the sentence's other content words.
Otherwise it needs clinical review, and the reason names what the article does not say.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

import yaml

from answer_book.article_words import QUANTIFIERS, Words, normalise, read_words, stem
from answer_book.passages import Passage

PROJECT_DIR = Path(__file__).resolve().parent.parent
DRUG_NAMES_PATH = PROJECT_DIR / "nlu_pipeline" / "drug_names.yml"
MEDICAL_TERMS_PATH = Path(__file__).resolve().parent / "medical_terms.yml"
#: Content words of a sentence its passages may lack (a rewording's "buy" for the article's "purchase").
#: Today's answers need 2 outside their approved additions ("researcher", "notice"); results/fidelity.md.
MAX_UNSUPPORTED_WORDS = 2
#: How many words after a negation of the sentence are compared: one of them must follow a negation
#: in the article ("may not relieve pain" / "may not feel pain relief").
NEGATED_WORDS_COMPARED = 2
_SENTENCE_END = re.compile(r"(?:(?<=[.!?:])|(?<=[.!?:][\"')]))\s+(?=[\"'(]?[A-Z0-9])|\n\s*-\s+|\n\s*\n")


def split_sentences(text: str) -> List[str]:
    """The sentences of an answer ("4.5 mg" and a closing quote stay inside; list items are sentences)."""
    return [part.strip(" -\n") for part in _SENTENCE_END.split(text.strip()) if part.strip(" -\n")]


def sentence_key(sentence: str) -> str:
    """A sentence as approved additions are compared: case, spacing and quote marks do not matter."""
    return " ".join(normalise(sentence).split()).rstrip(".!?:")


@dataclass(frozen=True)
class Verdict:
    supported: bool
    reason: str  # what the article does not say (empty when supported)
    sections: Tuple[str, ...]  # the headings of the passages that support it, or come closest


def read_medical_terms(drug_names: Path = DRUG_NAMES_PATH,
                       medical_terms: Optional[Path] = MEDICAL_TERMS_PATH) -> Tuple[str, ...]:
    """Drug names (every spelling of drug_names.yml) and the conditions and claims of medical_terms.yml
    (None: drug names only, as bench/fidelity.py measures the check without that list)."""
    drugs = yaml.safe_load(drug_names.read_text(encoding="utf-8")) or {}
    terms = [str(spelling) for spellings in drugs.values() for spelling in spellings]
    terms += [str(name) for name in drugs if name not in ("otherdrug", "ldn")]
    listed = yaml.safe_load(medical_terms.read_text(encoding="utf-8")) or {} if medical_terms else {}
    terms += [str(term) for group in listed.values() for term in group or ()]
    return tuple(dict.fromkeys(term.lower() for term in terms))


class ArticleSupport:
    """The article's passages (and pairs of them), read once, and the rule above."""

    def __init__(self, passages: Sequence[Passage], medical_terms: Iterable[str]) -> None:
        self._terms: Dict[str, str] = {term: _spelled(read_words(term)) for term in medical_terms}
        single = [((p.section,), read_words(f"{p.section}. {p.text}")) for p in passages]
        pairs = [((a[0][0], b[0][0]), _joined(a[1], b[1])) for a, b in itertools.combinations(single, 2)]
        self._sources = single + pairs

    def verdict(self, sentence: str) -> Verdict:
        words = read_words(sentence)
        spelled = _spelled(words)
        terms = frozenset(term for term, term_spelled in self._terms.items() if term_spelled in spelled)
        best: Optional[Tuple[int, str, Tuple[str, ...]]] = None
        for sections, source in self._sources:
            reason, shortfall = self._shortfall(words, terms, source)
            if not reason:
                return Verdict(True, "", sections)
            if best is None or shortfall < best[0]:
                best = (shortfall, reason, sections)
        return Verdict(False, best[1], best[2]) if best else Verdict(False, "the article has no passages", ())

    def _shortfall(self, words: Words, terms: FrozenSet[str], source: Words) -> Tuple[str, int]:
        """(what `source` does not say of the sentence, how much): ('', 0) when it supports it."""
        spelled = _spelled(source)
        numbers = [_say_number(n) for n in sorted(words.numbers, key=str) if not _number_in(n, source.numbers)]
        missing_terms = sorted(term for term in terms if self._terms[term] not in spelled)
        shown = dict(words.shown)
        negations = [" ".join(shown.get(s, s) for s in negated[:NEGATED_WORDS_COMPARED]) for negated in words.negated
                     if negated and not any(_negates(negated, other) for other in source.negated)]
        unsupported = sorted(shown.get(s, s) for s in words.content - source.content - {stem(t) for t in missing_terms})
        reasons = []
        if numbers:
            reasons.append(f"the number {', '.join(numbers)}")
        if missing_terms:
            reasons.append(f"the term {', '.join(missing_terms)}")
        if negations:
            reasons.append("the 'not/no/avoid' before " + ", ".join(f"'{n}'" for n in negations))
        if len(unsupported) > MAX_UNSUPPORTED_WORDS:
            reasons.append(f"the words {', '.join(unsupported)}")
        shortfall = 10 * (len(numbers) + len(missing_terms) + len(negations)) + len(unsupported)
        return ("; ".join(reasons), shortfall) if reasons else ("", 0)


def _spelled(words: Words) -> str:
    return f" {' '.join(words.tokens)} "


def _joined(first: Words, second: Words) -> Words:
    return Words(first.content | second.content, first.numbers | second.numbers,
                 first.negated + second.negated, first.tokens + ("|",) + second.tokens, first.shown + second.shown)


def _negates(sentence: Tuple[str, ...], article: Tuple[str, ...]) -> bool:
    """The article's negation `article` is about one of the sentence's first words, with the same quantifier if any."""
    if not article:
        return False
    compared = sentence[:NEGATED_WORDS_COMPARED]
    quantified = compared[0] in QUANTIFIERS or article[0] in QUANTIFIERS
    return (compared[0] == article[0] or not quantified) and bool(set(compared) & set(article))


def _number_in(number: Tuple[str, Optional[str]], numbers: FrozenSet[Tuple[str, Optional[str]]]) -> bool:
    value, unit = number
    return any(value == other and (unit is None or unit == other_unit) for other, other_unit in numbers)


def _say_number(number: Tuple[str, Optional[str]]) -> str:
    value, unit = number
    return f"{value} {unit}" if unit else value
