"""Start one Rasa replica from the environment (the container command; `make test-scale` runs the same args).

Writes the endpoints file from ACTION_SERVER_URL / DATABASE_URL / REDIS_URL (runtime/endpoints.py),
then replaces itself with `rasa run` built by runtime/servers.py `rasa_run_args`:

- the HTTP API (/model, /conversations, ...) stays off, unless RASA_JWT_SECRET is set: then it is on
  and every API call needs a JWT signed with that secret (HS256); the channels never need it;
- CORS_ORIGINS: the website origins allowed to call the socket.io/REST channels (space separated):
  Rasa's --cors, and the socket.io channel's allowed_origins (a credentials file written next to
  the endpoints file, replacing the loopback origins of credentials.yml).

Usage: python -m runtime.rasa_server [--interface 0.0.0.0] [--port 5005] [--endpoints /tmp/endpoints.yml]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import List, Mapping

from runtime.endpoints import EndpointsConfigError, endpoints_config, write_endpoints_file
from runtime.servers import DEFAULT_CREDENTIALS, DEFAULT_MODEL, rasa_run_args, write_credentials

JWT_SECRET_VAR = "RASA_JWT_SECRET"
CORS_ORIGINS_VAR = "CORS_ORIGINS"
#: The variables this launcher reads itself (runtime/endpoints.py reads the store variables).
ENV_VARS = (JWT_SECRET_VAR, CORS_ORIGINS_VAR)
DEFAULT_PORT = 5005


def command(
    env: Mapping[str, str], interface: str, port: int, endpoints: Path, credentials: Path = DEFAULT_CREDENTIALS
) -> List[str]:
    """`rasa run`'s arguments for this environment (without the interpreter)."""
    cors = env.get(CORS_ORIGINS_VAR, "").split()
    args = rasa_run_args(DEFAULT_MODEL, endpoints, credentials, interface, port, cors)
    if env.get(JWT_SECRET_VAR):
        args += ["--enable-api", "--jwt-method", "HS256", "--jwt-secret", env[JWT_SECRET_VAR]]
    return args


def prepare(env: Mapping[str, str], endpoints: Path) -> Path:
    """Write the endpoints file from `env`; the credentials file to use (the site origins, if given)."""
    write_endpoints_file(endpoints, endpoints_config(env))
    origins = env.get(CORS_ORIGINS_VAR, "").split()
    if not origins:
        return DEFAULT_CREDENTIALS
    return write_credentials(endpoints.with_name("credentials.yml"), origins)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interface", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--endpoints", type=Path, default=Path("/tmp/endpoints.yml"))
    options = parser.parse_args()
    try:
        credentials = prepare(os.environ, options.endpoints)
    except EndpointsConfigError as error:
        sys.exit(f"runtime.rasa_server: {error}")
    args = command(os.environ, options.interface, options.port, options.endpoints, credentials)
    # exec: Rasa takes this process's place (PID 1 in a container), so SIGTERM reaches it directly
    os.execv(sys.executable, [sys.executable, *args])


if __name__ == "__main__":
    main()
