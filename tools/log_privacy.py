"""Keep visitors' phone numbers, e-mail addresses and dates (of birth) out of the project's logs.

Plain Python. `install_redaction()` makes every log record of the process redacted when it is
created, whatever handler writes it: Rasa replaces the root handler with its own coloured one
after reading `--logging-config-file`, so a filter on a configured handler would be bypassed.
The Rasa server installs it through tools/logging.yml (`rasa run --logging-config-file`), the
action server in tools/action_server.py.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Callable, Optional

_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"

REDACTIONS = (
    ("[email]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    # dates: 03/14/1980, 3-14-80, 1980-03-14, March 14 1980, 14th of March, 1980
    ("[date]", re.compile(r"\b\d{4}[/.-]\d{1,2}[/.-]\d{1,2}\b")),
    ("[date]", re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")),
    ("[date]", re.compile(rf"\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{2,4}})?\b", re.IGNORECASE)),
    ("[date]", re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}(?:,?\s+\d{{2,4}})?\b", re.IGNORECASE)),
    # phones: (850) 213-6396, 850.213.6396, +1 850 213 6396, 8502136396, 213-6396
    ("[phone]", re.compile(r"(?<![\w.])(?:\+?1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?!\w|\.\d)")),
    ("[phone]", re.compile(r"(?<![\w-])\d{3}[\s.-]\d{4}(?![\w-])")),
)


def redact(text: str) -> str:
    """`text` with e-mail addresses, dates and phone numbers replaced by [email], [date], [phone]."""
    for replacement, pattern in REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to logging to report
        return
    record.msg, record.args = redact(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))


class RedactingFilter(logging.Filter):
    """A filter for handlers or loggers that redacts each record passing it (for dictConfig users)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True


_installed: Optional[Callable[..., logging.LogRecord]] = None


def install_redaction() -> None:
    """Redact every log record of this process as it is created (idempotent)."""
    global _installed
    if _installed is not None:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact_record(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = factory


def redacting_filter() -> RedactingFilter:
    """dictConfig factory (`"()": tools.log_privacy.redacting_filter`): installs the redaction, returns the filter."""
    install_redaction()
    return RedactingFilter()
