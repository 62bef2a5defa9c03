"""`python -m serving run ...`: Rasa's command line with the speed-ups of serving/ installed.

Same arguments and behaviour as `python -m rasa`; tools/servers.py `rasa_run_args` uses it for
`make run`, the tests, the benchmark and the container (tools/rasa_server.py). Installed first:
the redaction of personal data in everything the server writes (tools/log_privacy.py), the
HTTP request limits (serving/http_limits.py), the action-response check compiled once
(serving/action_response.py, with the measurement behind it).
"""
from __future__ import annotations


def main() -> None:
    from tools.log_privacy import install_redaction

    install_redaction(streams=True)  # before Rasa creates its log handlers on stdout/stderr
    from serving import action_response, http_limits

    http_limits.install()
    action_response.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
