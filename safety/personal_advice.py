"""Recognise questions about one's own dose or treatment, which only the patient's doctor can answer.

Plain Python, deterministic: "should I take 50mg", "can I stop my gabapentin", "is 4.5 right
for me" get the general answer plus the line that only their own doctor can advise on their
dose or treatment (messages.personal_advice of the answers file), never a recommendation.
"""
from __future__ import annotations

import re
from typing import Optional

from safety.emergency_net import normalise

_DECISION_VERBS = (
    r"take|stop|quit|start|increase|decrease|raise|lower|up|double|halve|skip|switch|change|adjust|keep|try|"
    r"go up|go down|go off|come off|get off|cut|reduce|combine|mix|split|continue|wean|taper|use"
)
_FITS_ME = r"right|safe|ok|okay|good|too much|too little|too high|too low|enough|the right dose|appropriate|best"

PERSONAL_PATTERNS = tuple(
    re.compile(pattern)
    for pattern in (
        # "should I take 50mg", "should I still take it", "should my doctor raise it" (not "should I watch for")
        rf"\bshould (?:i|we)(?: still| really| just| even| ever)? (?:{_DECISION_VERBS}|be taking|keep taking|go on|get on)\b",
        r"\bshould my (?:doctor|dose|dosage)\b",
        rf"\b(?:can|could|may|is it ok (?:to|if i)|is it okay (?:to|if i)|is it safe (?:to|for me to|if i)|do i need to|do i have to|would it be ok to|am i allowed to) (?:i )?(?:{_DECISION_VERBS})\b(?: [a-z0-9]+){{0,3}} my\b",
        rf"\bis (?:it|this|that|ldn|naltrexone|[0-9]+(?: [0-9]+)?(?: ?mg)?|my dose)(?: [a-z0-9]+){{0,2}} (?:{_FITS_ME}) for me\b",
        rf"\b(?:{_FITS_ME}) (?:dose|amount|dosage) for me\b",
        r"\bmy (?:dose|dosage|doses|prescription|treatment|medication|meds|regimen)\b",
        r"\bhow (?:much|many|often|long) should i\b",
        r"\bwhat (?:dose|dosage|amount|strength) should i\b",
        r"\b(?:i take|im on|i am on|i m on|ive been taking|i have been taking) [0-9]+(?: [0-9]+)? ?mg\b",
    )
)


def personal_question(text: Optional[str]) -> bool:
    """True if the message asks about the writer's own dose or treatment."""
    normalised = normalise(text or "")
    return any(pattern.search(normalised) for pattern in PERSONAL_PATTERNS)
