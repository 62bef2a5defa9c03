"""The one way to start the assistant on this machine: action server, Rasa server, demo page.

`make run` (runtime/serve.py), `make shell` (runtime/shell.py), the tests and the benchmarks all
call `start_assistant`. By default every server gets a free loopback port and its own files in
`work_dir` (endpoints, credentials, SQLite store, logs); `make run` passes its fixed ports and the
project's endpoints instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import requests

from runtime.servers import (
    ACTION_READY_PATH,
    DEFAULT_CORS,
    DEFAULT_CREDENTIALS,
    DEFAULT_MODEL,
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
from runtime.web_server import WebServer, start_web_server


@dataclass(frozen=True)
class Ports:
    action: int = field(default_factory=free_port)
    rasa: int = field(default_factory=free_port)
    page: int = field(default_factory=free_port)  # the socket.io channel accepts pages served here


@dataclass
class RunningAssistant:
    rasa: Optional[Server]  # None for `make shell`, which runs its own Rasa process
    actions: Server
    work_dir: Path
    credentials: Path = DEFAULT_CREDENTIALS
    env: Optional[Dict[str, str]] = None
    page_port: int = 0
    rasa_args: Sequence[str] = ()  # extra `rasa run` arguments, e.g. ("--enable-api", "--auth-token", T)
    endpoints: Optional[Path] = None
    log_dir: Optional[Path] = None
    page: Optional[WebServer] = None  # the demo page, when started
    model: Path = DEFAULT_MODEL

    @property
    def action_port(self) -> int:
        return int(self.actions.url.rsplit(":", 1)[1])

    @property
    def rest_url(self) -> str:
        return f"{self.rasa.url}/webhooks/rest/webhook"

    def servers(self) -> List[Server]:
        return [server for server in (self.actions, self.rasa) if server is not None]

    def ask(self, sender: str, message: str, timeout: float = 60.0) -> List[Dict[str, Any]]:
        """Send one message over REST; the bot's messages as Rasa returns them."""
        response = requests.post(self.rest_url, json={"sender": sender, "message": message}, timeout=timeout)
        assert response.status_code == 200, f"HTTP {response.status_code}: {response.text[:500]}"
        return response.json()

    def stop(self) -> None:
        if self.page is not None:
            self.page.stop()
        for server in reversed(self.servers()):
            server.stop()

    def start_rasa(self, port: Optional[int] = None) -> Server:
        """Start the Rasa server (on `port`, default its current one) with this stack's files; wait until it answers."""
        port = port or int(self.rasa.url.rsplit(":", 1)[1])
        self.rasa = start_rasa_server(
            port, self.endpoints, (self.log_dir or self.work_dir) / "rasa_server.log",
            credentials=self.credentials, cors=[*DEFAULT_CORS, *page_origins(self.page_port)], env=self.env,
            extra_args=self.rasa_args, model=self.model,
        )
        wait_until_ready(self.rasa, RASA_READY_PATH)
        return self.rasa

    def restart_rasa(self) -> None:
        """Stop the Rasa server and start it again on the same port, with the same files."""
        self.rasa.stop()
        self.start_rasa()


def stack_files(
    work_dir: Path, ports: Ports, endpoints: Optional[Path], credentials: Path, keep_configured_origins: bool
) -> Tuple[Path, Path]:
    """The endpoints file (`endpoints`, or one in `work_dir` with this stack's action server and the
    SQLite file `work_dir`/rasa.db) and the credentials accepting the page port's origin."""
    work_dir.mkdir(parents=True, exist_ok=True)
    if endpoints is None:
        endpoints = write_endpoints(
            work_dir / "endpoints.yml", f"http://127.0.0.1:{ports.action}/webhook", work_dir / "rasa.db", env=None
        )
    page_credentials = write_credentials(
        work_dir / "credentials-with-page.yml", page_origins(ports.page), keep_configured_origins, base=credentials
    )
    return endpoints, page_credentials


def start_assistant(
    work_dir: Path,
    env: Optional[Dict[str, str]] = None,
    credentials: Path = DEFAULT_CREDENTIALS,
    rasa_args: Sequence[str] = (),
    model: Path = DEFAULT_MODEL,
    ports: Optional[Ports] = None,
    endpoints: Optional[Path] = None,
    log_dir: Optional[Path] = None,
    keep_configured_origins: bool = False,
    with_rasa: bool = True,
    with_page: bool = False,
) -> RunningAssistant:
    """Start the action server, the Rasa server and (`with_page`) the demo page; wait until they answer.

    `endpoints`: the endpoints file to use; default one in `work_dir` with this action server and
    the SQLite file `work_dir`/rasa.db. The socket.io channel (and --cors) accepts the origin of
    the page port, plus the origins `credentials` lists when `keep_configured_origins`.
    """
    ports = ports or Ports()
    log_dir = log_dir or work_dir
    endpoints, page_credentials = stack_files(work_dir, ports, endpoints, credentials, keep_configured_origins)
    actions = start_action_server(ports.action, log_dir / "action_server.log", env=env)
    running = RunningAssistant(
        None, actions, work_dir, page_credentials, env, ports.page, rasa_args, endpoints, log_dir, model=model
    )
    try:
        wait_until_ready(actions, ACTION_READY_PATH)
        if with_rasa:
            running.start_rasa(ports.rasa)
        if with_page:
            running.page = start_web_server(ports.page, running.rasa.url)
    except BaseException:
        running.stop()
        raise
    return running


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
