"""Run `rasa` (e.g. `python -m tools.rasa_server run ...`) with the serving/ speed-ups installed.

Same arguments and behaviour as `python -m rasa`; see serving/action_response.py for what
changes and the measurement behind it.
"""
from __future__ import annotations


def main() -> None:
    from serving.action_response import install

    install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
