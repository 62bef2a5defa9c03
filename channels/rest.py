"""The REST channel (POST /webhooks/rest/webhook), with clear 4xx errors and a reply every time.

Rasa's own RestInput answers malformed JSON with a 500-like error, logs the
visitor's text when a turn fails, and returns an empty list when the action
server is down. This one checks the request first and never returns silence.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.base import (
    MAX_REQUEST_BYTES,
    ClinicInputChannel,
    OnNewMessage,
    add_health_route,
    check_answers_file,
    reply_timeout_setting,
)
from channels.incoming import READ_WINDOW_CHARACTERS, UNREAD_MARK, clean_text, metadata_problem
from channels.never_silent import ReplyCollector, book_for, is_emergency

MAX_BODY_BYTES = MAX_REQUEST_BYTES  # larger bodies get 413, their JSON never parsed
MAX_SENDER_CHARACTERS = 128

_JSON_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))')
_ESCAPED = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def error(status: int, text: str) -> HTTPResponse:
    return response.json({"error": text}, status=status)


def _escape_read(escape: "re.Match[str]") -> str:
    code, letter = escape.groups()
    return chr(int(code, 16)) if code else _ESCAPED.get(letter, letter)


def json_unescaped(fragment: str) -> str:
    """A piece of JSON text with its string escapes read ("\\u00e1" is "á"), wherever it was cut."""
    return _JSON_ESCAPE.sub(_escape_read, fragment)


def body_ends(body: bytes) -> str:
    """The text at both ends of a body too large to parse, as the safety net reads a long message."""

    def text(part: bytes) -> str:
        return clean_text(json_unescaped(part.decode("utf-8", errors="replace")))

    return text(body[:READ_WINDOW_CHARACTERS]) + UNREAD_MARK + text(body[-READ_WINDOW_CHARACTERS:])


async def too_large(body: bytes) -> HTTPResponse:
    """413 with the reply to a message too long to read; the emergency message when either end holds one."""
    ends = body_ends(body)
    key = "emergency" if await is_emergency(ends) else "too_long"
    size = f"The request is too large: send at most {MAX_BODY_BYTES // 1024} KB."
    return error(413, f"{book_for(ends).message(key, 'web')}\n\n{size}")


def parse_request(request: Request) -> Tuple[Optional[Dict[str, Any]], Optional[HTTPResponse]]:
    """The JSON body as a dict, or the 4xx response that explains what is wrong."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return None, error(415, "Send the message as JSON with the header Content-Type: application/json.")
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, error(400, 'The body is not valid JSON. Send {"sender": "...", "message": "..."}.')
    if not isinstance(body, dict):
        return None, error(400, 'Send a JSON object: {"sender": "...", "message": "..."}.')
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARACTERS:
        return None, error(400, f'"sender" must be a non-empty string of at most {MAX_SENDER_CHARACTERS} characters.')
    if not isinstance(body.get("message"), str):
        return None, error(400, '"message" must be a string (it may be empty).')
    problem = metadata_problem(body.get("metadata")) if body.get("metadata") is not None else None
    if problem is not None:
        return None, error(400, f'"metadata" {problem}.')
    return body, None


class ClinicRestInput(ClinicInputChannel):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        check_answers_file()
        return cls(reply_timeout_setting(credentials))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint("clinic_rest_webhook", __name__)
        add_health_route(webhook)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if len(request.body or b"") > MAX_BODY_BYTES:
                return await too_large(request.body)
            body, problem = parse_request(request)
            if problem is not None:
                return problem
            collector = ReplyCollector()
            await self.run_turn(
                on_new_message, body["message"], collector, body["sender"], request.app, body.get("metadata")
            )
            # addressed to the sender as the client named it (the store's id has the channel in front)
            return response.json([{**message, "recipient_id": body["sender"]} for message in collector.messages])

        return webhook
