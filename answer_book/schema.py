"""The rules of the answers file, each said in plain words with the line and column to fix.

Plain Python (no rasa_sdk). `check_answers` returns every problem of one parsed file
as "line N, column M: what to change"; an empty list means the file may be served.
The limits below are the ones the file's own header tells staff.
"""
from __future__ import annotations

import difflib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

import yaml

from answer_book.model import (
    ANSWER_FIELDS,
    APPROVED_ADDITIONS,
    LISTS,
    REQUIRED_MESSAGES,
    REVIEWED,
    TRANSLATED_FIELDS,
    TRANSLATIONS,
    Answer,
    AnswerBook,
    AnswersFileError,
    build_book,
)
from answer_book.rendering import answer_messages
from answer_book.sms_text import GSM7_BASIC, GSM7_EXTENSION, MULTI_SEGMENT, SINGLE_SEGMENT, sms_size, to_gsm7
from staff_files.yaml_source import SourceMap, read_staff_yaml, yaml_problem

PROJECT_DIR = Path(__file__).resolve().parent.parent
DOMAIN_PATH_ENV = "DOMAIN_PATH"  # the domain whose intents answers may be keyed by
RULES_PATH_ENV = "RULES_PATH"  # the rules (file or folder) that say which intents action_answer_faq answers
DEFAULT_DOMAIN_PATH = PROJECT_DIR / "domain.yml"
DEFAULT_RULES_PATH = PROJECT_DIR / "data" / "rules"
FAQ_ACTION = "action_answer_faq"

#: A web answer fills at most one chat bubble a patient reads without scrolling: the widget shows
#: about 40 characters a line and 15 lines on a phone. The longest answer today is 511 characters.
CHAT_BUBBLE_MAX = 600
QUESTION_MAX = 40  # a follow-up button label: longer ones wrap to a third line in the widget
TOPIC_MAX = 24  # a word or two for SMS menus
FOLLOW_UPS_MIN, FOLLOW_UPS_MAX = 2, 3  # buttons under an answer; more crowd a phone screen
#: Two text messages. A message over 160 characters is sent in parts of 153 GSM-7 characters
#: (each part carries a small header), so two parts hold 306, not 320.
SMS_MAX_SEGMENTS = 2
PLACEHOLDERS = ("clinic_name", "phone")
#: Placeholders of particular messages, filled in by the code that sends them.
MESSAGE_PLACEHOLDERS = {"sms_options": ("options",), "sms_option": ("number", "topic")}
#: The messages the SMS channel sends as text (their `text` when they have no `sms`).
SENT_BY_SMS = ("call_offer", "scope", "help", "contact", "emergency", "service_unavailable")
MESSAGE_VARIANTS = ("text", "sms")

PHONE_FORMAT = re.compile(r"\([2-9]\d{2}\) [2-9]\d{2}-\d{4}")
#: A phone number with its area code ("850-213-6396", "(850) 213-6396") or without it ("213-6396", as a patient
#: or staff member types a local number); the short form needs its separator, so "4.5 mg" or a year is no number.
PHONE_LIKE = re.compile(r"(?<![\d.])(?:(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}|\d{3}[\s.-]\d{4})(?![\d])")
_GSM7 = frozenset(GSM7_BASIC) | frozenset(GSM7_EXTENSION)
_CHARACTER_NAMES = {
    "\u2018": "curly quote", "\u2019": "curly quote", "\u201c": "curly double quote",
    "\u201d": "curly double quote", "\u2013": "long dash", "\u2014": "long dash", "\u2026": "three-dot character",
    "\u00a0": "non-breaking space", "\u2022": "bullet",
}
_REPLACEMENT_NAMES = {"'": "a straight quote '", '"': 'a straight double quote "', "-": "a hyphen -",
                      "...": "three dots ...", " ": "a normal space"}


@dataclass(frozen=True)
class ProjectIntents:
    """What the rest of the project says about answers: the intents that exist and the ones needing one."""

    known: FrozenSet[str]  # the intents of domain.yml
    answered: Tuple[str, ...]  # intents whose rule runs action_answer_faq: each needs an answer
    domain_path: Path
    problems: Tuple[str, ...] = ()  # the domain or rules could not be read


