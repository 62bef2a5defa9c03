"""The socket.io channel of the website chat widget (rasa-webchat), limited to the clinic's origins.

Rasa's own SocketIOInput accepts every origin (it leaves CORS to the Rasa server's
--cors option, which socket.io's websocket transport bypasses), drops the URL of
link buttons (so "Call the clinic" cannot dial), ignores messages without a session
id and stays silent when the action server is down. This one:
- refuses any browser origin not listed in `allowed_origins` (credentials.yml), on
  both the polling and the websocket transport, with HTTP 400;
- issues the session ids itself (channels/session_ids.py) and sends a session's replies to one
  socket only, so no one can join another visitor's conversation;
- sends link buttons as rasa-webchat's {"type": "web_url", "url": ...} quick replies;
- runs every turn through handle_never_silent (the apology, or the emergency message for an
  emergency, reaches the widget);
- answers a message the widget sends again after its socket dropped (`"resent": true`, web/bliss-chat.js)
  with the stored reply if the first turn reached the tracker store, else runs it: the reply is
  not lost with the replica that died, and never given twice.
"""
from __future__ import annotations

import json
import logging
import os
from typing import Any, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic_cors.core import SANIC_CORS_EVALUATED
from socketio import AsyncServer

from channels.base import (
    MAX_REQUEST_BYTES,
    ClinicInputChannel,
    OnNewMessage,
    add_health_route,
    check_answers_file,
    reply_timeout_setting,
)
from channels.incoming import metadata_problem
from channels.session_ids import SessionIds, session_secret
from channels.stored_replies import bot_messages_after, stored_conversation

logger = logging.getLogger(__name__)

#: The demo page of `make run` (runtime/web_server.py); the clinic's site is added in credentials.yml.
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

        @app.middleware("request")
        async def another_replicas_socket_is_not_found(request: Request) -> Optional[HTTPResponse]:
            """A socket this server does not know (another replica's) gets 404, not engine.io's 400, so
            nginx hands the request to the replica that knows it (deploy/nginx/routes.conf). A replica
            that was restarted takes its route keys back from nginx: the first request of each socket
            that moved meanwhile reached it, and the message it carried was lost (`make test-faults`:
            2 of 2 widget visitors, one message each)."""
            if request.path.rstrip("/") != socketio_path:
                return None
            sid = request.args.get("sid")
            if sid and sid not in self.ctx.sio.eio.sockets:
                return response.text("Unknown socket.io session on this server.", status=404)
            return None


class ClinicSocketIOOutput(SocketIOOutput):
    """Emits the bot's messages to one visitor's room and counts them (for handle_never_silent).

    Once the apology went out (`send_last_text`), whatever the turn sends later is dropped.
    """

    def __init__(self, sio: AsyncServer, bot_message_evt: Text, room: Text) -> None:
        super().__init__(sio, bot_message_evt)
        self.room = room  # the session's room (or the socket); the recipient id is the store's conversation id
        self.messages_sent = 0
        self.closed = False

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        if self.closed:
            logger.info("Dropped a widget reply that came after the apology")
            return
        self.messages_sent += 1
        await super()._send_message(self.room, response)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, json_message)

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

    async def send_last_text(self, recipient_id: Text, text: Text) -> None:
        """Send `text` as the turn's only reply (the apology): later messages are dropped."""
        await self._send_message(recipient_id, {"text": text})
        self.closed = True


