"""What a visitor's message becomes before Rasa sees it, the same on every channel.

- **Clean text**: a string every store, log and reply can hold. A lone UTF-16 surrogate
  ("\\ud800", valid in JSON, not in UTF-8) becomes U+FFFD and control characters (NUL, which
  PostgreSQL refuses, and the like) a space, instead of failing the turn later.
- **No typed intent syntax**: Rasa reads a text starting with "/" as an intent, a confidence
  and entities (`/greet@1 ...`, `/ask_dose{...}`), after the emergency safety net. Only the
  exact payloads of the project's own buttons (`/ask_dose`, "Something else", the language
  choice, the widget's greeting, 👍 / 👎 about answers of the answers file) and the visitor
  command `/restart` keep their slash; any other
  text loses its leading slashes, so it is read as the words it is (the model and the safety
  net see it).
- **A readable length**: a message longer than `READ_WINDOW_CHARACTERS` at each end is read as
  its first and its last window joined by " … " (`readable_part`), so a pasted page still gets
  "That message is too long for me to read" and the safety net still reads its start and its end
  (an emergency is said first or last; the middle of a huge paste is not read).
- **Conversations belong to their channel**: the tracker store's sender id is
  "<channel>:<sender>", so an SMS number and a REST sender can never meet.
"""
from __future__ import annotations

import json
import re
from typing import AbstractSet, Any, Optional

from answer_book.model import AnswerBook
from answer_book.rendering import button_payloads, feedback_of, payload

#: Conversation commands a visitor may type; each does what it says (`restart`: domain.yml utter_restart).
VISITOR_COMMANDS = frozenset({payload("restart")})
#: The widget's first message (web/bliss-chat.js `initPayload`).
WIDGET_START = payload("greet")

#: Metadata goes on to the tracker store with the message: a small, shallow object (page, locale ...).
MAX_METADATA_BYTES = 4096
MAX_METADATA_DEPTH = 4

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LEADING_SLASHES = re.compile(r"^[\s/]+")


#: Characters read at each end of a longer message. The safety net reads 64 K characters of short
#: words in 0.30 s, of leet-spelt words ("k1ll 0v3r") in 0.71 s, the slowest of 18 shapes tried
#: (one call each, 4 Dec 2026), and it runs on the server's event loop: two windows of 32 K bound
#: what one message can cost every visitor.
READ_WINDOW_CHARACTERS = 32 * 1024
#: What stands for the part of a message that is not read.
UNREAD_MARK = " … "


def readable_part(text: str) -> str:
    """`text`, or its first and last `READ_WINDOW_CHARACTERS` when it is longer than both."""
    if len(text) <= 2 * READ_WINDOW_CHARACTERS + len(UNREAD_MARK):
        return text
    return text[:READ_WINDOW_CHARACTERS] + UNREAD_MARK + text[-READ_WINDOW_CHARACTERS:]


def clean_text(text: object) -> str:
    """`text` as a string any store or log can hold (not a string: empty)."""
    if not isinstance(text, str):
        return ""
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return _CONTROL.sub(" ", text)


def allowed_payloads(book: AnswerBook) -> AbstractSet[str]:
    """The payloads a message may be: the buttons' (questions, languages), the widget's start, the commands.
    The 👍 / 👎 buttons' payloads name the answers they rate: `is_allowed_payload` checks them."""
    return button_payloads(book) | {WIDGET_START} | VISITOR_COMMANDS


def is_allowed_payload(text: str, book: AnswerBook) -> bool:
    return text in allowed_payloads(book) or feedback_of(text, book) is not None


def visitor_text(text: object, book: AnswerBook) -> str:
    """The text Rasa gets for what the visitor sent (see the module's docstring)."""
    text = clean_text(readable_part(text) if isinstance(text, str) else text)
    if is_allowed_payload(text.strip(), book):
        return text.strip()
    if text.lstrip().startswith("/"):
        return _LEADING_SLASHES.sub("", text)
    return text


def conversation_id(channel: str, sender: str) -> str:
    """The tracker store's sender id of `sender` on `channel` ("twilio_sms:+18505550100")."""
    return f"{channel}:{sender}"


def channel_sender(channel: str, conversation: str) -> str:
    """The visitor's own sender id back from a conversation id of `channel`."""
    prefix = f"{channel}:"
    return conversation[len(prefix):] if conversation.startswith(prefix) else conversation


def json_depth(value: Any) -> int:
    """How deeply objects and lists nest in `value` (a string is 0, {"a": 1} is 1)."""
    depth, level = 0, [value]
    while level:
        containers = [item for item in level if isinstance(item, (dict, list))]
        if not containers:
            return depth
        depth += 1
        level = [child for item in containers for child in (item.values() if isinstance(item, dict) else item)]
    return depth


def metadata_problem(metadata: Any) -> Optional[str]:
    """What is wrong with a message's metadata, or None if it may be stored."""
    if not isinstance(metadata, dict):
        return "must be a JSON object"
    if json_depth(metadata) > MAX_METADATA_DEPTH:
        return f"may nest at most {MAX_METADATA_DEPTH} levels"
    if len(json.dumps(metadata, ensure_ascii=False).encode("utf-8", "surrogatepass")) > MAX_METADATA_BYTES:
        return f"may have at most {MAX_METADATA_BYTES} bytes"
    return None
