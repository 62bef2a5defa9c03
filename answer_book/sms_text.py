"""GSM-7 text for SMS: make text safe for the GSM-7 alphabet and count its segments honestly.

A single character outside GSM-7 (a curly quote, an em dash, an emoji) makes the whole
message UCS-2, where a segment holds 70 characters instead of 160. Plain Python.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "^{}\\[~]|€\f"  # each takes two septets (escape + character)
_GSM7 = frozenset(GSM7_BASIC) | frozenset(GSM7_EXTENSION)

_REPLACEMENTS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u00a0": " ", "\u2022": "-", "\u00b7": "-", "\t": " ",
}

SINGLE_SEGMENT = {"GSM-7": 160, "UCS-2": 70}
MULTI_SEGMENT = {"GSM-7": 153, "UCS-2": 67}


@dataclass(frozen=True)
class SmsSize:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def is_gsm7(text: str) -> bool:
    return all(character in _GSM7 for character in text)


def to_gsm7(text: str) -> str:
    """Replace typographic characters with GSM-7 ones; drop what has no GSM-7 form (emoji)."""
    out = []
    for character in text:
        character = _REPLACEMENTS.get(character, character)
        if all(c in _GSM7 for c in character):
            out.append(character)
            continue
        # é, ü ... are in GSM-7; other accented letters lose their accent; emoji are dropped
        plain = unicodedata.normalize("NFKD", character).encode("ascii", "ignore").decode("ascii")
        out.append(plain)
    return re.sub(r"[ ]{2,}", " ", "".join(out)).strip()


def sms_size(text: str) -> SmsSize:
    if is_gsm7(text):
        encoding = "GSM-7"
        units = sum(2 if character in GSM7_EXTENSION else 1 for character in text)
    else:
        encoding = "UCS-2"
        units = len(text.encode("utf-16-le")) // 2
    if units <= SINGLE_SEGMENT[encoding]:
        return SmsSize(encoding, units, 1 if units else 0)
    return SmsSize(encoding, units, math.ceil(units / MULTI_SEGMENT[encoding]))
