"""Which language a visitor writes in: English, Spanish, or None when the message does not tell.

Plain Python; the detector is lingua (lingua-language-detector, its models ship in the package,
loaded for English and Spanish only). On short chat messages lingua alone was right on 186 of 201
labelled one- to five-word messages (tests/nlu/language_set.yml; langid 183): the product words
that are the same in both languages ("ldn", "naltrexona", "4.5 mg") misled it, and one-word chat
words ("hola", "chao", "grax") are too short for its models. So, in order:
1. the product words and numbers are left out;
2. a Spanish letter or mark (ñ, á, ¿ ...) means Spanish;
3. the chat and function words below vote;
4. lingua decides what is left, if it is sure enough.
Unsure (a bare "1", "ok"?) is None: the conversation keeps its language, English by default.
"""
from __future__ import annotations

import functools
import re
from typing import List, Optional

from answer_book.language import ENGLISH, SPANISH

#: lingua's confidence for the language it picks, at least: 0.5, 0.6 and 0.7 gave the same
#: 200/201 on tests/nlu/language_set.yml with the steps above (its word lists were written on it);
#: 193/198 on tests/nlu/language_holdout.yml, written afterwards (tests/test_language.py).
MIN_CONFIDENCE = 0.5

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SPANISH_MARKS = re.compile(r"[ñáíóúü¿¡]")
#: The same in both languages, or names: they tell nothing about the language.
PRODUCT_WORDS = frozenset(
    "ldn naltrexone naltrexon naloxone narcan mg fda ms crps fibro lupus crohn crohns "
    "medicare ok okay tramadol gabapentin".split()
)
SPANISH_WORDS = frozenset(
    "que el la los las del de y o para por con sin mi mis se una un es son esta estoy eres tengo puedo naltrexona naloxona "
    "hola gracias grax chao adios oye dale vale bueno buena buenas buenos nop si claro cuanto cuanta como donde "
    "cuando quien porque pero muy mas tambien ayuda dosis dolor efectos sirve funciona tomar tomo cuesta "
    "seguro sueño noche mañana cita hablar alguien necesito".split()
)
ENGLISH_WORDS = frozenset(
    "the is it what how does do can i my you and or for with without hello hi hey thanks thank thx ty yes "
    "yep yeah nope bye goodbye please who when where why are am have has cost dose side effects work pain "
    "take taking safe help need talk call good great sure cool".split()
)


@functools.lru_cache(maxsize=1)
def _detector():  # type: ignore[no-untyped-def]
    from lingua import Language, LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH)
    return builder.with_preloaded_language_models().build()


def preload() -> None:
    """Load lingua's models now (about 0.4 s once per process) instead of in some visitor's turn.

    Built lazily, the first message that reached lingua waited for the models to load: py-spy of a
    fresh Rasa server put about a tenth of its busy samples over its first 40 turns there.
    """
    _detector()


def _without_accents(word: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _without_spelt_out(words: List[str]) -> List[str]:
    """The words without runs of three or more single letters ("o.v.e.r.d.o.s.e help" -> ["help"]):
    a word spelt out letter by letter would otherwise vote with its letters ("o" and "y" are Spanish words)."""
    kept: List[str] = []
    run: List[str] = []
    for word in words + [""]:
        if len(word) == 1:
            run.append(word)
            continue
        if len(run) < 3:
            kept += run
        run = []
        if word:
            kept.append(word)
    return kept


def detect(text: Optional[str]) -> Optional[str]:
    """"en", "es", or None when the message does not tell (a number, an emoji, a product name)."""
    words = [word for word in _without_spelt_out(_WORD.findall((text or "").lower())) if word not in PRODUCT_WORDS]
    if not words:
        return None
    if _SPANISH_MARKS.search(" ".join(words)):
        return SPANISH
    plain = [_without_accents(word) for word in words]
    spanish = sum(word in SPANISH_WORDS for word in plain)
    english = sum(word in ENGLISH_WORDS for word in plain)
    if spanish != english:
        return SPANISH if spanish > english else ENGLISH
    from lingua import Language

    best = _detector().compute_language_confidence_values(" ".join(words))[0]
    if best.value < MIN_CONFIDENCE:
        return None
    return SPANISH if best.language == Language.SPANISH else ENGLISH
