"""`make preview`: every answer as the website shows it and as a text message sends it, with sizes,
in English and in Spanish (an answer not translated yet shows its English text under Spanish).

Usage: python -m tools.preview_answers [--path FILE] [INTENT ...]
Uses the assistant's own rendering (answer_book/rendering.py) and GSM-7 conversion
(answer_book/sms_text.py), so staff see exactly the words patients get. A file with problems (an
answer too long, a missing field) is still shown as far as it can be read, after the problems, so
an answer can be shortened by looking at it; the exit code is then 1 (the assistant does not serve
that file until it is fixed).
"""
from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import Callable, Iterable, List, Optional

import yaml

from answer_book.model import AnswerBook, AnswersFileError, build_book
from staff_files.yaml_source import read_staff_yaml
from answer_book.schema import load_answer_book
from answer_book.store import answers_path
from answer_book.schema import CHAT_BUBBLE_MAX, SMS_MAX_SEGMENTS
from answer_book.rendering import Message, answer_messages
from answer_book.sms_text import sms_size, to_gsm7

WIDTH = 78


def indent(text: str, prefix: str = "    ") -> str:
    lines: List[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, WIDTH - len(prefix)) or [""])
    return "\n".join(prefix + line for line in lines)


def sms_counts(text: str) -> str:
    size = sms_size(text)
    unit = "characters" if size.encoding == "GSM-7" else "UCS-2 characters"
    warning = "  <-- too long" if size.segments > SMS_MAX_SEGMENTS else ""
    return f"{size.units} {unit}, {size.segments} text message{'s' if size.segments != 1 else ''}{warning}"


def buttons_line(message: Message) -> str:
    titles = [str(button["title"]) for button in message.get("buttons") or []]  # type: ignore[union-attr]
    return "    buttons: " + " | ".join(f"[{title}]" for title in titles) if titles else ""


LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def preview_answer(book: AnswerBook, intent: str) -> Iterable[str]:
    answer = book.answers[intent]
    yield (f"=== {intent} [{LANGUAGE_NAMES.get(book.language, book.language)}]: {answer.question}  "
           f"(topic: {answer.topic}; source: {answer.source})")
    warning = "  <-- too long" if len(answer.text) > CHAT_BUBBLE_MAX else ""
    yield f"  Website ({len(answer.text)} characters of {CHAT_BUBBLE_MAX} in the answer bubble{warning}):"
    for message in answer_messages(book, answer, "web"):
        yield indent(str(message["text"]))
        line = buttons_line(message)
        if line:
            yield line
    sms = answer_messages(book, answer, "sms")[0]
    sent = to_gsm7(str(sms["text"]))
    yield f"  SMS as sent ({sms_counts(sent)}):"
    yield indent(sent)
    if sent != str(sms["text"]) and book.language == "en":
        yield f"    (changed for SMS: the file's text was {sms_counts(str(sms['text']))})"
    elif sent != str(sms["text"]):
        yield "    (as every Spanish text message: á, í, ó, ú sent without their accent)"
    line = buttons_line(sms)
    if line:
        yield line.replace("buttons:", "follow-up options:")
    yield ""


def preview_messages(book: AnswerBook) -> Iterable[str]:
    yield f"=== Messages around the answers [{LANGUAGE_NAMES.get(book.language, book.language)}]"
    for key in book.messages:
        web, sms = book.message(key, "web"), to_gsm7(book.message(key, "sms"))
        yield f"  {key} - website ({len(web)} characters):"
        yield indent(web)
        yield f"  {key} - SMS ({sms_counts(sms)}):"
        yield indent(sms)
    yield ""


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("intents", nargs="*", help="only these answers (default: all, then the messages)")
    parser.add_argument("--path", type=Path, default=answers_path(), help="the answers file (default: %(default)s)")
    parser.add_argument("--language", choices=["en", "es", "both"], default="both", help="default: both, each answer in English then Spanish")
    args = parser.parse_args(argv)
    problems: List[str] = []
    try:
        book = load_answer_book(args.path)
    except AnswersFileError as error:
        problems = error.lines()
        book = readable_book(args.path)
        print("\n".join(problems) + "\n\nFix these (make check-answers lists them); until then the assistant "
              "keeps serving the last good answers." + ("" if book is None else " As the file is now:\n"))
        if book is None:
            return 1
    unknown = [intent for intent in args.intents if intent not in book.answers]
    if unknown:
        print(f"No answer named {', '.join(unknown)}. The answers are: {', '.join(book.answers)}")
        return 1
    languages = ["en", "es"] if args.language == "both" else [args.language]
    for intent in args.intents or list(book.answers):
        for language in languages:
            print("\n".join(shown_or_why(lambda: preview_answer(book.in_language(language), intent), intent)))
    if not args.intents:
        for language in languages:
            print("\n".join(shown_or_why(lambda: preview_messages(book.in_language(language)), "the messages")))
    return 1 if problems else 0


def readable_book(path: Path) -> Optional[AnswerBook]:
    """The answers as far as the file can be read (blanks where it is wrong), or None if it is not YAML."""
    try:
        _, data = read_staff_yaml(path.read_text(encoding="utf-8"))
        return build_book(data) if isinstance(data, dict) else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def shown_or_why(lines: Callable[[], Iterable[str]], what: str) -> List[str]:
    """The preview of one answer, or a line saying it cannot be shown while the file has a problem there."""
    try:
        return list(lines())
    except Exception as error:  # a field the problems above name is missing or of the wrong kind
        return [f"=== {what}: cannot be shown until the problems above are fixed ({type(error).__name__})", ""]


if __name__ == "__main__":
    sys.exit(main())
