"""The REST channel (POST /webhooks/rest/webhook), with clear 4xx errors and a reply every time.

Rasa's own RestInput answers malformed JSON with a 500-like error, logs the
visitor's text when a turn fails, and returns an empty list when the action
server is down. This one checks the request first and never returns silence.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.answer_book import answer_store
from channels.never_silent import DEFAULT_REPLY_TIMEOUT, handle_never_silent, model_intent_of

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # a chat message plus metadata; 1 MB bodies are refused with 413
MAX_SENDER_CHARACTERS = 128


def error(status: int, text: str) -> HTTPResponse:
    return response.json({"error": text}, status=status)


def parse_request(request: Request) -> Tuple[Optional[Dict[str, Any]], Optional[HTTPResponse]]:
    """The JSON body as a dict, or the 4xx response that explains what is wrong."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return None, error(415, "Send the message as JSON with the header Content-Type: application/json.")
    if len(request.body or b"") > MAX_BODY_BYTES:
        return None, error(413, f"The request is too large: send at most {MAX_BODY_BYTES // 1024} KB.")
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return None, error(400, 'The body is not valid JSON. Send {"sender": "...", "message": "..."}.')
    if not isinstance(body, dict):
        return None, error(400, 'Send a JSON object: {"sender": "...", "message": "..."}.')
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARACTERS:
        return None, error(400, f'"sender" must be a non-empty string of at most {MAX_SENDER_CHARACTERS} characters.')
    if not isinstance(body.get("message"), str):
        return None, error(400, '"message" must be a string (it may be empty).')
    if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
        return None, error(400, '"metadata" must be a JSON object if given.')
    return body, None


class ClinicRestInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        answer_store().current()  # refuse to start without a good answers file
        return cls(float(credentials.get("reply_timeout_seconds", DEFAULT_REPLY_TIMEOUT)))

    def __init__(self, reply_timeout: float = DEFAULT_REPLY_TIMEOUT) -> None:
        self.reply_timeout = reply_timeout

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("clinic_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body, problem = parse_request(request)
            if problem is not None:
                return problem
            collector = CollectingOutputChannel()
            message = UserMessage(
                body["message"], collector, body["sender"], input_channel=self.name(), metadata=body.get("metadata")
            )
            await handle_never_silent(
                on_new_message,
                message,
                lambda: len(collector.messages),
                self.reply_timeout,
                intent_of=model_intent_of(request.app),
            )
            return response.json(collector.messages)

        return webhook
