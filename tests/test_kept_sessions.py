"""Rasa's calls to the action server reuse one kept connection (runtime/patches/kept_sessions.py).

Against the project's real action server on a loopback port: calls of one endpoint share a session
and its connection, the connection is dropped before the server's keep-alive closes it, and a call
after the action server was killed and started again connects anew instead of failing.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest
import sanic
from rasa.utils.endpoints import EndpointConfig

from runtime.patches import kept_sessions
from runtime.servers import Server, free_port, start_action_server, wait_until_ready


@dataclass
class ActionServer:
    port: int
    log_dir: Path
    server: Server

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def restart(self) -> None:
        """Kill it (as a crash would) and start a new one on the same port."""
        self.server.process.kill()
        self.server.stop()
        self.server = start_action_server(self.port, self.log_dir / "actions-again.log")
        wait_until_ready(self.server, "/health")


@pytest.fixture
def action_server(tmp_path: Path) -> Iterator[ActionServer]:
    port = free_port()
    server = start_action_server(port, tmp_path / "actions.log")
    wait_until_ready(server, "/health")
    running = ActionServer(port, tmp_path, server)
    yield running
    running.server.stop()


ESTABLISHED = "01"  # the TCP state in /proc/net/tcp


def open_connections_to(port: int) -> List[int]:
    """Local ports of this machine's established TCP connections to `port` on loopback (the kernel's table)."""
    ports = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, remote, state = line.split()[1:4]
        if state == ESTABLISHED and int(remote.split(":")[1], 16) == port:
            ports.append(int(local.split(":")[1], 16))
    return ports


async def health_call(endpoint: EndpointConfig) -> Tuple[Any, List[int]]:
    """Rasa's own request to the endpoint's /health; then the connections open to it."""
    reply = await endpoint.request("get", subpath="health", content_type=None)
    return reply, open_connections_to(int(endpoint.url.rsplit(":", 1)[1]))


def test_the_kept_connection_goes_before_the_action_servers_keep_alive_closes_it() -> None:
    assert kept_sessions.KEEP_ALIVE_SECONDS < sanic.config.DEFAULT_CONFIG["KEEP_ALIVE_TIMEOUT"]


def test_calls_of_an_endpoint_share_one_session_and_connection(action_server: ActionServer) -> None:
    kept_sessions.install()
    endpoint = EndpointConfig(action_server.url)
    other_headers = EndpointConfig(action_server.url, headers={"X-Other": "1"})

    async def calls() -> Any:
        first, second = await health_call(endpoint), await health_call(endpoint)
        async with endpoint.session() as one, other_headers.session() as other:
            separate = one is not other and not one.closed
        await kept_sessions.close_kept_sessions()
        return first, second, separate

    (reply, after_first), (_, after_second), separate = asyncio.run(calls())
    assert reply == {"status": "ok"}
    assert len(after_first) == 1 and after_second == after_first, "the second call reused the first's connection"
    assert separate, "an endpoint with other headers has a session of its own"


def test_a_call_after_the_action_server_restarted_connects_again(action_server: ActionServer) -> None:
    kept_sessions.install()
    endpoint = EndpointConfig(action_server.url)

    async def calls() -> Tuple[List[int], Any, List[int]]:
        _, before = await health_call(endpoint)
        await asyncio.get_running_loop().run_in_executor(None, action_server.restart)  # the loop keeps running
        try:
            return (before, *await health_call(endpoint))
        finally:
            await kept_sessions.close_kept_sessions()

    before, reply, after = asyncio.run(calls())
    assert reply == {"status": "ok"}
    assert len(after) == 1 and after != before, "a new connection to the new server"
