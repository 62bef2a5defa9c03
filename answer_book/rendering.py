"""Turn answers and clinic messages into the chat messages a channel sends.

Plain Python: each function returns a list of dicts with "text" and optional
"buttons", the keyword arguments of `dispatcher.utter_message`.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Optional, Tuple

from answer_book.model import Answer, AnswerBook

Message = Dict[str, object]

#: Input channels whose users read plain text messages (the SMS connector's name).
SMS_CHANNELS = frozenset({"twilio_sms"})


def channel_kind(input_channel: Optional[str]) -> str:
    """"sms" for text-message channels, "web" for everything else (widget, REST, shell)."""
    return "sms" if input_channel in SMS_CHANNELS else "web"


def link_button(title: str, url: str) -> Dict[str, str]:
    """A button that opens a link (a tel: link dials the number on a phone)."""
    return {"title": title, "type": "web_url", "url": url, "payload": url}


#: Questions offered under a quoted article passage (as under an answer: at most three).
FOLLOW_UPS_SHOWN = 3
#: The intent of the "Something else" button under "Did you mean".
SOMETHING_ELSE_INTENT = "out_of_scope"


#: The greeting's language buttons choose the conversation's language (the `language` slot).
GREET_INTENT = "greet"
LANGUAGE_ENTITY = "language"


def payload(intent: str) -> str:
    """A button payload: Rasa reads "/<intent>" as that intent."""
    return f"/{intent}"


def language_payload(language: str) -> str:
    """The payload of a language button: the greeting, with the language as an entity (fills the slot)."""
    return f'/{GREET_INTENT}{{"{LANGUAGE_ENTITY}": "{language}"}}'


def button_payloads(book: AnswerBook) -> frozenset:
    """Every payload the assistant's own buttons send but the feedback's (channels accept exactly these as
    payloads; a feedback payload is checked by `feedback_of`)."""
    intents = frozenset(book.answers) | {SOMETHING_ELSE_INTENT}
    return frozenset(payload(intent) for intent in intents) | {language_payload(lang) for lang in ("en", "es")}


#: "Helpful? 👍 / 👎" under an answer, in the widget only (over SMS every message costs; REST clients
#: show their own buttons, so its replies stay as documented). Payload-only intents: no NLU examples.
FEEDBACK_CHANNELS = frozenset({"socketio"})
HELPFUL, NOT_HELPFUL = "feedback_helpful", "feedback_not_helpful"
FEEDBACK_INTENTS = (HELPFUL, NOT_HELPFUL)
#: The entity of a feedback payload: the answer(s) it is about, so a click on an old answer's
#: button still rates that answer.
ANSWER_ENTITY = "answer"


def rated_answers(parse_data: Dict[str, Any]) -> List[str]:
    """The answers a parsed 👍 / 👎 click rates: its `answer` entities."""
    return [str(entity.get("value")) for entity in parse_data.get("entities") or [] if entity.get("entity") == ANSWER_ENTITY]


def asks_for_feedback(input_channel: Optional[str]) -> bool:
    return input_channel in FEEDBACK_CHANNELS


def feedback_payload(intent: str, answers: Iterable[str]) -> str:
    """The payload of a 👍 (HELPFUL) or 👎 (NOT_HELPFUL) button about `answers`."""
    return f"/{intent}{json.dumps({ANSWER_ENTITY: list(answers)})}"


def feedback_of(text: str, book: AnswerBook) -> Optional[Tuple[str, Tuple[str, ...]]]:
    """(intent, answers) if `text` is exactly a feedback button's payload about answers of `book`, else None."""
    intent, _, entities = text.partition("{")
    intent = intent.lstrip("/")
    if not text.startswith("/") or intent not in FEEDBACK_INTENTS:
        return None
    try:
        answers = json.loads("{" + entities).get(ANSWER_ENTITY)
    except (ValueError, AttributeError):
        return None
    if not isinstance(answers, list) or not answers or len(set(map(str, answers))) != len(answers):
        return None
    if not all(isinstance(a, str) and a in book.answers for a in answers):
        return None
    return (intent, tuple(answers)) if text == feedback_payload(intent, answers) else None