def project_intents(domain_path: Optional[Path] = None, rules_path: Optional[Path] = None) -> ProjectIntents:
    """Read the intents from the domain and the rules (paths from the arguments, env or the project)."""
    domain_path = Path(domain_path or os.environ.get(DOMAIN_PATH_ENV) or DEFAULT_DOMAIN_PATH)
    rules_path = Path(rules_path or os.environ.get(RULES_PATH_ENV) or DEFAULT_RULES_PATH)
    problems: List[str] = []
    known: List[str] = []
    try:
        domain = yaml.safe_load(domain_path.read_text(encoding="utf-8")) or {}
        for intent in domain.get("intents") or ():
            known.append(next(iter(intent)) if isinstance(intent, dict) else str(intent))
    except (OSError, yaml.YAMLError, AttributeError) as error:
        problems.append(f"the list of questions in {domain_path} cannot be read ({error})")
    answered: List[str] = []
    files = sorted(rules_path.rglob("*.yml")) if rules_path.is_dir() else [rules_path]
    for rules_file in files:
        try:
            rules = (yaml.safe_load(rules_file.read_text(encoding="utf-8")) or {}).get("rules") or ()
        except (OSError, yaml.YAMLError, AttributeError) as error:
            problems.append(f"the rules in {rules_file} cannot be read ({error})")
            continue
        for rule in rules:
            steps = rule.get("steps") or ()
            for step, following in zip(steps, steps[1:]):
                if "intent" in step and following.get("action") == FAQ_ACTION and step["intent"] not in answered:
                    answered.append(step["intent"])
    return ProjectIntents(frozenset(known), tuple(answered), domain_path, tuple(problems))


def describe_character(character: str) -> str:
    name = _CHARACTER_NAMES.get(character)
    if name:
        return f"a {name} {character}"
    if unicodedata.category(character) in ("So", "Sk", "Cs") or ord(character) > 0xFFFF:
        return f"an emoji or symbol {character}"
    return f"the character {character} ({unicodedata.name(character, 'unknown').lower()})"


def suggest_replacement(character: str) -> str:
    plain = to_gsm7(character) if character.strip() else " "
    if plain in _REPLACEMENT_NAMES:
        return f"use {_REPLACEMENT_NAMES[plain]}"
    return f"use {plain}" if plain else "remove it"


def non_gsm7_characters(text: str) -> List[str]:
    seen: List[str] = []
    for character in text:
        if character not in _GSM7 and character not in seen:
            seen.append(character)
    return seen


def check_sms(text: str, label: str, place: SourceMap, keys: Sequence[Any], sent_with: str = "") -> List[str]:
    """The SMS as sent (`text` plus what the code appends) fits two GSM-7 text messages."""
    problems = []
    odd = non_gsm7_characters(text)
    for character in odd:
        problems.append(
            f"{place.where_text(keys, character)}: {label} has {describe_character(character)} which makes the "
            f"message UCS-2 ({SINGLE_SEGMENT['UCS-2']} characters per text message instead of "
            f"{SINGLE_SEGMENT['GSM-7']}): {suggest_replacement(character)}"
        )
    sent = sms_size(text + sent_with)
    if not odd and sent.segments > SMS_MAX_SEGMENTS:
        limit = SMS_MAX_SEGMENTS * MULTI_SEGMENT["GSM-7"]
        appended = f" (with the line added after it, {len(sent_with.strip())} characters)" if sent_with else ""
        problems.append(
            f"{place.where(*keys)}: {label} is {sent.units} characters as sent{appended}, "
            f"{sent.segments} text messages: {SMS_MAX_SEGMENTS} hold {limit}, shorten it by {sent.units - limit}"
        )
    return problems


