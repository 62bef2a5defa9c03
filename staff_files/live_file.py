"""A file clinic staff edit, served live: a valid edit is used on the next request, a broken one never.

Plain Python. `LiveFile.current()` compares the file's stamp (inode, modification and change times,
size) with the one it last loaded. A changed file is read whole and parsed (the parser checks every
rule); only a good version replaces the one being served (one reference swap, so a request gets
the old or the new version, never a mix). A file that changes while it is read (an editor writing
in place) is read again on the next request; a broken edit is logged once, with every problem, and
the last good version keeps serving. The answers (answer_book/store.py) and the emergency phrases
(safety/emergency_net.py) are both served this way.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable, Dict, Generic, List, Optional, Tuple, Type, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
Stamp = Tuple[int, int, int, int]  # inode, modification time, change time (ns), size
#: An editor that saves in place (truncate, then write) leaves the file empty or half written for a
#: moment. A broken file younger than this is refused without logging and checked again on the next
#: request; the error is logged once when it stays.
SAVE_SETTLE_SECONDS = 1.0


def display_path(path: Path) -> str:
    """The path relative to the working directory when it is inside it (shorter to read)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def problems_to_fix(count: int, shown: str) -> str:
    """"3 problems to fix in answers/answers.yml": the line the staff commands end a refusal with."""
    return f"{count} problem{'s' if count != 1 else ''} to fix in {shown}"


class StaffFileError(ValueError):
    """A staff file cannot be served; `problems` say what to change, each "line N, column M: ..."."""

    def __init__(self, path: Path, problems: List[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> List[str]:
        """Each problem prefixed with the file, as staff read it: "answers/answers.yml, line 14, column 5: ..."."""
        shown = display_path(self.path)  # once: a file pasted over holds thousands of problems
        return [f"{shown}, {problem}" for problem in self.problems]


class LiveFile(Generic[T]):
    """Serves the last good version of one file, parsed by `parse(text, path)` (which raises StaffFileError).

    `what` names the file in the log ("Answers file"); `error` builds the error for a file that
    cannot be read at all.
    """

    def __init__(
        self,
        path: Path,
        parse: Callable[[str, Path], T],
        what: str,
        error: Callable[[Path, List[str]], StaffFileError] = StaffFileError,
    ) -> None:
        self.path = path
        self._parse = parse
        self._what = what
        self._error = error
        self._lock = threading.Lock()
        self._value: Optional[T] = None
        self._stamp: Optional[Stamp] = None
        self.last_error: Optional[StaffFileError] = None

    def _file_stamp(self) -> Optional[Stamp]:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size)

    def current(self) -> T:
        """The last good version; re-reads the file first when it changed since the last read."""
        value = self._value
        if value is not None and self._file_stamp() == self._stamp:
            return value
        # While one request reloads, the others keep getting the version being served.
        if self._lock.acquire(blocking=value is None):
            try:
                stamp = self._file_stamp()
                if self._value is None or stamp != self._stamp:
                    self._reload(stamp)
            finally:
                self._lock.release()
        if self._value is None:
            raise self.last_error or self._error(self.path, ["line 1, column 1: nothing loaded yet"])
        return self._value

    def _read_settled(self, stamp: Optional[Stamp]) -> Tuple[Optional[Stamp], Optional[str], str]:
        """(stamp, text, read error) of a read during which the file did not change, or (None, None, "")."""
        for _ in range(1 if self._value is not None else 5):  # at start-up, wait for a save to finish
            try:
                source: Optional[str] = self.path.read_text(encoding="utf-8")
                read_error = ""
            except (OSError, UnicodeDecodeError) as error:
                source, read_error = None, str(error)
            after = self._file_stamp()
            if after == stamp:
                return stamp, source, read_error
            stamp = after
            time.sleep(0.05)
        return None, None, ""

    def _reload(self, stamp: Optional[Stamp]) -> None:
        settled, source, read_error = self._read_settled(stamp)
        if settled is None and source is None and not read_error:
            return  # being written right now: the next request reads the finished file
        try:
            if source is None:
                raise self._error(self.path, [f"line 1, column 1: the file cannot be read ({read_error})"])
            value = self._parse(source, self.path)
        except StaffFileError as error:
            self.last_error = error
            if self._value is not None and self._just_written(settled):
                return  # maybe a save in progress: checked again on the next request, logged if it stays
            self._stamp = settled
            served = "keeping the last good version" if self._value is not None else "nothing to serve"
            logger.error("%s refused (%s). To fix:\n  %s", self._what, served, "\n  ".join(error.lines()))
            return
        self._stamp = settled
        if self._value is not None:
            logger.info("%s reloaded from %s", self._what, display_path(self.path))
        self._value = value
        self.last_error = None

    @staticmethod
    def _just_written(stamp: Optional[Stamp]) -> bool:
        """Saved less than SAVE_SETTLE_SECONDS ago: an editor saving in place may not have finished."""
        return stamp is not None and time.time_ns() - stamp[1] < SAVE_SETTLE_SECONDS * 1e9


L = TypeVar("L", bound=LiveFile)
_shared: Dict[Tuple[type, Path], LiveFile] = {}
#: The same stores by the path as callers give it (a relative one with the working directory):
#: resolving a path walks every folder of it with a system call. `answer_store()` took 20 us a call
#: that way, 1.1 us by the given path (timeit, 4 Dec 2026), and the Rasa server asks for the answers
#: many times a turn: 3-4% of its busy samples under load (py-spy, one conversation, 800 turns).
_shared_by_given_path: Dict[Tuple[type, Path, str], LiveFile] = {}
_shared_lock = threading.Lock()


def shared(kind: Type[L], path: Path) -> L:
    """The one `kind(path)` of this process, so every caller serves the same reloads of the file."""
    given = (kind, path, "" if path.is_absolute() else os.getcwd())
    found = _shared_by_given_path.get(given)
    if found is not None:
        return found  # type: ignore[return-value]
    key = (kind, path.resolve())
    with _shared_lock:
        if key not in _shared:
            _shared[key] = kind(key[1])
        _shared_by_given_path[given] = _shared[key]
        return _shared[key]  # type: ignore[return-value]
