"""`make run`: start the action server, the Rasa server and the demo page on loopback; stop all on Ctrl-C.

Ports come from ACTION_SERVER_PORT (5055), RASA_PORT (5005) and WEB_PORT (8080).
endpoints.yml (SQLite) is used as it is unless DATABASE_URL or REDIS_URL is set: then
runtime/endpoints.py writes var/endpoints.yml for PostgreSQL / Redis. credentials.yml is used as
it is, except that the demo page's origin is added to the socket.io channel's allowed origins
(var/credentials.yml). Logs go to var/log/.
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from runtime.endpoints import endpoints_config, uses_production_stores, write_endpoints_file
from runtime.servers import (
    ACTION_READY_PATH,
    DEFAULT_CORS,
    PROJECT_DIR,
    RASA_READY_PATH,
    page_origins,
    start_action_server,
    start_rasa_server,
    stop_all,
    wait_until_ready,
    write_credentials,
)
from runtime.web_server import start_web_server


def _stop_on_signal(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # Ctrl-C and `kill` both stop the servers (even when started from a non-interactive shell).
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    action_port = int(os.environ.get("ACTION_SERVER_PORT", "5055"))
    rasa_port = int(os.environ.get("RASA_PORT", "5005"))
    web_port = int(os.environ.get("WEB_PORT", "8080"))
    log_dir = PROJECT_DIR / "var" / "log"
    (PROJECT_DIR / "var").mkdir(exist_ok=True)
    servers = []
    web_server = None
    try:
        action_server = start_action_server(action_port, log_dir / "action_server.log")
        servers.append(action_server)
        endpoints = PROJECT_DIR / "endpoints.yml"
        if uses_production_stores(os.environ):
            action_url = f"http://127.0.0.1:{action_port}/webhook"
            endpoints = write_endpoints_file(PROJECT_DIR / "var" / "endpoints.yml", endpoints_config(os.environ, action_url))
        credentials = write_credentials(PROJECT_DIR / "var" / "credentials.yml", page_origins(web_port), True)
        rasa_server = start_rasa_server(
            rasa_port,
            endpoints,
            log_dir / "rasa_server.log",
            credentials=credentials,
            cors=list(dict.fromkeys([*DEFAULT_CORS, *page_origins(web_port)])),
        )
        servers.append(rasa_server)
        print(f"Starting (logs in {log_dir.relative_to(PROJECT_DIR)}/) ...", flush=True)
        wait_until_ready(action_server, ACTION_READY_PATH)
        seconds = wait_until_ready(rasa_server, RASA_READY_PATH)
        web_server = start_web_server(web_port, rasa_server.url)
        print(
            f"\nThe assistant is up ({seconds:.0f}s to start).\n"
            f"  web page:  http://localhost:{web_port}/  (the clinic page with the chat widget)\n"
            f"  REST:      POST {rasa_server.url}/webhooks/rest/webhook  "
            '{"sender": "me", "message": "What is LDN?"}\n'
            f"  socket.io: {rasa_server.url}/socket.io\n"
            f"  SMS:       POST {rasa_server.url}/webhooks/twilio_sms/webhook  (Twilio-signed; README 'Text messages')\n"
            f"  actions:   {action_server.url}/health\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        while all(server.process.poll() is None for server in servers):
            time.sleep(1)
        dead = [server for server in servers if server.process.poll() is not None]
        for server in dead:
            print(f"{server.name} stopped unexpectedly; last lines of {server.log_path}:\n{server.log_text()[-2000:]}")
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
    finally:
        if web_server is not None:
            web_server.stop()
        stop_all(servers)


if __name__ == "__main__":
    main()