def check_placeholders(text: str, label: str, place: SourceMap, keys: Sequence[Any], extra: Sequence[str] = ()) -> List[str]:
    problems = []
    known = (*PLACEHOLDERS, *extra)
    for name in re.findall(r"\{([^{}]*)\}", text):
        if name not in known:
            allowed = " or ".join("{" + p + "}" for p in known)
            problems.append(f"{place.where_text(keys, '{' + name)}: {label} has an unknown placeholder "
                            f"{{{name}}}: use {allowed}")
    stripped = re.sub(r"\{[^{}]*\}", "", text)
    for brace in "{}":
        if brace in stripped:
            problems.append(f"{place.where_text(keys, brace)}: {label} has a lone {brace}: "
                            "write placeholders as {clinic_name} or {phone}, with both braces")
    return problems


def check_phone_numbers(text: str, label: str, place: SourceMap, keys: Sequence[Any], clinic_digits: str,
                        others_allowed: bool) -> List[str]:
    problems = []
    for match in PHONE_LIKE.finditer(text):
        digits = re.sub(r"\D", "", match.group())[-10:]
        if clinic_digits.endswith(digits) and others_allowed:
            problems.append(f"{place.where_text(keys, match.group())}: {label} has the clinic's number typed in: "
                            "write {phone} instead, so the number lives only under clinic:")
        elif not others_allowed:
            problems.append(f"{place.where_text(keys, match.group())}: {label} has a phone number "
                            f"({match.group()}): remove it, the clinic's number is added after every answer")
    return problems


def check_clinic(data: Dict[str, Any], place: SourceMap) -> List[str]:
    clinic = data.get("clinic")
    if not isinstance(clinic, dict):
        return [f"{place.end()}: add the clinic: section with its name and phone"]
    problems = []
    if not str(clinic.get("name") or "").strip():
        problems.append(f"{place.where('clinic')}: the clinic needs a name (name: Bliss)")
    phone = clinic.get("phone")
    if not isinstance(phone, str) or not PHONE_FORMAT.fullmatch(phone):
        problems.append(f"{place.where('clinic', 'phone')}: the clinic phone must be written like "
                        f'"(850) 213-6396", in quotes (it is {phone!r})')
    return problems


def check_answer_entry(intent: str, entry: Any, book: AnswerBook, intents: ProjectIntents,
                       place: SourceMap) -> List[str]:
    keys = ("answers", intent)
    if intent not in intents.known:
        close = difflib.get_close_matches(intent, sorted(intents.known), n=1, cutoff=0.8)
        hint = f" Did you mean {close[0]}?" if close else " Add it to the domain first (see docs/STAFF.md)."
        return [f"{place.where_key(*keys)}: {intent} is not a question the assistant knows "
                f"(it is not an intent in {intents.domain_path.name}).{hint}"]
    if not isinstance(entry, dict):
        return [f"{place.where(*keys)}: the answer for {intent} needs its fields: {', '.join(ANSWER_FIELDS)}"]
    problems = []
    for field in entry:
        if field in TRANSLATIONS:
            problems += check_translation_block(entry[field], keys + (field,), TRANSLATED_FIELDS, place)
        elif field == APPROVED_ADDITIONS:
            value = entry[field]
            if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
                problems.append(f"{place.where(*keys, field)}: the {APPROVED_ADDITIONS} of {intent} must be a list of "
                                "sentences of its text or sms, each on its own line starting with - ")
        elif field not in ANSWER_FIELDS:
            close = difflib.get_close_matches(str(field), ANSWER_FIELDS, n=1)
            hint = f"did you mean {close[0]}?" if close else f"the fields are {', '.join(ANSWER_FIELDS)}"
            problems.append(f"{place.where_key(*keys, field)}: the answer for {intent} has a field {field!r} "
                            f"that is not used: {hint}")
    for field in ANSWER_FIELDS:
        value = entry.get(field)
        if field not in entry:
            problems.append(place.buried_key(keys, field)
                            or f"{place.where_key(*keys)}: the answer for {intent} has no {field}: add it")
        elif field == "follow_ups":
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                problems.append(f"{place.where(*keys, field)}: the follow-ups of {intent} must be a list of "
                                "question names, like [ask_dose, ask_side_effects]")
        elif not isinstance(value, str) or not value.strip():
            what = "is empty" if value is None or isinstance(value, str) else "must be written text"
            problems.append(f"{place.where(*keys, field)}: the {field} for {intent} {what}")
    if problems:
        return problems
    answer = book.answers[intent]
    problems += check_answer_texts(answer, book, place)
    problems += check_follow_ups(answer, book, intents, place)
    for language in TRANSLATIONS:
        if isinstance(entry.get(language), dict) and not problems:
            translated = book.in_language(language)
            problems += check_answer_texts(translated.answers[intent], translated, place, keys + (language,))
    return problems


