"""The reply a visitor sees for "hello", "thanks", "are you a bot?" ...: how eval/outcomes.py recognises it.

A conversation intent has no answer in the answers file, so the judge could not tell the greeting from
the scope reply and counted every "hola" or "gracias" as no answer. Each conversation intent's reply is
found the way the assistant finds it: the rule of data/rules/conversation.yml gives the action, and the
action gives the text (a response of domain.yml, every language's variation, or the clinic action's own
reply in the answers file).
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml
from rasa_sdk import Tracker

from actions.conversation import ActionContactClinic, ActionGreet, ActionShowHelp
from answer_book.model import ENGLISH, AnswerBook
from answer_book.rendering import LANGUAGE_ENTITY as LANGUAGE_SLOT
from runtime.servers import PROJECT_DIR

RULES_PATH = PROJECT_DIR / "data" / "rules" / "conversation.yml"
DOMAIN_PATH = PROJECT_DIR / "domain.yml"
#: The clinic actions the conversation rules run (their reply comes from the answers file).
CLINIC_ACTIONS = {action.name(): action for action in (ActionGreet(), ActionShowHelp(), ActionContactClinic())}
#: The channel kind whose texts the REST replies carry.
REST_KIND = "web"


def intent_actions(rules_path: Path = RULES_PATH) -> Dict[str, str]:
    """intent -> the action its one-step rule runs (a rule of exactly one intent and one action)."""
    rules = (yaml.safe_load(rules_path.read_text(encoding="utf-8")) or {}).get("rules") or []
    actions: Dict[str, str] = {}
    for rule in rules:
        steps = rule.get("steps") or []
        if len(steps) == 2 and "intent" in steps[0] and "action" in steps[1]:
            actions[steps[0]["intent"]] = steps[1]["action"]
    return actions


def empty_tracker() -> Tracker:
    return Tracker("eval", {}, {}, [], False, None, {}, None)


def variation_language(variation: dict) -> Optional[str]:
    """The `language` slot value a domain response variation is conditioned on (None: the default one)."""
    for condition in variation.get("condition") or []:
        if condition.get("type") == "slot" and condition.get("name") == LANGUAGE_SLOT:
            return condition.get("value")
    return None


def action_texts(action: str, book: AnswerBook, responses: Dict[str, List[dict]]) -> Tuple[str, ...]:
    """The texts one action says in the book's language: a domain response's variation, or a clinic action's reply."""
    if action in responses:
        wanted = None if book.language == ENGLISH else book.language
        return tuple(str(variation["text"]).strip() for variation in responses[action]
                     if variation.get("text") and variation_language(variation) == wanted)
    if action in CLINIC_ACTIONS:
        return tuple(str(message.get("text") or "").strip()
                     for message in CLINIC_ACTIONS[action].reply(book, empty_tracker(), REST_KIND)
                     if message.get("text"))
    return ()


def conversation_replies(
    book: AnswerBook, rules_path: Path = RULES_PATH, domain_path: Path = DOMAIN_PATH,
) -> Dict[str, Tuple[str, ...]]:
    """intent -> the texts of which any one in a reply shows that the intent's reply was given."""
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8")) or {}
    responses = domain.get("responses") or {}
    replies = {intent: action_texts(action, book, responses) for intent, action in intent_actions(rules_path).items()}
    return {intent: texts for intent, texts in replies.items() if texts}
