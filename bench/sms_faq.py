"""`make sms-faq`: the clinic's four FAQ questions sent by SMS to a running assistant, signed as
Twilio signs them; prints the exact TwiML returned with GSM-7 character and segment counts and
writes them to results/sms_faq.md.

Starts the action server and the Rasa server on free loopback ports (runtime/stack.py), with the
loopback auth token, an example public URL and an SMS store in a temporary directory.
"""
from __future__ import annotations

import secrets
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import List
from urllib.parse import urlencode

import requests
from twilio.request_validator import RequestValidator

from answer_book.sms_text import sms_size
from runtime.servers import PROJECT_DIR
from runtime.stack import start_assistant
from tools.clients import LOOPBACK_AUTH_TOKEN, PUBLIC_URL, write_sms_credentials

QUESTIONS = (
    "Does naltrexone keep working or does its effect taper off?",
    "Why haven't I heard about naltrexone before?",
    "Will normal dose naltrexone work for me?",
    "What's the difference between naloxone and naltrexone?",
)
RESULTS = PROJECT_DIR / "results" / "sms_faq.md"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sms_faq_") as directory:
        work = Path(directory)
        assistant = start_assistant(work, credentials=write_sms_credentials(work))
        try:
            lines = report(f"{assistant.rasa.url}/webhooks/twilio_sms/webhook", LOOPBACK_AUTH_TOKEN)
        finally:
            assistant.stop()
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
