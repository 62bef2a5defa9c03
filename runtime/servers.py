"""Start, wait for and stop the action server and the Rasa server (used by `make run` and the tests)."""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Dict, List, Mapping, Optional, Sequence, Set

import yaml

from runtime.endpoints import ACTION_TOKEN_VAR, endpoints_config, write_endpoints_file

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = PROJECT_DIR / "models" / "bliss.tar.gz"
DEFAULT_CREDENTIALS = PROJECT_DIR / "credentials.yml"
#: Installs the redaction of phone numbers, e-mail addresses and dates in the Rasa server's log.
LOGGING_CONFIG = PROJECT_DIR / "runtime" / "logging.yml"
#: Origins allowed to call the REST API from a browser (Rasa's --cors): the demo page of `make run`.
DEFAULT_CORS = ("http://localhost:8080", "http://127.0.0.1:8080")
QUIET_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false", "PYTHONUNBUFFERED": "1"}


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    url: str  # base URL, e.g. http://127.0.0.1:5005
    log_path: Path
    log_file: IO
    started: float = field(default_factory=time.monotonic)  # when it was spawned

    def stop(self, timeout: float = 15.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()

    def log_text(self) -> str:
        self.log_file.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")


#: Where the kernel picks the local port of an outgoing connection (Linux; the usual default if unreadable).
EPHEMERAL_PORT_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
#: Servers of the tests and benchmarks listen below that range, from here up. A port bind(0) handed
#: out is in it: between the probe and the server's own bind, any outgoing connection on the machine
#: could take it as its local port (CI: an action server that could not bind for 22 s, until its
#: supervisor gave up).
LOWEST_LISTEN_PORT = 20000
_handed_out: Set[int] = set()


def _first_ephemeral_port() -> int:
    try:
        return int(EPHEMERAL_PORT_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def listen_ports() -> List[int]:
    """The ports free_port chooses from (a thousand at least, should the ephemeral range start low)."""
    return list(range(LOWEST_LISTEN_PORT, max(LOWEST_LISTEN_PORT + 1000, _first_ephemeral_port())))


def free_port() -> int:
    """A loopback port nothing listens on, below the ephemeral range, not handed out before by this process."""
    candidates = listen_ports()
    for port in secrets.SystemRandom().sample(candidates, len(candidates)):
        if port in _handed_out:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:  # in use, or a closed connection's TIME_WAIT
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free loopback port from {LOWEST_LISTEN_PORT} up")


def write_endpoints(path: Path, action_url: str, tracker_db: Path, env: Optional[Mapping[str, str]] = None) -> Path:
    """An endpoints file like endpoints.yml, with this run's action server and SQLite file.

    With DATABASE_URL / REDIS_URL in `env` (see runtime/endpoints.py) the file names PostgreSQL
    and the Redis lock store instead; without `env` it is always the SQLite file.
    """
    return write_endpoints_file(path, endpoints_config(env or {}, action_url=action_url, sqlite_db=str(tracker_db)))


SOCKETIO_CHANNEL = "channels.socketio.ClinicSocketIOInput"


def page_origins(port: int) -> List[str]:
    """The origins a browser sends for a page served on this loopback port."""
    return [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]


def write_credentials(
    path: Path, allowed_origins: Sequence[str], keep_configured: bool = False, base: Path = DEFAULT_CREDENTIALS
) -> Path:
    """`base` with the socket.io channel accepting `allowed_origins` (plus its configured ones if asked)."""
    credentials = yaml.safe_load(base.read_text(encoding="utf-8")) or {}
    socketio = credentials.setdefault(SOCKETIO_CHANNEL, {}) or {}
    configured = list(socketio.get("allowed_origins") or []) if keep_configured else []
    socketio["allowed_origins"] = list(dict.fromkeys([*configured, *allowed_origins]))
    credentials[SOCKETIO_CHANNEL] = socketio
    path.write_text(yaml.safe_dump(credentials, sort_keys=False), encoding="utf-8")
    return path


def ensure_action_token() -> str:
    """The action server token of this process's servers: ACTION_SERVER_TOKEN, else a new random one.

    Kept in this process's environment, so every server it starts (action server, Rasa server,
    replicas) shares it, and nothing else knows it.
    """
    if len(os.environ.get(ACTION_TOKEN_VAR, "")) < 16:
        os.environ[ACTION_TOKEN_VAR] = secrets.token_urlsafe(32)
    return os.environ[ACTION_TOKEN_VAR]


def _spawn(name: str, command: Sequence[str], url: str, log_path: Path, env: Optional[Dict[str, str]]) -> Server:
    ensure_action_token()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("a", encoding="utf-8")
    process = subprocess.Popen(
        list(command),
        cwd=PROJECT_DIR,
        env={**os.environ, **QUIET_ENV, **(env or {})},
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    return Server(name, process, url, log_path, log_file)


def action_server_args(host: str, port: int) -> List[str]:
    """The action server's arguments after `python` (the container images run the same)."""
    return ["-m", "runtime.action_server", "--host", host, "--port", str(port)]


def start_action_server(port: int, log_path: Path, env: Optional[Dict[str, str]] = None) -> Server:
    command = [sys.executable, *action_server_args("127.0.0.1", port)]
    return _spawn("action server", command, f"http://127.0.0.1:{port}", log_path, env)


def rasa_run_args(
    model: Path, endpoints: Path, credentials: Path, interface: str, port: int, cors: Sequence[str]
) -> List[str]:
    """`rasa run`'s arguments after `python`: no --enable-api, so the HTTP API stays off.

    The container images run the same (a test compares them).
    """
    return [
        "-m", "runtime.rasa_run", "run",  # `rasa` with runtime/patches/ (docs/PERFORMANCE.md)
        "--model", str(model),
        "--endpoints", str(endpoints),
        "--credentials", str(credentials),
        "--interface", interface,
        "--port", str(port),
        "--cors", *cors,
        "--logging-config-file", str(LOGGING_CONFIG),  # redacts personal data in every log line
    ]


def start_rasa_server(
    port: int,
    endpoints: Path,
    log_path: Path,
    model: Path = DEFAULT_MODEL,
    credentials: Path = DEFAULT_CREDENTIALS,
    cors: Sequence[str] = DEFAULT_CORS,
    env: Optional[Dict[str, str]] = None,
    extra_args: Sequence[str] = (),
) -> Server:
    """The Rasa server on 127.0.0.1:`port`; `extra_args` go to `rasa run` (e.g. --enable-api)."""
    command = [sys.executable, *rasa_run_args(model, endpoints, credentials, "127.0.0.1", port, cors), *extra_args]
    return _spawn("Rasa server", command, f"http://127.0.0.1:{port}", log_path, env)


def rasa_replica_args(interface: str, port: int) -> List[str]:
    """A replica's arguments after `python`: the container command (a test compares them)."""
    return ["-m", "runtime.rasa_server", "--interface", interface, "--port", str(port)]


def start_rasa_replica(port: int, endpoints: Path, log_path: Path, env: Dict[str, str]) -> Server:
    """One Rasa replica started as the container starts it (`python -m runtime.rasa_server`):
    the endpoints file is written from `env` (DATABASE_URL, REDIS_URL, ACTION_SERVER_URL)."""
    command = [sys.executable, *rasa_replica_args("127.0.0.1", port), "--endpoints", str(endpoints)]
    return _spawn("Rasa replica", command, f"http://127.0.0.1:{port}", log_path, env)


def wait_until_ready(server: Server, path: str, timeout: float = 180.0) -> float:
    """Poll `path` until it answers 200; returns the seconds waited. Raises if the process died."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited early; its log:\n{server.log_text()[-4000:]}")
        try:
            with urllib.request.urlopen(server.url + path, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{server.name} not ready after {timeout:.0f}s; its log:\n{server.log_text()[-4000:]}")


ACTION_READY_PATH = "/health"
RASA_READY_PATH = "/webhooks/rest/"


def stop_all(servers: List[Server]) -> None:
    for server in reversed(servers):
        server.stop()
