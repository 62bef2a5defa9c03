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

from safety.disguises import undisguised_forms, visible_letters, words_of
from safety.pattern_speed import slow_patterns
from staff_files.live_file import LiveFile, StaffFileError, shared
from staff_files.yaml_source import SourceMap, read_staff_yaml, yaml_problem

logger = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PATTERNS_PATH = PROJECT_DIR / "safety" / "emergency_patterns.yml"
PATTERNS_PATH_ENV = "EMERGENCY_PATTERNS_PATH"

_TERM = re.compile(r"\{([a-z_]+)\}")


#: The key of the parse data where the safety net puts the name of the pattern that fired.
SAFETY_NET_MARKER = "safety_net"
#: A pattern written for Spanish messages ends its name with this (safety/emergency_patterns.yml).
SPANISH_PATTERN_SUFFIX = "_es"


def pattern_language(pattern_name: Optional[str]) -> Optional[str]:
    """"es" for a pattern written for Spanish messages, None for the others (any language may fire them)."""
    return "es" if pattern_name and pattern_name.endswith(SPANISH_PATTERN_SUFFIX) else None


def fold_accents(text: str) -> str:
    """Letters without their accents ("tomé" -> "tome", "ñ" -> "n"): how people type on a phone anyway."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normalise(text: str) -> str:
    """Lower case, accents and apostrophes dropped ("can't" -> "cant", "tomé" -> "tome"), everything
    else but letters and digits a space; invisible characters and look-alike letters of other
    alphabets taken off first (safety/disguises.py).

    Patterns are written against this form: words separated by single spaces.
    """
    return words_of(visible_letters(text or ""))


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
        plain = normalise(text or "")
        if not plain:
            return None
        forms = list(dict.fromkeys([plain] + undisguised_forms(text or "")))
        for pattern in self.patterns:
            if any(pattern.fires_on(form) for form in forms):
                return pattern.name
        return None


class PatternsFileError(StaffFileError):
    """The emergency patterns file cannot be served; `problems` say what to change."""


def _expand(source: str, terms: Mapping[str, str]) -> str:
    """Replace {term} with the term's alternation, as a non-capturing group."""
    return _TERM.sub(lambda m: f"(?:{terms[m.group(1)]})" if m.group(1) in terms else m.group(0), source)


def _compile(sources: object, terms: Mapping[str, str], where: str, problems: List[str],
             place: Optional[SourceMap] = None, keys: Tuple[object, ...] = (),
             located: Optional[List[Tuple[str, str]]] = None) -> Tuple[Pattern[str], ...]:
    """The compiled patterns of `sources`; each problem goes to `problems` with its line (from `place` at `keys`),
    each compiled pattern to `located` as (its place, its compiled source) for the speed check."""
    if sources is None:
        return ()
    at = (place.where(*keys) + ": ") if place else ""
    if not isinstance(sources, list) or not all(isinstance(s, str) and s.strip() for s in sources):
        problems.append(f"{at}{where} must be a list of non-empty texts")
        return ()
    compiled = []
    for index, source in enumerate(sources):
        at = (place.where(*keys, index) + ": ") if place else ""
        unknown = [t for t in _TERM.findall(source) if t not in terms]
        if unknown:
            problems.append(f"{at}{where}: {source!r} uses unknown terms {unknown}: "
                            "each {name} must be one of the lists under terms:")
            continue
        # Checked alone (each term's entries are checked alone too), before the word boundaries go
        # around it: an unclosed [ would be closed by theirs and compile into a pattern that never fires.
        error = _regex_error(_TERM.sub("x", source))
        if error:
            problems.append(f"{at}{where}: {source!r} is not a valid pattern ({error})")
            continue
        try:
            compiled.append(re.compile(r"(?<![a-z0-9])(?:" + _expand(source, terms) + r")(?![a-z0-9])"))
            if located is not None:
                located.append((f"{at}{where} {source!r}", compiled[-1].pattern))
        except (re.error, OverflowError, RecursionError) as error:  # a term's entry that is not valid
            problems.append(f"{at}{where}: {source!r} is not a valid pattern ({error})")
    return tuple(compiled)


def _regex_error(source: str) -> str:
    """Why `source` does not compile on its own, or ""."""
    try:
        re.compile(source)
    except (re.error, OverflowError, RecursionError) as error:  # a huge {count}, thousands of nested groups
        return str(error)
    return ""