def feedback_messages(book: AnswerBook, answers: Iterable[str]) -> List[Message]:
    """"Helpful?" with 👍 and 👎 as buttons that stay under the answer (rasa-webchat's "buttons"; its
    quick replies show under the last message only, where the follow-ups are)."""
    answers = list(answers)
    buttons = [{"title": book.message("feedback_helpful_button"), "payload": feedback_payload(HELPFUL, answers)},
               {"title": book.message("feedback_not_helpful_button"), "payload": feedback_payload(NOT_HELPFUL, answers)}]
    return [{"json_message": {"text": book.message("feedback_question"), "buttons": buttons}}]


def feedback_reply_messages(book: AnswerBook, intent: str, answers: Iterable[str], kind: str) -> List[Message]:
    """👍: thanks. 👎: sorry, the clinic's phone, and one follow-up question of the answer rated (if any)."""
    if intent == HELPFUL:
        return [{"text": book.message("feedback_thanks", kind)}]
    follow_ups = [f for answer in answers if answer in book.answers for f in book.answers[answer].follow_ups]
    buttons = question_buttons(book, follow_ups[:1])
    if kind != "sms":
        buttons.append(call_clinic_button(book))
    return [{"text": book.message("feedback_sorry", kind), "buttons": buttons}]


def question_button(answer: Answer) -> Dict[str, str]:
    """A quick reply that asks this answer's question (the payload triggers its intent)."""
    return {"title": answer.question, "payload": payload(answer.intent)}


def call_clinic_button(book: AnswerBook) -> Dict[str, str]:
    return link_button(book.message("call_button"), book.clinic.tel_uri)


def question_buttons(book: AnswerBook, intents: Iterable[str]) -> List[Dict[str, str]]:
    return [question_button(book.answers[intent]) for intent in intents if intent in book.answers]


def answer_messages(
    book: AnswerBook, answer: Answer, kind: str, closing: str = "call_offer", feedback: bool = False
) -> List[Message]:
    """The answer, then the offer to call the clinic with the follow-up questions.

    `closing` is the message that carries the phone: "call_offer", or "personal_advice" when
    the visitor asked about their own dose or treatment (only their doctor can advise).
    `feedback` (the widget): "Helpful? 👍 / 👎" between the answer and the offer to call.
    """
    follow_ups = question_buttons(book, answer.follow_ups)
    if kind == "sms":
        text = f"{answer.sms}\n{book.message(closing, 'sms')}"
        return [{"text": text, "buttons": follow_ups}]
    return [
        {"text": answer.text},
        *(feedback_messages(book, [answer.intent]) if feedback else []),
        {"text": book.message(closing), "buttons": follow_ups + [call_clinic_button(book)]},
    ]


def scope_messages(book: AnswerBook, kind: str, text_key: str = "scope") -> List[Message]:
    """What the assistant can answer, with example questions and the clinic's phone.

    `text_key` "personal_advice" replaces the text for a question about one's own treatment.
    """
    buttons = question_buttons(book, book.scope_examples)
    if kind == "web":
        buttons.append(call_clinic_button(book))
    return [{"text": book.message(text_key, kind), "buttons": buttons}]


def help_messages(book: AnswerBook, kind: str) -> List[Message]:
    return [{"text": book.message("help", kind), "buttons": question_buttons(book, book.help_topics)}]


def contact_messages(book: AnswerBook, kind: str) -> List[Message]:
    buttons = [] if kind == "sms" else [call_clinic_button(book)]
    return [{"text": book.message("contact", kind), "buttons": buttons}]


