"""The steady load of the fault run: a few visitors per channel talking through nginx, each turn recorded.

- REST: a POST per message (the REST channel of the site); a turn is silent without a 200 and a reply.
- socket.io: the widget's client (tools/clients.py WidgetClient, long-polling through nginx with its
  session id as route key). A socket that dropped is opened again with the kept session id before the
  next message (socket.io-client does that, and sends what was typed meanwhile after it); a message
  whose socket dropped before its reply is sent again on the new socket, marked `resent`, as
  web/bliss-chat.js does (the server gives the stored reply if the first turn was stored); a message
  whose reply never came is a silent turn.
- SMS: signed webhooks as Twilio sends them. A delivery that fails or takes over Twilio's 15 s is
  delivered again with the same MessageSid (Twilio's retry); every third message is also delivered a
  second time after its answer, which must give the same reply and no second turn.
- The page: a GET of the demo page every second.

Each message carries an id (REST and socket.io: metadata `turn`; SMS: its MessageSid) that the tracker
store keeps on the user event, so the run can count what reached PostgreSQL, and how often.
"""
from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

import requests

from tools.clients import TwilioClient, WidgetClient, twiml_messages

MESSAGES = ["What is LDN?", "Is it addictive?", "What are the side effects of LDN?", "What dose is used?",
            "How long does it take to work?", "Can I drink alcohol while taking LDN?"]
EMERGENCY = "my husband is not breathing"
VISITORS_PER_CHANNEL = 2
#: A visitor's pause between messages: ~2.4 messages/s over the six visitors; 1-2 s made the replica
#: restarts (model loading on the same 2 cores) slow the other replica's replies past 10 s.
THINK_SECONDS = (1.5, 3.0)
#: The REST client waits longer than nginx (proxy_read_timeout 30 s), so nginx or Rasa answers first.
REST_TIMEOUT = 35.0
#: Twilio gives up on a webhook after 15 s (and may deliver it again).
TWILIO_TIMEOUT = 15.0
SMS_DELIVERIES = 3  # attempts per message: the first delivery and up to two retries
REDELIVER_EVERY = 3  # every third SMS is delivered again after its answer
#: The widget shows a reply as it comes: after the first message, a turn's others follow within ms.
SOCKET_REPLY_SECONDS = 30.0
SOCKET_QUIET_SECONDS = 0.8
#: Sends of one widget message: the first and, after a dropped socket, up to two more (web/bliss-chat.js).
SOCKET_SENDS = 3


@dataclass
class Turn:
    channel: str  # rest, socketio, sms
    conversation: str  # the REST sender, the widget's session id, the phone
    turn_id: str  # what the tracker store keeps of it: metadata `turn`, or the MessageSid
    text: str
    started: float
    ended: float = 0.0
    replies: List[str] = field(default_factory=list)
    attempts: int = 1
    redelivered_reply: Optional[List[str]] = None  # the SMS reply to the same MessageSid delivered again
    error: str = ""


def rest_turn(base_url: str, sender: str, text: str) -> Turn:
    turn = Turn("rest", sender, uuid.uuid4().hex, text, time.monotonic())
    try:
        response = requests.post(
            f"{base_url}/webhooks/rest/webhook", params={"sender": sender},
            json={"sender": sender, "message": text, "metadata": {"turn": turn.turn_id}}, timeout=REST_TIMEOUT,
        )
        if response.status_code == 200:
            turn.replies = [str(message.get("text", "")) for message in response.json()]
        else:
            turn.error = f"HTTP {response.status_code}"
    except requests.RequestException as error:
        turn.error = type(error).__name__
    turn.ended = time.monotonic()
    return turn


def sms_deliver(client: TwilioClient, params: dict) -> Optional[List[str]]:
    """One webhook delivery; its TwiML messages, or None if it failed or took longer than Twilio waits."""
    try:
        response = client.post(params, timeout=TWILIO_TIMEOUT)
    except requests.RequestException:
        return None
    return twiml_messages(response) if response.status_code == 200 else None


def sms_turn(client: TwilioClient, phone: str, text: str, redeliver: bool) -> Turn:
    params = TwilioClient.message_params(phone, text)
    turn = Turn("sms", phone, params["MessageSid"], text, time.monotonic(), attempts=0)
    for _ in range(SMS_DELIVERIES):
        turn.attempts += 1
        replies = sms_deliver(client, params)
        if replies is not None:
            turn.replies = replies
            break
        time.sleep(1.0)
    else:
        turn.error = f"no delivery answered in {SMS_DELIVERIES} attempts"
    turn.ended = time.monotonic()
    if redeliver and turn.replies:
        turn.redelivered_reply = sms_deliver(client, params)
    return turn


