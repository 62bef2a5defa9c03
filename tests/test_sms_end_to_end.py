"""The SMS channel over HTTP, against a running Rasa server, with requests signed as Twilio signs them."""
from __future__ import annotations

import itertools
import sqlite3
import time
from dataclasses import dataclass
from typing import Iterator, List

import pytest
import yaml

from answer_book.model import AnswerBook
from answer_book.sms_text import sms_size, to_gsm7
from channels.sms_rendering import SMS_MAX_CHARACTERS, SMS_MAX_SEGMENTS, options_line
from runtime.stack import RunningAssistant, start_assistant
from tests.conftest import MODEL_PATH
from tests.test_rest_end_to_end import CLINIC_FAQ
from tests.tracker_rows import user_texts
from safety.emergency_net import emergency_pattern_for
from tools.clients import LOOPBACK_AUTH_TOKEN, PUBLIC_URL, SMS_CHANNEL, TwilioClient, twiml_messages, write_sms_credentials
from runtime.servers import RASA_READY_PATH, Server, free_port, start_rasa_server, wait_until_ready, write_endpoints

_numbers = itertools.count(1)


def new_phone() -> str:
    """A fresh patient number per test, so conversations and opt-outs do not mix."""
    return f"+1555010{next(_numbers):04d}"


@dataclass
class SmsAssistant:
    assistant: RunningAssistant
    client: TwilioClient

    def ask(self, phone: str, body: str, **extra: str) -> List[str]:
        return twiml_messages(self.client.text(phone, body, **extra))

    def processed(self, phone: str) -> List[str]:
        """What Rasa received from this phone (its tracker), to prove what did not reach the model."""
        return user_texts(self.assistant.work_dir / "rasa.db", phone)


@pytest.fixture(scope="module")
def sms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmsAssistant]:
    """Both servers with the project's credentials.yml plus the SMS settings of a test."""
    if not MODEL_PATH.exists():
        pytest.fail(f"{MODEL_PATH} is missing: run `make train` (make test does it for you)")
    work_dir = tmp_path_factory.mktemp("sms_assistant")
    running = start_assistant(work_dir, credentials=write_sms_credentials(work_dir))
    yield SmsAssistant(running, TwilioClient(f"{running.rasa.url}/webhooks/twilio_sms/webhook"))
    running.stop()


def assert_one_sms_with_the_phone(messages: List[str], book: AnswerBook) -> str:
    assert len(messages) == 1, messages
    size = sms_size(messages[0])
    assert size.encoding == "GSM-7" and size.units <= SMS_MAX_CHARACTERS and size.segments <= SMS_MAX_SEGMENTS
    assert book.clinic.phone in messages[0]
    return messages[0]


@pytest.mark.parametrize("question", CLINIC_FAQ)
def test_clinic_faq_question_is_answered_in_two_segments_with_the_phone(
    question: str, sms: SmsAssistant, answer_book: AnswerBook
) -> None:
    body = assert_one_sms_with_the_phone(sms.ask(new_phone(), question), answer_book)
    assert body.startswith(answer_book.answers[CLINIC_FAQ[question]].sms + "\n")


def test_an_emergency_gets_the_whole_emergency_reply_by_sms(sms: SmsAssistant, answer_book: AnswerBook) -> None:
    messages = sms.ask(new_phone(), "my friend swallowed a bottle of pills and is barely breathing")
    assert messages == [answer_book.message("emergency", "sms")]
    assert_one_sms_with_the_phone(messages, answer_book)


FORGERIES = {
    "no signature": lambda client, params: None,
    "signed with another token": lambda client, params: client.sign(params, token="not-the-auth-token"),
    "signed for another URL": lambda client, params: client.sign(params, url=PUBLIC_URL.replace("sms.", "evil.")),
    "garbage signature": lambda client, params: "bm90IGEgc2lnbmF0dXJl",
    "body changed after signing": lambda client, params: client.sign({**params, "Body": "something else"}),
}


