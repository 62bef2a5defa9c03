"""`make check-safety`: check the emergency phrases file with every rule the assistant applies before using it.

Usage: python -m tools.check_safety [PATH]   (default: PATTERNS_PATH, EMERGENCY_PATTERNS_PATH or
safety/emergency_patterns.yml). Prints each problem as "safety/emergency_patterns.yml, line 14, column 5:
what to change" and exits 1, or prints a short OK summary and exits 0. The running assistant uses the
same rules: a file this command refuses is never used (the last good patterns keep serving).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import List, Optional

from safety.emergency_net import PatternsFileError, parse_patterns, patterns_path
from staff_files.live_file import display_path, problems_to_fix


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=patterns_path(os.environ.get("PATTERNS_PATH")),
                        help="the emergency patterns file (default: %(default)s)")
    args = parser.parse_args(argv)
    shown = display_path(args.path)
    try:
        patterns = parse_patterns(args.path.read_text(encoding="utf-8"), args.path)
    except (OSError, UnicodeDecodeError) as error:
        print(f"{shown}, line 1, column 1: the file cannot be read ({error})")
        return 1
    except PatternsFileError as error:
        print("\n".join(error.lines()))
        print(f"\n{problems_to_fix(len(error.problems), shown)}. "
              "Until they are fixed, the assistant keeps using the last good emergency phrases.")
        return 1
    print(f"{shown}: OK. {len(patterns.patterns)} emergency patterns. "
          "Next: make test-safety checks that the examples still fire (and the questions do not).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
