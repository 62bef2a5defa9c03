"""Run the rasa_sdk action server bound to one interface (rasa_sdk's own CLI binds 0.0.0.0).

Usage: python -m tools.action_server [--host 127.0.0.1] [--port 5055]
"""
from __future__ import annotations

import argparse
import logging
import os

from tools.log_privacy import install_redaction


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("ACTION_SERVER_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_SERVER_PORT", "5055")))
    args = parser.parse_args()
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(), format="%(asctime)s %(levelname)s %(name)s - %(message)s"
    )
    install_redaction()  # no phone numbers, e-mail addresses or dates of visitors in the log

    from rasa_sdk.endpoint import create_app

    app = create_app("actions", cors_origins=None)
    app.run(host=args.host, port=args.port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