def check_translation_block(block: Any, keys: Tuple[Any, ...], fields: Sequence[str], place: SourceMap) -> List[str]:
    """A translation (`es:`) gives each of `fields` as text and says whether the clinic reviewed it."""
    language = keys[-1]
    if not isinstance(block, dict):
        return [f"{place.where(*keys)}: {language}: must hold the translated {', '.join(fields)} and reviewed: false"]
    problems = []
    for field in block:
        if field not in (*fields, REVIEWED):
            problems.append(f"{place.where_key(*keys, field)}: the {language} block has a field {field!r} that is not "
                            f"used: it holds {', '.join(fields)} and {REVIEWED}")
    for field in fields:
        value = block.get(field)
        if field not in block:
            problems.append(place.buried_key(keys, field) or
                            f"{place.where_key(*keys)}: the {language} block has no {field}: translate it from the English")
        elif not isinstance(value, str) or not value.strip():
            problems.append(f"{place.where(*keys, field)}: the {language} {field} is empty")
    if not isinstance(block.get(REVIEWED, False), bool):
        problems.append(f"{place.where(*keys, REVIEWED)}: {REVIEWED} is true or false")
    return problems


def check_answer_texts(
    answer: Answer, book: AnswerBook, place: SourceMap, keys: Optional[Tuple[Any, ...]] = None
) -> List[str]:
    """The rules of an answer's texts (in `book`'s language; `keys` where they are in the file)."""
    intent, keys = answer.intent, keys or ("answers", answer.intent)
    language = "Spanish " if book.language != "en" else ""
    problems = []
    for field, limit, why in (("text", CHAT_BUBBLE_MAX, "one chat bubble"),
                              ("question", QUESTION_MAX, "a button label"), ("topic", TOPIC_MAX, "a menu entry")):
        value = getattr(answer, field)
        if len(value) > limit:
            problems.append(f"{place.where(*keys, field)}: the {language}{field} for {intent} is {len(value)} characters: "
                            f"{why} holds at most {limit}, shorten it by {len(value) - limit}")
    digits = re.sub(r"\D", "", book.clinic.phone)
    for field in ("text", "sms", "question", "topic"):
        label = f"the {language}{field} for {intent}"
        value = getattr(answer, field)
        problems += check_phone_numbers(value, label, place, keys + (field,), digits, others_allowed=False)
        for brace in re.findall(r"\{[^{}]*\}?|\}", value)[:1]:
            problems.append(f"{place.where_text(keys + (field,), brace)}: {label} has {brace}: answers are "
                            "shown as written, placeholders only work in messages; write the words instead")
    # The SMS as sent: the answer's sms and the call offer after it (reported apart when missing).
    sent = str(answer_messages(book, answer, "sms")[0]["text"]) if "call_offer" in book.messages else answer.sms
    sms = spanish_sms(answer.sms) if book.language != "en" else answer.sms
    problems += check_sms(sms, f"the {language}sms for {intent}", place, keys + ("sms",), sent_with=sent[len(answer.sms):])
    return problems


def spanish_sms(text: str) -> str:
    """A Spanish text as it is sent: á, í, ó, ú lose their accent (not in GSM-7; é, ñ, ü, ¿, ¡ are)."""
    return to_gsm7(text)


