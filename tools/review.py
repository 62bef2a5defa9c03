"""`make review`: the patients' messages the assistant could not answer, into a file staff edit.

Usage: python -m tools.review [--endpoints endpoints.yml] [--out review/pending.yml]
Reads every conversation of the tracker store (the SQLite file of endpoints.yml by default; PostgreSQL
when DATABASE_URL is set) and writes one entry per unanswered message: its text, with phone numbers,
e-mail addresses and dates redacted as in the logs, and the question the model found closest.

A message is unanswered when the assistant replied with "not understood" (intent nlu_fallback: "Did
you mean", the article, or what it can answer) or with its scope reply (out_of_scope), unless the
visitor then clicked one of the questions "Did you mean" offered; and a message whose answer the
visitor marked 👎 in the widget (as `make report` counts them). Each entry says `why`. Button clicks
themselves and messages already in the training data are left out. `make review-apply` (tools/review_apply.py)
turns the edited file into training examples.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

import yaml

from answer_book.rendering import NOT_HELPFUL, rated_answers
from runtime.endpoints import DATABASE_URL_VAR, endpoints_config
from runtime.log_privacy import redact
from safety.emergency_net import fold_accents
from staff_files.live_file import display_path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_ENDPOINTS = PROJECT_DIR / "endpoints.yml"
DEFAULT_PENDING = PROJECT_DIR / "review" / "pending.yml"
TRAINING_DIR = PROJECT_DIR / "data" / "nlu"
#: The intents whose reply means "not answered": the fallback (action_clarify) and the scope reply.
UNANSWERED_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})
OUT_OF_SCOPE = "out_of_scope"

HEADER = """\
# Messages patients sent that the assistant could not answer (written by `make review`).
#
# For each one, set suggested_intent: to the question it asks (the list of questions is at the end of
# this file), or to out_of_scope if the assistant should not answer it. Delete an entry (all its lines)
# to leave that message out. `why:` says what the visitor got; an answer marked 👎 may have been the
# right question with an answer that did not help (keep the question, and look at the answer's text).
# Then run `make review-apply`, and `make train` when it says so.
# Phone numbers, e-mail addresses and dates are already replaced by [phone], [email] and [date].
"""


#: Why a message is in the review file (its `why:` line).
NOT_UNDERSTOOD = "not understood (Did you mean, the article or the list of questions)"
SCOPE = "the scope reply (out of scope)"


@dataclass(frozen=True)
class Unanswered:
    message: str  # redacted
    suggested_intent: str
    sender_id: str
    why: str = NOT_UNDERSTOOD


def same_text(text: str) -> str:
    """The form two messages are compared in: lower case, no accents, only letters and digits."""
    return re.sub(r"[^a-z0-9]+", " ", fold_accents(text.lower())).strip()


def store_settings(endpoints: Optional[Path], env: Mapping[str, str]) -> Dict[str, Any]:
    """Rasa SQLTrackerStore arguments: PostgreSQL from DATABASE_URL, else the endpoints file's store."""
    if env.get(DATABASE_URL_VAR) and endpoints is None:
        config = dict(endpoints_config(env)["tracker_store"])
        config.pop("type")
        config["host"] = config.pop("url")
        return config
    from tools.forget_conversation import tracker_store_config

    return tracker_store_config(endpoints or DEFAULT_ENDPOINTS)


def stored_conversations(settings: Dict[str, Any]) -> Dict[str, List[Dict[str, Any]]]:
    """sender id -> its events in the order stored (Rasa's own SQL tracker store reads the tables)."""
    import warnings

    from rasa.core.tracker_store import SQLTrackerStore

    with warnings.catch_warnings():  # Rasa 3.6 builds its database URL the way SQLAlchemy 1.4 deprecates
        warnings.simplefilter("ignore")
        store = SQLTrackerStore(domain=None, **settings)
    conversations: Dict[str, List[Dict[str, Any]]] = {}
    try:
        with store.session_scope() as session:
            rows = session.query(store.SQLEvent.sender_id, store.SQLEvent.data).order_by(store.SQLEvent.id)
            for sender_id, data in rows:
                conversations.setdefault(sender_id, []).append(json.loads(data))
    finally:
        store.engine.dispose()
    return conversations


def best_faq_intent(parse_data: Mapping[str, Any], faq_intents: Iterable[str]) -> str:
    """The FAQ question ranked highest for the message, or out_of_scope when none is ranked."""
    faq = set(faq_intents)
    for candidate in parse_data.get("intent_ranking") or []:
        if candidate.get("name") in faq:
            return str(candidate["name"])
    return OUT_OF_SCOPE


def _offered_payloads(event: Mapping[str, Any]) -> List[str]:
    buttons = (event.get("data") or {}).get("buttons") or []
    return [str(button.get("payload")) for button in buttons if isinstance(button, dict)]


