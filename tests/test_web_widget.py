"""The chat widget on the demo clinic page, in a real headless Chromium (Debian's) driven by Playwright.

Screenshots go to results/ with `make screenshots` (committed; `make test` writes them to a temporary folder): widget-normal-dose.png shows the answer to
"Will normal dose naltrexone work for me?" with its quick replies and the call link; widget-feedback.png
"Helpful? 👍 / 👎" under an answer and the reply to 👎, report-feedback.png that 👎 in `make report`'s page,
widget-unavailable.png the widget while the assistant cannot be reached.
"""
from __future__ import annotations

import re
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any, Iterator, List
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, Playwright, WebSocketRoute, expect, sync_playwright

from answer_book.model import Answer, AnswerBook
from bench.simulated_week import run_report
from channels.base import MAX_REQUEST_BYTES
from tools.report.turns import NOT_HELPFUL_REASON
from runtime.stack import RunningAssistant
from tests.results_dir import results_dir
from tests.tracker_rows import user_texts
from runtime.web_server import WebServer, start_web_server

PROJECT_DIR = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; never a browser download
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
REPLY_TIMEOUT_MS = 60_000  # a reply on a busy 2-core machine; normally about a second

CLINIC_FAQ = {
    "Does naltrexone keep working or does its effect taper off?": "ask_taper_off",
    "Why haven't I heard about naltrexone before?": "ask_why_not_heard",
    "What's the difference between naloxone and naltrexone?": "ask_naloxone_vs_naltrexone",
    "Will normal dose naltrexone work for me?": "ask_normal_dose",
}
HTML_INJECTION = "<img src=x onerror=alert(1)>"

expect.set_options(timeout=REPLY_TIMEOUT_MS)


def shown_lines(markdown: str) -> List[str]:
    """What a reader sees of a message the widget renders as Markdown: its lines, without list bullets."""
    return [re.sub(r"^\s*[-*]\s+", "", line).strip() for line in markdown.splitlines() if line.strip()]


class ChatPage:
    """The demo page in a browser, with what it did: dialogs opened, requests completed."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.dialogs: List[str] = []
        self.requests: List[str] = []
        page.on("dialog", self._on_dialog)
        page.on("requestfinished", lambda request: self.requests.append(request.url))

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def open(self, greeting: str) -> None:
        """Load the page, open the widget from its launcher, wait for the greeting."""
        self.page.goto(self.url)
        self.page.locator(".rw-launcher").click()
        expect(self.bot_message(greeting)).to_be_visible()

    def bot_message(self, text: str) -> Locator:
        """The bot's bubbles showing `text` (Markdown as rendered: every line, list items as items)."""
        bubbles = self.page.locator(".rw-response")
        for line in shown_lines(text):
            bubbles = bubbles.filter(has_text=line)
        return bubbles

    def visitor_message(self, text: str) -> Locator:
        return self.page.locator(".rw-client", has_text=text)

    def ask(self, text: str) -> None:
        self.page.locator(".rw-new-message").fill(text)
        self.page.keyboard.press("Enter")
        expect(self.visitor_message(text).last).to_be_visible()

    def quick_replies(self) -> Locator:
        return self.page.locator(".rw-replies").last.locator(".rw-reply")

    def screenshot(self, name: str) -> None:
        self.page.screenshot(path=str(results_dir() / name), animations="disabled")  # finished, not mid-slide


@pytest.fixture(scope="module")
def demo_page(assistant: RunningAssistant) -> Iterator[WebServer]:
    """The demo clinic page on the port whose origin the test Rasa server accepts."""
    server = start_web_server(assistant.page_port, assistant.rasa.url)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (.ci/run installs it)")
    with sync_playwright() as driver:
        yield driver


def browser_chat(driver: Playwright, page_url: str, profile: Path, locale: str) -> Any:
    """A fresh browser profile (no stored conversation) in `locale` on the demo page; its context."""
    context = driver.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 900}, locale=locale,
    )
    page = context.pages[0] if context.pages else context.new_page()
    return context, ChatPage(page, page_url)


