"""Run the rasa_sdk action server bound to one interface, for the Rasa server only.

- Calls must carry the shared secret ACTION_SERVER_TOKEN in the X-Action-Token header (the Rasa
  server sends it: runtime/endpoints.py); others get 403 before any body is read. /health stays open.
- An error never echoes the request (rasa_sdk's 500 reply quoted the whole tracker back).
- The same HTTP limits as the Rasa server (runtime/patches/http_limits.py).

Usage: ACTION_SERVER_TOKEN=... python -m runtime.action_server [--host 127.0.0.1] [--port 5055]
"""
from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys
from typing import Any, Optional

from runtime.endpoints import ACTION_TOKEN_HEADER, ACTION_TOKEN_VAR
from runtime.log_privacy import install_redaction

logger = logging.getLogger(__name__)
OPEN_PATHS = frozenset({"/health"})


def create_action_app(token: str) -> Any:
    """rasa_sdk's app for the `actions` package, answering only callers that know `token`."""
    from rasa_sdk.endpoint import create_app
    from sanic import response

    app = create_app("actions", cors_origins=None)

    @app.middleware("request")
    async def only_the_rasa_server(request: Any) -> Optional[Any]:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(ACTION_TOKEN_HEADER) or ""
        if not hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
            logger.warning("Refused a call to %s without the action server token", request.path)
            return response.json({"error": "Forbidden."}, status=403)
        return None

    @app.middleware("response")
    async def never_echo_the_request(request: Any, reply: Any) -> Optional[Any]:
        if reply.status >= 500:
            return response.json({"error": "The action failed; see the action server's log."}, status=reply.status)
        return None

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("ACTION_SERVER_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_SERVER_PORT", "5055")))
    args = parser.parse_args()
    install_redaction(streams=True)  # no phone numbers, e-mail addresses or dates of visitors in the log
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(), format="%(asctime)s %(levelname)s %(name)s - %(message)s"
    )
    token = os.environ.get(ACTION_TOKEN_VAR, "")
    if len(token) < 16:
        sys.exit(f"runtime.action_server: set {ACTION_TOKEN_VAR} (at least 16 characters), the Rasa server sends it too")

    from runtime.patches import http_limits

    http_limits.install()
    app = create_action_app(token)
    app.run(host=args.host, port=args.port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
