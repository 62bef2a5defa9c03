"""The scale-out stack on loopback: PostgreSQL, Redis and nginx (Debian's), each in its own temp dir.

Everything runs in the foreground of its own process group on a free port; `Stack.stop()`
ends every group it started. Nothing touches the system services or their data directories.
"""
from __future__ import annotations

import glob
import os
import secrets
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, List, Optional, Sequence

import psycopg2
import redis

from runtime.servers import PROJECT_DIR

NGINX_CONFIG_DIR = PROJECT_DIR / "deploy" / "nginx"
DEBIAN_PACKAGES = ("postgresql", "redis-server", "nginx")
DATABASE = "bliss"
DATABASE_USER = "bliss"


def postgres_bin(name: str) -> Optional[str]:
    """A PostgreSQL server binary (Debian keeps them out of PATH, under /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def missing_packages() -> List[str]:
    missing = []
    if not postgres_bin("initdb"):
        missing.append("postgresql")
    if not shutil.which("redis-server"):
        missing.append("redis-server")
    if not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"):
        missing.append("nginx")
    return missing


def install_packages() -> None:
    """apt-get the missing Debian packages (waits for another apt-get's lock instead of failing)."""
    missing = missing_packages()
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    lock = ["-o", "DPkg::Lock::Timeout=600"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", *lock, "update", "-qq"], check=True, env=env)
    subprocess.run(
        [*sudo, "apt-get", *lock, "install", "-y", "-qq", "--no-install-recommends", *missing], check=True, env=env
    )
    still = missing_packages()
    if still:
        raise RuntimeError(f"apt-get did not install {still}")


@dataclass
class Process:
    """A service in its own process group (stopping it stops its children too)."""

    name: str
    popen: subprocess.Popen
    log_path: Path
    log_file: IO

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if self.alive():
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
            except ProcessLookupError:
                pass
        self.log_file.close()

    def log_tail(self, characters: int = 3000) -> str:
        self.log_file.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-characters:]


def spawn(name: str, command: Sequence[str], log_path: Path, cwd: Optional[Path] = None) -> Process:
    log_file = log_path.open("a", encoding="utf-8")
    popen = subprocess.Popen(
        list(command), cwd=cwd, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    return Process(name, popen, log_path, log_file)


def wait_for(what: str, check, process: Process, timeout: float = 60.0) -> None:
    """Retry `check()` until it returns without raising; fail early if `process` died."""
    started = time.monotonic()
    last_error: Optional[BaseException] = None
    while time.monotonic() - started < timeout:
        if not process.alive():
            raise RuntimeError(f"{process.name} exited early; its log:\n{process.log_tail()}")
        try:
            check()
            return
        except Exception as error:  # not up yet
            last_error = error
            time.sleep(0.3)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s ({last_error}); log:\n{process.log_tail()}")


def as_postgres_user(command: List[str]) -> List[str]:
    """PostgreSQL refuses to run as root: run it as the `postgres` user Debian's package creates."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class Stack:
    work_dir: Path
    processes: List[Process] = field(default_factory=list)
    database_url: str = ""
    redis_url: str = ""
    nginx_url: str = ""

    def start_postgres(self, port: int) -> None:
        data_dir, socket_dir = self.work_dir / "postgres" / "data", self.work_dir / "postgres" / "run"
        socket_dir.mkdir(parents=True)
        password = secrets.token_urlsafe(12)
        password_file = self.work_dir / "postgres" / "password"
        password_file.write_text(password + "\n", encoding="utf-8")
        if os.geteuid() == 0:
            shutil.chown(self.work_dir / "postgres", "postgres")
            shutil.chown(socket_dir, "postgres")
            shutil.chown(password_file, "postgres")
        subprocess.run(
            as_postgres_user([
                postgres_bin("initdb"), "-D", str(data_dir), "-U", DATABASE_USER, f"--pwfile={password_file}",
                "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C",
            ]),
            check=True, stdout=subprocess.DEVNULL,
        )
        process = spawn(
            "PostgreSQL",
            as_postgres_user([
                postgres_bin("postgres"), "-D", str(data_dir), "-p", str(port), "-k", str(socket_dir),
                "-c", "listen_addresses=127.0.0.1",
            ]),
            self.work_dir / "postgres.log",
        )
        self.processes.append(process)
        admin_url = f"postgresql://{DATABASE_USER}:{password}@127.0.0.1:{port}/postgres"
        wait_for("PostgreSQL", lambda: psycopg2.connect(admin_url, connect_timeout=2).close(), process)
        connection = psycopg2.connect(admin_url)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {DATABASE}")
        connection.close()
        self.database_url = f"postgresql://{DATABASE_USER}:{password}@127.0.0.1:{port}/{DATABASE}"

    def start_redis(self, port: int) -> None:
        data_dir = self.work_dir / "redis"
        data_dir.mkdir()
        password = secrets.token_urlsafe(12)
        process = spawn(
            "Redis",
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir),
             "--save", "", "--appendonly", "no", "--daemonize", "no", "--requirepass", password],
            self.work_dir / "redis.log",
        )
        self.processes.append(process)
        self.redis_url = f"redis://:{password}@127.0.0.1:{port}/0"
        wait_for("Redis", lambda: redis.Redis.from_url(self.redis_url, socket_timeout=2).ping(), process)

    def start_nginx(self, port: int, rasa_ports: Sequence[int]) -> None:
        """nginx with the shared routing files and a generated upstream of the replicas."""
        prefix = self.work_dir / "nginx"
        prefix.mkdir()
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in rasa_ports)
        config = f"""# generated by tests/scale/stack.py
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 512; }}
http {{
    # test only: the route key and the replica of every request, to check socket.io stickiness
    log_format routing '$arg_sender|$upstream_addr|$status|$request_method|$uri';
    access_log {prefix}/access.log routing;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {NGINX_CONFIG_DIR}/route-key.conf;
    upstream rasa {{
        hash $bliss_route_key consistent;
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        # test only: which replica answered (not in the deployed config: it names internal addresses)
        add_header X-Served-By $upstream_addr always;
        include {NGINX_CONFIG_DIR}/routes.conf;
    }}
}}
"""
        config_path = prefix / "nginx.conf"
        config_path.write_text(config, encoding="utf-8")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        process = spawn("nginx", [nginx, "-p", str(prefix), "-c", str(config_path)], self.work_dir / "nginx.log")
        self.processes.append(process)
        self.nginx_url = f"http://127.0.0.1:{port}"
        import urllib.request

        wait_for("nginx", lambda: urllib.request.urlopen(self.nginx_url + "/healthz", timeout=2).close(), process)

    def access_log(self) -> List[List[str]]:
        """nginx's access log as [route key, replica(s) tried, status, method, path] rows."""
        path = self.work_dir / "nginx" / "access.log"
        return [line.split("|") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def stop(self) -> None:
        """Stop everything, newest first (nginx, Redis, PostgreSQL)."""
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()


def make_work_dir() -> Path:
    """A temp dir the `postgres` user can traverse (pytest's tmp dirs are private to root)."""
    import tempfile

    work_dir = Path(tempfile.mkdtemp(prefix="bliss-scale-"))
    work_dir.chmod(0o755)
    return work_dir
