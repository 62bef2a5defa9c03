"""`python -m serving run ...`: Rasa's command line with the speed-ups of serving/ installed.

Same arguments and behaviour as `python -m rasa`; tools/servers.py `rasa_run_args` uses it for
`make run`, the tests, the benchmark and the container (tools/rasa_server.py). See
serving/action_response.py for what changes and the measurement behind it.
"""
from __future__ import annotations


def main() -> None:
    from serving.action_response import install

    install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
