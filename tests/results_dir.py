"""Where tests write what they measured or photographed: a temporary folder, so `make test` leaves
the tree clean; BLISS_RESULTS_DIR (set by `make bench-scale` and `make screenshots`) makes it results/."""
from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

RESULTS_DIR_VAR = "BLISS_RESULTS_DIR"


@functools.lru_cache(maxsize=None)
def results_dir() -> Path:
    """BLISS_RESULTS_DIR if set, else one temporary folder for this test run."""
    chosen = os.environ.get(RESULTS_DIR_VAR)
    path = Path(chosen) if chosen else Path(tempfile.mkdtemp(prefix="bliss-test-results-"))
    path.mkdir(parents=True, exist_ok=True)
    return path
