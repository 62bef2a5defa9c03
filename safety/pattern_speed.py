"""Staff regexes that would stall every message: found before the file is used, not after.

A regex with nested repeats ("(a+)+ b", "(\\w+ ?)+ now") backtracks for exponentially long on a
message that almost matches; the safety net runs on every message, so one such pattern would hang
the server for each visitor. Python's `re` cannot be interrupted, so every compiled pattern is tried
on probe texts (letters, digits and the pattern's own words repeated, then a word that does not
fit) in a child Python process with a deadline. A pattern that does not finish in time, or needs
more than PATTERN_SECONDS for its probes, is refused with its place in the file.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from typing import Dict, List, Sequence, Tuple

#: The whole check's deadline (a live reload waits for it once per slow pattern). The 363 compiled
#: patterns of safety/emergency_patterns.yml (Dec 2026) take about 0.25 s in the child on 2 cores,
#: start-up included; "(a+)+ b" alone would take hours.
DEADLINE_SECONDS = 3.0
#: One pattern's probes: the slowest pattern of the clinic's file takes about 1 ms on them, a
#: pattern with one nested repeat of the probes' length 0.5 s or more.
PATTERN_SECONDS = 0.25
#: How often a character or word is repeated in a probe: 2 ** 30 backtracking steps for "(a+)+ b".
REPEATS = 30
PROBE_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789"
#: Words of the pattern tried as probes (the alternations of long terms are cut there).
MAX_WORDS = 40

_CHILD = r"""
import json, re, sys, time
job = json.loads(sys.stdin.read())
for index, (source, probes) in enumerate(job):
    print("start", index, flush=True)
    compiled = re.compile(source)
    started = time.perf_counter()
    for probe in probes:
        compiled.search(probe)
    print("took", index, time.perf_counter() - started, flush=True)
"""

#: Sources already checked -> why each is too slow ("" when fast enough): a file is checked again
#: only where it changed, and a refused edit read again costs nothing.
_checked: Dict[str, str] = {}


def probes_for(source: str) -> List[str]:
    """Texts in the safety net's normalised form (lower-case words, single spaces) that almost match."""
    words = sorted(set(re.findall(r"[a-z]{2,}", source)))[:MAX_WORDS]
    probes = [character * REPEATS + " zq" for character in PROBE_CHARACTERS]
    probes += [(character + " ") * REPEATS + "zq" for character in PROBE_CHARACTERS]
    probes += [" ".join([word] * REPEATS) + " zq" for word in words]
    probes += [word * REPEATS + " zq" for word in words]
    return probes


def slow_patterns(located: Sequence[Tuple[str, str]], deadline: float = DEADLINE_SECONDS) -> List[str]:
    """The problems of the (where, compiled source) pairs whose regex backtracks too long ([] when none)."""
    todo = list(dict.fromkeys(source for _, source in located if source not in _checked))
    while todo:
        finished, hung = _time_in_child(todo, deadline)
        for source, seconds in finished.items():
            too_slow = seconds > PATTERN_SECONDS
            _checked[source] = f"took {seconds:.1f} s on a message of {REPEATS} repeated letters or words" if too_slow else ""
        if hung is None:
            break
        _checked[hung] = f"did not finish in {deadline:.0f} s on a message of {REPEATS} repeated letters or words"
        todo = todo[todo.index(hung) + 1:]
    return [f"{where}: this pattern {_checked[source]}: it would stall every message (nested repeats such as "
            "(a+)+ or (\\w+ ?)+ backtrack without end); write it without a repeat inside a repeat"
            for where, source in located if _checked.get(source)]


def _time_in_child(sources: List[str], deadline: float) -> Tuple[Dict[str, float], "str | None"]:
    """Seconds each source took on its probes, and the source that was running when the deadline passed."""
    job = json.dumps([(source, probes_for(source)) for source in sources])
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-I", "-S", "-c", _CHILD], input=job, capture_output=True,
                              text=True, timeout=deadline)
        output, hung = done.stdout, False
    except subprocess.TimeoutExpired as timeout:
        output = timeout.stdout.decode() if isinstance(timeout.stdout, bytes) else (timeout.stdout or "")
        hung = True
    took: Dict[str, float] = {}
    running = None
    for line in output.splitlines():
        parts = line.split()
        if parts[:1] == ["start"]:
            running = sources[int(parts[1])]
        elif parts[:1] == ["took"]:
            took[sources[int(parts[1])]] = float(parts[2])
            running = None
    if not hung and running is not None:  # the child died inside a pattern (memory): count it as slow
        took[running] = time.monotonic() - started
    return took, (running if hung else None)
