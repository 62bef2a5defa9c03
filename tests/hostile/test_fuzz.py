"""Generated bad input on every entry point (Hypothesis): never a 5xx, never silence."""
from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.sms_keywords import carrier_keyword
from tests.hostile.conftest import Stack, new_phone
from tools.clients import twiml_messages

#: Examples per entry point: each is a real request to the running servers (about 50 ms each).
EXAMPLES = 40
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

texts = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(blacklist_categories=()), max_size=50),  # surrogates and controls included
    st.sampled_from(["/", "//", "/greet@", "/greet{", "/restart", "/ask_dose@1{}", "\x00", "\ud800", "🙂" * 40]),
    st.builds(lambda a, b: f"{a} {b}", st.sampled_from(["/greet@1", "/emergency", "<script>"]), st.text(max_size=80)),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


def rest_status_and_reply(stack: Stack, body: bytes) -> Any:
    import requests

    response = requests.post(stack.assistant.rest_url, data=body, headers={"Content-Type": "application/json"}, timeout=60)
    assert response.status_code < 500, response.text[:300]
    return response


@FUZZ
@given(message=texts, sender=st.text(min_size=1, max_size=40), metadata=st.none() | json_values)
def test_rest_messages_always_get_a_reply(stack: Stack, message: str, sender: str, metadata: Any) -> None:
    body = {"sender": sender, "message": message}
    if metadata is not None:
        body["metadata"] = metadata
    response = rest_status_and_reply(stack, json.dumps(body).encode("utf-8"))
    if response.status_code == 200:
        assert response.json(), "never silent"
    else:
        assert response.status_code == 400 and response.json()["error"]


@FUZZ
@given(body=st.binary(max_size=300) | json_values.map(lambda value: json.dumps(value).encode("utf-8")))
def test_rest_bodies_of_any_shape_get_a_clear_answer(stack: Stack, body: bytes) -> None:
    response = rest_status_and_reply(stack, body)
    assert response.status_code in (200, 400), response.status_code
    assert response.json()


def encodable(text: str) -> bool:
    """Twilio posts UTF-8: a lone surrogate cannot be in a signed SMS (bytes that are not UTF-8 can: test_sms_end_to_end)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@FUZZ
@given(message=texts.filter(encodable), media=st.sampled_from(["0", "1", "x", ""]))
def test_signed_sms_always_get_a_reply(stack: Stack, message: str, media: str) -> None:
    if carrier_keyword(message) is not None:
        return  # STOP and the like are answered by their own rules (tests/test_sms_end_to_end.py)
    response = stack.sms.post(stack.sms.message_params(new_phone(), message, NumMedia=media))
    assert response.status_code == 200, response.text[:300]
    assert twiml_messages(response), "never silent"


@FUZZ
@given(data=st.none() | json_values | st.builds(lambda text: {"message": text}, texts))
def test_widget_events_always_get_a_reply(stack: Stack, data: Any) -> None:
    with stack.widget() as widget:
        start = len(widget.messages)
        if data is None:
            widget.client.emit("user_uttered")
        else:
            widget.client.emit("user_uttered", data)
        with widget.arrived:
            assert widget.arrived.wait_for(lambda: len(widget.messages) > start, 30), f"silence for {data!r}"
