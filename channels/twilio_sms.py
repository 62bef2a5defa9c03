"""The Twilio SMS channel (POST /webhooks/twilio_sms/webhook): signed requests only, replies as TwiML.

Rasa's built-in TwilioInput does not check X-Twilio-Signature and answers through
the REST API. This connector refuses unsigned or forged requests with 403, answers
carrier keywords (STOP, START, HELP ...) itself, turns a "1"/"2" reply into the
option it offered, remembers opt-outs and answered MessageSids in SQLite, and puts
the reply in the webhook response (TwiML), so it needs no outbound network.

Settings (a key in credentials.yml, else the environment variable):
  auth_token          TWILIO_AUTH_TOKEN       the account's auth token (signs every webhook)
  webhook_url         TWILIO_WEBHOOK_URL      the public URL the Twilio number posts to, exactly
  validate_signature  SMS_VALIDATE_SIGNATURE  "false" only for local development (logged loudly)
  store_path          SMS_STORE_PATH          SQLite file (default var/sms.db), unless DATABASE_URL is set:
                                              then the SMS store is on PostgreSQL with the tracker store
  reply_timeout_seconds                       seconds before the apology (Twilio waits 15 s)
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Text
from urllib.parse import parse_qsl

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from answer_book.model import AnswerBook
from answer_book.store import answer_store
from answer_book.sms_text import to_gsm7
from channels.base import (
    ClinicInputChannel,
    OnNewMessage,
    add_health_route,
    check_answers_file,
)
from channels.incoming import clean_text
from channels.never_silent import DEFAULT_REPLY_TIMEOUT, ReplyCollector, fallback_text
from channels.sms_keywords import KEYWORD_MESSAGES, Keyword, carrier_keyword, keyword_language
from channels.sms_rendering import option_number, render_sms
from channels.stored_replies import bot_messages_after, stored_conversation
from stores import DATABASE_URL_VAR
from stores.reachable import when_reachable
from stores.sms_store import SmsStore

logger = logging.getLogger(__name__)

DEFAULT_STORE_PATH = Path(__file__).resolve().parent.parent / "var" / "sms.db"
#: Twilio posts a 1,600-character body and a few media URLs (a few KB); a larger form is read as
#: empty, so its signature fails (403).
MAX_FORM_BYTES = 72 * 1024
MAX_BODY_CHARACTERS = 1600  # Twilio's own limit for one message: a longer body is cut here
FALSE_WORDS = {"false", "0", "no", "off"}
#: A delivery claimed this long after the reply timeout and still not answered was abandoned by a
#: server that stopped: a retried delivery takes it over.
CLAIM_GRACE_SECONDS = 5.0
#: A delivery is answered within the reply timeout plus this, whatever it waits for (the turn's own
#: apology comes first): 11 s, inside the 15 s Twilio waits for the webhook before it gives up.
DEADLINE_MARGIN_SECONDS = 1.0


class FormParams(dict):
    """POST parameters, name -> list of values; RequestValidator reads them through getlist."""

    def getlist(self, name: str) -> List[str]:
        return self[name]

    def first(self, name: str) -> str:
        return (self.get(name) or [""])[0]


def parse_form(body: bytes) -> FormParams:
    """The form-encoded body as Twilio sent it; bytes that are not UTF-8 become U+FFFD, never an error."""
    params = FormParams()
    if len(body) > MAX_FORM_BYTES:
        return params
    text = body.decode("utf-8", errors="replace")
    for name, value in parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace"):
        params.setdefault(name, []).append(value)
    return params


def twiml(bodies: Sequence[str] = ()) -> str:
    """A TwiML <Response> with one <Message> per body (none: Twilio sends nothing)."""
    reply = MessagingResponse()
    for body in bodies:
        reply.message(body)
    return str(reply)


EMPTY_TWIML = twiml()


@dataclass(frozen=True)
class SmsSettings:
    auth_token: Optional[str]
    webhook_url: Optional[str]
    validate_signature: bool
    store: str  # the SQLite file, or the postgresql:// URL of the tracker store (stores/sms_store.py)
    reply_timeout: float

    @classmethod
    def read(cls, credentials: Mapping[str, Any], environ: Mapping[str, str]) -> "SmsSettings":
        def setting(key: str, variable: Optional[str]) -> Optional[str]:
            value = credentials.get(key)
            if value is None and variable:
                value = environ.get(variable)
            return None if value is None or str(value).strip() == "" else str(value).strip()

        validate = setting("validate_signature", "SMS_VALIDATE_SIGNATURE")
        return cls(
            auth_token=setting("auth_token", "TWILIO_AUTH_TOKEN"),
            webhook_url=setting("webhook_url", "TWILIO_WEBHOOK_URL"),
            validate_signature=(validate or "true").lower() not in FALSE_WORDS,
            store=sms_store_location(setting("store_path", None), environ),
            reply_timeout=float(setting("reply_timeout_seconds", None) or DEFAULT_REPLY_TIMEOUT),
        )


def sms_store_location(configured: Optional[str], environ: Mapping[str, str]) -> str:
    """Where the SMS store is: credentials' store_path, else PostgreSQL when the tracker store is
    (DATABASE_URL, so every replica shares it), else SMS_STORE_PATH, else var/sms.db."""
    return configured or environ.get(DATABASE_URL_VAR) or environ.get("SMS_STORE_PATH") or str(DEFAULT_STORE_PATH)


class TwilioSmsInput(ClinicInputChannel):
    kind = "sms"

    @classmethod
    def name(cls) -> Text:
        return "twilio_sms"  # answer_book.rendering.SMS_CHANNELS: actions reply with the sms variants

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        check_answers_file()
        return cls(SmsSettings.read(credentials or {}, os.environ))

    def __init__(self, settings: SmsSettings) -> None:
        super().__init__(settings.reply_timeout)
        self.settings = settings
        self.store = SmsStore(settings.store)
        #: MessageSid -> the apology Twilio got when the delivery missed its deadline: the reply kept for
        #: that delivery (a retry of it gets the same), not the answer the turn finds later
        self.answered_at_deadline: Dict[str, str] = {}
        if not settings.validate_signature:
            logger.warning(
                "SMS SIGNATURE VALIDATION IS OFF (SMS_VALIDATE_SIGNATURE=false): anyone can post to "
                "/webhooks/twilio_sms/webhook. Use this for local development only."
            )
        elif not (settings.auth_token and settings.webhook_url):
            logger.warning(
                "The SMS channel refuses every request (403) until TWILIO_AUTH_TOKEN and TWILIO_WEBHOOK_URL "
                "are set (see docs/SMS.md)."
            )

    def is_signed(self, request: Request, params: FormParams) -> bool:
        """True when X-Twilio-Signature matches the configured public URL and the POST parameters."""
        if not self.settings.validate_signature:
            logger.warning("Accepting an UNSIGNED SMS request: signature validation is off (SMS_VALIDATE_SIGNATURE)")
            return True
        signature = request.headers.get("X-Twilio-Signature") or ""
        if not (signature and self.settings.auth_token and self.settings.webhook_url):
            return False
        url = self.settings.webhook_url
        if request.query_string:  # Twilio signs the URL it posts to, query included
            url += ("&" if "?" in url else "?") + request.query_string
        return RequestValidator(self.settings.auth_token).validate(url, params, signature)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint("twilio_sms_webhook", __name__)
        add_health_route(webhook)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            params = parse_form(request.body or b"")
            if not self.is_signed(request, params):
                logger.warning("Refused an SMS request without a valid X-Twilio-Signature (403)")
                return response.text("Forbidden: missing or invalid X-Twilio-Signature.", status=403)
            try:
                # shielded: past the deadline the patient gets the apology and the delivery goes on
                # (it may be waiting for a restarting store), so the message still reaches the tracker store
                reply = await asyncio.wait_for(
                    asyncio.shield(self.handle(on_new_message, params, request.app)),
                    timeout=self.settings.reply_timeout + DEADLINE_MARGIN_SECONDS,
                )
            except asyncio.TimeoutError:
                logger.error("SMS delivery not answered in time (a store restarting?): sending the apology")
                reply = twiml([to_gsm7(await fallback_text(params.first("Body"), "sms"))])
                message_sid = (params.first("MessageSid") or params.first("SmsSid")).strip()
                if message_sid:
                    self.answered_at_deadline[message_sid] = reply
            except Exception:  # e.g. the SMS store cannot be written: still a 200 with the apology, never a 500
                logger.exception("SMS request failed before the turn")
                reply = twiml([to_gsm7(await fallback_text(params.first("Body"), "sms"))])
            return response.text(reply, content_type="application/xml")

        return webhook

    async def handle(self, on_new_message: OnNewMessage, params: FormParams, app: Any = None) -> str:
        """The TwiML for one delivery; a repeated MessageSid gets the first answer, never a second turn."""
        phone = clean_text(params.first("From")).strip()
        if not phone:
            logger.warning("Signed SMS request without 'From': nobody to answer")
            return EMPTY_TWIML
        message_sid = (params.first("MessageSid") or params.first("SmsSid")).strip()
        if message_sid and not await when_reachable(self.store.claim_delivery, message_sid, phone):
            return await self.repeated_delivery(on_new_message, params, app, phone, message_sid)
        return await self.answer(on_new_message, params, app, phone, message_sid)

    async def answer(self, on_new_message: OnNewMessage, params: FormParams, app: Any, phone: str, message_sid: str) -> str:
        """Run the delivery (its MessageSid claimed) and remember its TwiML."""
        book = answer_store().current()
        try:
            reply = await self.reply(on_new_message, book, phone, params, app, message_sid)
        except Exception:  # a store or rendering failure must not leave the patient silent
            logger.exception("SMS turn failed; sending the apology")
            reply = twiml([to_gsm7(await fallback_text(params.first("Body"), "sms"))])
        if message_sid:
            # what Twilio got is the delivery's reply: the apology if the deadline passed meanwhile
            reply = self.answered_at_deadline.pop(message_sid, reply)
            await when_reachable(self.store.finish_delivery, message_sid, reply)
        return reply

    async def repeated_delivery(
        self, on_new_message: OnNewMessage, params: FormParams, app: Any, phone: str, message_sid: str
    ) -> str:
        """A MessageSid seen before: its first reply, never a second turn.

        While the first delivery is being answered, wait for its reply. If the server answering it
        died (no reply long after the claim), take the delivery over: the reply its stored turn gave
        if the turn reached the tracker store, else the turn now.
        """
        stale_after = self.settings.reply_timeout + CLAIM_GRACE_SECONDS
        while True:
            delivery = self.store.delivery(message_sid)
            if delivery is None or delivery.twiml is not None:
                logger.info("Repeated delivery of %s: answered once already, not processed again", message_sid)
                return delivery.twiml if delivery else EMPTY_TWIML
            if time.time() - delivery.claimed_at > stale_after and self.store.take_over_delivery(
                message_sid, delivery.claimed_at
            ):
                logger.warning("Delivery %s was claimed but never answered (its server stopped?): taking it over",
                               message_sid)
                stored = await self.stored_reply(app, phone, message_sid)
                if stored is not None:
                    self.store.finish_delivery(message_sid, stored)
                    return stored
                return await self.answer(on_new_message, params, app, phone, message_sid)
            await asyncio.sleep(0.2)

    async def reply_book(self, book: AnswerBook, app: Any, phone: str) -> AnswerBook:
        """`book` in the language the turn just replied in (the conversation's `language` slot)."""
        try:
            tracker = await stored_conversation(app, self.name(), phone)
        except Exception:  # the options line in English is better than no reply
            logger.exception("Could not read the conversation's language; options in English")
            return book
        return book.in_language(tracker.get_slot("language")) if tracker is not None else book

    async def stored_reply(self, app: Any, phone: str, message_sid: str) -> Optional[str]:
        """The TwiML of the bot's messages the tracker store holds after the user message `message_sid`."""
        tracker = await stored_conversation(app, self.name(), phone)
        if tracker is None:
            return None
        stored = bot_messages_after(tracker, lambda event: event.message_id == message_sid)
        if stored is None:
            return None
        messages = [{"text": message.get("text") or "", "buttons": message.get("buttons") or []} for message in stored]
        book = answer_store().current().in_language(tracker.get_slot("language"))
        rendered = render_sms(book, messages)
        self.store.set_options(phone, list(rendered.options))
        return twiml(rendered.bodies)

    async def reply(
        self, on_new_message: OnNewMessage, book: AnswerBook, phone: str, params: FormParams, app: Any = None,
        message_sid: str = "",
    ) -> str:
        """Keywords and opt-outs first (they never reach the NLU model), then the assistant."""
        text = clean_text(params.first("Body"))[:MAX_BODY_CHARACTERS]
        keyword = carrier_keyword(text)
        if keyword is not None:
            book = book.in_language(keyword_language(text))
        if keyword is Keyword.OPT_OUT:
            first_time = self.store.opt_out(phone)
            logger.info("SMS opt-out recorded%s", "" if first_time else " (already opted out: no reply)")
            return self.keyword_reply(book, keyword) if first_time else EMPTY_TWIML
        if keyword is Keyword.OPT_IN:
            self.store.opt_in(phone)
            return self.keyword_reply(book, keyword)
        if keyword is Keyword.HELP:  # answered even while opted out: carriers (CTIA) expect HELP to work
            return self.keyword_reply(book, keyword)
        if await when_reachable(self.store.is_opted_out, phone):
            logger.info("Message from an opted-out number: no reply until START")
            return EMPTY_TWIML
        if not text.strip() and _count(params.first("NumMedia")) > 0:
            self.store.set_options(phone, [])
            return twiml([to_gsm7(book.message("sms_media_only", "sms"))])

        number = option_number(text)
        chosen = await when_reachable(self.store.option, phone, number) if number is not None else None
        collector = ReplyCollector()
        await self.run_turn(on_new_message, chosen or text, collector, phone, app, message_id=message_sid or None)
        rendered = render_sms(await self.reply_book(book, app, phone), collector.messages)
        await when_reachable(self.store.set_options, phone, list(rendered.options))
        return twiml(rendered.bodies)

    @staticmethod
    def keyword_reply(book: AnswerBook, keyword: Keyword) -> str:
        return twiml([to_gsm7(book.message(KEYWORD_MESSAGES[keyword], "sms"))])


def _count(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0