@pytest.fixture
def chat(playwright_driver: Playwright, demo_page: WebServer, tmp_path: Path) -> Iterator[ChatPage]:
    """A fresh browser profile (no stored conversation) on the demo page, in English."""
    context, page = browser_chat(playwright_driver, demo_page.url + "/", tmp_path / "chromium-profile", "en-US")
    yield page
    context.close()


@pytest.fixture(scope="module")
def greeting(answer_book: AnswerBook) -> str:
    return answer_book.message("greeting")


def expect_answer_with_follow_ups(chat: ChatPage, book: AnswerBook, answer: Answer) -> None:
    """The answer's text, the offer to call, its follow-up questions as quick replies and a tel: link."""
    expect(chat.bot_message(answer.text)).to_be_visible()
    expect(chat.bot_message(book.message("call_offer")).last).to_be_visible()
    follow_ups = [book.answers[intent].question for intent in answer.follow_ups]
    expect(chat.quick_replies()).to_have_text([*follow_ups, book.message("call_button")])
    call_link = chat.quick_replies().last
    expect(call_link).to_have_attribute("href", book.clinic.tel_uri)


def test_widget_answers_the_clinics_four_questions_with_quick_replies_and_a_call_link(
    chat: ChatPage, answer_book: AnswerBook, greeting: str
) -> None:
    chat.open(greeting)
    for question, intent in CLINIC_FAQ.items():
        chat.ask(question)
        expect_answer_with_follow_ups(chat, answer_book, answer_book.answers[intent])
        if intent == "ask_normal_dose":
            chat.screenshot("widget-normal-dose.png")
    assert chat.dialogs == []


def test_clicking_a_quick_reply_asks_its_question(chat: ChatPage, answer_book: AnswerBook, greeting: str) -> None:
    chat.open(greeting)
    chat.ask("Will normal dose naltrexone work for me?")
    expect_answer_with_follow_ups(chat, answer_book, answer_book.answers["ask_normal_dose"])
    follow_up = answer_book.answers[answer_book.answers["ask_normal_dose"].follow_ups[0]]
    chat.quick_replies().filter(has_text=follow_up.question).click()
    expect(chat.visitor_message(follow_up.question)).to_be_visible()
    expect_answer_with_follow_ups(chat, answer_book, follow_up)


def test_reloading_the_page_keeps_the_conversation(chat: ChatPage, answer_book: AnswerBook, greeting: str) -> None:
    chat.open(greeting)
    chat.ask("Why haven't I heard about naltrexone before?")
    why_not_heard = answer_book.answers["ask_why_not_heard"]
    expect_answer_with_follow_ups(chat, answer_book, why_not_heard)  # the whole reply is shown (and stored)

    chat.page.reload()
    # The widget reopens as it was (its state is in sessionStorage), with the whole conversation.
    expect(chat.page.locator(".rw-conversation-container")).to_be_visible()
    expect(chat.bot_message(greeting)).to_be_visible()
    expect(chat.visitor_message("Why haven't I heard about naltrexone before?")).to_be_visible()
    expect_answer_with_follow_ups(chat, answer_book, why_not_heard)
    chat.screenshot("widget-after-reload.png")
    # The same conversation goes on after the reload.
    chat.ask("Is LDN FDA-approved?")
    expect_answer_with_follow_ups(chat, answer_book, answer_book.answers["ask_fda_status"])


def test_html_in_a_message_shows_as_text_and_runs_nothing(
    chat: ChatPage, answer_book: AnswerBook, greeting: str
) -> None:
    chat.open(greeting)
    chat.ask(HTML_INJECTION)
    expect(chat.visitor_message(HTML_INJECTION)).to_have_text(HTML_INJECTION)
    expect(chat.bot_message(answer_book.message("scope").split(".")[0])).to_be_visible()  # the bot replied
    assert chat.page.locator(".rw-conversation-container img[src='x']").count() == 0
    chat.screenshot("widget-html-as-text.png")
    assert chat.dialogs == []


def test_page_loads_only_its_own_files_and_talks_only_to_the_assistant(
    chat: ChatPage, assistant: RunningAssistant, greeting: str
) -> None:
    response = chat.page.goto(chat.url)
    assert response is not None and "script-src 'self'" in (response.headers.get("content-security-policy") or "")
    chat.open(greeting)
    hosts = {urlsplit(url).netloc for url in chat.requests if not url.startswith("data:")}
    assert hosts == {urlsplit(chat.url).netloc, urlsplit(assistant.rasa.url).netloc}