@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_forged_request_is_refused_and_not_processed(forgery: str, sms: SmsAssistant) -> None:
    phone = new_phone()
    params = sms.client.message_params(phone, "What is LDN?")
    response = sms.client.post(params, signature=FORGERIES[forgery](sms.client, params))
    assert response.status_code == 403
    assert "<Message>" not in response.text
    assert sms.processed(phone) == []


def test_a_forged_stop_does_not_opt_the_number_out(sms: SmsAssistant, answer_book: AnswerBook) -> None:
    phone = new_phone()
    assert sms.client.post(sms.client.message_params(phone, "STOP"), signature=None).status_code == 403
    assert_one_sms_with_the_phone(sms.ask(phone, "What is LDN?"), answer_book)


def test_stop_then_silence_until_start(sms: SmsAssistant, answer_book: AnswerBook) -> None:
    phone = new_phone()
    assert sms.ask(phone, " Stop ") == [answer_book.message("sms_opt_out", "sms")]
    assert sms.ask(phone, "Is LDN addictive?") == []
    assert sms.ask(phone, "STOP") == [], "one confirmation only"
    assert sms.ask(phone, "help") == [answer_book.message("sms_help", "sms")], "HELP is answered even opted out"
    assert sms.ask(phone, "Start") == [answer_book.message("sms_opt_in", "sms")]
    body = assert_one_sms_with_the_phone(sms.ask(phone, "Is LDN addictive?"), answer_book)
    assert answer_book.answers["ask_addictive"].sms in body
    assert sms.processed(phone) == ["Is LDN addictive?"], "keywords and opted-out texts never reach the model"


@pytest.mark.parametrize("stop, start", [("stopall", "UNSTOP"), ("UNSUBSCRIBE", "yes"), ("cancel", "START"), ("End", "Yes"), ("quit ", " unstop")])
def test_every_opt_out_word_and_opt_in_word_works(stop: str, start: str, sms: SmsAssistant, answer_book: AnswerBook) -> None:
    phone = new_phone()
    assert sms.ask(phone, stop) == [answer_book.message("sms_opt_out", "sms")]
    assert sms.ask(phone, "what dose is used") == []
    assert sms.ask(phone, start) == [answer_book.message("sms_opt_in", "sms")]
    assert sms.processed(phone) == []


@pytest.mark.parametrize("word", ["HELP", "info", " Help "])
def test_help_and_info_give_the_clinic_and_the_opt_out_wording(word: str, sms: SmsAssistant, answer_book: AnswerBook) -> None:
    phone = new_phone()
    body = assert_one_sms_with_the_phone(sms.ask(phone, word), answer_book)
    assert answer_book.clinic.name in body
    assert body.endswith("Reply STOP to opt out. Msg & data rates may apply.")
    assert sms.processed(phone) == []


@pytest.mark.parametrize("stop", ["ALTO", "parar", " Cancelar "])
def test_spanish_stop_words_opt_out_in_spanish(stop: str, sms: SmsAssistant, answer_book: AnswerBook) -> None:
    phone = new_phone()
    assert sms.ask(phone, stop) == [to_gsm7(answer_book.in_language("es").message("sms_opt_out", "sms"))]
    assert sms.ask(phone, "que es la ldn") == []


def test_ayuda_gets_the_help_message_in_spanish(sms: SmsAssistant, answer_book: AnswerBook) -> None:
    body = assert_one_sms_with_the_phone(sms.ask(new_phone(), "AYUDA"), answer_book)
    assert body == to_gsm7(answer_book.in_language("es").message("sms_help", "sms"))
    assert "ALTO" in body


def test_a_spanish_question_gets_the_spanish_answer_in_gsm7_and_options_in_spanish(
    sms: SmsAssistant, answer_book: AnswerBook
) -> None:
    spanish = answer_book.in_language("es")
    phone = new_phone()
    body = assert_one_sms_with_the_phone(sms.ask(phone, "¿la ldn es adictiva?"), answer_book)
    assert to_gsm7(spanish.answers["ask_addictive"].sms) in body
    assert not set("áíóúÁÍÓÚ") & set(body), "GSM-7: these letters are sent without their accent"
    assert body.splitlines()[-1].startswith(to_gsm7(spanish.message("sms_options", "sms")).split("{")[0])
    follow_up = spanish.answers[spanish.answers["ask_addictive"].follow_ups[0]]
    assert to_gsm7(follow_up.sms) in assert_one_sms_with_the_phone(sms.ask(phone, "1"), answer_book), "1 stays Spanish"


