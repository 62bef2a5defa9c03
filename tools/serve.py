"""`make run`: start the action server and the Rasa server on loopback, print the URLs, stop both on Ctrl-C.

Ports come from ACTION_SERVER_PORT (5055) and RASA_PORT (5005); endpoints.yml and
credentials.yml are used as they are. Logs go to var/log/.
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tools.servers import (
    ACTION_READY_PATH,
    PROJECT_DIR,
    RASA_READY_PATH,
    start_action_server,
    start_rasa_server,
    stop_all,
    wait_until_ready,
)


def _stop_on_signal(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # Ctrl-C and `kill` both stop the servers (even when started from a non-interactive shell).
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    action_port = int(os.environ.get("ACTION_SERVER_PORT", "5055"))
    rasa_port = int(os.environ.get("RASA_PORT", "5005"))
    log_dir = PROJECT_DIR / "var" / "log"
    (PROJECT_DIR / "var").mkdir(exist_ok=True)
    servers = []
    try:
        action_server = start_action_server(action_port, log_dir / "action_server.log")
        servers.append(action_server)
        rasa_server = start_rasa_server(rasa_port, PROJECT_DIR / "endpoints.yml", log_dir / "rasa_server.log")
        servers.append(rasa_server)
        print(f"Starting (logs in {log_dir.relative_to(PROJECT_DIR)}/) ...", flush=True)
        wait_until_ready(action_server, ACTION_READY_PATH)
        seconds = wait_until_ready(rasa_server, RASA_READY_PATH)
        print(
            f"\nThe assistant is up ({seconds:.0f}s to start).\n"
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
        stop_all(servers)


if __name__ == "__main__":
    main()
