"""`python -m runtime.rasa_run run ...`: Rasa's command line with the project's patches installed.

Same arguments and behaviour as `python -m rasa`; runtime/servers.py `rasa_run_args` uses it for
`make run`, the tests, the benchmark and the container (runtime/rasa_server.py). Installed first:
the redaction of personal data in everything the server writes (runtime/log_privacy.py), the
HTTP request limits (runtime/patches/http_limits.py), the action-response check compiled once
(runtime/patches/action_response.py, with the measurement behind it), the policies and the action
server given the recent turns instead of the whole session (runtime/patches/recent_turns.py), the
model's graphs run in order without dask's scheduler (runtime/patches/graph_runner.py), an event's
class found by its name once (runtime/patches/event_types.py), one HTTP client session kept per
endpoint instead of one a call (runtime/patches/kept_sessions.py).
"""
from __future__ import annotations


def main() -> None:
    from runtime.log_privacy import install_redaction

    install_redaction(streams=True)  # before Rasa creates its log handlers on stdout/stderr
    from runtime.patches import action_response, event_types, graph_runner, http_limits, kept_sessions, recent_turns

    http_limits.install()
    action_response.install()
    recent_turns.install()
    graph_runner.install()
    event_types.install()
    kept_sessions.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
