"""Writing answers files the way editors save them, for the reload tests."""
from __future__ import annotations

import os
from pathlib import Path


def write_in_place(path: Path, source: str, chunks: int = 1) -> None:
    """Like an editor that truncates the file and writes it again (not an atomic rename).

    With `chunks` > 1 the text is written in parts, so a reader can catch it half written.
    """
    data = source.encode("utf-8")
    size = max(1, -(-len(data) // chunks))
    with path.open("r+b") as file:
        file.truncate(0)
        for start in range(0, len(data), size):
            file.write(data[start:start + size])
            file.flush()


def age(path: Path, seconds: float = 10.0) -> None:
    """Make the last save `seconds` old, as when staff saved a while before the next question."""
    stat = path.stat()
    past = stat.st_mtime_ns - int(seconds * 1e9)
    os.utime(path, ns=(past, past))