def _is_word(value: object) -> bool:
    """A term's entry: text, or a number written without quotes (not yes/no, which YAML reads as true/false)."""
    return (isinstance(value, str) and bool(value.strip())) or (isinstance(value, int) and not isinstance(value, bool))


#: The file's last line must be `end_of_file: true`: a file cut short (a copy or a save that stopped
#: half-way) would otherwise be served with every pattern after the cut missing.
END_KEY = "end_of_file"
END_MISSING = (
    "the last line must be 'end_of_file: true' and it is missing: the file may have been cut short "
    "(the patterns after the cut would be lost)"
)


def parse_patterns(source: str, path: Path) -> EmergencyPatterns:
    """Build the patterns from the YAML text, or raise PatternsFileError listing every problem.

    Each problem starts "line N, column M: " (where to change it), like the answers file's.
    """
    try:
        root, data = read_staff_yaml(source)
    except yaml.YAMLError as error:
        raise PatternsFileError(path, [yaml_problem(error, source)]) from error
    place = SourceMap(root, source)
    if not isinstance(data, dict) or not isinstance(data.get("patterns"), list) or not data["patterns"]:
        where = place.where("patterns") if isinstance(data, dict) and "patterns" in data else place.end()
        raise PatternsFileError(path, [f"{where}: the file needs a non-empty 'patterns:' list"])
    problems: List[str] = []
    for key, first, second in place.duplicate_keys():
        problems.append(f"{place.at(second)}: {key} is written twice (first on line {first.start_mark.line + 1}): "
                        "keep one, the second one would silently replace the first")
    if data.get(END_KEY) is not True or list(data)[-1] != END_KEY:
        problems.append(f"{place.end()}: {END_MISSING}")
    terms: Dict[str, str] = {}
    term_lists = data.get("terms") or {}
    if not isinstance(term_lists, dict):
        problems.append(f"{place.where('terms')}: 'terms:' must list named terms, each a list of words (who: [i, he, she])")
        term_lists = {}
    for name, value in term_lists.items():
        if not isinstance(value, list) or not value or not all(_is_word(v) for v in value):
            problems.append(f"{place.where('terms', name)}: term {name} must be a list of words or phrases (in quotes)")
            continue
        for index, entry in enumerate(value):
            error = _regex_error(str(entry))
            if error:
                problems.append(f"{place.where('terms', name, index)}: term {name}: {entry!r} is not a valid "
                                f"pattern ({error})")
        terms[str(name)] = "|".join(str(v) for v in value)
    patterns = []
    located: List[Tuple[str, str]] = []
    for index, entry in enumerate(data["patterns"], start=1):
        keys = ("patterns", index - 1)
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{place.where(*keys)}: pattern {index} needs a 'name'")
            continue
        phrases = entry.get("phrases") or []
        if not isinstance(phrases, list) or not all(isinstance(p, str) and normalise(p) for p in phrases):
            problems.append(f"{place.where(*keys, 'phrases')}: pattern {name} phrases must be a list of texts "
                            "with letters or digits")
            phrases = []
        escaped = [re.escape(normalise(p)).replace(r"\ ", " ") for p in phrases]
        matches = _compile(escaped, terms, f"pattern {name}", problems, place, keys + ("phrases",))
        matches += _compile(entry.get("regex"), terms, f"pattern {name} regex", problems, place, keys + ("regex",),
                            located)
        if not matches:
            problems.append(place.buried_key(keys, "phrases") or place.buried_key(keys, "regex")
                            or f"{place.where_key(*keys, 'name')}: pattern {name} needs 'phrases' or 'regex'")
        unless = _compile(entry.get("unless"), terms, f"pattern {name} unless", problems, place, keys + ("unless",),
                          located)
        patterns.append(EmergencyPattern(name, matches, unless))
    if not problems:  # phrases are escaped words: only the regexes can backtrack without end
        problems += slow_patterns(located)
    if problems:
        raise PatternsFileError(path, sorted(problems, key=_line_and_column))
    return EmergencyPatterns(tuple(patterns))


def _line_and_column(problem: str) -> Tuple[int, int]:
    match = re.match(r"line (\d+), column (\d+)", problem)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


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
