"""Carrier keywords of an SMS number: opt-out, opt-in and help words, recognised before any NLU.

US carriers (CTIA) require these single-word replies to work on every number; they
are matched exactly (any case, surrounding spaces ignored) so a question such as
"stop taking LDN?" still reaches the assistant. Plain Python.
"""
from __future__ import annotations

from enum import Enum
from typing import Optional


class Keyword(Enum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


KEYWORDS = {
    **{word: Keyword.OPT_OUT for word in ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT")},
    **{word: Keyword.OPT_IN for word in ("START", "UNSTOP", "YES")},
    **{word: Keyword.HELP for word in ("HELP", "INFO")},
}
#: The same in Spanish (answered in Spanish): ALTO, PARAR, CANCELAR stop the texts, AYUDA asks for help.
SPANISH_KEYWORDS = {
    **{word: Keyword.OPT_OUT for word in ("ALTO", "PARAR", "CANCELAR")},
    **{word: Keyword.HELP for word in ("AYUDA",)},
}

#: The answers.yml message each keyword is answered with.
KEYWORD_MESSAGES = {Keyword.OPT_OUT: "sms_opt_out", Keyword.OPT_IN: "sms_opt_in", Keyword.HELP: "sms_help"}


def carrier_keyword(body: str) -> Optional[Keyword]:
    """The keyword a whole message is, or None for anything else (a question, two words)."""
    word = body.strip().upper()
    return KEYWORDS.get(word) or SPANISH_KEYWORDS.get(word)


def keyword_language(body: str) -> str:
    """"es" for a Spanish keyword, else "en"."""
    return "es" if body.strip().upper() in SPANISH_KEYWORDS else "en"