class SocketVisitor:
    """One widget visitor, through nginx; opens its socket again (same session) when it dropped."""

    def __init__(self, base_url: str, origin: str) -> None:
        self.base_url, self.origin = base_url, origin
        self.route_key = uuid.uuid4().hex[:12]
        self.session_id: Optional[str] = None
        self.widget: Optional[WidgetClient] = None

    def connect(self, give_up_at: float) -> None:
        while self.widget is None or not self.widget.client.connected:
            self.close()
            try:
                self.widget = WidgetClient(f"{self.base_url}/?sender={self.route_key}", self.origin, self.session_id)
                self.session_id = self.session_id or self.widget.session_id
            except Exception:  # the replica it reached is down: nginx sends the next try elsewhere
                self.widget = None
                if time.monotonic() > give_up_at:
                    raise
                time.sleep(1.0)

    def turn(self, text: str) -> Turn:
        """One message; sent again (`resent`, as web/bliss-chat.js does) after the socket dropped before its reply."""
        started = time.monotonic()
        turn = Turn("socketio", "", uuid.uuid4().hex, text, started, attempts=0)
        while True:
            self.connect(started + 120)
            turn.conversation = self.session_id or ""
            turn.attempts += 1
            turn.replies, dropped = self.send(text, turn.turn_id, resent=turn.attempts > 1, turn=turn)
            if turn.replies or not dropped or turn.attempts >= SOCKET_SENDS:
                break
        if not turn.replies and dropped:
            turn.error = f"the socket dropped before the reply ({turn.attempts} sends)"
        turn.ended = time.monotonic()
        return turn

    def send(self, text: str, turn_id: str, resent: bool, turn: Turn) -> Tuple[List[str], bool]:
        """Emit the message once; the replies that came, and whether the socket dropped before any."""
        widget = self.widget
        first = len(widget.messages)
        data = {"message": text, "session_id": self.session_id, "metadata": {"turn": turn_id}}
        try:
            widget.client.emit("user_uttered", {**data, "resent": True} if resent else data)
        except Exception as error:
            turn.error = type(error).__name__
        deadline = time.monotonic() + SOCKET_REPLY_SECONDS
        while len(widget.messages) == first and widget.client.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        count = -1
        while count != len(widget.messages):  # the turn's other messages follow the first
            count = len(widget.messages)
            time.sleep(SOCKET_QUIET_SECONDS)
        replies = [str(message.get("text", "")) for message in widget.messages[first:]]
        return replies, not replies and not widget.client.connected

    def close(self) -> None:
        if self.widget is not None:
            try:
                self.widget.close()
            except Exception:
                pass
            self.widget = None


@dataclass
class Load:
    """Every visitor in a thread of its own, until `stop`."""

    base_url: str
    page_url: str
    origin: str
    sms: TwilioClient
    turns: List[Turn] = field(default_factory=list)
    page_loads: List[tuple] = field(default_factory=list)  # (started, ok)
    stopping: threading.Event = field(default_factory=threading.Event)
    threads: List[threading.Thread] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, turn: Turn) -> None:
        with self.lock:
            self.turns.append(turn)

    def start(self) -> None:
        run_id = uuid.uuid4().hex[:6]
        visitors: List[Callable[[int], None]] = []
        for number in range(VISITORS_PER_CHANNEL):
            visitors.append(self.rest_visitor(f"faults-{run_id}-{number}"))
            visitors.append(self.sms_visitor(f"+1555020{random.randrange(10**4):04d}"))
            visitors.append(self.socket_visitor())
        for index, visitor in enumerate(visitors):
            thread = threading.Thread(target=visitor, args=(index,), name=f"visitor-{index}", daemon=True)
            thread.start()
            self.threads.append(thread)
        page = threading.Thread(target=self.page_visitor, name="page-visitor", daemon=True)
        page.start()
        self.threads.append(page)

    def converse(self, index: int, say: Callable[[str, int], Turn]) -> None:
        rng = random.Random(index)
        number = 0
        while not self.stopping.is_set():
            self.record(say(MESSAGES[(index + number) % len(MESSAGES)], number))
            number += 1
            self.stopping.wait(rng.uniform(*THINK_SECONDS))

    def rest_visitor(self, sender: str) -> Callable[[int], None]:
        return lambda index: self.converse(index, lambda text, _: rest_turn(self.base_url, sender, text))

    def sms_visitor(self, phone: str) -> Callable[[int], None]:
        return lambda index: self.converse(
            index, lambda text, number: sms_turn(self.sms, phone, text, number % REDELIVER_EVERY == REDELIVER_EVERY - 1)
        )

    def socket_visitor(self) -> Callable[[int], None]:
        def run(index: int) -> None:
            visitor = SocketVisitor(self.base_url, self.origin)
            try:
                self.converse(index, lambda text, _: visitor.turn(text))
            finally:
                visitor.close()

        return run

    def page_visitor(self) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                ok = requests.get(self.page_url + "/", timeout=5).status_code == 200
            except requests.RequestException:
                ok = False
            with self.lock:
                self.page_loads.append((started, ok))
            self.stopping.wait(1.0)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=120)


def emergency_round(load: Load) -> List[Turn]:
    """The emergency message sent once on each channel by a new visitor (at the same time)."""
    results: List[Turn] = []
    phone = f"+1555030{random.randrange(10**4):04d}"

    def socket_turn() -> Turn:
        visitor = SocketVisitor(load.base_url, load.origin)
        try:
            return visitor.turn(EMERGENCY)
        finally:
            visitor.close()

    sends = [lambda: rest_turn(load.base_url, f"emergency-{uuid.uuid4().hex[:8]}", EMERGENCY),
             lambda: sms_turn(load.sms, phone, EMERGENCY, redeliver=False), socket_turn]
    threads = [threading.Thread(target=lambda send=send: results.append(send()), daemon=True) for send in sends]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=150)
    for turn in results:
        load.record(turn)
    return results
