"""`make bench-answers`: how long an edited answer takes to reach patients, vs a domain response.

Starts the real action server and Rasa server on free loopback ports, with a temporary copy of
the answers file (ANSWERS_PATH). Then, in the same run:

1. answers.yml: saves an edited answer and asks over REST until the reply carries the new text;
   repeated --repeats times (median and max).
2. domain.yml: the same kind of change to a domain response (utter_iamabot) in a temporary copy
   of the domain: `rasa train` (with a warm training cache, the fastest case; the cold training
   that warms it is reported too), then a restart of the Rasa server, until a REST reply carries
   the new text.

Writes results/answer_reload.json and prints a summary. Not part of `make test` (it trains).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import requests

from answer_book.store import DEFAULT_ANSWERS_PATH
from staff_files.live_file import display_path
from runtime.servers import DEFAULT_MODEL, PROJECT_DIR, QUIET_ENV, Server
from runtime.stack import RunningAssistant, start_assistant

QUESTION = "What dose of LDN do people take?"
ANSWER_START = "A common dose of low-dose naltrexone"
RESPONSE_QUESTION = "are you a bot?"
RESPONSE_START = "I'm an automated assistant, not a person."
RESULTS = PROJECT_DIR / "results" / "answer_reload.json"


def marker_word() -> str:
    return "".join(random.choice(string.ascii_lowercase) for _ in range(8))


def ask(rasa: Server, sender: str, message: str) -> str:
    response = requests.post(f"{rasa.url}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                             timeout=60)
    response.raise_for_status()
    return "\n".join(str(reply.get("text", "")) for reply in response.json())


def seconds_until_served(rasa: Server, message: str, marker: str, since: float, sender: str,
                         timeout: float = 600.0) -> float:
    """Ask `message` again and again until the reply contains `marker`; seconds since `since`."""
    while time.monotonic() - since < timeout:
        try:
            if marker in ask(rasa, sender, message):
                return time.monotonic() - since
        except requests.RequestException:
            pass  # the server is restarting
        time.sleep(0.02)
    raise TimeoutError(f"{marker!r} not served after {timeout:.0f}s")


def save(path: Path, text: str) -> None:
    """Save as an editor does (in place) and make sure it is on disk."""
    with path.open("w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())


def bench_answers(rasa: Server, answers: Path, repeats: int) -> Dict[str, Any]:
    original = answers.read_text(encoding="utf-8")
    baseline = []
    for _ in range(5):
        started = time.monotonic()
        assert ANSWER_START in ask(rasa, "bench-baseline", QUESTION)
        baseline.append(time.monotonic() - started)
    times: List[float] = []
    for repeat in range(repeats):
        marker = f"Bench edit {marker_word()}"  # letters only: digits could look like a phone number
        save(answers, original.replace(ANSWER_START, f"{marker}: a common dose of low-dose naltrexone"))
        times.append(seconds_until_served(rasa, QUESTION, marker, time.monotonic(), f"bench-answers-{repeat}"))
        print(f"  answers.yml edit {repeat + 1}/{repeats}: served after {times[-1]:.3f} s", flush=True)
        time.sleep(0.3)
    save(answers, original)
    return {
        "repeats": repeats,
        "seconds": [round(value, 3) for value in times],
        "median_seconds": round(statistics.median(times), 3),
        "max_seconds": round(max(times), 3),
        "one_reply_seconds_median": round(statistics.median(baseline), 3),
    }


def train(domain: Path, out: Path, name: str, cache: Path) -> float:
    started = time.monotonic()
    command = [sys.executable, "-m", "rasa", "train", "--domain", str(domain), "--data", "data",
               "--config", "config.yml", "--out", str(out), "--fixed-model-name", name]
    env = {**os.environ, **QUIET_ENV, "RASA_CACHE_DIRECTORY": str(cache)}
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"rasa train failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return time.monotonic() - started


def bench_domain(assistant: RunningAssistant, work: Path) -> Dict[str, Any]:
    """Change utter_iamabot in a copy of the domain: retrain, restart the Rasa server, ask until served."""
    domain = work / "domain.yml"
    original = (PROJECT_DIR / "domain.yml").read_text(encoding="utf-8")
    assert original.count(RESPONSE_START) == 1
    save(domain, original)
    print("  warming the training cache (cold training of the unchanged project) ...", flush=True)
    cold = train(domain, work / "models", "warmup", work / "cache")
    marker = f"Bench response {marker_word()}"
    save(domain, original.replace(RESPONSE_START, f"{marker}. {RESPONSE_START}"))
    saved = time.monotonic()
    warm = train(domain, work / "models", "edited", work / "cache")
    print(f"  domain.yml edit: retrained in {warm:.1f} s (cold: {cold:.1f} s); restarting the Rasa server ...",
          flush=True)
    restart_started = time.monotonic()
    assistant.rasa.stop()
    assistant.model = work / "models" / "edited.tar.gz"
    restarted = assistant.start_rasa()
    total = seconds_until_served(restarted, RESPONSE_QUESTION, marker, saved, "bench-domain")
    restart = time.monotonic() - restart_started
    print(f"  domain.yml edit: served after {total:.1f} s", flush=True)
    return {
        "cold_training_seconds": round(cold, 1),
        "training_seconds": round(warm, 1),
        "restart_until_served_seconds": round(restart, 1),
        "total_seconds": round(total, 1),
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10, help="answer edits to time (default: %(default)s)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-answers-"))
    answers = work / "answers.yml"
    shutil.copyfile(DEFAULT_ANSWERS_PATH, answers)
    env = {"ANSWERS_PATH": str(answers)}
    load_before = os.getloadavg()
    assistant = start_assistant(work, env=env, model=args.model)
    try:
        print(f"Servers up (logs in {work}). Timing {args.repeats} answer edits ...", flush=True)
        reload = bench_answers(assistant.rasa, answers, args.repeats)
        print("Timing the same change as a domain response ...", flush=True)
        domain = bench_domain(assistant, work)
    finally:
        assistant.stop()
    results = {
        "what": "seconds from saving an edited answer to the new text in a REST reply",
        "command": "make bench-answers",
        "answers_file_reload": reload,
        "domain_response_retrain_restart": domain,
        "ratio_domain_total_to_reload_median": round(domain["total_seconds"] / reload["median_seconds"]),
        "machine": {"cpus": os.cpu_count(), "load_average_1min_at_start": round(load_before[0], 2)},
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(
        f"\nAnswer edit (answers.yml, live reload): median {reload['median_seconds']:.3f} s, "
        f"max {reload['max_seconds']:.3f} s over {reload['repeats']} edits "
        f"(one reply takes {reload['one_reply_seconds_median']:.3f} s)\n"
        f"Same change as a domain response: {domain['total_seconds']:.1f} s "
        f"(retrain {domain['training_seconds']:.1f} s with a warm cache, cold {domain['cold_training_seconds']:.1f} s; "
        f"restart until served {domain['restart_until_served_seconds']:.1f} s)\n"
        f"Ratio: {results['ratio_domain_total_to_reload_median']}x. Written to {display_path(args.out)}."
    )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
