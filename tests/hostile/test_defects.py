"""The small defects of issue 13: deep JSON, lone surrogates, empty socket.io events, slow clients, the action server."""
from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

import requests

from answer_book.model import AnswerBook
from runtime.patches.http_limits import REQUEST_TIMEOUT_SECONDS
from runtime.stack import reply_text
from tests.hostile.conftest import Stack
from runtime.endpoints import ACTION_TOKEN_HEADER, ACTION_TOKEN_VAR


def post_raw(stack: Stack, body: bytes) -> requests.Response:
    return requests.post(stack.assistant.rest_url, data=body, headers={"Content-Type": "application/json"}, timeout=60)


def test_json_nested_5000_deep_gets_400(stack: Stack) -> None:
    nested = b'{"sender": "deep", "message": "hi", "metadata": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    assert post_raw(stack, nested).status_code == 400
    assert post_raw(stack, b"[" * 5000 + b"]" * 5000).status_code == 400


def test_metadata_deeper_than_a_few_levels_gets_400(stack: Stack) -> None:
    deep = {"sender": "deep-meta", "message": "hi", "metadata": {"a": {"b": {"c": {"d": {"e": 1}}}}}}
    response = requests.post(stack.assistant.rest_url, json=deep, timeout=60)
    assert response.status_code == 400 and "metadata" in response.json()["error"]


def test_a_lone_surrogate_or_a_nul_character_still_gets_the_answer(stack: Stack, answer_book: AnswerBook) -> None:
    for text in ('"is ldn addictive? \\ud800"', '"is ldn addictive?\\u0000"'):
        body = ('{"sender": "surrogate-\\ud800", "message": ' + text + "}").encode("ascii")
        response = post_raw(stack, body)
        assert response.status_code == 200
        assert answer_book.answers["ask_addictive"].text in reply_text(response.json())


def test_a_socketio_message_event_without_data_gets_a_reply(stack: Stack) -> None:
    with stack.widget() as widget:
        replies = widget.emit_until_phone(None, stack.phone, timeout=30)
        assert any(stack.phone in str(reply.get("text")) for reply in replies)
        for data in ("just a string", 42, ["a", "list"], {"message": {"not": "text"}}):
            replies = widget.emit_until_phone(data, stack.phone, timeout=30)
            assert any(stack.phone in str(reply.get("text")) for reply in replies), data


def test_a_slowly_trickled_request_is_cut_off_at_the_request_timeout(stack: Stack) -> None:
    address = urlsplit(stack.assistant.rasa.url)
    started = time.monotonic()
    reply = b""
    with socket.create_connection((address.hostname, address.port), timeout=1) as connection:
        connection.sendall(b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
        connection.sendall(b"Content-Length: 100\r\n\r\n")
        while not reply and time.monotonic() - started < 4 * REQUEST_TIMEOUT_SECONDS:
            try:
                connection.sendall(b" ")  # one byte a second: each one restarted Sanic's own timer
                reply = connection.recv(4096)  # waits up to a second for the server's answer
            except socket.timeout:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
    assert time.monotonic() - started < REQUEST_TIMEOUT_SECONDS + 5
    assert reply.startswith(b"HTTP/1.1 408") or reply == b"", reply[:100]


def test_the_action_server_answers_only_the_rasa_server(stack: Stack) -> None:
    webhook = f"{stack.assistant.actions.url}/webhook"
    call = {"next_action": "action_answer_faq", "sender_id": "x", "tracker": {"secret": "patient text"}, "domain": {}}
    assert requests.post(webhook, json=call, timeout=30).status_code == 403
    assert requests.get(f"{stack.assistant.actions.url}/actions", timeout=30).status_code == 403
    wrong = requests.post(webhook, json=call, headers={ACTION_TOKEN_HEADER: "guessed-token-guessed"}, timeout=30)
    assert wrong.status_code == 403
    assert requests.get(f"{stack.assistant.actions.url}/health", timeout=30).status_code == 200


def test_the_action_server_never_echoes_a_request(stack: Stack) -> None:
    import os

    headers = {ACTION_TOKEN_HEADER: os.environ[ACTION_TOKEN_VAR]}
    broken = {"next_action": "action_answer_faq", "sender_id": "x", "tracker": "patient text 555-0143", "domain": {}}
    response = requests.post(f"{stack.assistant.actions.url}/webhook", json=broken, headers=headers, timeout=30)
    assert response.status_code >= 400
    assert "patient text" not in response.text and "555-0143" not in response.text
    assert json.loads(response.text).get("error")