def test_a_spanish_browser_gets_the_widget_in_spanish_and_can_switch_to_english(
    playwright_driver: Playwright, demo_page: WebServer, tmp_path: Path, answer_book: AnswerBook
) -> None:
    spanish = answer_book.in_language("es")
    context, chat = browser_chat(playwright_driver, demo_page.url + "/", tmp_path / "profile-es", "es-US")
    try:
        chat.open(spanish.message("greeting"))
        expect(chat.page.locator(".rw-new-message")).to_have_attribute("placeholder", re.compile("Escriba"))
        starters = [spanish.answers[intent].question for intent in spanish.starter_questions]
        expect(chat.quick_replies()).to_have_text([*starters, "English", "Español"])
        chat.ask("¿la ldn es adictiva?")
        expect(chat.bot_message(spanish.answers["ask_addictive"].text)).to_be_visible()
        expect(chat.quick_replies().last).to_have_text(spanish.message("call_button"))
        chat.screenshot("widget-spanish.png")
        chat.ask("hola")
        chat.quick_replies().filter(has_text="English").click()
        expect(chat.bot_message(answer_book.message("greeting")).last).to_be_visible()
        assert chat.dialogs == []
    finally:
        context.close()


def stored_thumbs_down(db: Path, intent: str) -> int:
    """How many 👎 about the answer `intent` the tracker store holds."""
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute(
            "SELECT COUNT(*) FROM events WHERE type_name = 'user' AND intent_name = 'feedback_not_helpful' "
            "AND data LIKE ?", (f'%"value": "{intent}"%',)).fetchone()[0]


def test_thumbs_down_under_an_answer_is_in_the_report(
    chat: ChatPage, answer_book: AnswerBook, greeting: str, assistant: RunningAssistant, tmp_path: Path
) -> None:
    question, answer = "Is LDN FDA-approved?", answer_book.answers["ask_fda_status"]
    chat.open(greeting)
    chat.ask(question)
    expect_answer_with_follow_ups(chat, answer_book, answer)  # the follow-ups stay the quick replies
    expect(chat.bot_message(answer_book.message("feedback_question")).last).to_be_visible()
    thumbs_down = chat.page.locator(".rw-reply", has_text=answer_book.message("feedback_not_helpful_button"))
    thumbs = chat.page.locator(".rw-replies", has=thumbs_down).last.locator(".rw-reply")
    expect(thumbs).to_have_text([answer_book.message("feedback_helpful_button"),
                                 answer_book.message("feedback_not_helpful_button")])
    chat.screenshot("widget-feedback-buttons.png")
    thumbs.filter(has_text=answer_book.message("feedback_not_helpful_button")).click()
    expect(chat.bot_message(answer_book.message("feedback_sorry"))).to_be_visible()
    expect(chat.quick_replies().last).to_have_attribute("href", answer_book.clinic.tel_uri)
    chat.screenshot("widget-feedback.png")

    db = assistant.work_dir / "rasa.db"
    deadline = time.monotonic() + 30  # the tracker is saved just after the reply went out
    while stored_thumbs_down(db, answer.intent) == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    report, _ = run_report(db, tmp_path / "report.html")
    assert report["feedback"][answer.intent]["not_helpful"] >= 1
    listed = {(m["text"], m["reason"]) for g in report["unanswered"] if g["closest_intent"] == answer.intent
              for m in g["messages"]}
    assert (question, NOT_HELPFUL_REASON) in listed
    page = chat.page.context.new_page()
    page.set_viewport_size({"width": 1100, "height": 1300})
    page.goto((tmp_path / "report.html").as_uri())
    section = page.locator("#feedback + p + table")
    expect(section.locator("tr", has_text=answer.question)).to_be_visible()
    page.locator("#feedback").scroll_into_view_if_needed()
    page.screenshot(path=str(results_dir() / "report-feedback.png"))
    page.close()