#: Dialable emergency numbers on the website: the message with each button's title, and the number
#: (the numbers themselves are also written in messages.emergency).
EMERGENCY_BUTTONS = (
    ("call_911_button", "tel:911"), ("call_poison_help_button", "tel:+18002221222"), ("call_988_button", "tel:988"),
)


def emergency_messages(book: AnswerBook, kind: str) -> List[Message]:
    """911, Poison Help, 988, then the clinic: no FAQ text, no suggestions."""
    buttons = [] if kind == "sms" else [link_button(book.message(key), url) for key, url in EMERGENCY_BUTTONS]
    return [{"text": book.message("emergency", kind), "buttons": buttons}]


def greeting_messages(book: AnswerBook, kind: str) -> List[Message]:
    """Who the assistant is; on the website the language choice and the starter questions as buttons."""
    if kind == "sms":
        return [{"text": book.message("greeting", kind)}]
    languages = [{"title": book.message("english_button"), "payload": language_payload("en")},
                 {"title": book.message("spanish_button"), "payload": language_payload("es")}]
    return [{"text": book.message("greeting"), "buttons": question_buttons(book, book.starter_questions) + languages}]


def several_answers_messages(
    book: AnswerBook, answers: List[Answer], kind: str, closing: str = "call_offer", feedback: bool = False
) -> List[Message]:
    """Two questions in one message: each answer, then one closing with the phone (not one each);
    `feedback`: one "Helpful?" about them all."""
    if len(answers) == 1:
        return answer_messages(book, answers[0], kind, closing, feedback)
    answered = {answer.intent for answer in answers}
    follow_ups = [i for answer in answers for i in answer.follow_ups if i not in answered]
    buttons = question_buttons(book, list(dict.fromkeys(follow_ups))[:3])
    if kind == "sms":
        text = "\n\n".join(answer.sms for answer in answers)
        return [{"text": f"{text}\n{book.message(closing, 'sms')}", "buttons": buttons}]
    prompt = feedback_messages(book, [answer.intent for answer in answers]) if feedback else []
    return [{"text": answer.text} for answer in answers] + prompt + [
        {"text": book.message(closing), "buttons": buttons + [call_clinic_button(book)]}
    ]


def did_you_mean_messages(book: AnswerBook, answers: List[Answer], kind: str) -> List[Message]:
    """"Did you mean...?" with a button per candidate question and one for "Something else", then the
    offer to call (a visitor unsure of any of them still has the phone)."""
    buttons = [question_button(answer) for answer in answers]
    buttons.append({"title": book.message("something_else_button"), "payload": payload(SOMETHING_ELSE_INTENT)})
    call_buttons = [] if kind == "sms" else [call_clinic_button(book)]
    return [
        {"text": book.message("did_you_mean", kind), "buttons": buttons},
        {"text": book.message("call_offer", kind), "buttons": call_buttons},
    ]


def still_not_understood_messages(book: AnswerBook, kind: str) -> List[Message]:
    """The second miss in a row: stop guessing and offer the clinic's phone."""
    buttons = [] if kind == "sms" else [call_clinic_button(book)]
    return [{"text": book.message("still_not_understood", kind), "buttons": buttons}]


def passage_messages(book: AnswerBook, section: str, text: str, supports: Iterable[str], kind: str) -> List[Message]:
    """A passage of the clinic's article, quoted as the clinic's text, then the offer to call.

    The answers the passage supports are offered as questions (the visitor's may be one of them).
    """
    buttons = question_buttons(book, list(supports)[:FOLLOW_UPS_SHOWN])
    intro = book.message("article_passage", kind)
    if kind == "sms":
        return [{"text": f"{intro} {text}\n{book.message('call_offer', 'sms')}", "buttons": buttons}]
    return [
        {"text": f"{intro} ({section})"},
        {"text": text},
        {"text": book.message("call_offer"), "buttons": buttons + [call_clinic_button(book)]},
    ]
