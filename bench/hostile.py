"""`make bench-hostile`: the largest message each channel accepts, against issue 13's targets.

For each channel (REST, the widget's socket.io, signed SMS), ROUNDS times: a message of short
words as large as the channel accepts (REST and socket.io 1 MB, SMS 72 KB), while another visitor (a process of its own)
keeps asking over REST. Measured: the hostile message's reply time and reply, the Rasa server's
peak memory against its idle memory (VmHWM reset before each message), and the other visitor's
reply times in that window against the same window with an ordinary message, A/B in turn.
Writes results/hostile.json and results/hostile.md.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import requests

from answer_book.store import answer_store
from channels.base import MAX_REQUEST_BYTES
from channels.twilio_sms import MAX_FORM_BYTES
from tools.process_memory import process_peak_mb, reset_peak, rss_mb
from tools.clients import TwilioClient, WidgetClient, twiml_messages, write_sms_credentials
from runtime.servers import PROJECT_DIR, page_origins
from runtime.stack import RunningAssistant, start_assistant

RESULTS = PROJECT_DIR / "results"
ROUNDS = 5
#: What each channel reads of one request (SMS: the signed form; Twilio itself sends 1,600 characters).
LARGEST_REQUEST = {"rest": MAX_REQUEST_BYTES, "socketio": MAX_REQUEST_BYTES, "sms": MAX_FORM_BYTES}
#: Leaves room for the JSON or form framing around the message, so it is the largest accepted.
FRAMING_BYTES = 512
TARGETS = {"reply_seconds": 1.0, "peak_over_idle": 1.2, "other_median_over_idle": 1.5}


def short_words(size: int, last_words: str = "") -> str:
    """About `size` characters of short words (the costliest text for a model: one token each)."""
    words = ("pain ldn is it ok " * (size // 18 + 1))[: size - len(last_words) - 1]
    return f"{words} {last_words}".strip()


def largest_message(channel: str, last_words: str = "") -> str:
    """The longest message `channel` takes in one request, ending with `last_words`."""
    return short_words(LARGEST_REQUEST[channel] - FRAMING_BYTES, last_words)


def ask_rest(stack: RunningAssistant, sender: str, text: str) -> str:
    response = requests.post(stack.rest_url, json={"sender": sender, "message": text}, timeout=60)
    return " ".join(str(message.get("text")) for message in response.json())


def senders(stack: RunningAssistant, phone: str) -> Dict[str, Callable[[str], str]]:
    sms = TwilioClient(f"{stack.rasa.url}/webhooks/twilio_sms/webhook")
    origin = page_origins(stack.page_port)[0]

    def over_socketio(text: str) -> str:
        with WidgetClient(stack.rasa.url, origin) as widget:
            return " ".join(str(message.get("text")) for message in widget.ask_until_phone(text, phone))

    return {
        "rest": lambda text: ask_rest(stack, "hostile-rest", text),
        "socketio": over_socketio,
        "sms": lambda text: " ".join(twiml_messages(sms.text(f"+1555030{time.time_ns() % 10000:04d}", text))),
    }


def other_visitor(rest_url: str, busy: "multiprocessing.synchronize.Event", times: "multiprocessing.Queue") -> None:
    """Ask over REST, one message after another, while `busy` is set; puts each reply time.

    A process of its own: in the benchmark's process, building and signing the large requests
    would hold the GIL and slow this visitor's client, not the server.
    """
    session = requests.Session()
    sender = f"other-visitor-{os.getpid()}"  # a conversation of its own in each window (a long one is slower)
    while busy.is_set():
        started = time.perf_counter()
        session.post(rest_url, json={"sender": sender, "message": "what is ldn?"}, timeout=60)
        times.put(time.perf_counter() - started)


def while_another_visitor_asks(stack: RunningAssistant, action: Callable[[], object]) -> Tuple[object, List[float]]:
    """Run `action` while another visitor asks over REST; its result and the visitor's reply times."""
    busy, queue = multiprocessing.Event(), multiprocessing.Queue()
    busy.set()
    visitor = multiprocessing.Process(target=other_visitor, args=(stack.rest_url, busy, queue))
    visitor.start()
    time.sleep(0.5)  # the visitor is asking
    result = action()
    busy.clear()
    visitor.join()
    times = []
    while not queue.empty():
        times.append(queue.get())
    return result, times[1:]  # the first one started before the window


