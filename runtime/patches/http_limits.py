"""HTTP limits of both servers (Sanic): a whole request must arrive within REQUEST_TIMEOUT seconds.

Sanic 21.12 restarts its request timer on every chunk it receives, and reads the body under
the response timeout (Rasa sets it to one hour), so a client trickling a byte every few
seconds held a connection open indefinitely. `install()` makes the timeout count from the
request's first byte to its last, headers and body, and sets the request size limit. Both
servers call it before creating their Sanic app (runtime/rasa_run.py, runtime/action_server.py).
"""
from __future__ import annotations

import os
from time import monotonic
from typing import Dict

from runtime.patches.version_guard import patch_of

#: Seconds for a whole request to arrive; a chat message arrives in milliseconds.
REQUEST_TIMEOUT_SECONDS = 10
#: Bytes of one request: the channels' own caps are 128 KB; an action call carries the
#: conversation's events, well under this even for a long conversation.
REQUEST_MAX_BYTES = 8 * 1024 * 1024
#: After the deadline, so the check finds the request older than the timeout (monotonic, same clock).
DEADLINE_SLACK_SECONDS = 0.01
#: The Sanic release this patch was written and tested against (constraints.txt pins it).
PATCHED_SANIC_VERSION = "21.12.2"

#: When each open connection's current request began (HttpProtocol has __slots__), by id().
_request_began: Dict[int, float] = {}


def install() -> None:
    """Set Sanic's limits for apps created after this call, and patch its request timer (once a process)."""
    os.environ.setdefault("SANIC_REQUEST_TIMEOUT", str(REQUEST_TIMEOUT_SECONDS))
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(REQUEST_MAX_BYTES))
    time_the_whole_request()


@patch_of("Sanic", PATCHED_SANIC_VERSION, __file__)
def time_the_whole_request() -> None:
    """Count Sanic's request timeout from a request's first byte to its last."""
    from sanic.exceptions import RequestTimeout
    from sanic.http import Stage
    from sanic.server.protocols.http_protocol import HttpProtocol

    data_received = HttpProtocol.data_received
    check_timeouts = HttpProtocol.check_timeouts
    connection_lost = HttpProtocol.connection_lost

    def data_received_noting_the_start(self: HttpProtocol, data: bytes) -> None:
        http = getattr(self, "_http", None)
        if http is None or http.stage is Stage.IDLE:
            _request_began[id(self)] = monotonic()
            # Cut it at its deadline, not at Sanic's next periodic check (every 2.5 s here): a check
            # up to 2.5 s late, plus a busy loop, let a trickled request run to 15 s in a test on CI.
            self.loop.call_later(self.request_timeout + DEADLINE_SLACK_SECONDS, cut_if_still_receiving, self)
        data_received(self, data)

    def connection_lost_forgetting_the_start(self: HttpProtocol, exc: object) -> None:
        _request_began.pop(id(self), None)
        connection_lost(self, exc)

    def cut_if_still_receiving(self: HttpProtocol) -> bool:
        """Cancel the request (Sanic answers 408) if it has been arriving for longer than the timeout."""
        http = getattr(self, "_http", None)
        receiving = http is not None and not getattr(http, "upgrade_websocket", False) and (
            http.stage is Stage.REQUEST or (http.stage is Stage.HANDLER and bool(getattr(http, "request_body", None)))
        )
        began = _request_began.get(id(self))
        if self._task and receiving and began is not None and monotonic() - began > self.request_timeout:
            http.exception = RequestTimeout("Request Timeout: the whole request must arrive in time")
            self._task.cancel()
            return True
        return False

    def check_whole_request_timeout(self: HttpProtocol) -> None:
        if not cut_if_still_receiving(self):
            check_timeouts(self)  # Sanic's own checks, which schedule the next one

    HttpProtocol.data_received = data_received_noting_the_start
    HttpProtocol.check_timeouts = check_whole_request_timeout
    HttpProtocol.connection_lost = connection_lost_forgetting_the_start
