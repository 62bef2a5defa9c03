"""The forms of a message with its disguises taken off, for the emergency safety net.

People (and crafted requests) write the same words in ways a plain lower-casing never meets:
letters from another alphabet that look the same ("оverdose" with a Cyrillic о), invisible
characters inside a word ("over\\u200bdose", a soft hyphen), letters spelt out one by one
("o v e r d o s e", "s.u.i.c.i.d.e"), digits and symbols for letters ("0verdose", "k!ll myself",
"$uicide"), a letter held down ("diiiie"), emoji inside a word, HTML entities ("&#111;verdose").

`visible_letters` takes off what is never meant as a word break (invisible characters, look-alike
letters, accents): the safety net's plain form starts from it. `undisguised_forms` are the extra
forms the patterns are also tried on; they only add matches, so a pattern that needs digits
("fever 104", "5 kms") still meets the plain form.
"""
from __future__ import annotations

import html
import re
import unicodedata
from typing import List

#: Letters of other alphabets that look like Latin ones (after lower-casing), as people and
#: spam filters' evaders use them; an upper-case Cyrillic В, Н, М, Т, К lower-cases to в, н, м, т, к.
_LOOK_ALIKES = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "і": "i", "ї": "i", "ј": "j", "к": "k", "м": "m",
    "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "ԁ": "d", "һ": "h",
    "ӏ": "l", "ԛ": "q", "ԝ": "w",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    # Latin letters NFKD leaves whole
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ŀ": "l", "ħ": "h",
})

#: Digits and symbols written for letters; the ambiguous "1" is read both ways (as i and as l).
_LEET = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l", "€": "e"}
_LEET_AS_I = str.maketrans({**_LEET, "1": "i"})
_LEET_AS_L = str.maketrans({**_LEET, "1": "l"})
_LEET_CHARACTERS = frozenset(_LEET) | {"1"}
#: A number with its unit ("4.5mg", "50mg", "10am", "2nd"): never read as letters.
_MEASURE = re.compile(r"^\d+(?:[.,]\d+)*(?:[a-z]{1,3})?$")
_HAS_LETTER = re.compile(r"[a-z]")

#: Three or more one-letter words in a row ("o v e r d o s e", "k i l l").
_SPELT_OUT = re.compile(r"(?<![a-z0-9])(?:[a-z] ){2,}[a-z](?![a-z0-9])")
#: A letter written three times or more.
_HELD_DOWN = re.compile(r"([a-z])\1{2,}")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = re.compile(r"[\u2018\u2019\u02bc`´']")
#: Inside a word: "over-dose", "sui.cide", "over_dose" (not between words: "pain - overdose").
_JOINER = re.compile(r"(?<=[a-z0-9])[-._~^+]+(?=[a-z0-9])")
#: A star for a hidden letter, most often the "i" of "kill", "die", "suicide" ("k*ll", "d*e").
_HIDDEN_LETTER = re.compile(r"(?<=[a-z])\*(?=[a-z])")


def visible_letters(text: str) -> str:
    """`text` lower-cased, without invisible characters, accents or look-alike letters of other alphabets.

    NFKD also turns full-width and "mathematical bold" letters into plain ones.
    """
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) and unicodedata.category(c) != "Cf")
    return kept.lower().translate(_LOOK_ALIKES)


def words_of(text: str) -> str:
    """Letters and digits, apostrophes dropped ("can't" -> "cant"), everything else one space."""
    return _NOT_WORD.sub(" ", _APOSTROPHES.sub("", text)).strip()


def undisguised_forms(text: str) -> List[str]:
    """The message's words with disguises taken off, in each reading of "1" (i or l); each a words_of form."""
    text = visible_letters(html.unescape(text or ""))
    # emoji and other symbols inside a word are dropped ("over🙂dose"), between words they are a space
    text = "".join(c for c in text if unicodedata.category(c) not in ("So", "Sk", "Cn", "Co"))
    text = _JOINER.sub("", _HIDDEN_LETTER.sub("i", text))
    forms = []
    for leet in (_LEET_AS_I, _LEET_AS_L):
        words = " ".join(_read_leet(word, leet) for word in text.split())
        words = _SPELT_OUT.sub(lambda m: m.group(0).replace(" ", ""), words_of(words))
        forms.append(_HELD_DOWN.sub(r"\1", words))
    return list(dict.fromkeys(forms))


def _read_leet(word: str, leet: dict) -> str:
    """"0verd0se" -> "overdose", "k!ll" -> "kill"; a number, a measure ("4.5mg") or a word with no letter stays."""
    if not _LEET_CHARACTERS.intersection(word):
        return word
    core = word.strip(".,;:?!\"'()[]{}")
    if not _HAS_LETTER.search(core) or _MEASURE.match(core):
        return word
    return word.replace(core, core.translate(leet))
