"""`make shell`: chat with the assistant in the terminal (Rasa's `rasa shell`), with the action server.

The action server starts as everywhere else (runtime/stack.py), on a free loopback port with its
own endpoints file in var/shell/; `rasa shell` runs in the foreground and everything stops with it.
"""
from __future__ import annotations

import subprocess
import sys

from runtime.servers import DEFAULT_MODEL, LOGGING_CONFIG, PROJECT_DIR
from runtime.stack import start_assistant


def main() -> None:
    work_dir = PROJECT_DIR / "var" / "shell"
    assistant = start_assistant(work_dir, with_rasa=False)
    try:
        command = [sys.executable, "-m", "rasa", "shell", "--model", str(DEFAULT_MODEL),
                   "--endpoints", str(assistant.endpoints), "--logging-config-file", str(LOGGING_CONFIG)]
        sys.exit(subprocess.call(command, cwd=PROJECT_DIR))
    except KeyboardInterrupt:
        pass
    finally:
        assistant.stop()


if __name__ == "__main__":
    main()
