"""Generated broken edits of the two files staff edit (Hypothesis): refused clearly and quickly, never served.

The answers file (answers/answers.yml) and the emergency phrases (safety/emergency_patterns.yml)
get random unicode, a few megabytes, the real file cut at any byte, deep nesting, YAML bombs,
bytes that are not UTF-8, and the real file with a line deleted, a value of the wrong type or a
regex that does not compile. Loading one either serves it (a harmless edit) or refuses it with
the file's own error, naming the file and (answers) the line; it never raises anything else and
never takes long. A live store that served the good file keeps serving it after the broken
edit, then picks up the next good edit. No servers: these run on temporary copies.
"""
from __future__ import annotations

import contextlib
import functools
import os
import re
import signal
import time
from pathlib import Path
from typing import Any, Callable, Iterator, List, Tuple, Type

import pytest
import yaml
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from answer_book.model import AnswersFileError
from answer_book.store import DEFAULT_ANSWERS_PATH, AnswerStore
from safety.emergency_net import DEFAULT_PATTERNS_PATH, PatternsFileError, PatternStore
from staff_files.live_file import LiveFile, StaffFileError, display_path
from tests.answer_files import age

ANSWERS = DEFAULT_ANSWERS_PATH.read_bytes()
PATTERNS = DEFAULT_PATTERNS_PATH.read_bytes()
#: A good edit of each file, so a store that picks it up is seen to (the answer's text, a new phrase).
ANSWERS_EDITED = ANSWERS.replace(b"A common dose of low-dose naltrexone", b"Edited: a common dose of low-dose naltrexone")
NEW_PHRASE = "zebra quartet alarm"
PATTERNS_EDITED = PATTERNS.replace(b'phrases: ["overdose help", ', f'phrases: ["{NEW_PHRASE}", "overdose help", '.encode(), 1)
EMERGENCY = "i took too many pills and cant breathe"

