"""The socket.io channel of the website chat widget (rasa-webchat), limited to the clinic's origins.

Rasa's own SocketIOInput accepts every origin (it leaves CORS to the Rasa server's
--cors option, which socket.io's websocket transport bypasses), drops the URL of
link buttons (so "Call the clinic" cannot dial), ignores messages without a session
id and stays silent when the action server is down. This one:
- refuses any browser origin not listed in `allowed_origins` (credentials.yml), on
  both the polling and the websocket transport, with HTTP 400;
- sends link buttons as rasa-webchat's {"type": "web_url", "url": ...} quick replies;
- runs every turn through handle_never_silent (the apology, or the emergency message for an
  emergency, reaches the widget).
"""
from __future__ import annotations

import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic_cors.core import SANIC_CORS_EVALUATED
from socketio import AsyncServer

from actions.answer_book import answer_store
from channels.never_silent import DEFAULT_REPLY_TIMEOUT, handle_never_silent, model_intent_of

logger = logging.getLogger(__name__)

#: The demo page of `make run` (tools/web_server.py); the clinic's site is added in credentials.yml.
DEFAULT_ALLOWED_ORIGINS = ("http://localhost:8080", "http://127.0.0.1:8080")


def widget_button(button: Dict[Text, Any]) -> Dict[Text, Any]:
    """A Rasa button as rasa-webchat shows it: a link for web_url buttons (tel: dials), else a quick reply."""
    if button.get("type") == "web_url" and button.get("url"):
        return {"type": "web_url", "title": button["title"], "url": button["url"]}
    return {"content_type": "text", "title": button["title"], "payload": button.get("payload", button["title"])}


class OriginCheckingSocketBlueprint(SocketBlueprint):
    """Attaches socket.io and leaves its CORS headers to engine.io alone.

    Without this, the Rasa server's --cors (sanic-cors) adds a second
    Access-Control-Allow-Origin header to socket.io responses when an origin is in
    both lists, and browsers refuse a response with two.
    """

    def register(self, app: Any, options: Dict[Text, Any]) -> None:
        super().register(app, options)
        self.ctx.app = app  # the Rasa server (its agent classifies unanswered messages)
        socketio_path = "/" + self.ctx.socketio_path.strip("/")

        @app.middleware("request")
        async def engineio_sets_cors_headers(request: Request) -> None:
            if request.path.rstrip("/") == socketio_path:
                setattr(request.ctx, SANIC_CORS_EVALUATED, "1")


class ClinicSocketIOOutput(SocketIOOutput):
    """Emits the bot's messages to the visitor's room and counts them (for handle_never_silent)."""

    def __init__(self, sio: AsyncServer, bot_message_evt: Text) -> None:
        super().__init__(sio, bot_message_evt)
        self.messages_sent = 0

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        self.messages_sent += 1
        await super()._send_message(socket_id, response)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        self.messages_sent += 1
        await super().send_custom_json(recipient_id, json_message, **kwargs)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Each paragraph a bubble; the buttons (quick replies and links) under the last one."""
        parts = [part for part in text.strip().split("\n\n") if part.strip()] or [text]
        for part in parts[:-1]:
            await self._send_message(recipient_id, {"text": part})
        await self._send_message(
            recipient_id, {"text": parts[-1], "quick_replies": [widget_button(button) for button in buttons]}
        )


class ClinicSocketIOInput(SocketIOInput):
    """socket.io for the widget: configured origins only, link buttons kept, never silent."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        answer_store().current()  # refuse to start without a good answers file
        origins = credentials.get("allowed_origins") or list(DEFAULT_ALLOWED_ORIGINS)
        if isinstance(origins, str):  # one origin, or a comma-separated list from an environment variable
            origins = [origin.strip() for origin in origins.split(",") if origin.strip()]
        if "*" in origins:
            raise ValueError("socketio allowed_origins must list the clinic's sites, not '*'")
        return cls(
            allowed_origins=[origin.rstrip("/") for origin in origins],
            reply_timeout=float(credentials.get("reply_timeout_seconds", DEFAULT_REPLY_TIMEOUT)),
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            session_persistence=credentials.get("session_persistence", False),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            jwt_key=credentials.get("jwt_key"),
            jwt_method=credentials.get("jwt_method", "HS256"),
            metadata_key=credentials.get("metadata_key", "metadata"),
        )

    def __init__(
        self,
        allowed_origins: Iterable[str] = DEFAULT_ALLOWED_ORIGINS,
        reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
        **socketio_options: Any,
    ) -> None:
        super().__init__(**socketio_options)
        self.allowed_origins = list(allowed_origins)
        self.reply_timeout = reply_timeout

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return super().get_output_channel()
        return ClinicSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # engine.io checks the Origin header of every request (polling and the websocket
        # upgrade) against this list, answers others with 400, and sets the CORS headers.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self.allowed_origins)
        socketio_webhook = OriginCheckingSocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        base_connect = self._connect_handler()

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            return base_connect(auth)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            if not isinstance(data.get("session_id"), str) or not data["session_id"]:
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, data["session_id"], namespace=self.namespace)
            await sio.emit("session_confirm", data["session_id"], room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            # Without a session id (an old or hand-written client) the reply goes to this socket only.
            sender_id = session_id if self.session_persistence and isinstance(session_id, str) and session_id else sid
            output = ClinicSocketIOOutput(sio, self.bot_message_evt)
            text = data.get("message")
            message = UserMessage(
                text if isinstance(text, str) else "",
                output,
                sender_id,
                input_channel=self.name(),
                metadata=self._metadata(data),
            )
            await handle_never_silent(
                on_new_message,
                message,
                lambda: output.messages_sent,
                self.reply_timeout,
                intent_of=model_intent_of(getattr(socketio_webhook.ctx, "app", None)),
            )

        return socketio_webhook

    def _connect_handler(self) -> Callable[[Optional[Dict]], bool]:
        """Accept the socket, checking the JWT when credentials.yml sets jwt_key (as Rasa's channel does)."""
        from rasa.core.channels.channel import decode_bearer_token

        def accept(auth: Optional[Dict]) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

        return accept

    def _metadata(self, data: Dict[str, Any]) -> Dict[str, Any]:
        metadata = data.get(self.metadata_key) or {}
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except ValueError:
                metadata = {}
        return metadata if isinstance(metadata, dict) else {}
