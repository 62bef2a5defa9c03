"""A client that posts text messages to the SMS webhook the way Twilio does: form-encoded and signed.

The signature is computed by the twilio package's RequestValidator over the public URL the
server is configured with (Twilio signs the URL it was told to call, not the loopback one).
"""
from __future__ import annotations

import sqlite3
import uuid
import xml.etree.ElementTree as ElementTree
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Union
from urllib.parse import urlencode

import requests
import yaml
from twilio.request_validator import RequestValidator

from tools.servers import DEFAULT_CREDENTIALS

SMS_CHANNEL = "channels.twilio_sms.TwilioSmsInput"
TEST_AUTH_TOKEN = "test-auth-token-for-loopback-tests"
PUBLIC_URL = "https://sms.bliss-clinic.example/webhooks/twilio_sms/webhook"
CLINIC_NUMBER = "+18505550100"


def write_sms_credentials(work_dir: Path) -> Path:
    """The project's credentials.yml with the SMS block filled in for a test (temp store, test token)."""
    credentials = yaml.safe_load(DEFAULT_CREDENTIALS.read_text(encoding="utf-8"))
    credentials[SMS_CHANNEL] = {
        **(credentials.get(SMS_CHANNEL) or {}),
        "auth_token": TEST_AUTH_TOKEN,
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
    auth_token: str = TEST_AUTH_TOKEN

    def sign(self, params: Dict[str, str], url: Optional[str] = None, token: Optional[str] = None) -> str:
        return RequestValidator(token or self.auth_token).compute_signature(url or self.public_url, params)

    def post(self, params: Dict[str, str], signature: Optional[str] = "sign", body: Union[bytes, None] = None) -> requests.Response:
        """POST the form; signature "sign" signs `params` correctly, None sends no signature header."""
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "sign":
            signature = self.sign(params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        data = body if body is not None else urlencode(params).encode("ascii")
        return requests.post(self.post_url, data=data, headers=headers, timeout=60)

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


def user_texts(tracker_db: Path, sender: str) -> List[str]:
    """The user messages Rasa processed for `sender`, from the tracker store (SQLite)."""
    import json

    with closing(sqlite3.connect(tracker_db)) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender,)
        ).fetchall()
    return [json.loads(row[0]).get("text") for row in rows]
