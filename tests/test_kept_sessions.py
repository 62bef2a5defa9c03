"""Rasa's calls to the action server reuse one kept connection (runtime/patches/kept_sessions.py).

Against the project's real action server on a loopback port: calls of one endpoint share a session
and its connection, the connection is dropped before the server's keep-alive closes it, and a call
after the action server was killed and started again connects anew instead of failing.
"""
from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, List, Set, Tuple

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
CALLS = 5
#: aiohttp puts a connection back in its pool when the request's writer task is done, a turn of the
#: event loop after the reply was read: a call right after (as a loaded CI machine showed) can find
#: the pool still empty and open a second connection, which is kept too. Calls in a conversation are
#: never that close; the test waits this long before looking.
SETTLE_SECONDS = 0.05


def own_sockets() -> Set[str]:
    """The inodes of this process's open sockets."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    return inodes


def open_connections_to(port: int) -> List[int]:
    """Local ports of this process's established TCP connections to `port` (the kernel's table)."""
    mine, ports = own_sockets(), []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
        if state == ESTABLISHED and int(remote.split(":")[1], 16) == port and inode in mine:
            ports.append(int(local.split(":")[1], 16))
    return ports


async def health_call(endpoint: EndpointConfig) -> Tuple[Any, List[int]]:
    """Rasa's own request to the endpoint's /health; then the connections open to it."""
    reply = await endpoint.request("get", subpath="health", content_type=None)
    await asyncio.sleep(SETTLE_SECONDS)
    return reply, open_connections_to(int(endpoint.url.rsplit(":", 1)[1]))


def test_the_kept_connection_goes_before_the_action_servers_keep_alive_closes_it() -> None:
    assert kept_sessions.KEEP_ALIVE_SECONDS < sanic.config.DEFAULT_CONFIG["KEEP_ALIVE_TIMEOUT"]


def test_calls_of_an_endpoint_share_one_session_and_connection(action_server: ActionServer) -> None:
    kept_sessions.install()
    endpoint = EndpointConfig(action_server.url)
    other_headers = EndpointConfig(action_server.url, headers={"X-Other": "1"})

    async def calls() -> Any:
        replies = [await health_call(endpoint) for _ in range(CALLS)]
        async with endpoint.session() as one, other_headers.session() as other:
            separate = one is not other and not one.closed
        await kept_sessions.close_kept_sessions()
        return replies, separate

    replies, separate = asyncio.run(calls())
    assert all(reply == {"status": "ok"} for reply, _ in replies)
    connections = [open_after for _, open_after in replies]
    assert len(connections[0]) == 1 and all(open_after == connections[0] for open_after in connections), (
        f"every call after the first reused its connection: {connections}")
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
