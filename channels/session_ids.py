"""Session ids of the website widget that the server issues and can verify (an HMAC of a random id).

The widget keeps its session id across page reloads and sends it back; an id the server did not
issue (guessed, made up, another channel's sender id) fails the check and gets a new session, so
no one can join another visitor's conversation by naming it.

The secret: `session_secret` in credentials.yml, else SOCKETIO_SESSION_SECRET, else a random
one kept in var/socketio_session_secret (created once, owner-only). Replicas behind one load
balancer need the same secret (set the variable), or a reload that lands on another replica
starts a new session.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Mapping, Optional

SECRET_VAR = "SOCKETIO_SESSION_SECRET"
DEFAULT_SECRET_PATH = Path(__file__).resolve().parent.parent / "var" / "socketio_session_secret"
_SIGNATURE_HEX = 32


class SessionIds:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the socket.io session secret must be at least 16 bytes")
        self._secret = secret

    def _signature(self, random_part: str) -> str:
        return hmac.new(self._secret, random_part.encode("ascii"), hashlib.sha256).hexdigest()[:_SIGNATURE_HEX]

    def issue(self) -> str:
        random_part = secrets.token_hex(16)
        return f"{random_part}.{self._signature(random_part)}"

    def is_valid(self, session_id: object) -> bool:
        if not isinstance(session_id, str) or session_id.count(".") != 1 or len(session_id) > 100:
            return False
        random_part, signature = session_id.split(".")
        if not random_part.isascii() or not random_part.isalnum():
            return False
        return hmac.compare_digest(signature, self._signature(random_part))

    def confirmed(self, requested: object) -> str:
        """The requested id if the server issued it, else a new one."""
        return requested if self.is_valid(requested) else self.issue()  # type: ignore[return-value]


def session_secret(configured: Optional[str], environ: Mapping[str, str], path: Path = DEFAULT_SECRET_PATH) -> bytes:
    """The configured secret, else the environment's, else the one kept at `path` (made on first use)."""
    chosen = configured or environ.get(SECRET_VAR)
    if chosen:
        return chosen.encode("utf-8")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
        try:
            os.link(draft, path)  # atomic: of two servers starting at once, one secret wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="utf-8").strip().encode("utf-8")