def check_follow_ups(answer: Answer, book: AnswerBook, intents: ProjectIntents, place: SourceMap) -> List[str]:
    keys = ("answers", answer.intent, "follow_ups")
    problems = []
    for index, follow_up in enumerate(answer.follow_ups):
        if follow_up == answer.intent:
            problems.append(f"{place.where(*keys, index)}: {answer.intent} lists itself as a follow-up: "
                            "pick another question")
        elif follow_up not in book.answers and follow_up in intents.known:
            problems.append(f"{place.where(*keys, index)}: the follow-up {follow_up} of {answer.intent} has no "
                            "answer in this file: add its answer or pick another question")
        elif follow_up not in book.answers:
            close = difflib.get_close_matches(follow_up, sorted(book.answers), n=1, cutoff=0.8)
            hint = f": did you mean {close[0]}?" if close else ": use the name of another answer in this file"
            problems.append(f"{place.where(*keys, index)}: the follow-up {follow_up} of {answer.intent} is not "
                            f"an answer in this file{hint}")
        elif follow_up in answer.follow_ups[:index]:
            problems.append(f"{place.where(*keys, index)}: {answer.intent} lists the follow-up {follow_up} twice")
    count = len(answer.follow_ups)
    if not FOLLOW_UPS_MIN <= count <= FOLLOW_UPS_MAX:
        problems.append(f"{place.where(*keys)}: {answer.intent} has {count} follow-ups: list "
                        f"{FOLLOW_UPS_MIN} or {FOLLOW_UPS_MAX} (they are the buttons under the answer)")
    return problems


def check_messages(data: Dict[str, Any], book: AnswerBook, place: SourceMap) -> List[str]:
    messages = data.get("messages")
    if not isinstance(messages, dict):
        return [f"{place.end()}: add the messages: section ({', '.join(REQUIRED_MESSAGES)})"]
    problems = []
    for key in REQUIRED_MESSAGES:
        if key not in messages:
            problems.append(f"{place.where_key('messages')}: the message {key} is missing: add it with a text")
    digits = re.sub(r"\D", "", book.clinic.phone)
    for key, variants in messages.items():
        if not isinstance(variants, dict) or not isinstance(variants.get("text"), str) or not variants["text"].strip():
            problems.append(f"{place.where('messages', key)}: the message {key} needs a text")
            continue
        for variant, value in variants.items():
            keys = ("messages", key, variant)
            label = f"the {variant} of the message {key}"
            if variant in TRANSLATIONS:
                fields = ("text", "sms") if isinstance(value, dict) and "sms" in value else ("text",)
                block_problems = check_translation_block(value, keys, fields, place)
                problems += block_problems
                if not block_problems:
                    problems += check_message_texts(key, value, keys, book, place, digits, spanish=True)
                continue
            if variant not in MESSAGE_VARIANTS:
                problems.append(f"{place.where_key(*keys)}: the message {key} has {variant!r}: "
                                "a message has a text and optionally an sms")
                continue
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{place.where(*keys)}: {label} is empty")
                continue
            problems += check_message_texts(key, {variant: value, **{k: v for k, v in variants.items() if k == "sms"}},
                                            keys[:-1], book, place, digits, only=variant)
    return problems


def check_message_texts(key: str, variants: Dict[str, Any], keys: Tuple[Any, ...], book: AnswerBook, place: SourceMap,
                        digits: str, spanish: bool = False, only: Optional[str] = None) -> List[str]:
    """Placeholders, phone numbers and SMS size of a message's texts (`only`: just that variant)."""
    problems = []
    for variant in MESSAGE_VARIANTS:
        value = variants.get(variant)
        if not isinstance(value, str) or (only and variant != only):
            continue
        label = f"the {'Spanish ' if spanish else ''}{variant} of the message {key}"
        problems += check_placeholders(value, label, place, keys + (variant,), MESSAGE_PLACEHOLDERS.get(key, ()))
        problems += check_phone_numbers(value, label, place, keys + (variant,), digits, others_allowed=True)
        if variant == "sms" or (key in SENT_BY_SMS and "sms" not in variants):
            text = book.fill_in(value.strip())
            problems += check_sms(spanish_sms(text) if spanish else text, label + " (sent by SMS)", place,
                                  keys + (variant,))
    return problems


