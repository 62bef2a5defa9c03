"""The fault-injection run, only under `make test-faults` (it kills servers on purpose and waits for
them to come back: minutes, not seconds). `make test` skips this folder unless BLISS_FAULTS_TEST=1."""
import os

collect_ignore_glob = [] if os.environ.get("BLISS_FAULTS_TEST") == "1" else ["test_*.py"]
