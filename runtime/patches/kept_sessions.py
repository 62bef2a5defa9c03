"""One HTTP client session per endpoint and event loop, kept between calls, instead of one a call.

Rasa 3.6's EndpointConfig.request opens a new aiohttp ClientSession (with its own connection pool)
for every request and closes it after: every custom action call of every turn built a session and
a TCP connector, connected to the action server, and tore both down again. Here `session()` hands
out one kept session per endpoint and event loop, and `async with` leaves it open, so calls reuse
the pooled connection. The session is the one Rasa would build (its headers, basic auth and
timeout); the connector drops an idle connection after KEEP_ALIVE_SECONDS, before the action
server (Sanic, KEEP_ALIVE_TIMEOUT 5 s) closes it, so a call never picks a connection the server is
closing. A connection the server closed (the action server restarted) is dropped by aiohttp when
its close arrives; the call after it connects again. Calls at the same moment (or one a loop turn
after another, before aiohttp has put the connection back) open further connections, kept the same
way. The sessions close with the server (Rasa's `close_resources`, after the server stops).
"""
from __future__ import annotations

import asyncio
import weakref
from typing import Any, Callable, Dict

from runtime.patches.version_guard import patch_of

#: The Rasa release this patch was written and tested against (constraints.txt pins it).
PATCHED_RASA_VERSION = "3.6.21"
#: Seconds an idle pooled connection is kept: below Sanic's 5 s keep-alive on the action server.
KEEP_ALIVE_SECONDS = 3.0

#: Per event loop: the kept sessions, by what a session holds of its endpoint (headers, basic auth).
_sessions: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Dict[str, Any]]" = weakref.WeakKeyDictionary()


class KeptSession:
    """`async with` gives the kept session and leaves it open (Rasa's code closes its own there)."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *_: Any) -> None:
        return None


def session_key(endpoint: Any) -> str:
    """What a session holds of `endpoint`: endpoints alike in these share one (the URL goes with each call)."""
    return repr((sorted((endpoint.headers or {}).items()), sorted((endpoint.basic_auth or {}).items())))


def kept_session(endpoint: Any, build: Callable[[], Any]) -> KeptSession:
    """The kept session for `endpoint` on the running loop (built by `build` the first time, or again once closed)."""
    sessions = _sessions.setdefault(asyncio.get_running_loop(), {})
    key = session_key(endpoint)
    session = sessions.get(key)
    if session is None or session.closed:
        session = sessions[key] = build()
    return KeptSession(session)


async def close_kept_sessions() -> None:
    """Close the running loop's kept sessions (a server's shutdown; the next call builds them again)."""
    for session in _sessions.pop(asyncio.get_running_loop(), {}).values():
        await session.close()


@patch_of("Rasa", PATCHED_RASA_VERSION, __file__)
def install() -> None:
    """Replace EndpointConfig.session and close the sessions with the server (once a process)."""
    import aiohttp
    import rasa.core.run
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    def build(endpoint: EndpointConfig) -> aiohttp.ClientSession:
        auth = None
        if endpoint.basic_auth:
            auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
        return aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_ALIVE_SECONDS),
        )

    def session(self: EndpointConfig) -> KeptSession:
        return kept_session(self, lambda: build(self))

    close_resources = rasa.core.run.close_resources

    async def close_resources_and_sessions(app: Any, loop: asyncio.AbstractEventLoop) -> None:
        await close_resources(app, loop)
        await close_kept_sessions()

    EndpointConfig.session = session
    rasa.core.run.close_resources = close_resources_and_sessions  # serve_application registers it by name
