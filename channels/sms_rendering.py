"""Turn the bot's messages of one turn into text-message bodies: GSM-7, at most two segments,
the clinic's phone always in, buttons as numbered options ("Reply 1 for side effects, 2 for dose").

Plain Python (no rasa): the channel and the tests share it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from answer_book.model import AnswerBook
from answer_book.sms_text import sms_size, to_gsm7

#: One message body: at most 320 GSM-7 characters and two segments (2 x 153 = 306 characters
#: once split), the issue's limit for an answer with the clinic's phone.
SMS_MAX_CHARACTERS = 320
SMS_MAX_SEGMENTS = 2


def fits(text: str) -> bool:
    """True when `text` is GSM-7 and fits in two segments (so at most 306, never above 320)."""
    size = sms_size(text)
    return size.encoding == "GSM-7" and size.units <= SMS_MAX_CHARACTERS and size.segments <= SMS_MAX_SEGMENTS


@dataclass(frozen=True)
class SmsReply:
    bodies: Tuple[str, ...]  # one <Message> each
    options: Tuple[str, ...]  # the payloads behind "Reply 1 ...", "2 ...", in order


def button_intent(payload: str) -> Optional[str]:
    """"/ask_dose" (or "/ask_dose{...}") -> "ask_dose"; None for links and plain text payloads."""
    match = re.fullmatch(r"/(\w+)(\{.*\})?", payload.strip(), flags=re.DOTALL)
    return match.group(1) if match else None


def option_label(book: AnswerBook, button: Dict[str, Any]) -> Optional[str]:
    """The short topic of the answer a button asks for; None for buttons that are not questions."""
    intent = button_intent(str(button.get("payload") or ""))
    if intent is None:
        return None  # a link (tel:, web): nothing to reply with by SMS
    answer = book.answer_for(intent)
    label = answer.topic if answer else str(button.get("title") or "")
    return to_gsm7(label) or None


def options_line(book: AnswerBook, labels: Sequence[str]) -> str:
    """"Reply 1 for dose, 2 for cost." in the book's language (messages sms_options and sms_option)."""
    options = ", ".join(
        book.fill_in(book.message("sms_option", "sms"), number=str(number), topic=label)
        for number, label in enumerate(labels, 1)
    )
    return to_gsm7(book.fill_in(book.message("sms_options", "sms"), options=options))


def split_to_fit(text: str) -> List[str]:
    """Pieces of `text` that each fit, cut between sentences (then words) so nothing is lost."""
    if fits(text):
        return [text]
    pieces: List[str] = []
    current = ""
    units = re.split(r"(?<=[.!?])\s+", text)
    for unit in units:
        words = [unit] if fits(unit) else unit.split(" ")
        for word in words:
            while not fits(word):  # a single endless "word": cut it hard
                if current:
                    pieces.append(current)
                    current = ""
                cut = next(n for n in range(min(len(word), SMS_MAX_CHARACTERS), 0, -1) if fits(word[:n]))
                pieces.append(word[:cut])
                word = word[cut:]
            joiner = " " if current else ""
            if fits(current + joiner + word):
                current += joiner + word
            else:
                pieces.append(current)
                current = word
    if current:
        pieces.append(current)
    return pieces


def pack(texts: Iterable[str]) -> List[str]:
    """Join the texts with newlines into as few bodies as fit."""
    bodies: List[str] = []
    current = ""
    for text in texts:
        for piece in split_to_fit(text):
            candidate = f"{current}\n{piece}" if current else piece
            if fits(candidate):
                current = candidate
            else:
                bodies.append(current)
                current = piece
    if current:
        bodies.append(current)
    return bodies


def render_sms(book: AnswerBook, messages: Sequence[Dict[str, Any]]) -> SmsReply:
    """The SMS bodies for the bot's messages of one turn, and the options they offer.

    The phone is added (the sms call offer) when no message carries it. Options go at the
    end of the last body, as many as fit: options are dropped rather than exceed the limit.
    """
    texts = [to_gsm7(str(message.get("text") or "")) for message in messages]
    texts = [text for text in texts if text]
    if not any(book.clinic.phone in text for text in texts):
        texts.append(to_gsm7(book.message("call_offer", "sms")))
    bodies = pack(texts)

    offered: Dict[str, str] = {}  # payload -> label, in order, without repeats
    for message in messages:
        for button in message.get("buttons") or []:
            label = option_label(book, button)
            payload = str(button.get("payload") or "").strip()
            if label and payload not in offered:
                offered[payload] = label
    payloads, labels = list(offered), list(offered.values())
    for count in range(len(payloads), 0, -1):
        candidate = f"{bodies[-1]}\n{options_line(book, labels[:count])}"
        if fits(candidate):
            bodies[-1] = candidate
            return SmsReply(tuple(bodies), tuple(payloads[:count]))
    return SmsReply(tuple(bodies), ())


def option_number(text: str) -> Optional[int]:
    """The option a reply picks ("1", " 2 ", "3."), or None if the text is not a bare number."""
    match = re.fullmatch(r"\s*(\d{1,2})\s*[.)]?\s*", text)
    return int(match.group(1)) if match else None