def test_a_number_picks_one_of_the_options_offered(sms: SmsAssistant, answer_book: AnswerBook) -> None:
    phone = new_phone()
    taper = answer_book.answers["ask_taper_off"]
    first = sms.ask(phone, "Does naltrexone keep working or does its effect taper off?")
    topics = [answer_book.answers[intent].topic for intent in taper.follow_ups]
    assert first[0].endswith(options_line(answer_book, topics))
    second = sms.ask(phone, "2")
    assert answer_book.answers[taper.follow_ups[1]].sms in assert_one_sms_with_the_phone(second, answer_book)
    third = sms.ask(phone, " 1 ")  # the options of the second answer now
    chosen = answer_book.answers[answer_book.answers[taper.follow_ups[1]].follow_ups[0]]
    assert chosen.sms in assert_one_sms_with_the_phone(third, answer_book)


def test_a_number_without_options_gets_the_scope_reply(sms: SmsAssistant, answer_book: AnswerBook) -> None:
    body = assert_one_sms_with_the_phone(sms.ask(new_phone(), "7"), answer_book)
    assert body.startswith(answer_book.message("scope", "sms"))


def test_a_message_without_body_gets_the_scope_reply(sms: SmsAssistant, answer_book: AnswerBook) -> None:
    body = assert_one_sms_with_the_phone(sms.ask(new_phone(), None), answer_book)
    assert body.startswith(answer_book.message("scope", "sms"))


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_bodies_get_the_scope_reply(text: str, sms: SmsAssistant, answer_book: AnswerBook) -> None:
    body = assert_one_sms_with_the_phone(sms.ask(new_phone(), text), answer_book)
    assert body.startswith(answer_book.message("scope", "sms"))


def test_the_longest_body_gets_please_send_a_shorter_message(sms: SmsAssistant, answer_book: AnswerBook) -> None:
    body = assert_one_sms_with_the_phone(sms.ask(new_phone(), "pain " * 320), answer_book)  # Twilio's 1,600 maximum
    assert body.startswith(answer_book.message("too_long", "sms"))


def test_a_picture_without_text_asks_for_text(sms: SmsAssistant, answer_book: AnswerBook) -> None:
    phone = new_phone()
    messages = sms.ask(
        phone, "", NumMedia="1", MediaUrl0="https://api.twilio.com/2010-04-01/Media/ME1", MediaContentType0="image/jpeg"
    )
    assert messages == [answer_book.message("sms_media_only", "sms")]


ODD_TEXTS = {
    "emoji only": "\U0001F622\U0001F48A",
    "emoji in a question": "is ldn addictive \U0001F914\U0001F48A?",
    "another script": "\u043d\u0430\u043b\u0442\u0440\u0435\u043a\u0441\u043e\u043d \u4f4e\u5242\u91cf",
    "control characters": "what\x00 is\x1b ldn\x07",
    "combining marks and zero-width": "wha\u0301t i\u200bs l\u200dd\u0308n",
    "right-to-left": "\u202ewhat is ldn\u202c \u05e9\u05dc\u05d5\u05dd",
    "xml": "<Response><Message>hi</Message></Response> & ]]>",
}


@pytest.mark.parametrize("kind", ODD_TEXTS)
def test_odd_text_gets_a_gsm7_reply_with_the_phone(kind: str, sms: SmsAssistant, answer_book: AnswerBook) -> None:
    assert_one_sms_with_the_phone(sms.ask(new_phone(), ODD_TEXTS[kind]), answer_book)


