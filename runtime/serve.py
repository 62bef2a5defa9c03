"""`make run`: the action server, the Rasa server and the demo page on loopback, under supervisord.

Ports come from ACTION_SERVER_PORT (5055), RASA_PORT (5005) and WEB_PORT (8080).
endpoints.yml (SQLite) is used as it is unless DATABASE_URL or REDIS_URL is set: then
runtime/endpoints.py writes var/endpoints.yml for PostgreSQL / Redis. credentials.yml is used as
it is, except that the demo page's origin is added to the socket.io channel's allowed origins
(var/credentials-with-page.yml). A server that dies is started again by supervisord while the
others keep serving (runtime/supervised.py). Ctrl-C stops everything. Logs go to var/log/.
"""
from __future__ import annotations

import os
import signal
import time

from runtime.endpoints import endpoints_config, uses_production_stores, write_endpoints_file
from runtime.servers import PROJECT_DIR
from runtime.stack import Ports
from runtime.supervised import start_supervised


def _stop_on_signal(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # Ctrl-C and `kill` both stop the servers (even when started from a non-interactive shell).
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    ports = Ports(
        action=int(os.environ.get("ACTION_SERVER_PORT", "5055")),
        rasa=int(os.environ.get("RASA_PORT", "5005")),
        page=int(os.environ.get("WEB_PORT", "8080")),
    )
    var = PROJECT_DIR / "var"
    log_dir = var / "log"
    endpoints = PROJECT_DIR / "endpoints.yml"
    if uses_production_stores(os.environ):
        action_url = f"http://127.0.0.1:{ports.action}/webhook"
        endpoints = write_endpoints_file(var / "endpoints.yml", endpoints_config(os.environ, action_url))
    print(f"Starting (logs in {log_dir.relative_to(PROJECT_DIR)}/) ...", flush=True)
    started = time.monotonic()
    assistant = start_supervised(var, ports=ports, endpoints=endpoints, log_dir=log_dir, keep_configured_origins=True)
    try:
        assistant.wait_ready()
        rasa_url, action_url = assistant.programs["rasa"].url, assistant.programs["actions"].url
        print(
            f"\nThe assistant is up ({time.monotonic() - started:.0f}s to start).\n"
            f"  web page:  http://localhost:{ports.page}/  (the clinic page with the chat widget)\n"
            f"  REST:      POST {rasa_url}/webhooks/rest/webhook  "
            '{"sender": "me", "message": "What is LDN?"}\n'
            f"  socket.io: {rasa_url}/socket.io\n"
            f"  SMS:       POST {rasa_url}/webhooks/twilio_sms/webhook  (Twilio-signed; docs/SMS.md)\n"
            f"  actions:   {action_url}/health\n"
            f"A server that stops is started again (var/log/supervisord.log). Press Ctrl-C to stop.",
            flush=True,
        )
        while assistant.process.poll() is None:
            time.sleep(1)
        print(f"supervisord stopped unexpectedly; see {log_dir / 'supervisord.log'}")
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
    finally:
        assistant.stop()


if __name__ == "__main__":
    main()
