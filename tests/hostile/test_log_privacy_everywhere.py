"""No personal data in any log file of either server, whatever the channel and whatever wrote the line."""
from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
import requests

from tests.hostile.conftest import Stack, new_phone
from tests.hostile.test_size_limits import CHANNELS

PERSONAL = {"phone": "(904) 555-0143", "email": "pat.doe+ldn@mail.example.org", "date of birth": "07/23/1961"}
MESSAGES = [
    "my number is {phone}, email {email}, born {date of birth}: is ldn safe?",
    # Rasa warns about text after "/" that is not an intent; the warning quoted the whole text
    "/unknown_intent call {phone} or write {email}, dob {date of birth}: does ldn cause weight gain?",
    "/ask_dose@0.9 {phone} {email} {date of birth} what is the dose of ldn",
    "/greet{{\"phone\": \"{phone}\"}} {email} {date of birth} is ldn addictive",
]


def log_files(stack: Stack) -> List[Path]:
    return sorted(stack.assistant.work_dir.glob("*.log"))


@pytest.mark.parametrize("channel", CHANNELS)
def test_personal_data_sent_on_any_channel_reaches_no_log_file(channel: str, stack: Stack) -> None:
    for template in MESSAGES:
        CHANNELS[channel](stack, template.format(**PERSONAL))
    # also as a REST sender id and through the action server's failure path (a bad action call)
    requests.post(stack.assistant.rest_url, json={"sender": PERSONAL["phone"], "message": "hi"}, timeout=60)
    stack.sms.text(new_phone(), f"text me at {PERSONAL['phone']}")
    files = log_files(stack)
    assert {path.name for path in files} >= {"rasa_server.log", "action_server.log"}
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for kind, value in PERSONAL.items():
            assert value not in text, f"{kind} in {path.name}"
