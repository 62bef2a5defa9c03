"""Clients that talk to the assistant as its real users' software does: Twilio's signed webhooks
and the website widget (rasa-webchat) over socket.io. Used by the tests and the benchmarks.

The SMS signature is computed by the twilio package's RequestValidator over the public URL the
server is configured with (Twilio signs the URL it was told to call, not the loopback one).
"""
from __future__ import annotations

import threading
import uuid
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Union
from urllib.parse import urlencode

import requests
import socketio
import yaml
from twilio.request_validator import RequestValidator

from runtime.servers import DEFAULT_CREDENTIALS

#: What a test or benchmark configures its SMS channel with (never a real account's).
LOOPBACK_AUTH_TOKEN = "test-auth-token-for-loopback-tests"
PUBLIC_URL = "https://sms.bliss-clinic.example/webhooks/twilio_sms/webhook"
CLINIC_NUMBER = "+18505550100"


SMS_CHANNEL = "channels.twilio_sms.TwilioSmsInput"


def write_sms_credentials(work_dir: Path, base: Path = DEFAULT_CREDENTIALS) -> Path:
    """`base` with the SMS block filled in for loopback use (a store in `work_dir`, the loopback token)."""
    credentials = yaml.safe_load(base.read_text(encoding="utf-8"))
    credentials[SMS_CHANNEL] = {
        **(credentials.get(SMS_CHANNEL) or {}),
        "auth_token": LOOPBACK_AUTH_TOKEN,
        "webhook_url": PUBLIC_URL,
        "store_path": str(work_dir / "sms.db"),
    }
    path = work_dir / "credentials.yml"
    path.write_text(yaml.safe_dump(credentials), encoding="utf-8")
    return path


def new_message_sid() -> str:
    return "SM" + uuid.uuid4().hex


@dataclass
class TwilioClient:
    post_url: str  # where the server listens (loopback)
    public_url: str = PUBLIC_URL  # what Twilio signs
    auth_token: str = LOOPBACK_AUTH_TOKEN

    def sign(self, params: Dict[str, str], url: Optional[str] = None, token: Optional[str] = None) -> str:
        return RequestValidator(token or self.auth_token).compute_signature(url or self.public_url, params)

    def post(
        self, params: Dict[str, str], signature: Optional[str] = "sign", body: Union[bytes, None] = None,
        timeout: float = 60.0,
    ) -> requests.Response:
        """POST the form; signature "sign" signs `params` correctly, None sends no signature header."""
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "sign":
            signature = self.sign(params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        data = body if body is not None else urlencode(params).encode("ascii")
        return requests.post(self.post_url, data=data, headers=headers, timeout=timeout)

    @staticmethod
    def message_params(phone: str, body: Optional[str], **extra: str) -> Dict[str, str]:
        params = {
            "MessageSid": new_message_sid(), "AccountSid": "AC" + "0" * 32, "From": phone, "To": CLINIC_NUMBER,
            "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01",
        }
        if body is not None:
            params["Body"] = body
        params.update(extra)
        return params

    def text(self, phone: str, body: Optional[str], **extra: str) -> requests.Response:
        """Send one signed text message from `phone`; asserts the 200 and TwiML content type."""
        response = self.post(self.message_params(phone, body, **extra))
        assert response.status_code == 200, f"HTTP {response.status_code}: {response.text[:500]}"
        assert response.headers["Content-Type"].startswith("application/xml")
        return response


def twiml_messages(response: requests.Response) -> List[str]:
    """The <Message> bodies of a TwiML response (empty list: Twilio sends nothing)."""
    root = ElementTree.fromstring(response.content)
    assert root.tag == "Response"
    return [message.text or "" for message in root.findall("Message")]


class WidgetClient:
    """Speaks to the channel as rasa-webchat does: session_request (with the id it kept, if any),
    keeps the id the server confirms, then user_uttered with that session id."""

    def __init__(self, server_url: str, origin: str, session_id: Optional[str] = None) -> None:
        self.client = socketio.Client(reconnection=False)
        self.messages: List[Dict[str, Any]] = []
        self.session_confirmed = threading.Event()
        self.arrived = threading.Condition()
        self.session_id: Optional[str] = None
        self.client.on("session_confirm", self._on_session_confirm)
        self.client.on("bot_uttered", self._on_bot_uttered)
        self.client.connect(server_url, headers={"Origin": origin}, transports=["polling"], wait_timeout=30)
        self.client.emit("session_request", {"session_id": session_id})
        assert self.session_confirmed.wait(30), "no session_confirm from the server"

    def _on_session_confirm(self, session_id: str) -> None:
        self.session_id = session_id
        self.session_confirmed.set()

    def _on_bot_uttered(self, message: Dict[str, Any]) -> None:
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()

    def ask(self, text: str, expected_messages: int, timeout: float = 60.0, resent: bool = False) -> List[Dict[str, Any]]:
        """Send `text`; the bot's messages once `expected_messages` arrived (all that arrived on timeout).

        `resent`: sent again, as web/bliss-chat.js does for a message whose reply was lost with its socket.
        """
        start = len(self.messages)
        self.client.emit("user_uttered", {"message": text, "session_id": self.session_id, **({"resent": True} if resent else {})})
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) - start >= expected_messages, timeout)
        return self.messages[start:]

    def close(self) -> None:
        """Disconnect without waiting for the long-poll in flight (up to the 25 s ping interval)."""
        self.client.eio.disconnect(abort=True)  # the server ends the socket.io session with it

    def __enter__(self) -> "WidgetClient":
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def ask_until_phone(self, text: Any, phone: str, timeout: float = 60.0) -> List[Dict[str, Any]]:
        """Send `text` (any JSON value as the message); the bot's messages up to the first with `phone`."""
        return self.emit_until_phone({"message": text, "session_id": self.session_id}, phone, timeout)

    def emit_until_phone(self, data: Any, phone: str, timeout: float = 60.0, event: str = "user_uttered") -> List[Dict[str, Any]]:
        """Emit `event` with `data` as it is (None: no data at all); the messages up to the first with `phone`."""
        start = len(self.messages)

        def has_phone() -> bool:
            return any(phone in str(message.get("text", "")) for message in self.messages[start:])

        if data is None:
            self.client.emit(event)
        else:
            self.client.emit(event, data)
        with self.arrived:
            self.arrived.wait_for(has_phone, timeout)
        return self.messages[start:]