def check_lists(data: Dict[str, Any], book: AnswerBook, place: SourceMap) -> List[str]:
    problems = []
    for key in LISTS:
        value = data.get(key)
        if not isinstance(value, list) or not value:
            where = place.where(key) if key in data else place.end()
            problems.append(f"{where}: {key} must list some answers, like [ask_dose, ask_cost_insurance]")
            continue
        for index, intent in enumerate(value):
            if not isinstance(intent, str) or intent not in book.answers:  # [a list] is no answer name
                problems.append(f"{place.where(key, index)}: {key} lists {intent}, which is not an answer in this file")
    return problems


def check_answers(data: Any, book: AnswerBook, place: SourceMap, intents: ProjectIntents) -> List[str]:
    """Every problem of the parsed file `data` (already built leniently into `book`), in file order."""
    if not isinstance(data, dict):
        what = "is empty" if data is None else "must be a list of sections"
        return [f"line 1, column 1: the file {what}: it starts with version: 1, clinic: and answers:"]
    problems = [f"line 1, column 1: the file cannot be checked: {problem}" for problem in intents.problems]
    for key, first, second in place.duplicate_keys():
        problems.append(f"{place.at(second)}: {key} is written twice (first on line {first.start_mark.line + 1}): "
                        "keep one, the second one would silently replace the first")
    if data.get("version") != 1:
        problems.append(f"{place.where('version')}: the file must say version: 1")
    problems += check_clinic(data, place)
    entries = data.get("answers")
    if not isinstance(entries, dict) or not entries:
        where = place.where("answers") if "answers" in data else place.end()
        problems.append(f"{where}: answers: must list the answers, keyed by question name")
        entries = {}
    for intent, entry in entries.items():
        problems += check_answer_entry(str(intent), entry, book, intents, place)
    missing = [intent for intent in intents.answered if intent not in entries]
    if missing and entries:
        problems.append(f"{place.end()}: the answers for {', '.join(missing)} are missing: every question the assistant "
                        "is trained to answer needs one (if the file ends early, it was cut short)")
    problems += check_messages(data, book, place)
    problems += check_lists(data, book, place)
    return sorted(problems, key=_line_and_column)


def _line_and_column(problem: str) -> Tuple[int, int]:
    match = re.match(r"line (\d+), column (\d+)", problem)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def summary(book: AnswerBook) -> Iterable[str]:
    """Short facts about a good file, for the OK line of check-answers."""
    longest_web = max(book.answers.values(), key=lambda answer: len(answer.text))
    sizes = {answer.intent: sms_size(str(answer_messages(book, answer, "sms")[0]["text"]))
             for answer in book.answers.values()}
    longest_sms = max(sizes, key=lambda intent: sizes[intent].units)
    yield f"{len(book.answers)} answers, {len(book.messages)} messages"
    yield f"longest website answer {len(longest_web.text)}/{CHAT_BUBBLE_MAX} characters ({longest_web.intent})"
    yield (f"longest SMS {sizes[longest_sms].units}/{SMS_MAX_SEGMENTS * MULTI_SEGMENT['GSM-7']} characters, "
           f"{sizes[longest_sms].segments} text messages ({longest_sms})")


def parse_answer_book(source: str, path: Path, intents: Optional[ProjectIntents] = None) -> AnswerBook:
    """Build an AnswerBook from YAML text, or raise AnswersFileError listing every problem.

    `intents` (default: read from domain.yml and data/rules) says which answer keys exist
    and which must be present, so a file cut short is refused.
    """
    try:
        root, data = read_staff_yaml(source)
    except yaml.YAMLError as error:
        raise AnswersFileError(path, [yaml_problem(error, source)]) from error
    book = build_book(data if isinstance(data, dict) else {})
    problems = check_answers(data, book, SourceMap(root, source), intents or project_intents())
    if problems:
        raise AnswersFileError(path, problems)
    return book


def load_answer_book(path: Path, intents: Optional[ProjectIntents] = None) -> AnswerBook:
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AnswersFileError(path, [f"line 1, column 1: the file cannot be read ({error})"]) from error
    return parse_answer_book(source, path, intents)