class ReplyLostWithItsSocket:
    """The page's socket.io websockets, passed through Playwright: frames go both ways, except that
    once the page sent `text`, that socket's replies are not passed on and the page's side is closed,
    as when the server that had the message stopped, or the network went away."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.cut = False

    def route(self, page_socket: WebSocketRoute) -> None:
        server_socket = page_socket.connect_to_server()
        this_one_cut = []

        def from_page(frame: Any) -> None:
            server_socket.send(frame)
            if not self.cut and "user_uttered" in str(frame) and self.text in str(frame):
                self.cut = True
                this_one_cut.append(True)
                page_socket.close()

        server_socket.on_message(lambda frame: None if this_one_cut else page_socket.send(frame))
        page_socket.on_message(from_page)


def test_a_reply_lost_with_its_socket_comes_once_the_widget_reconnects(
    chat: ChatPage, answer_book: AnswerBook, greeting: str, assistant: RunningAssistant
) -> None:
    question, answer = "Is it addictive?", answer_book.answers["ask_addictive"]
    lost = ReplyLostWithItsSocket(question)
    chat.page.route_web_socket(re.compile(r".*/socket\.io/.*"), lost.route)
    chat.open(greeting)
    chat.ask(question)
    expect_answer_with_follow_ups(chat, answer_book, answer)  # sent again by web/bliss-chat.js, answered
    assert lost.cut, "the socket that carried the question was closed before its reply"
    expect(chat.bot_message(answer.text)).to_have_count(1)
    session = chat.page.evaluate("JSON.parse(sessionStorage.getItem('chat_session')).session_id")
    assert user_texts(assistant.work_dir / "rasa.db", session, "socketio").count(question) == 1, "one turn"


def test_with_the_assistant_unreachable_the_widget_gives_the_clinics_phone(
    playwright_driver: Playwright, answer_book: AnswerBook, tmp_path: Path
) -> None:
    from runtime.servers import free_port

    nothing_listens = f"http://127.0.0.1:{free_port()}"  # the Rasa server of `make run`, restarting
    server = start_web_server(free_port(), nothing_listens)
    context, chat = browser_chat(playwright_driver, server.url + "/", tmp_path / "chromium-profile", "en-US")
    try:
        chat.page.goto(chat.url)
        chat.page.locator(".rw-launcher").click()
        banner = chat.page.locator(".rw-header-and-loading .rw-loading")  # under the widget's title
        expect(banner).to_have_text(answer_book.message("service_unavailable"))
        assert answer_book.clinic.phone in banner.inner_text()
        expect(chat.page.locator(".rw-new-message")).to_be_disabled()  # nothing typed into the void
        chat.screenshot("widget-unavailable.png")
    finally:
        context.close()
        server.stop()


def test_an_unreadable_stored_conversation_does_not_stop_the_widget(
    chat: ChatPage, answer_book: AnswerBook, greeting: str
) -> None:
    # Another script on the clinic's site, or an old widget version, left something unreadable.
    chat.page.add_init_script("sessionStorage.setItem('chat_session', '{not json')")
    chat.open(greeting)
    chat.ask("Is it addictive?")
    expect_answer_with_follow_ups(chat, answer_book, answer_book.answers["ask_addictive"])
    assert chat.dialogs == []


def test_a_pasted_document_over_the_socket_limit_gets_its_emergency_read_and_the_chat_goes_on(
    chat: ChatPage, answer_book: AnswerBook, greeting: str, assistant: RunningAssistant
) -> None:
    # Over the megabyte engine.io takes in one packet: sent whole, it would close the connection
    # unanswered; web/bliss-chat.js sends its two ends, as the server reads them.
    pasted = "pain ldn is it ok " * (MAX_REQUEST_BYTES // 18 + 4096) + "my husband took all my pills and is not breathing"
    chat.open(greeting)
    chat.page.locator(".rw-new-message").fill(pasted)
    chat.page.keyboard.press("Enter")
    expect(chat.bot_message(answer_book.message("emergency"))).to_be_visible()
    chat.ask("Is it addictive?")  # the same connection, still open
    expect_answer_with_follow_ups(chat, answer_book, answer_book.answers["ask_addictive"])
    session = chat.page.evaluate("JSON.parse(sessionStorage.getItem('chat_session')).session_id")
    stored = user_texts(assistant.work_dir / "rasa.db", session, "socketio")
    assert any(text.endswith("is not breathing") and len(text) < len(pasted) // 4 for text in stored)
