"""The website widget's socket.io channel, with a real socket.io client: origins, replies, never silent."""
from __future__ import annotations

import socket
from pathlib import Path
from typing import Iterator, Tuple
from urllib.parse import urlsplit

import pytest
import requests

from answer_book.model import AnswerBook
from runtime.stack import RunningAssistant
from tests.tracker_rows import user_texts
from tools.clients import WidgetClient
from runtime.servers import (
    RASA_READY_PATH,
    Server,
    free_port,
    page_origins,
    start_rasa_server,
    wait_until_ready,
    write_credentials,
    write_endpoints,
)

EVIL_ORIGIN = "http://evil.example"


def polling_handshake(server_url: str, origin: str) -> requests.Response:
    return requests.get(
        f"{server_url}/socket.io/", params={"EIO": "4", "transport": "polling"}, headers={"Origin": origin}, timeout=30
    )


def websocket_handshake_status(server_url: str, origin: str) -> int:
    """The HTTP status of a websocket upgrade request (101 = accepted)."""
    address = urlsplit(server_url)
    request = (
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: {address.netloc}\r\nOrigin: {origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(request.encode("ascii"))
        status_line = connection.recv(4096).split(b"\r\n", 1)[0].decode("ascii")
    return int(status_line.split()[1])


@pytest.fixture
def widget(assistant: RunningAssistant) -> Iterator[WidgetClient]:
    client = WidgetClient(assistant.rasa.url, page_origins(assistant.page_port)[1])
    yield client
    client.close()


def test_socket_refuses_an_origin_that_is_not_configured(assistant: RunningAssistant) -> None:
    refused = polling_handshake(assistant.rasa.url, EVIL_ORIGIN)
    assert refused.status_code == 400
    assert "not an accepted origin" in refused.text
    assert refused.headers.get("Access-Control-Allow-Origin") != EVIL_ORIGIN
    assert websocket_handshake_status(assistant.rasa.url, EVIL_ORIGIN) == 400


def test_socket_accepts_the_configured_page_origin_on_polling_and_websocket(assistant: RunningAssistant) -> None:
    page_origin = page_origins(assistant.page_port)[0]
    accepted = polling_handshake(assistant.rasa.url, page_origin)
    assert accepted.status_code == 200
    # Exactly one header (the page origin is also in --cors: browsers refuse a response with two).
    assert accepted.raw.headers.getlist("Access-Control-Allow-Origin") == [page_origin]
    assert websocket_handshake_status(assistant.rasa.url, page_origin) == 101


def test_a_socket_this_server_does_not_know_is_not_found_so_nginx_tries_the_other_replica(
    assistant: RunningAssistant,
) -> None:
    page_origin = page_origins(assistant.page_port)[0]
    for method in (requests.get, requests.post):
        response = method(
            f"{assistant.rasa.url}/socket.io/", params={"EIO": "4", "transport": "polling", "sid": "another-replicas"},
            headers={"Origin": page_origin}, timeout=30,
        )
        assert response.status_code == 404, response.text


def test_socket_refuses_the_default_demo_origin_when_not_configured(assistant: RunningAssistant) -> None:
    # The test servers list only their own page: credentials.yml's list is what counts, not a built-in one.
    assert polling_handshake(assistant.rasa.url, "http://localhost:8080").status_code == 400


def test_faq_answer_arrives_with_quick_replies_and_a_dialable_call_link(
    widget: WidgetClient, answer_book: AnswerBook
) -> None:
    messages = widget.ask("Will normal dose naltrexone work for me?", expected_messages=3)
    answer = answer_book.answers["ask_normal_dose"]
    assert [message["text"] for message in messages] == [
        answer.text, answer_book.message("feedback_question"), answer_book.message("call_offer")]
    # "Helpful? 👍 / 👎" as rasa-webchat's buttons (they stay under the answer); the follow-ups are quick replies
    assert [button["title"] for button in messages[1]["buttons"]] == [
        answer_book.message("feedback_helpful_button"), answer_book.message("feedback_not_helpful_button")]
    replies = messages[-1]["quick_replies"]
    follow_ups = [answer_book.answers[intent] for intent in answer.follow_ups]
    assert replies == [
        *({"content_type": "text", "title": f.question, "payload": f"/{f.intent}"} for f in follow_ups),
        {"type": "web_url", "title": answer_book.message("call_button"), "url": answer_book.clinic.tel_uri},
    ]


def test_a_message_without_session_id_still_gets_a_reply(widget: WidgetClient, answer_book: AnswerBook) -> None:
    start = len(widget.messages)
    widget.client.emit("user_uttered", {"message": "What is LDN?"})
    with widget.arrived:
        widget.arrived.wait_for(lambda: len(widget.messages) - start >= 2, 60)
    assert answer_book.answers["ask_what_is_ldn"].text in [m.get("text") for m in widget.messages[start:]]


def texts(messages: list) -> list:
    return [message.get("text") for message in messages]


def test_a_message_sent_again_after_its_reply_was_lost_gets_the_stored_reply_not_a_second_turn(
    assistant: RunningAssistant, answer_book: AnswerBook
) -> None:
    origin = page_origins(assistant.page_port)[1]
    with WidgetClient(assistant.rasa.url, origin) as first_socket:
        first = first_socket.ask("What is LDN?", expected_messages=3)
        session = first_socket.session_id
    assert answer_book.answers["ask_what_is_ldn"].text in texts(first)
    with WidgetClient(assistant.rasa.url, origin, session) as second_socket:  # the widget reconnected
        again = second_socket.ask("What is LDN?", expected_messages=3, resent=True)
    assert texts(again) == texts(first)
    assert again[-1]["quick_replies"] == first[-1]["quick_replies"], "the buttons come again too"
    assert user_texts(assistant.work_dir / "rasa.db", session, "socketio") == ["What is LDN?"], "one turn, not two"


def test_a_message_sent_again_that_the_server_never_answered_gets_its_turn(
    assistant: RunningAssistant, answer_book: AnswerBook
) -> None:
    origin = page_origins(assistant.page_port)[1]
    with WidgetClient(assistant.rasa.url, origin) as widget:
        widget.ask("What is LDN?", expected_messages=3)
        # the replica that got "Is it addictive?" died before storing it: the widget sends it again
        again = widget.ask("Is it addictive?", expected_messages=3, resent=True)
        session = widget.session_id
    assert answer_book.answers["ask_addictive"].text in texts(again)
    assert user_texts(assistant.work_dir / "rasa.db", session, "socketio") == ["What is LDN?", "Is it addictive?"]


@pytest.fixture(scope="module")
def rasa_without_action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[Server, str]]:
    """A Rasa server whose action server is down (nothing listens on its port), and an origin it accepts."""
    work_dir: Path = tmp_path_factory.mktemp("no-actions")
    page_port = free_port()
    endpoints = write_endpoints(work_dir / "endpoints.yml", f"http://127.0.0.1:{free_port()}/webhook", work_dir / "r.db")
    credentials = write_credentials(work_dir / "credentials.yml", page_origins(page_port))
    server = start_rasa_server(free_port(), endpoints, work_dir / "rasa_server.log", credentials=credentials)
    try:
        wait_until_ready(server, RASA_READY_PATH)
        yield server, page_origins(page_port)[0]
    finally:
        server.stop()


def test_widget_gets_the_apology_with_the_phone_when_the_action_server_is_down(
    rasa_without_action_server: Tuple[Server, str], answer_book: AnswerBook
) -> None:
    server, origin = rasa_without_action_server
    client = WidgetClient(server.url, origin)
    try:
        messages = client.ask("Will normal dose naltrexone work for me?", expected_messages=1)
    finally:
        client.close()
    assert [message["text"] for message in messages] == [answer_book.message("service_unavailable")]
    assert answer_book.clinic.phone in messages[0]["text"]


def test_widget_gets_the_emergency_message_when_the_action_server_is_down(
    rasa_without_action_server: Tuple[Server, str], answer_book: AnswerBook
) -> None:
    server, origin = rasa_without_action_server
    client = WidgetClient(server.url, origin)
    try:
        messages = client.ask("My husband took all his pills and he is not breathing", expected_messages=1)
    finally:
        client.close()
    assert [message["text"] for message in messages] == [answer_book.message("emergency")]