def timed(send: Callable[[str], str], text: str) -> Tuple[str, float]:
    started = time.perf_counter()
    reply = send(text)
    return reply, time.perf_counter() - started


def measure(stack: RunningAssistant) -> Dict[str, object]:
    book = answer_store().current()
    channel_senders = senders(stack, book.clinic.phone)
    pid = stack.rasa.process.pid
    for send in channel_senders.values():  # warm every path once
        send("what is ldn")
    idle_rss = rss_mb(pid)
    idle_times: List[float] = []
    channels: Dict[str, object] = {}
    for name, send in channel_senders.items():
        rounds = []
        for _ in range(ROUNDS):
            # A/B in turn: the same window with an ordinary message, then with the largest one
            _, idle = while_another_visitor_asks(stack, lambda: send("what is ldn"))
            idle_times += idle
            reset_peak(pid)
            message = largest_message(name)
            reply, during = while_another_visitor_asks(stack, lambda: timed(send, message))
            text, seconds = reply  # type: ignore[misc]
            rounds.append({
                "reply_seconds": round(seconds, 3),
                "clear_reply": text.startswith(book.message("too_long", "sms" if name == "sms" else "web")[:40]),
                "peak_mb": process_peak_mb(pid),
                "other_median_seconds": round(statistics.median(during), 4),
                "other_idle_median_seconds": round(statistics.median(idle), 4),
                "other_replies": len(during),
            })
        channels[name] = {
            "rounds": rounds,
            "reply_seconds_median": statistics.median(r["reply_seconds"] for r in rounds),
            "peak_over_idle": round(max(r["peak_mb"] for r in rounds) / idle_rss, 3),
            "other_median_over_idle": round(
                statistics.median(r["other_median_seconds"] for r in rounds)
                / statistics.median(r["other_idle_median_seconds"] for r in rounds), 2
            ),
            "all_clear_replies": all(r["clear_reply"] for r in rounds),
        }
    return {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "message_characters": {name: len(largest_message(name)) for name in channel_senders},
        "idle_rss_mb": idle_rss,
        "other_idle_median_seconds": round(statistics.median(idle_times), 4),
        "channels": channels,
        "targets": TARGETS,
    }


def markdown(result: Dict[str, object]) -> str:
    sizes = ", ".join(f"{name} {characters:,} characters" for name, characters in result["message_characters"].items())  # type: ignore[union-attr]
    lines = [
        "# Hostile input: the largest message each channel accepts (`make bench-hostile`)",
        "",
        f"Run {result['when']}: the largest message of short words each channel takes ({sizes}), {ROUNDS} rounds a "
        f"channel, another visitor asking over REST meanwhile. Rasa server idle RSS {result['idle_rss_mb']} MB; "
        f"the other visitor's idle median reply {result['other_idle_median_seconds'] * 1000:.1f} ms.",
        "",
        "| channel | reply (median s) | target < 1 s | peak / idle RSS | target <= 1.2 | other visitor median / idle "
        "| target <= 1.5 | clear reply |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, channel in result["channels"].items():  # type: ignore[union-attr]
        lines.append(
            f"| {name} | {channel['reply_seconds_median']:.3f} | {'met' if channel['reply_seconds_median'] < 1 else 'NOT met'} "
            f"| {channel['peak_over_idle']:.3f} | {'met' if channel['peak_over_idle'] <= 1.2 else 'NOT met'} "
            f"| {channel['other_median_over_idle']:.2f} | {'met' if channel['other_median_over_idle'] <= 1.5 else 'NOT met'} "
            f"| {'yes' if channel['all_clear_replies'] else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench_hostile_") as directory:
        work_dir = Path(directory)
        stack = start_assistant(work_dir, credentials=write_sms_credentials(work_dir))
        try:
            result = measure(stack)
        finally:
            stack.stop()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "hostile.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "hostile.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))


if __name__ == "__main__":
    main()
