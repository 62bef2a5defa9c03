"""The loopback ports test servers get (runtime/servers.py free_port): below the ephemeral range, never twice."""
from __future__ import annotations

import socket

import pytest

from runtime import servers


def test_ports_are_below_the_ephemeral_range_and_never_handed_out_twice() -> None:
    ports = [servers.free_port() for _ in range(40)]
    assert len(set(ports)) == len(ports)
    assert all(servers.LOWEST_LISTEN_PORT <= port < servers._first_ephemeral_port() for port in ports)


def test_a_port_something_listens_on_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    busy = servers.free_port()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", busy))
        listener.listen()
        monkeypatch.setattr(servers, "listen_ports", lambda: [busy, busy + 1])
        monkeypatch.setattr(servers, "_handed_out", set())
        assert servers.free_port() == busy + 1
        with pytest.raises(RuntimeError, match="no free loopback port"):
            servers.free_port()  # busy + 1 was handed out, busy is in use