def test_bytes_that_are_not_utf8_get_a_reply(sms: SmsAssistant, answer_book: AnswerBook) -> None:
    phone = new_phone()
    params = sms.client.message_params(phone, "caf\ufffd ldn?")  # what the server reads from the bytes below
    raw = "&".join(f"{name}={value}" for name, value in params.items() if name != "Body").replace("+", "%2B")
    response = sms.client.post(params, body=raw.encode("ascii") + b"&Body=caf%E9+ldn%3F")
    assert response.status_code == 200
    assert_one_sms_with_the_phone(twiml_messages(response), answer_book)


def test_a_repeated_delivery_is_answered_once(sms: SmsAssistant, answer_book: AnswerBook) -> None:
    phone = new_phone()
    params = sms.client.message_params(phone, "Will normal dose naltrexone work for me?")
    first = sms.client.post(params)
    second = sms.client.post(params)
    assert first.status_code == second.status_code == 200
    assert second.text == first.text, "the retry gets the same TwiML, not a second answer"
    assert answer_book.answers["ask_normal_dose"].sms in twiml_messages(first)[0]
    assert sms.processed(phone) == ["Will normal dose naltrexone work for me?"], "processed once"


def test_the_opt_out_survives_a_restart_of_the_server(sms: SmsAssistant, answer_book: AnswerBook) -> None:
    phone = new_phone()
    assert sms.ask(phone, "STOP") == [answer_book.message("sms_opt_out", "sms")]
    sms.assistant.restart_rasa()
    sms.client.post_url = f"{sms.assistant.rasa.url}/webhooks/twilio_sms/webhook"
    assert sms.ask(phone, "What is LDN?") == []
    assert sms.ask(phone, "START") == [answer_book.message("sms_opt_in", "sms")]
    assert answer_book.answers["ask_what_is_ldn"].sms in sms.ask(phone, "What is LDN?")[0]


def start_sms_server(sms: SmsAssistant, name: str, settings: dict, env: dict, action_url: str = "") -> Server:
    """Another Rasa server (the same action server, or `action_url`) with other SMS settings."""
    work_dir = sms.assistant.work_dir / name
    work_dir.mkdir()
    credentials = yaml.safe_load(write_sms_credentials(work_dir).read_text(encoding="utf-8"))
    credentials[SMS_CHANNEL] = {"store_path": str(work_dir / "sms.db"), **settings}
    (work_dir / "credentials.yml").write_text(yaml.safe_dump(credentials), encoding="utf-8")
    action_url = action_url or f"{sms.assistant.actions.url}/webhook"
    endpoints = write_endpoints(work_dir / "endpoints.yml", action_url, work_dir / "rasa.db")
    server = start_rasa_server(
        free_port(), endpoints, work_dir / "rasa_server.log", credentials=work_dir / "credentials.yml", env=env
    )
    try:
        wait_until_ready(server, RASA_READY_PATH)
    except Exception:
        server.stop()
        raise
    return server


#: An emergency the trained model recognises and the safety net's phrases do not (checked below).
MODEL_ONLY_EMERGENCY = "my wife is turning cold and wont answer me"


def test_with_the_action_server_down_an_emergency_only_the_model_knows_still_gets_the_emergency_message(
    sms: SmsAssistant, answer_book: AnswerBook
) -> None:
    assert emergency_pattern_for(MODEL_ONLY_EMERGENCY) is None, "this test needs a message only the model knows"
    signed = {"auth_token": LOOPBACK_AUTH_TOKEN, "webhook_url": PUBLIC_URL}
    server = start_sms_server(sms, "no-actions", signed, {}, action_url=f"http://127.0.0.1:{free_port()}/webhook")
    try:
        client = TwilioClient(f"{server.url}/webhooks/twilio_sms/webhook")
        assert twiml_messages(client.text(new_phone(), MODEL_ONLY_EMERGENCY)) == [answer_book.message("emergency", "sms")]
        apology = answer_book.message("service_unavailable", "sms")
        assert twiml_messages(client.text(new_phone(), "What is LDN?")) == [apology]
    finally:
        server.stop()