class ClinicSocketIOInput(ClinicInputChannel, SocketIOInput):
    """socket.io for the widget: configured origins only, server-issued sessions, link buttons kept, never silent."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        check_answers_file()
        origins = credentials.get("allowed_origins") or list(DEFAULT_ALLOWED_ORIGINS)
        if isinstance(origins, str):  # one origin, or a comma-separated list from an environment variable
            origins = [origin.strip() for origin in origins.split(",") if origin.strip()]
        if "*" in origins:
            raise ValueError("socketio allowed_origins must list the clinic's sites, not '*'")
        return cls(
            allowed_origins=[origin.rstrip("/") for origin in origins],
            session_ids=SessionIds(session_secret(credentials.get("session_secret"), os.environ)),
            reply_timeout=reply_timeout_setting(credentials),
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
        session_ids: Optional[SessionIds] = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.allowed_origins = list(allowed_origins)
        self.session_ids = session_ids or SessionIds(session_secret(None, os.environ))
        self.session_of: Dict[Text, Text] = {}  # socket -> the session it confirmed
        self.owner_of: Dict[Text, Text] = {}  # session -> the one socket that gets its replies

    def get_output_channel(self) -> Optional[OutputChannel]:
        return None  # replies go to the visitor's own room only, from the message's output channel

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        # engine.io checks the Origin header of every request (polling and the websocket
        # upgrade) against this list, answers others with 400, and sets the CORS headers; it
        # closes the connection on a packet over MAX_REQUEST_BYTES (1 MB, its own default; the
        # widget sends only the two ends of a longer message, web/bliss-chat.js).
        sio = AsyncServer(
            async_mode="sanic", cors_allowed_origins=self.allowed_origins, max_http_buffer_size=MAX_REQUEST_BYTES
        )
        socketio_webhook = OriginCheckingSocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        base_connect = self._connect_handler()
        add_health_route(socketio_webhook)

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            return base_connect(auth)

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text, *_: Any) -> None:
            session = self.session_of.pop(sid, None)
            if session is not None and self.owner_of.get(session) == sid:
                del self.owner_of[session]

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session = self.session_ids.confirmed(requested)
            if self.session_persistence:
                await self._own(sid, session)
            await sio.emit("session_confirm", session, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            data = data if isinstance(data, dict) else {}
            # The session this socket was confirmed in (never the one the message names); without
            # one (an old or hand-written client) the conversation is this socket's alone.
            session = self.session_of.get(sid) if self.session_persistence else None
            if session is not None and self.owner_of.get(session) != sid:
                await self._own(sid, session)  # the tab that speaks gets the replies
            output = ClinicSocketIOOutput(sio, self.bot_message_evt, room=session or sid)
            app = getattr(socketio_webhook.ctx, "app", None)
            turn = on_new_message
            if data.get("resent") is True:  # sent again by the widget after its socket dropped
                turn = self.replay_or_run(on_new_message, app, session or sid)
            await self.run_turn(turn, data.get("message"), output, session or sid, app, self._metadata(data))

        return socketio_webhook

    def replay_or_run(self, on_new_message: OnNewMessage, app: Any, sender: Text) -> OnNewMessage:
        """The turn of a message sent again: the stored reply if the conversation's last message is this
        one and was answered, else the turn. It runs in the conversation's queue (handle_never_silent),
        after any earlier turn of the conversation on this server."""

        async def turn(message: UserMessage) -> None:
            tracker = await stored_conversation(app, self.name(), sender)
            stored = None if tracker is None else bot_messages_after(
                tracker, lambda event: event.text == message.text, last_only=True
            )
            if stored is None:
                await on_new_message(message)
                return
            logger.info("A widget message sent again had been answered: its stored reply is sent again")
            for reply in stored:
                await message.output_channel.send_response(message.sender_id, reply)

        return turn

    async def _own(self, sid: Text, session: Text) -> None:
        """Make `sid` the one socket in `session`'s room (a reload, or the tab that spoke last)."""
        previous = self.owner_of.get(session)
        if previous is not None and previous != sid:
            await self.sio.leave_room(previous, session, namespace=self.namespace)
        self.session_of[sid] = session
        self.owner_of[session] = sid
        await self.sio.enter_room(sid, session, namespace=self.namespace)

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
        """The message's metadata if it is a small, shallow object (channels/incoming.py), else none."""
        metadata = data.get(self.metadata_key) or {}
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except (ValueError, RecursionError):
                return {}
        return metadata if metadata_problem(metadata) is None else {}
