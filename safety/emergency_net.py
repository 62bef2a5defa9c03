"""The deterministic emergency safety net: staff-editable phrases and patterns that always mean "emergency".

Plain Python (no Rasa): the NLU component `nlu_components.emergency_safety_net` runs it on
every message after the classifier, and the channels run it when the assistant cannot
answer (action server down or slow), so an emergency gets 911 / Poison Help / 988 even then.

The patterns file (safety/emergency_patterns.yml, or EMERGENCY_PATTERNS_PATH) is re-read
when it changes, so staff extensions work without a retrain or restart; a broken edit
is logged and the last good patterns stay in use.
"""
from __future__ import annotations

import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Pattern, Tuple

import yaml

from staff_files.live_file import LiveFile, StaffFileError, shared

logger = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PATTERNS_PATH = PROJECT_DIR / "safety" / "emergency_patterns.yml"
PATTERNS_PATH_ENV = "EMERGENCY_PATTERNS_PATH"

_APOSTROPHES = re.compile(r"[\u2018\u2019\u02bc`´']")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_TERM = re.compile(r"\{([a-z_]+)\}")


def fold_accents(text: str) -> str:
    """Letters without their accents ("tomé" -> "tome", "ñ" -> "n"): how people type on a phone anyway."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normalise(text: str) -> str:
    """Lower case, accents and apostrophes dropped ("can't" -> "cant", "tomé" -> "tome"), everything
    else but letters and digits a space.

    Patterns are written against this form: words separated by single spaces.
    """
    text = _APOSTROPHES.sub("", fold_accents((text or "").lower()))
    return _NOT_WORD.sub(" ", text).strip()


@dataclass(frozen=True)
class EmergencyPattern:
    name: str
    matches: Tuple[Pattern[str], ...]  # any of them fires the pattern ...
    unless: Tuple[Pattern[str], ...]  # ... unless one of these matches too (information questions)

    def fires_on(self, normalised: str) -> bool:
        return any(p.search(normalised) for p in self.matches) and not any(p.search(normalised) for p in self.unless)


@dataclass(frozen=True)
class EmergencyPatterns:
    patterns: Tuple[EmergencyPattern, ...]

    def match(self, text: Optional[str]) -> Optional[str]:
        """The name of the first pattern the message fires, or None."""
        normalised = normalise(text or "")
        if not normalised:
            return None
        for pattern in self.patterns:
            if pattern.fires_on(normalised):
                return pattern.name
        return None


class PatternsFileError(StaffFileError):
    """The emergency patterns file cannot be served; `problems` say what to change."""


def _expand(source: str, terms: Mapping[str, str]) -> str:
    """Replace {term} with the term's alternation, as a non-capturing group."""
    return _TERM.sub(lambda m: f"(?:{terms[m.group(1)]})" if m.group(1) in terms else m.group(0), source)


def _compile(sources: object, terms: Mapping[str, str], where: str, problems: List[str]) -> Tuple[Pattern[str], ...]:
    if sources is None:
        return ()
    if not isinstance(sources, list) or not all(isinstance(s, str) and s.strip() for s in sources):
        problems.append(f"{where} must be a list of non-empty texts")
        return ()
    compiled = []
    for source in sources:
        unknown = [t for t in _TERM.findall(source) if t not in terms]
        if unknown:
            problems.append(f"{where}: {source!r} uses unknown terms {unknown}")
            continue
        try:
            compiled.append(re.compile(r"(?<![a-z0-9])(?:" + _expand(source, terms) + r")(?![a-z0-9])"))
        except re.error as error:
            problems.append(f"{where}: {source!r} is not a valid pattern ({error})")
    return tuple(compiled)


def parse_patterns(source: str, path: Path) -> EmergencyPatterns:
    """Build the patterns from the YAML text, or raise PatternsFileError listing every problem."""
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as error:
        raise PatternsFileError(path, [f"not valid YAML ({error})"]) from error
    if not isinstance(data, dict) or not isinstance(data.get("patterns"), list) or not data["patterns"]:
        raise PatternsFileError(path, ["the file needs a non-empty 'patterns:' list"])
    problems: List[str] = []
    terms: Dict[str, str] = {}
    for name, value in (data.get("terms") or {}).items():
        if not isinstance(value, list) or not value:
            problems.append(f"term {name} must be a list of words or phrases")
            continue
        terms[str(name)] = "|".join(str(v) for v in value)
    patterns = []
    for index, entry in enumerate(data["patterns"], start=1):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not name:
            problems.append(f"pattern {index} needs a 'name'")
            continue
        phrases = [re.escape(normalise(p)).replace(r"\ ", " ") for p in entry.get("phrases") or []]
        matches = _compile(phrases + list(entry.get("regex") or []), terms, f"pattern {name}", problems)
        if not matches:
            problems.append(f"pattern {name} needs 'phrases' or 'regex'")
        unless = _compile(entry.get("unless"), terms, f"pattern {name} unless", problems)
        patterns.append(EmergencyPattern(str(name), matches, unless))
    if problems:
        raise PatternsFileError(path, problems)
    return EmergencyPatterns(tuple(patterns))


class PatternStore(LiveFile[EmergencyPatterns]):
    """Serves the last good patterns of one file and picks up edits of it (staff_files/live_file.py)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, parse_patterns, "Emergency patterns file", PatternsFileError)

    def match(self, text: Optional[str]) -> Optional[str]:
        return self.current().match(text)


def patterns_path(configured: Optional[str] = None) -> Path:
    """`configured` (relative to the project), else EMERGENCY_PATTERNS_PATH, else safety/emergency_patterns.yml."""
    chosen = configured or os.environ.get(PATTERNS_PATH_ENV)
    if not chosen:
        return DEFAULT_PATTERNS_PATH
    path = Path(chosen)
    return path if path.is_absolute() else PROJECT_DIR / path


def pattern_store(path: Optional[Path] = None) -> PatternStore:
    """The shared store of `path` (default: see `patterns_path`)."""
    return shared(PatternStore, path or patterns_path())


def emergency_pattern_for(text: Optional[str]) -> Optional[str]:
    """The name of the emergency pattern `text` fires in the default patterns file, or None."""
    return pattern_store().match(text)
