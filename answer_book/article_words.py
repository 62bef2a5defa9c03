"""The words of a sentence as the fidelity check compares them: content lemmas, numbers with units, negations.

Plain Python. Lemmas come from spaCy's English lookup table (the spacy-lookups-data package, read
directly: importing spaCy itself takes seconds, and this runs on every `make check-answers`).
"LDN" is read as "low-dose naltrexone", so an answer and the article name the drug alike.
"""
from __future__ import annotations

import gzip
import importlib.util
import itertools
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Tuple

NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20", "thirty": "30", "fifty": "50",
    "hundred": "100", "half": "0.5", "tenth": "0.1", "once": "1x", "twice": "2x", "thrice": "3x",
}
#: The word after a number that says what it counts ("10 mg", "six hours"); other words leave it bare.
UNITS = {
    "mg": "mg", "milligram": "mg", "mcg": "mcg", "microgram": "mcg", "g": "g", "gram": "g", "ml": "ml",
    "percent": "%", "%": "%", "week": "week", "month": "month", "day": "day", "hour": "hour",
    "minute": "minute", "year": "year", "pound": "pound", "lb": "pound", "kg": "kg", "time": "time",
    "dose": "dose", "tablet": "tablet", "pill": "pill", "capsule": "capsule", "state": "state",
}
#: Words between two numbers of one range ("eight to ten weeks", "50-100 mg"): both get the unit.
RANGE_WORDS = frozenset({"to", "or", "and"})
#: Words that say something is not so; what follows them must be negated in the article too.
NEGATIONS = frozenset({"not", "no", "never", "without", "none", "nor", "avoid", "nothing"})
#: sklearn's English stop words minus the ones that carry a medical claim ("no side effects",
#: "more", "all", "always", "only", "take", "system", "serious"): those count as content.
_MEANINGFUL = frozenset({
    "side", "system", "show", "take", "keep", "full", "serious", "fire", "amount", "bill", "detail", "interest",
    "part", "find", "found", "get", "give", "move", "describe", "thick", "thin", "empty", "fill", "less", "more",
    "most", "least", "few", "many", "much", "all", "every", "always", "never", "no", "not", "none", "nothing",
    "nobody", "without", "only", "well", "down", "up", "off", "over", "together", "whole", "first", "call",
    "cannot", "everyone", "everything", "enough", "nor", "neither", "again",
})
#: Words that change what a negation says: "not many side effects" is not "no side effects".
QUANTIFIERS = frozenset({"many", "much", "all", "every", "always", "necessarily", "most", "few"})
#: How many content words after a negation it is taken to be about.
NEGATED_WORDS = 4
#: Lookup lemmas the table gets wrong for our texts.
_LEMMA_FIXES = {"does": "do", "doe": "do", "med": "medicine", "meds": "medicine"}
#: Content words are compared by their first letters, so word forms the lookup table leaves apart
#: still match ("inflammation" / "inflammatory", "addictive" / "addicted", "prescribe" / "prescription").
STEM_LETTERS = 6
#: Where a clause ends: what follows a negation after it is not what the negation is about.
CLAUSE_END = "|"
_APOSTROPHES = re.compile(r"[\u2018\u2019`]")
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z]+|%|[.:;!?]")


@lru_cache(maxsize=1)
def stop_words() -> FrozenSet[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) - _MEANINGFUL - frozenset(NUMBER_WORDS)


@lru_cache(maxsize=1)
def lemma_table() -> Dict[str, str]:
    """spaCy's English lookup lemmas ("effects" -> "effect"), about 40,000 words, read in 0.1 s."""
    spec = importlib.util.find_spec("spacy_lookups_data")
    folder = Path(next(iter(spec.submodule_search_locations))) if spec and spec.submodule_search_locations else None
    if folder is None:
        return {}
    with gzip.open(folder / "data" / "en_lemma_lookup.json.gz", "rt", encoding="utf-8") as handle:
        return json.load(handle)


def lemma(word: str) -> str:
    return _LEMMA_FIXES.get(word) or lemma_table().get(word, word)


def normalise(text: str) -> str:
    """Lower case, straight apostrophes, "n't" as "not", "LDN" as "low-dose naltrexone", "25mg" as "25 mg"."""
    text = _APOSTROPHES.sub("'", text.lower())
    text = re.sub(r"\bl\.?d\.?n\.?s?\b", "low-dose naltrexone", text)
    text = re.sub(r"\b(can|won|ca)'t\b", r"\1 not", text).replace("n't", " not")
    text = re.sub(r"'(s|re|ve|ll|d|m)\b", "", text)
    return re.sub(r"(\d)([a-z%])", r"\1 \2", text)


@dataclass(frozen=True)
class Words:
    """What a sentence or a passage says, as the fidelity check compares it."""

    content: FrozenSet[str]  # content words, by their stem (first STEM_LETTERS letters of the lemma)
    numbers: FrozenSet[Tuple[str, Optional[str]]]  # (value, unit or None)
    negated: Tuple[Tuple[str, ...], ...]  # for each negation, the stems of the next NEGATED_WORDS content words
    tokens: Tuple[str, ...]  # every token, lemmatised (for multi-word terms)
    shown: Tuple[Tuple[str, str], ...] = ()  # (stem, the word as written) for reasons staff read


def read_words(text: str) -> Words:
    tokens = [CLAUSE_END if token in ".:;!?" else lemma(token) for token in _TOKEN.findall(normalise(text))]
    stops = stop_words()
    content, negated, shown = set(), [], {}
    for index, token in enumerate(tokens):
        if token in NEGATIONS:
            # A negation is about what follows it up to the clause's end or the next negation.
            scope = itertools.takewhile(lambda t: t != CLAUSE_END and t not in NEGATIONS, tokens[index + 1:index + 12])
            following = [stem(t) for t in scope if _is_content(t, stops) or t in QUANTIFIERS]
            negated.append(tuple(following[:NEGATED_WORDS]))
        elif _is_content(token, stops):
            content.add(stem(token))
            shown.setdefault(stem(token), token)
    return Words(frozenset(content), frozenset(_numbers(tokens)), tuple(negated), tuple(tokens), tuple(shown.items()))


def stem(word: str) -> str:
    return word[:STEM_LETTERS]


def _is_content(token: str, stops: FrozenSet[str]) -> bool:
    return len(token) > 2 and token != CLAUSE_END and token not in stops and not _is_number(token) and token not in NUMBER_WORDS


def _is_number(token: str) -> bool:
    return token[0].isdigit()


def _numbers(tokens: List[str]) -> List[Tuple[str, Optional[str]]]:
    """Each number with its unit: the first unit word after it, across a range ("eight to ten weeks")."""
    found = []
    for index, token in enumerate(tokens):
        if not (_is_number(token) or token in NUMBER_WORDS):
            continue
        value = NUMBER_WORDS.get(token, token)
        unit = None
        for following in tokens[index + 1:index + 6]:
            if following in UNITS:
                unit = UNITS[following]
                break
            if not (following in RANGE_WORDS or _is_number(following) or following in NUMBER_WORDS):
                break
        found.append((value, unit))
    return found
