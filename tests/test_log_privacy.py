"""The redaction of visitors' phone numbers, e-mail addresses and dates (of birth) in the project's logs."""
from __future__ import annotations

import logging

import pytest

from runtime.log_privacy import install_redaction, redact


@pytest.mark.parametrize(
    "personal",
    ["(850) 555-1234", "850.555.1234", "+1 850 555 1234", "8505551234", "555-1234", "jane.doe+ldn@mail.example.com",
     "03/14/1980", "1980-03-14", "March 14, 1980", "14th of March 1980", "3-14-80"],
)
def test_personal_data_is_replaced(personal: str) -> None:
    redacted = redact(f"my details: {personal} thanks")
    assert personal not in redacted
    assert redacted.startswith("my details: [") and redacted.endswith("] thanks")


@pytest.mark.parametrize("ordinary", ["take 4.5 mg at night", "LDN lasts up to six hours", "timestamp 1764094456.954741"])
def test_ordinary_numbers_stay(ordinary: str) -> None:
    assert redact(ordinary) == ordinary


def test_installed_redaction_covers_every_logger_and_its_arguments(caplog: pytest.LogCaptureFixture) -> None:
    install_redaction()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("rasa.core.processor").debug("Received user message '%s'", "text me at 850-555-1234")
    assert caplog.records[-1].getMessage() == "Received user message 'text me at [phone]'"
