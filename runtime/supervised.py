"""The assistant under supervisord (`make run`, `make test-faults`): a server that dies is started again.

supervisord (the `supervisor` package, a kept process manager) runs the action server, the Rasa
server and the demo page as three programs. One that exits or is killed is restarted at once; one
that keeps failing at start-up is retried with a growing wait (supervisord's back-off: 1 s, 2 s,
3 s ...), every start and exit logged in var/log/supervisord.log. The others keep serving: with the
action server down the Rasa server answers with the apology or the emergency message
(channels/never_silent.py). Stopping supervisord stops every program and its children
(stopasgroup, killasgroup): nothing is left behind.

The files are those of runtime/stack.py (`stack_files`); secrets (ACTION_SERVER_TOKEN) reach the
programs through supervisord's environment, never through its configuration file.
"""
from __future__ import annotations

import configparser
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from runtime.servers import (
    ACTION_READY_PATH,
    DEFAULT_CORS,
    DEFAULT_CREDENTIALS,
    DEFAULT_MODEL,
    PROJECT_DIR,
    QUIET_ENV,
    RASA_READY_PATH,
    action_server_args,
    ensure_action_token,
    page_origins,
    rasa_run_args,
)
from runtime.stack import Ports, stack_files

ACTIONS, RASA, PAGE = "actions", "rasa", "page"
#: Seconds a program must run to count as started; supervisord retries an earlier exit with back-off.
START_SECONDS = {ACTIONS: 3, RASA: 5, PAGE: 1}
#: Start attempts of a program that keeps failing before supervisord gives up on it (it logs FATAL).
START_RETRIES = 20


@dataclass
class Program:
    name: str
    command: List[str]
    url: str
    ready_path: str
    log: Path


@dataclass
class SupervisedAssistant:
    """The running supervisord and its programs."""

    process: subprocess.Popen
    config: Path
    programs: Dict[str, Program]
    ports: Ports
    log_dir: Path
    started: float = field(default_factory=time.monotonic)

    @property
    def rest_url(self) -> str:
        return f"{self.programs[RASA].url}/webhooks/rest/webhook"

    def ctl(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "supervisor.supervisorctl", "-c", str(self.config), *args],
                              capture_output=True, text=True, timeout=60)
        return done.stdout.strip()

    def pid(self, name: str) -> Optional[int]:
        """The running process of program `name` (None while it is not running)."""
        text = self.ctl("pid", name)
        return int(text) if text.isdigit() and int(text) > 0 else None

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Kill program `name`'s process (supervisord then starts it again); its pid."""
        pid = self.pid(name)
        if pid is None:
            raise RuntimeError(f"{name} is not running")
        os.kill(pid, sig)
        return pid

    def wait_ready(self, names: Sequence[str] = (ACTIONS, RASA, PAGE), timeout: float = 240.0) -> float:
        """Seconds until each of `names` answers its ready path (raises if supervisord stopped)."""
        started = time.monotonic()
        for name in names:
            program = self.programs[name]
            while not ready(program.url + program.ready_path):
                if self.process.poll() is not None:
                    raise RuntimeError(f"supervisord exited; see {self.log_dir / 'supervisord.log'}")
                if time.monotonic() - started > timeout:
                    raise TimeoutError(f"{name} not ready after {timeout:.0f}s; its log: {program.log}")
                time.sleep(0.3)
        return time.monotonic() - started

    def stop(self, timeout: float = 60.0) -> None:
        """Stop supervisord, which stops every program first."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


def programs_for(ports: Ports, endpoints: Path, credentials: Path, log_dir: Path, model: Path) -> Dict[str, Program]:
    rasa_url = f"http://127.0.0.1:{ports.rasa}"
    cors = list(dict.fromkeys([*DEFAULT_CORS, *page_origins(ports.page)]))
    python = sys.executable
    return {
        ACTIONS: Program(ACTIONS, [python, *action_server_args("127.0.0.1", ports.action)],
                         f"http://127.0.0.1:{ports.action}", ACTION_READY_PATH, log_dir / "action_server.log"),
        RASA: Program(RASA, [python, *rasa_run_args(model, endpoints, credentials, "127.0.0.1", ports.rasa, cors)],
                      rasa_url, RASA_READY_PATH, log_dir / "rasa_server.log"),
        PAGE: Program(PAGE, [python, "-m", "runtime.web_server", "--port", str(ports.page), "--socket-url", rasa_url],
                      f"http://127.0.0.1:{ports.page}", "/", log_dir / "page_server.log"),
    }


def write_config(path: Path, programs: Dict[str, Program], log_dir: Path) -> Path:
    config = configparser.ConfigParser(interpolation=None)
    socket = path.with_suffix(".sock")
    config["supervisord"] = {
        "nodaemon": "true", "logfile": str(log_dir / "supervisord.log"), "pidfile": str(path.with_suffix(".pid")),
        "childlogdir": str(log_dir), "loglevel": "info",
    }
    config["unix_http_server"] = {"file": str(socket), "chmod": "0700"}
    config["supervisorctl"] = {"serverurl": f"unix://{socket}"}
    config["rpcinterface:supervisor"] = {"supervisor.rpcinterface_factory": "supervisor.rpcinterface:make_main_rpcinterface"}
    for name, program in programs.items():
        config[f"program:{name}"] = {
            "command": shlex.join(program.command), "directory": str(PROJECT_DIR),
            "autostart": "true", "autorestart": "true", "startsecs": str(START_SECONDS[name]),
            "startretries": str(START_RETRIES), "stopasgroup": "true", "killasgroup": "true",
            "stopwaitsecs": "20", "redirect_stderr": "true", "stdout_logfile": str(program.log),
            "stdout_logfile_maxbytes": "20MB", "stdout_logfile_backups": "3",
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        config.write(handle)
    return path


def start_supervised(
    work_dir: Path,
    ports: Optional[Ports] = None,
    endpoints: Optional[Path] = None,
    credentials: Path = DEFAULT_CREDENTIALS,
    log_dir: Optional[Path] = None,
    keep_configured_origins: bool = False,
    model: Path = DEFAULT_MODEL,
    env: Optional[Dict[str, str]] = None,
) -> SupervisedAssistant:
    """supervisord with the three programs on `ports`, files as runtime/stack.py makes them (not yet ready)."""
    ports = ports or Ports()
    log_dir = log_dir or work_dir / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    endpoints, page_credentials = stack_files(work_dir, ports, endpoints, credentials, keep_configured_origins)
    programs = programs_for(ports, endpoints, page_credentials, log_dir, model)
    config = write_config(work_dir / "supervisord.conf", programs, log_dir)
    ensure_action_token()
    process = subprocess.Popen(
        [sys.executable, "-m", "supervisor.supervisord", "-c", str(config)],
        cwd=PROJECT_DIR, env={**os.environ, **QUIET_ENV, **(env or {})},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: a Ctrl-C reaches supervisord through make run only
    )
    return SupervisedAssistant(process, config, programs, ports, log_dir)
