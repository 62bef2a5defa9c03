"""Keep visitors' phone numbers, e-mail addresses and dates (of birth) out of the project's logs.

Plain Python. `install_redaction()` makes every log record of the process redacted when it is
created, whatever handler writes it: Rasa replaces the root handler with its own coloured one
after reading `--logging-config-file`, so a filter on a configured handler would be bypassed.
It also routes Python warnings through logging (Rasa's warning about a message starting with
"/" quoted the visitor's text) and, with `streams=True`, redacts every line the process writes
to stdout and stderr (prints, tracebacks of threads, anything that is not a log record).
The servers install it first thing (runtime/rasa_run.py, runtime/action_server.py); runtime/logging.yml
installs the record part for other Rasa commands (`rasa shell`).
"""
from __future__ import annotations

import io
import logging
import re
import sys
from typing import Any, Callable, Optional, TextIO

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


#: The time stamp a log line starts with ("2026-12-01 08:51:36,498"): the log's own, kept.
_LOG_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?")


def redact_line(line: str) -> str:
    """`redact` for a written line, keeping the time stamp it starts with."""
    stamp = _LOG_TIMESTAMP.match(line)
    if stamp is None:
        return redact(line)
    return stamp.group(0) + redact(line[stamp.end():])


class RedactingStream(io.TextIOBase):
    """A text stream that writes whole lines, redacted, to another (a phone number split over two writes included)."""

    def __init__(self, target: TextIO) -> None:
        super().__init__()
        self.target = target
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            complete, self._pending = self._pending.rsplit("\n", 1)
            self.target.write("\n".join(redact_line(line) for line in complete.split("\n")) + "\n")
            self.target.flush()
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.target.write(redact_line(self._pending))
            self._pending = ""
        self.target.flush()

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.target, "encoding", "utf-8")


_installed: Optional[Callable[..., logging.LogRecord]] = None


def install_redaction(streams: bool = False) -> None:
    """Redact every log record of this process as it is created, and warnings (idempotent).

    `streams`: also redact what the process writes to sys.stdout and sys.stderr; call it
    before anything creates a log handler on them.
    """
    global _installed
    if streams and not isinstance(sys.stdout, RedactingStream):
        sys.stdout = RedactingStream(sys.stdout)
        sys.stderr = RedactingStream(sys.stderr)
    if _installed is not None:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact_record(record)
        return record

    logging.setLogRecordFactory(factory)
    logging.captureWarnings(True)
    _installed = factory


def redacting_filter() -> RedactingFilter:
    """dictConfig factory (`"()": runtime.log_privacy.redacting_filter`): installs the redaction, returns the filter."""
    install_redaction()
    return RedactingFilter()
