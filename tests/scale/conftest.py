"""The scale-out test runs only under `make test-scale` (it installs and starts PostgreSQL, Redis, nginx).

`make test` (pytest tests) skips collecting this folder unless BLISS_SCALE_TEST=1.
"""
import os

collect_ignore_glob = [] if os.environ.get("BLISS_SCALE_TEST") == "1" else ["test_*.py"]