#: A load that takes longer than this is a hang (the good files load in 0.1 s and 0.9 s; a busy CI
#: machine is slower).
LOAD_SECONDS = 10.0
#: Examples per property. Each loads a file (a broken one in milliseconds, a good or mutated
#: answers file in 0.1 s, a good or mutated patterns file in 0.9 s): about 40 s in all. STAFF_FILE_EXAMPLES=300
#: searches harder.
EXAMPLES = int(os.environ.get("STAFF_FILE_EXAMPLES", "30"))
PROPERTY = settings(
    max_examples=EXAMPLES, deadline=None, database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],  # no explain phase: tracing makes a load 10 times slower
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW_PROPERTY = settings(PROPERTY, max_examples=max(5, EXAMPLES // 3))  # each example loads the whole patterns file (0.9 s)


# ---- broken edits ----

def utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate becomes bytes that are not UTF-8


def billion_laughs(width: int, depth: int) -> bytes:
    """Each level lists the one before `width` times: width ** depth items if the aliases were followed."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]" for level in range(1, depth + 1)]
    return "\n".join(lines).encode()


def deep(depth: int, style: str) -> bytes:
    if style == "flow list":
        return b"[" * depth + b"x" + b"]" * depth
    if style == "flow map":
        return b"{a: " * depth + b"x" + b"}" * depth
    return "".join(" " * level + "a:\n" for level in range(depth)).encode()  # block sections


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=30,
)
bombs = st.one_of(
    st.builds(billion_laughs, st.integers(2, 10), st.integers(2, 12)),
    st.sampled_from([b"a: &a [*a]", b"&a {b: *a}", b"&a [*a, *a]", b"version: 1\nanswers: &a {ask_dose: *a}",
                     b"terms: &t {who: *t}\npatterns: [{name: x, regex: ['{who}']}]",
                     b"patterns: &p [{name: x, phrases: *p}]"]),
)


def cut_short(original: bytes) -> st.SearchStrategy[bytes]:
    return st.integers(0, len(original) * 9 // 10).map(lambda size: original[:size])  # maybe mid-character


def broken_edits(original: bytes, cut: bool = True) -> st.SearchStrategy[bytes]:
    """Edits no valid file looks like: whatever is written, the file must be refused.

    `cut`: the file cut short is one of them (the answers file must hold every answer; the patterns
    file must end with `end_of_file: true`).
    """
    return st.one_of(
        cut_short(original) if cut else st.nothing(),
        st.text(max_size=500).map(utf8),
        st.text(alphabet=st.characters(blacklist_categories=()), max_size=200).map(utf8),  # controls, surrogates
        st.builds(lambda piece, size: (piece * (size // len(piece) + 1))[:size],  # a few megabytes pasted
                  st.binary(min_size=1, max_size=20) | st.sampled_from([original, b"- x\n", b"a: b\n", b"[", b"#\n"]),
                  st.integers(1_000_000, 4_000_000)),
        st.builds(deep, st.integers(30, 20_000), st.sampled_from(["flow list", "flow map", "block"])),
        json_values.map(lambda value: yaml.safe_dump(value, allow_unicode=True).encode()),
        bombs,
        st.binary(max_size=500),
        st.builds(lambda at, junk: original[:at] + junk + original[at:],  # NUL or stray bytes inside the real file
                  st.integers(0, len(original)), st.sampled_from([b"\x00", b"\xff\xfe", b"\x80", b"\xc3", b"\x1b[2J"])),
    )


WRONG_VALUES = [None, "", 0, 7, True, [], [1, [2]], {}, {"a": {"b": "c"}}, "x" * 5000, "\u202e\u0000"]
BAD_REGEXES = ["(", ")", "[", "*", "a{5,2}", "(?P<", r"\1", "(?<=a+)b", "[z-a]", "a{99999999999}", "(" * 2000]


def paths(data: Any, at: Tuple[Any, ...] = ()) -> Iterator[Tuple[Any, ...]]:
    """Every key path inside the parsed file."""
    yield at
    children = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, child in children:
        yield from paths(child, at + (key,))


def replaced(data: Any, at: Tuple[Any, ...], value: Any) -> Any:
    if not at:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[at[0]] = replaced(data[at[0]], at[1:], value)
    return copy


@st.composite
def line_mutations(draw: st.DrawFn, original: bytes) -> bytes:
    """The real file with one line deleted, doubled, indented, unindented or replaced by random text."""
    lines = original.decode("utf-8").splitlines(keepends=True)
    index = draw(st.integers(0, len(lines) - 1))
    kind = draw(st.sampled_from(["delete", "double", "indent", "unindent", "replace"]))
    if kind == "delete":
        del lines[index]
    elif kind == "double":
        lines.insert(index, lines[index])
    elif kind == "indent":
        lines[index] = draw(st.sampled_from([" ", "  ", "\t", "- "])) + lines[index]
    elif kind == "unindent":
        lines[index] = lines[index].lstrip(" ")
    else:
        lines[index] = draw(st.text(max_size=60)) + "\n"
    return utf8("".join(lines))


@functools.lru_cache(maxsize=None)
def parsed(original: bytes) -> Tuple[Any, Tuple[Tuple[Any, ...], ...]]:
    """The real file's data and every key path in it (read once: the patterns file takes 0.2 s)."""
    data = yaml.safe_load(original)
    return data, tuple(paths(data))


@st.composite
def wrong_types(draw: st.DrawFn, original: bytes) -> bytes:
    """The real file with one value (a section, an answer, a field, a list item) of the wrong type."""
    data, places = parsed(original)
    at = draw(st.sampled_from(places[1:]))
    return yaml.safe_dump(replaced(data, at, draw(st.sampled_from(WRONG_VALUES))), allow_unicode=True).encode()


@st.composite
def invalid_regexes(draw: st.DrawFn) -> Tuple[bytes, str]:
    """The real patterns file with one regex (of a pattern, its unless, or a term) that does not compile."""
    data, every = parsed(PATTERNS)
    places = [at for at in every if len(at) == 4 and at[2] in ("regex", "unless")]
    places += [at for at in every if len(at) == 3 and at[0] == "terms"]
    at = draw(st.sampled_from(places))
    original = data
    for key in at:
        original = original[key]
    cut = draw(st.integers(0, len(original)))
    broken = original[:cut] + draw(st.sampled_from(BAD_REGEXES)) + original[cut:]
    assume(not compiles(re.sub(r"\{[a-z_]+\}", "x", broken)))  # "{c*ause_question}" is a valid regex (that never fires)
    return yaml.safe_dump(replaced(data, at, broken), allow_unicode=True).encode(), broken


def compiles(regex: str) -> bool:
    try:
        re.compile(regex)
    except (re.error, OverflowError, RecursionError):
        return False
    return True


# ---- loading ----

@contextlib.contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fails the test instead of hanging when the block takes longer than `seconds`."""
    def too_slow(*_: Any) -> None:
        raise AssertionError(f"loading took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def write(path: Path, data: bytes) -> None:
    """Saved in place, as most editors do; aged so the store treats the save as finished."""
    with path.open("r+b") as file:
        file.truncate(0)
        file.write(data)
    age(path)


def fresh_load(kind: Type[LiveFile], error: Type[StaffFileError], path: Path, data: bytes) -> Any:
    """What a store starting on `data` serves, or the error it refuses it with; anything else fails."""
    write(path, data)
    store = kind(path)
    try:
        with within(LOAD_SECONDS):
            return store.current()
    except StaffFileError as refused:
        assert_clear(refused, error, path)
        return refused


def assert_clear(refused: StaffFileError, error: Type[StaffFileError], path: Path) -> None:
    assert isinstance(refused, error), type(refused)
    assert refused.problems and all(problem.strip() for problem in refused.problems)
    assert all(line.startswith(f"{display_path(path)}, ") for line in refused.lines()), "names the file"
    if error is AnswersFileError:
        bad = [problem for problem in refused.problems if not re.match(r"line \d+, column \d+: \S", problem)]
        assert not bad, f"each problem says the line and column: {bad[:3]}"


@pytest.fixture
def answers_path(tmp_path: Path) -> Path:
    path = tmp_path / "answers.yml"
    path.write_bytes(ANSWERS)
    return path


@pytest.fixture
def patterns_path(tmp_path: Path) -> Path:
    path = tmp_path / "emergency_patterns.yml"
    path.write_bytes(PATTERNS)
    return path


# ---- the answers file ----

@PROPERTY
@given(edit=broken_edits(ANSWERS))
def test_a_broken_answers_file_is_refused_naming_the_file_and_line(answers_path: Path, edit: bytes) -> None:
    assert isinstance(fresh_load(AnswerStore, AnswersFileError, answers_path, edit), AnswersFileError)


@PROPERTY
@given(edit=line_mutations(ANSWERS) | wrong_types(ANSWERS))
def test_a_mutated_answers_file_is_served_or_refused_clearly(answers_path: Path, edit: bytes) -> None:
    fresh_load(AnswerStore, AnswersFileError, answers_path, edit)


@pytest.fixture
def live_answers(answers_path: Path) -> AnswerStore:
    store = AnswerStore(answers_path)
    store.current()
    return store


@PROPERTY
@given(edit=broken_edits(ANSWERS) | line_mutations(ANSWERS) | wrong_types(ANSWERS))
def test_the_last_good_answers_keep_serving_after_a_broken_edit_until_a_good_one(
    live_answers: AnswerStore, edit: bytes
) -> None:
    store = live_answers
    before = store.current()
    write(store.path, edit)
    with within(LOAD_SECONDS):
        served = store.current()
    if store.last_error is not None:
        assert served is before, "a refused edit is never served"
        assert_clear(store.last_error, AnswersFileError, store.path)
    assert served.answer_for("ask_dose").text and served.message("emergency")
    good = ANSWERS_EDITED if served.answers["ask_dose"].text.startswith("A common") else ANSWERS
    write(store.path, good)
    assert store.current().answers["ask_dose"].text.startswith("Edited" if good is ANSWERS_EDITED else "A common")
    assert store.last_error is None


# ---- the emergency patterns file ----

@PROPERTY
@given(edit=broken_edits(PATTERNS))
def test_a_broken_patterns_file_is_refused_naming_the_file(patterns_path: Path, edit: bytes) -> None:
    assert isinstance(fresh_load(PatternStore, PatternsFileError, patterns_path, edit), PatternsFileError)


@SLOW_PROPERTY
@given(edit=line_mutations(PATTERNS) | wrong_types(PATTERNS) | cut_short(PATTERNS))
def test_a_mutated_patterns_file_is_served_or_refused_clearly(patterns_path: Path, edit: bytes) -> None:
    fresh_load(PatternStore, PatternsFileError, patterns_path, edit)


@SLOW_PROPERTY
@given(edit_and_regex=invalid_regexes())
def test_a_regex_that_does_not_compile_is_refused_naming_it(patterns_path: Path, edit_and_regex: Tuple[bytes, str]) -> None:
    edit, regex = edit_and_regex
    refused = fresh_load(PatternStore, PatternsFileError, patterns_path, edit)
    assert isinstance(refused, PatternsFileError), f"{regex!r} was served"
    assert "is not a valid pattern" in str(refused)


def test_a_patterns_file_cut_short_is_refused(patterns_path: Path) -> None:
    lines = PATTERNS.splitlines(keepends=True)
    spanish = next(index for index, line in enumerate(lines) if line.startswith(b"  - name: ") and b"_es" in line)
    refused = fresh_load(PatternStore, PatternsFileError, patterns_path, b"".join(lines[:spanish]))
    assert isinstance(refused, PatternsFileError), "every Spanish pattern (and the English ones after them) is gone"


@pytest.fixture
def live_patterns(patterns_path: Path) -> PatternStore:
    store = PatternStore(patterns_path)
    store.current()
    return store


@SLOW_PROPERTY
@given(edit=broken_edits(PATTERNS) | line_mutations(PATTERNS) | wrong_types(PATTERNS)
       | invalid_regexes().map(lambda edit_and_regex: edit_and_regex[0]))
def test_the_last_good_patterns_keep_catching_emergencies_after_a_broken_edit_until_a_good_one(
    live_patterns: PatternStore, edit: bytes
) -> None:
    store = live_patterns
    before = store.current()
    write(store.path, edit)
    with within(LOAD_SECONDS):
        served = store.current()
    if store.last_error is not None:
        assert served is before, "a refused edit is never served"
        assert_clear(store.last_error, PatternsFileError, store.path)
        assert served.match(EMERGENCY), "the last good patterns still catch an emergency"
    good = PATTERNS if served.match(NEW_PHRASE) else PATTERNS_EDITED
    write(store.path, good)
    assert bool(store.match(NEW_PHRASE)) is (good is PATTERNS_EDITED), "the good edit is served"
    assert store.match(EMERGENCY) and store.last_error is None
