"""What the REST, socket.io and SMS channels share: settings, the start-up check, health, the guarded turn.

Every visitor message goes through `ClinicInputChannel.run_turn`: the text made safe to handle
(channels/incoming.py: clean text, no typed intent syntax), the conversation id of its channel,
then the never-silent turn (channels/never_silent.py) with the model's intent check, so an
emergency only the model recognises still gets the emergency message if the turn fails.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from answer_book.store import answer_store
from channels.incoming import clean_text, conversation_id, visitor_text
from channels.never_silent import DEFAULT_REPLY_TIMEOUT, handle_never_silent, model_intent_of

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

#: The largest REST body and socket.io packet read (engine.io's own default): a pasted page or
#: document of up to a megabyte still gets a reply, and the model and the safety net read only
#: its two ends (channels/incoming.py `readable_part`); parsing 1 MB of JSON takes milliseconds.
#: Larger requests are refused, and REST still looks for an emergency in their two ends
#: (channels/rest.py). The SMS form has its own, smaller cap (channels/twilio_sms.py).
MAX_REQUEST_BYTES = 1024 * 1024


def reply_timeout_setting(credentials: Optional[Mapping[Text, Any]]) -> float:
    """`reply_timeout_seconds` of the channel's credentials.yml block (default 10 s)."""
    return float((credentials or {}).get("reply_timeout_seconds") or DEFAULT_REPLY_TIMEOUT)


def check_answers_file() -> None:
    """Refuse to start a channel without a good answers file (raises with every problem)."""
    answer_store().current()


def add_health_route(blueprint: Blueprint) -> None:
    """GET <channel>/ answers {"status": "ok"} (load balancers and `make run` poll it)."""

    @blueprint.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})


class ClinicInputChannel(InputChannel):
    """Base of the clinic's channels; `kind` is how its actions render ("web" or "sms")."""

    kind = "web"

    def __init__(self, reply_timeout: float = DEFAULT_REPLY_TIMEOUT, **options: Any) -> None:
        super().__init__(**options)
        self.reply_timeout = reply_timeout

    async def run_turn(
        self,
        on_new_message: OnNewMessage,
        text: object,
        output: OutputChannel,
        sender: str,
        app: Any = None,
        metadata: Optional[Dict[Text, Any]] = None,
        message_id: Optional[str] = None,
    ) -> bool:
        """One visitor message through Rasa, never silent; True when the apology replaced the reply.

        `message_id`: the channel's own id of the message (Twilio's MessageSid), kept on the stored
        user event, so a retried delivery can find the turn it already caused.
        """
        message = UserMessage(
            visitor_text(text, answer_store().current()),
            output,
            conversation_id(self.name(), clean_text(sender)),
            input_channel=self.name(),
            metadata=metadata,
            message_id=message_id,
        )
        return await handle_never_silent(
            on_new_message, message, self.reply_timeout, self.kind, intent_of=model_intent_of(app)
        )
