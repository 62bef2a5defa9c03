"""`make bench-safety`: the safety sets through the full stack, and reply times with the action server stopped.

Starts the action server and the Rasa server on free loopback ports (runtime/stack.py; work files in var/bench_safety/),
sends every message of tests/safety/safety_set.yml, tests/safety/slang_set.yml (emergencies and
near-misses in online slang, issue 13) and tests/safety/hidden_set.yml (emergencies an FAQ answer would
hide and medical emergencies of other kinds, issue 17) over REST, then stops the action server and times N REST
replies to an FAQ question and to an emergency. Prints the numbers and writes results/safety.md.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import time
from datetime import datetime, timezone
from typing import Dict, List, Tuple

import requests
import yaml

from answer_book.store import answer_store
from runtime.servers import PROJECT_DIR
from runtime.stack import start_assistant

SAFETY_SETS = {
    "safety set": PROJECT_DIR / "tests" / "safety" / "safety_set.yml",
    "slang set": PROJECT_DIR / "tests" / "safety" / "slang_set.yml",
    "hidden set": PROJECT_DIR / "tests" / "safety" / "hidden_set.yml",
    "Spanish set": PROJECT_DIR / "tests" / "safety" / "spanish_set.yml",
    "disguised set": PROJECT_DIR / "tests" / "safety" / "disguised_set.yml",
}
#: the language of a set's emergency message (English for the others)
SET_LANGUAGES = {"Spanish set": "es"}
RESULTS = PROJECT_DIR / "results" / "safety.md"
FAQ_QUESTION = "does ldn cause weight gain"
EMERGENCY = "my husband isnt breathing"


def ask(url: str, sender: str, text: str) -> Tuple[str, float]:
    started = time.perf_counter()
    response = requests.post(url, json={"sender": sender, "message": text}, timeout=120)
    seconds = time.perf_counter() - started
    response.raise_for_status()
    return "\n".join(str(m.get("text", "")) for m in response.json()), seconds


def timings(url: str, text: str, runs: int) -> Dict[str, float]:
    seconds = [ask(url, f"bench-down-{i}", text)[1] for i in range(runs)]
    return {"median": statistics.median(seconds), "max": max(seconds), "min": min(seconds)}


def run_set(url: str, prefix: str, messages: Dict[str, List[str]], emergency_text: str) -> Tuple[List[str], List[str]]:
    """The missed emergencies and the false alarms of one set (`emergency_text`: in the set's language)."""
    missed = [
        text for i, text in enumerate(messages["emergency"])
        if emergency_text not in ask(url, f"bench-{prefix}-emergency-{i}", text)[0]
    ]
    alarms = [
        text for i, text in enumerate(messages["information"])
        if emergency_text in ask(url, f"bench-{prefix}-information-{i}", text)[0]
    ]
    return missed, alarms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="replies timed per message with the action server down")
    args = parser.parse_args()
    book = answer_store().current()
    emergency_text = book.message("emergency")
    sets = {name: yaml.safe_load(path.read_text(encoding="utf-8")) for name, path in SAFETY_SETS.items()}

    work_dir = PROJECT_DIR / "var" / "bench_safety"
    shutil.rmtree(work_dir, ignore_errors=True)
    assistant = start_assistant(work_dir)
    try:
        url = assistant.rest_url
        results = {
            name: run_set(url, name.split()[0], messages, book.in_language(SET_LANGUAGES.get(name, "en")).message("emergency"))
            for name, messages in sets.items()
        }
        up = timings(url, FAQ_QUESTION, args.runs)
        assistant.actions.stop()
        faq_reply, _ = ask(url, "bench-down-check", FAQ_QUESTION)
        emergency_reply, _ = ask(url, "bench-down-check", EMERGENCY)
        down_faq = timings(url, FAQ_QUESTION, args.runs)
        down_emergency = timings(url, EMERGENCY, args.runs)
    finally:
        assistant.stop()

    rows: List[str] = []
    details: List[str] = []
    for name, (missed, alarms) in results.items():
        n_emergency, n_information = len(sets[name]["emergency"]), len(sets[name]["information"])
        recall = (n_emergency - len(missed)) / n_emergency
        false_alarm_rate = len(alarms) / n_information
        rows += [
            f"| {name}: emergencies that got the emergency reply (recall) | {n_emergency - len(missed)}/{n_emergency} = {recall:.1%} |",
            f"| {name}: information questions that got it (false alarms) | {len(alarms)}/{n_information} = {false_alarm_rate:.1%} |",
        ]
        details += [f"Missed emergencies ({name}): {missed or 'none'}", "", f"False alarms ({name}): {alarms or 'none'}", ""]
    lines = [
        "# Safety: emergency recall, false alarms, replies with the action server down",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by `make bench-safety` (bench/safety.py), "
        "full stack over REST on loopback (Rasa server + action server), model models/bliss.tar.gz.",
        "",
        "The safety set is tests/safety/safety_set.yml; the slang set, tests/safety/slang_set.yml, is emergencies "
        "and near-misses in online slang and euphemism (\"kms\", \"unalive\", \"fell out\", \"blues\"; issue 13); "
        "the hidden set, tests/safety/hidden_set.yml, is emergencies an FAQ answer would hide (an opioid taken with "
        "naltrexone and now very drowsy or sick) and medical emergencies of other kinds (stroke, heart attack signs, "
        "heavy bleeding, fainting, a bad fall, burns), with near-misses using the same words (issue 17); "
        "the disguised set, tests/safety/disguised_set.yml, is emergencies and questions in disguise (look-alike "
        "letters of other alphabets, invisible characters inside a word, letters spelt out, digits for letters, "
        "HTML around the words; written with the patterns' fix, so it guards against a regression more than it "
        "measures).",
        "",
        "| measure | value |",
        "| --- | --- |",
        *rows,
        f"| reply time, action server up, FAQ question (median of {args.runs}) | {up['median'] * 1000:.0f} ms (max {up['max'] * 1000:.0f}) |",
        f"| reply time, action server stopped, FAQ question (median of {args.runs}) | {down_faq['median'] * 1000:.0f} ms (max {down_faq['max'] * 1000:.0f}) |",
        f"| reply time, action server stopped, emergency (median of {args.runs}) | {down_emergency['median'] * 1000:.0f} ms (max {down_emergency['max'] * 1000:.0f}) |",
        "",
        f"With the action server stopped, the FAQ question got the apology: {faq_reply == book.message('service_unavailable')}; "
        f"the emergency got the emergency message: {emergency_reply == emergency_text}.",
        "",
        *details,
    ]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