def unanswered_messages(sender_id: str, events: Sequence[Mapping[str, Any]],
                        faq_intents: Sequence[str]) -> List[Unanswered]:
    """The unanswered user messages of one conversation (see the module docstring), in order."""
    found: Dict[int, Unanswered] = {}
    for index, event in enumerate(events):
        if event.get("event") != "user":
            continue
        text = str(event.get("text") or "").strip()
        parse_data = event.get("parse_data") or {}
        intent = (parse_data.get("intent") or {}).get("name")
        if intent == NOT_HELPFUL:
            _mark_not_helpful(found, events[:index], rated_answers(parse_data), sender_id)
        if not text or text.startswith("/") or intent not in UNANSWERED_INTENTS:
            continue
        if _answered_by_a_click(events[index + 1:], faq_intents):
            continue
        why = SCOPE if intent == OUT_OF_SCOPE else NOT_UNDERSTOOD
        found[index] = Unanswered(_shown(text), best_faq_intent(parse_data, faq_intents), sender_id, why)
    return [found[index] for index in sorted(found)]


def _shown(text: str) -> str:
    return redact(" ".join(text.split()))


def _answered_with(event: Mapping[str, Any]) -> List[str]:
    parse_data = event.get("parse_data") or {}
    return list(parse_data.get("questions") or []) or [str((parse_data.get("intent") or {}).get("name"))]


def _mark_not_helpful(found: Dict[int, Unanswered], before: Sequence[Mapping[str, Any]], rated: Sequence[str],
                      sender_id: str) -> None:
    """The latest earlier message the visitor typed that got the rated answers (a click on a "Did you mean"
    question counts for the message it answered), listed as answered but marked 👎."""
    if not rated:
        return
    clicked = False
    for index in range(len(before) - 1, -1, -1):
        event = before[index]
        if event.get("event") != "user":
            continue
        text = str(event.get("text") or "").strip()
        if clicked and not text.startswith("/"):
            found[index] = Unanswered(_shown(text), rated[0], sender_id, _not_helpful_why(rated))
            return
        if set(rated) <= set(_answered_with(event)):
            if not text.startswith("/"):
                found[index] = Unanswered(_shown(text), rated[0], sender_id, _not_helpful_why(rated))
                return
            clicked = text.lstrip("/") in rated  # the question's button: the message before it asked


def _not_helpful_why(rated: Sequence[str]) -> str:
    return f"answered with {', '.join(rated)}, which the visitor marked 👎 not helpful"


def _answered_by_a_click(after: Sequence[Mapping[str, Any]], faq_intents: Sequence[str]) -> bool:
    """Whether the bot's reply offered questions and the visitor's next message clicked one of them."""
    offered: List[str] = []
    for event in after:
        if event.get("event") == "bot":
            offered += _offered_payloads(event)
        elif event.get("event") == "user":
            text = str(event.get("text") or "").strip()
            return text in offered and text.lstrip("/") in faq_intents
    return False


def training_texts(folder: Path = TRAINING_DIR) -> Dict[str, str]:
    """same_text(example) -> intent, for every training example under `folder`."""
    texts: Dict[str, str] = {}
    for path in sorted(folder.rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu") or []:
            if "intent" in block:
                for line in str(block.get("examples") or "").splitlines():
                    if line.strip().startswith("- "):
                        texts[same_text(line.strip()[2:])] = block["intent"]
    return texts


def collect(conversations: Mapping[str, Sequence[Mapping[str, Any]]], faq_intents: Sequence[str],
            trained: Mapping[str, str]) -> List[Unanswered]:
    """Every conversation's unanswered messages, each text once, leaving out the training examples."""
    seen = set(trained)
    collected: List[Unanswered] = []
    for sender_id, events in conversations.items():
        for item in unanswered_messages(sender_id, events, faq_intents):
            key = same_text(item.message)
            if key and key not in seen:
                seen.add(key)
                collected.append(item)
    return collected


def messages_yaml(entries: Sequence[Dict[str, str]]) -> str:
    """The review file's list of messages, as YAML (one line per field, however long the message)."""
    return yaml.safe_dump({"messages": list(entries)}, allow_unicode=True, sort_keys=False, width=1000)


def pending_yaml(items: Sequence[Unanswered], intents: Sequence[str]) -> str:
    """The review file: the header, one entry per message, the questions to choose from."""
    body = messages_yaml([{"message": item.message, "suggested_intent": item.suggested_intent, "why": item.why}
                          for item in items])
    choices = "\n".join(f"#   {intent}" for intent in intents)
    return f"{HEADER}{body}\n# The questions (and out_of_scope):\n{choices}\n"


def faq_and_out_of_scope() -> List[str]:
    """The questions a reviewed message may be given: every answered question, then out_of_scope."""
    from answer_book.schema import project_intents

    return [*project_intents().answered, OUT_OF_SCOPE]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=Path, help="the endpoints file whose tracker store to read "
                        "(default: DATABASE_URL when set, else endpoints.yml)")
    parser.add_argument("--out", type=Path, default=DEFAULT_PENDING, help="the review file (default: %(default)s)")
    args = parser.parse_args(argv)
    intents = faq_and_out_of_scope()
    conversations = stored_conversations(store_settings(args.endpoints, os.environ))
    items = collect(conversations, intents[:-1], training_texts())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(pending_yaml(items, intents), encoding="utf-8")
    print(f"{len(items)} unanswered message{'s' if len(items) != 1 else ''} from {len(conversations)} "
          f"conversation{'s' if len(conversations) != 1 else ''} written to {display_path(args.out)}. Edit it "
          "(docs/STAFF.md), then run make review-apply.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
