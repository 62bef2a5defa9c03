"""A running assistant: both servers on free loopback ports and a REST client (tests, benchmarks)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import requests

from runtime.servers import (
    ACTION_READY_PATH,
    DEFAULT_CREDENTIALS,
    RASA_READY_PATH,
    Server,
    free_port,
    page_origins,
    start_action_server,
    start_rasa_server,
    wait_until_ready,
    write_credentials,
    write_endpoints,
)


@dataclass
class RunningAssistant:
    rasa: Server
    actions: Server
    work_dir: Path
    credentials: Path = DEFAULT_CREDENTIALS
    env: Optional[Dict[str, str]] = None
    page_port: int = 0  # the socket.io channel accepts pages served on this port (tests/test_web_widget.py)
    rasa_args: Sequence[str] = ()  # extra `rasa run` arguments, e.g. ("--enable-api", "--auth-token", T)

    @property
    def action_port(self) -> int:
        return int(self.actions.url.rsplit(":", 1)[1])

    @property
    def rest_url(self) -> str:
        return f"{self.rasa.url}/webhooks/rest/webhook"

    def ask(self, sender: str, message: str, timeout: float = 60.0) -> List[Dict[str, Any]]:
        """Send one message over REST; the bot's messages as Rasa returns them."""
        response = requests.post(self.rest_url, json={"sender": sender, "message": message}, timeout=timeout)
        assert response.status_code == 200, f"HTTP {response.status_code}: {response.text[:500]}"
        return response.json()

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()

    def restart_rasa(self) -> None:
        """Stop the Rasa server and start it again on the same port, with the same files."""
        self.rasa.stop()
        port = int(self.rasa.url.rsplit(":", 1)[1])
        self.rasa = start_rasa_server(
            port, self.work_dir / "endpoints.yml", self.work_dir / "rasa_server.log",
            credentials=self.credentials, cors=page_origins(self.page_port), env=self.env,
            extra_args=self.rasa_args,
        )
        wait_until_ready(self.rasa, RASA_READY_PATH)


def rest_conversation_id(sender: str) -> str:
    """The tracker store's id of a REST sender's conversation ("rest:<sender>")."""
    from channels.incoming import conversation_id
    from channels.rest import ClinicRestInput

    return conversation_id(ClinicRestInput.name(), sender)


def reply_text(messages: List[Dict[str, Any]]) -> str:
    """All the text of a reply, joined, for assertions."""
    return "\n".join(str(message.get("text", "")) for message in messages)


def reply_buttons(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [button for message in messages for button in message.get("buttons", []) or []]


def start_assistant(
    work_dir: Path,
    env: Optional[Dict[str, str]] = None,
    credentials: Path = DEFAULT_CREDENTIALS,
    rasa_args: Sequence[str] = (),
) -> RunningAssistant:
    """Start the action server and the Rasa server with their own ports, endpoints and SQLite file.

    The socket.io channel (and --cors, as `make run` does) accepts the origin of a web page
    on `page_port` (reserved here, for the browser tests' demo page) and no other; the other
    channels are configured by `credentials`.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    action_port, rasa_port, page_port = free_port(), free_port(), free_port()
    endpoints = write_endpoints(
        work_dir / "endpoints.yml", f"http://127.0.0.1:{action_port}/webhook", work_dir / "rasa.db"
    )
    credentials = write_credentials(work_dir / "credentials-with-page.yml", page_origins(page_port), base=credentials)
    actions = start_action_server(action_port, work_dir / "action_server.log", env=env)
    rasa = start_rasa_server(
        rasa_port, endpoints, work_dir / "rasa_server.log", credentials=credentials, cors=page_origins(page_port), env=env,
        extra_args=rasa_args,
    )
    try:
        wait_until_ready(actions, ACTION_READY_PATH)
        wait_until_ready(rasa, RASA_READY_PATH)
    except Exception:
        rasa.stop()
        actions.stop()
        raise
    return RunningAssistant(rasa, actions, work_dir, credentials, env, page_port, rasa_args)