def test_without_token_and_url_every_request_is_refused(sms: SmsAssistant) -> None:
    unset = {"TWILIO_AUTH_TOKEN": "", "TWILIO_WEBHOOK_URL": "", "SMS_VALIDATE_SIGNATURE": ""}
    server = start_sms_server(sms, "unconfigured", {}, unset)
    try:
        client = TwilioClient(f"{server.url}/webhooks/twilio_sms/webhook")
        assert client.post(client.message_params(new_phone(), "What is LDN?")).status_code == 403
        assert "refuses every request (403) until TWILIO_AUTH_TOKEN and TWILIO_WEBHOOK_URL" in server.log_text()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def development_server(sms: SmsAssistant) -> Iterator[Server]:
    """A Rasa server with SMS_VALIDATE_SIGNATURE=false and no token (local development)."""
    server = start_sms_server(sms, "development", {}, {"SMS_VALIDATE_SIGNATURE": "false", "TWILIO_AUTH_TOKEN": ""})
    yield server
    server.stop()


def test_the_development_switch_accepts_unsigned_requests_and_says_so_loudly(
    development_server: Server, answer_book: AnswerBook
) -> None:
    client = TwilioClient(f"{development_server.url}/webhooks/twilio_sms/webhook")
    response = client.post(client.message_params(new_phone(), "What is LDN?"), signature=None)
    assert response.status_code == 200
    assert answer_book.answers["ask_what_is_ldn"].sms in twiml_messages(response)[0]
    log = development_server.log_text()
    assert "WARNING" in log and "SMS SIGNATURE VALIDATION IS OFF" in log
    assert "Accepting an UNSIGNED SMS request" in log


def test_a_broken_sms_store_still_gets_a_200_with_the_apology(
    development_server: Server, sms: SmsAssistant, answer_book: AnswerBook
) -> None:
    store = sms.assistant.work_dir / "development" / "sms.db"
    store.unlink()
    store.mkdir()  # SQLite cannot open a directory: every store call now fails
    client = TwilioClient(f"{development_server.url}/webhooks/twilio_sms/webhook")
    response = client.post(client.message_params(new_phone(), "What is LDN?"), signature=None)
    assert response.status_code == 200
    assert twiml_messages(response) == [answer_book.message("service_unavailable", "sms")]


def abandon_delivery(sms: SmsAssistant, message_sid: str, answered: bool) -> None:
    """Make the store look as a server that claimed `message_sid` and died left it (long ago, no reply)."""
    with sqlite3.connect(sms.assistant.work_dir / "sms.db") as db:
        if answered:
            db.execute("UPDATE deliveries SET twiml = NULL, received = received - 3600 WHERE message_sid = ?", (message_sid,))
        else:
            db.execute("INSERT INTO deliveries VALUES (?, ?, ?, NULL)", (message_sid, "+15550009999", time.time() - 3600))


def test_a_retry_of_a_delivery_whose_server_died_after_the_turn_gets_the_stored_answer_once(
    sms: SmsAssistant, answer_book: AnswerBook
) -> None:
    phone = new_phone()
    params = sms.client.message_params(phone, "Is LDN addictive?")
    first = twiml_messages(sms.client.post(params))
    abandon_delivery(sms, params["MessageSid"], answered=True)  # the turn is stored; its reply was never sent
    retried = twiml_messages(sms.client.post(params))
    assert retried == first and answer_book.answers["ask_addictive"].sms in retried[0]
    assert sms.processed(phone) == ["Is LDN addictive?"], "the retry did not run the turn again"


def test_a_retry_of_a_delivery_whose_server_died_before_the_turn_is_answered_now(
    sms: SmsAssistant, answer_book: AnswerBook
) -> None:
    phone = new_phone()
    params = sms.client.message_params(phone, "Is LDN addictive?")
    abandon_delivery(sms, params["MessageSid"], answered=False)
    body = assert_one_sms_with_the_phone(twiml_messages(sms.client.post(params)), answer_book)
    assert answer_book.answers["ask_addictive"].sms in body
    assert sms.processed(phone) == ["Is LDN addictive?"]
