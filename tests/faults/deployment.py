"""The deployment the faults are injected into, on loopback: PostgreSQL, Redis, the action server, two
Rasa replicas behind nginx (tests/scale/stack.py, as `make test-scale` runs them) and the page server.

Every part can be killed with SIGKILL (`kill`) and started again on the same port with the same files
(`restart`), as a supervisor would. A replica's readiness is its REST channel; PostgreSQL's a connection;
Redis's a PING; the action server's and the page's an HTTP 200.
"""
from __future__ import annotations

import os
import signal
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

import psycopg2
import redis

from runtime.servers import (
    ACTION_READY_PATH,
    PROJECT_DIR,
    RASA_READY_PATH,
    Server,
    free_port,
    start_action_server,
    start_rasa_replica,
    wait_until_ready,
)
from tests.scale.stack import Process, Stack, spawn, wait_for
from tools.clients import LOOPBACK_AUTH_TOKEN, PUBLIC_URL

ACTIONS, SMS_REPLICA, OTHER_REPLICA, PAGE, POSTGRES, REDIS = (
    "action server", "Rasa replica serving SMS", "the other Rasa replica", "page server", "PostgreSQL", "Redis",
)
#: A replica loads its model in 40-90 s on the shared 2-core machine (while the other one serves).
REPLICA_READY_SECONDS = 300


def page_origin(port: int) -> str:
    return f"http://127.0.0.1:{port}"


@dataclass
class FaultDeployment:
    stack: Stack
    work_dir: Path
    actions: Server
    replicas: List[Server]
    page: Process
    page_port: int
    replica_env: Dict[str, str]
    restarts: Dict[str, int] = field(default_factory=dict)

    @property
    def nginx_url(self) -> str:
        return self.stack.nginx_url

    @property
    def page_url(self) -> str:
        return page_origin(self.page_port)

    def replica_serving_sms(self) -> Server:
        """The replica nginx sends every SMS webhook to (their route key is constant), from its access log."""
        addresses = [row[1] for row in self.stack.access_log() if row[4].startswith("/webhooks/twilio_sms/")]
        last = addresses[-1].split(",")[-1].strip()
        return next(replica for replica in self.replicas if replica.url.endswith(last))

    def replica_for(self, name: str) -> Server:
        sms = self.replica_serving_sms()
        return sms if name == SMS_REPLICA else next(replica for replica in self.replicas if replica is not sms)

    def kill(self, name: str) -> Optional[Server]:
        """SIGKILL the part's process (PostgreSQL, Redis, the page: their whole process group); the
        replica killed, if it was one."""
        if name == ACTIONS:
            kill_server(self.actions)
        elif name in (SMS_REPLICA, OTHER_REPLICA):
            replica = self.replica_for(name)
            kill_server(replica)
            return replica
        else:
            process = self.process(name)
            os.killpg(process.popen.pid, signal.SIGKILL)
            process.popen.wait()
            process.log_file.close()
        return None

    def restart(self, name: str, killed_replica: Optional[Server] = None) -> Callable[[], None]:
        """Start the killed part again as before; returns a function that waits until it is ready."""
        self.restarts[name] = self.restarts.get(name, 0) + 1
        if name == ACTIONS:
            self.actions = start_action_server(port_of(self.actions), self.actions.log_path)
            server = self.actions
            return lambda: wait_until_ready(server, ACTION_READY_PATH)
        if name in (SMS_REPLICA, OTHER_REPLICA):
            index = self.replicas.index(killed_replica)
            replica = start_rasa_replica(
                port_of(killed_replica), self.work_dir / f"endpoints_{index + 1}.yml", killed_replica.log_path,
                self.replica_env,
            )
            self.replicas[index] = replica
            return lambda: wait_until_ready(replica, RASA_READY_PATH, timeout=REPLICA_READY_SECONDS)
        old = self.process(name)
        new = spawn(old.name, old.popen.args, old.log_path, cwd=PROJECT_DIR)
        if name == PAGE:
            self.page = new
        else:
            self.stack.processes[self.stack.processes.index(old)] = new
        checks = {
            PAGE: lambda: urllib.request.urlopen(self.page_url + "/", timeout=2).close(),
            POSTGRES: lambda: psycopg2.connect(self.stack.database_url, connect_timeout=2).close(),
            REDIS: lambda: redis.Redis.from_url(self.stack.redis_url, socket_timeout=2).ping(),
        }
        return lambda: wait_for(name, checks[name], new, timeout=60)

    def process(self, name: str) -> Process:
        if name == PAGE:
            return self.page
        return next(process for process in self.stack.processes if process.name == name)

    def stop(self) -> None:
        self.page.stop()
        for server in [*self.replicas, self.actions]:
            server.stop()
        self.stack.stop()


def port_of(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def kill_server(server: Server) -> None:
    server.process.kill()  # SIGKILL
    server.process.wait()
    server.log_file.close()


def start_page(port: int, socket_url: str, log_path: Path) -> Process:
    """runtime/web_server.py as its own process (as `make run` runs it under supervisord)."""
    command = [sys.executable, "-m", "runtime.web_server", "--port", str(port), "--socket-url", socket_url]
    process = spawn(PAGE, command, log_path, cwd=PROJECT_DIR)
    wait_for(PAGE, lambda: urllib.request.urlopen(page_origin(port) + "/", timeout=2).close(), process)
    return process


def start_deployment(work_dir: Path) -> FaultDeployment:
    """Everything started and ready (about a minute: the replicas load their model); stopped on failure."""
    stack = Stack(work_dir)
    servers: List[Server] = []
    page = None
    try:
        stack.start_postgres(free_port())
        stack.start_redis(free_port())
        action_port, page_port = free_port(), free_port()
        env = {
            "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
            "DATABASE_URL": stack.database_url,
            "REDIS_URL": stack.redis_url,
            "CORS_ORIGINS": page_origin(page_port),  # the socket.io channel accepts the page's origin
            "TWILIO_AUTH_TOKEN": LOOPBACK_AUTH_TOKEN,
            "TWILIO_WEBHOOK_URL": PUBLIC_URL,
        }
        actions = start_action_server(action_port, work_dir / "action_server.log")
        servers.append(actions)
        ports = [free_port(), free_port()]
        replicas = [
            start_rasa_replica(port, work_dir / f"endpoints_{i + 1}.yml", work_dir / f"rasa_{i + 1}.log", env)
            for i, port in enumerate(ports)
        ]
        servers.extend(replicas)
        wait_until_ready(actions, ACTION_READY_PATH)
        for replica in replicas:
            wait_until_ready(replica, RASA_READY_PATH, timeout=REPLICA_READY_SECONDS)
        stack.start_nginx(free_port(), ports)
        page = start_page(page_port, stack.nginx_url, work_dir / "page_server.log")
        return FaultDeployment(stack, work_dir, actions, replicas, page, page_port, env)
    except BaseException:
        if page is not None:
            page.stop()
        for server in reversed(servers):
            server.stop()
        stack.stop()
        raise


def wait_seconds(check: Callable[[], None]) -> float:
    started = time.monotonic()
    check()
    return time.monotonic() - started
