"""`make sms-faq`: the clinic's four FAQ questions sent by SMS to a running assistant, signed as
Twilio signs them; prints the exact TwiML returned with GSM-7 character and segment counts and
writes them to results/sms_faq.md.

Starts its own action server and Rasa server on free loopback ports, with a throwaway auth
token, public URL and SMS store in a temporary directory.
"""
from __future__ import annotations

import secrets
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import List
from urllib.parse import urlencode

import requests
import yaml
from twilio.request_validator import RequestValidator

from answer_book.sms_text import sms_size
from runtime.servers import (
    ACTION_READY_PATH,
    DEFAULT_CREDENTIALS,
    PROJECT_DIR,
    RASA_READY_PATH,
    free_port,
    start_action_server,
    start_rasa_server,
    stop_all,
    wait_until_ready,
    write_endpoints,
)

QUESTIONS = (
    "Does naltrexone keep working or does its effect taper off?",
    "Why haven't I heard about naltrexone before?",
    "Will normal dose naltrexone work for me?",
    "What's the difference between naloxone and naltrexone?",
)
PUBLIC_URL = "https://sms.bliss-clinic.example/webhooks/twilio_sms/webhook"
RESULTS = PROJECT_DIR / "results" / "sms_faq.md"


def main() -> None:
    token = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="sms_faq_") as directory:
        work = Path(directory)
        credentials = yaml.safe_load(DEFAULT_CREDENTIALS.read_text(encoding="utf-8"))
        credentials["channels.twilio_sms.TwilioSmsInput"].update(
            auth_token=token, webhook_url=PUBLIC_URL, store_path=str(work / "sms.db")
        )
        (work / "credentials.yml").write_text(yaml.safe_dump(credentials), encoding="utf-8")
        action_port, rasa_port = free_port(), free_port()
        endpoints = write_endpoints(work / "endpoints.yml", f"http://127.0.0.1:{action_port}/webhook", work / "rasa.db")
        servers = [start_action_server(action_port, work / "actions.log")]
        try:
            servers.append(start_rasa_server(rasa_port, endpoints, work / "rasa.log", credentials=work / "credentials.yml"))
            wait_until_ready(servers[0], ACTION_READY_PATH)
            wait_until_ready(servers[1], RASA_READY_PATH)
            lines = report(f"{servers[1].url}/webhooks/twilio_sms/webhook", token)
        finally:
            stop_all(servers)
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(f"Written to {RESULTS.relative_to(PROJECT_DIR)}")


def report(post_url: str, token: str) -> List[str]:
    lines = ["# The clinic's four FAQ questions by SMS (`make sms-faq`)", ""]
    for number, question in enumerate(QUESTIONS, 1):
        params = {
            "MessageSid": "SM" + secrets.token_hex(16), "AccountSid": "AC" + "0" * 32,
            "From": f"+1555020{number:04d}", "To": "+18505550100", "Body": question, "NumMedia": "0",
        }
        signature = RequestValidator(token).compute_signature(PUBLIC_URL, params)
        response = requests.post(
            post_url, data=urlencode(params), timeout=60,
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
        )
        lines += [f"## {question}", "", f"HTTP {response.status_code}, {response.headers.get('Content-Type')}", "",
                  "```xml", response.text, "```", ""]
        for body in [m.text or "" for m in ElementTree.fromstring(response.content).findall("Message")]:
            size = sms_size(body)
            lines.append(f"- message body: {size.encoding}, {size.units} characters, {size.segments} segment(s)")
        lines.append("")
    return lines


if __name__ == "__main__":
    main()
