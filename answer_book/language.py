"""The languages the assistant speaks, and which one a reply is in.

Plain Python, no detector (the action server imports it): the message's own language comes from
the Rasa server (answer_book/language_detection.py, through the `language` entity and slot).
"""
from __future__ import annotations

from typing import Optional

ENGLISH, SPANISH = "en", "es"
LANGUAGES = (ENGLISH, SPANISH)
DEFAULT_LANGUAGE = ENGLISH


def reply_language(detected: Optional[str], conversation: Optional[str]) -> str:
    """The reply's language: the message's, else the conversation's, else English."""
    for language in (detected, conversation):
        if language in LANGUAGES:
            return language  # type: ignore[return-value]
    return DEFAULT_LANGUAGE
