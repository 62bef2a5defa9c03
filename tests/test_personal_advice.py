"""Which questions are about the visitor's own dose or treatment (they get "only your own doctor can advise")."""
from __future__ import annotations

import pytest

from safety.personal_advice import personal_question


@pytest.mark.parametrize(
    "text",
    [
        "should I take 50mg", "can I stop my gabapentin", "is 4.5 right for me", "should I increase my dose",
        "Is 3 mg enough for me?", "can i take ldn with my oxycodone", "how much should i take",
        "i'm on 1.5mg, should i go up", "what dose should I start at", "is it safe to stop my ldn",
    ],
)
def test_personal_dose_and_treatment_questions_are_recognised(text: str) -> None:
    assert personal_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "what is the usual dose of ldn", "is ldn safe", "what signs of an allergic reaction should I watch for",
        "when should i call the clinic", "how long does ldn take to work", "what is naloxone used for",
    ],
)
def test_general_questions_are_not_personal(text: str) -> None:
    assert not personal_question(text)
