"""`make bench`: the whole turn measured over REST, for our pipeline and Rasa's default one.

For each pipeline, in one run: training time (cold training cache), NLU parsing alone
in-process (bench/nlu_speed.py), then both servers on free loopback ports with a fresh
SQLite tracker store: start-up time until the first answer, reply time p50/p95/p99 and
messages per second at 1, 8 and 32 concurrent conversations, and (ours; the default too with
BENCH_LONG_RUN_BOTH=1) 2,000 messages across 50 concurrent conversations; errors counted;
peak memory of both servers; one conversation of 80 messages (its 80th reply against its 5th)
and the ratios to the limit, the NLU alone of the same run (bench/limit.py). Writes results/bench.json and results/bench.png and prints a
summary. Every step has a timeout; temporary files are removed at the end.

BENCH_QUICK=1 runs a small version (our pipeline only, no training: uses models/bliss.tar.gz)
for development.
"""
from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Dict, Optional, Tuple


from bench.limit import limit_lines, limit_ratios, long_conversation
from bench.load import conversations, rest_turn, run_load
from eval.full_models import default_config, train
from tools.process_memory import peak_rss_mb
from runtime.servers import DEFAULT_MODEL, PROJECT_DIR, Server
from runtime.stack import start_assistant

RESULTS_DIR = PROJECT_DIR / "results"
OUR_CONFIG = PROJECT_DIR / "config.yml"

QUICK = os.environ.get("BENCH_QUICK") == "1"
#: REST load levels: (concurrent conversations, conversations, messages per conversation).
LEVELS: Tuple[Tuple[int, int, int], ...] = (
    ((1, 2, 10), (8, 8, 5), (32, 32, 3)) if QUICK else ((1, 6, 10), (8, 16, 12), (32, 32, 10))
)
LONG_RUN = (20, 20, 5) if QUICK else (50, 50, 40)  # 2,000 messages across 50 conversations, all at once
WARM_UP_MESSAGES = 10
LOAD_TIMEOUT = 240.0
STARTUP_TIMEOUT = 180.0


def nlu_only(model: Path, work: Path) -> Dict[str, Any]:
    stem = model.name.split(".")[0]
    out, log = work / f"nlu-{stem}.json", work / f"nlu-{stem}.log"
    with log.open("w") as handle:
        done = subprocess.run([sys.executable, "-m", "bench.nlu_speed", str(model), str(out)], cwd=PROJECT_DIR,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, timeout=LOAD_TIMEOUT * 2,
                              stdout=handle, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"NLU timing of {model.name} failed; end of its log:\n{log.read_text()[-3000:]}")
    return json.loads(out.read_text())


async def _first_answer(url: str, server: Server, apology: str) -> float:
    """Poll with a real question until the assistant answers it; seconds since the server was spawned."""
    import aiohttp

    async with aiohttp.ClientSession() as session:
        turn = rest_turn(session, url, apology, request_timeout=10)
        while time.monotonic() - server.started < STARTUP_TIMEOUT:
            if server.process.poll() is not None:
                raise RuntimeError(f"{server.name} exited; its log:\n{server.log_text()[-3000:]}")
            if await turn("bench-startup", "what is ldn") is None:
                return time.monotonic() - server.started
            await asyncio.sleep(0.2)
    raise TimeoutError(f"no answer after {STARTUP_TIMEOUT:.0f}s; log:\n{server.log_text()[-3000:]}")


async def _rest_levels(url: str, apology: str, long_run: bool) -> Dict[str, Any]:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=100)
    async with aiohttp.ClientSession(connector=connector) as session:
        turn = rest_turn(session, url, apology)
        for index, text in enumerate(conversations(1, WARM_UP_MESSAGES, seed=99)[0]):
            await turn("bench-warm-up", text)
        levels = []
        for concurrency, count, length in LEVELS:
            plan = conversations(count, length, seed=concurrency)
            levels.append((await run_load(turn, plan, concurrency, f"c{concurrency}", LOAD_TIMEOUT)).summary())
        result: Dict[str, Any] = {"levels": levels}
        if long_run:
            concurrency, count, length = LONG_RUN
            plan = conversations(count, length, seed=2000)
            result["long_run"] = (await run_load(turn, plan, concurrency, "long", LOAD_TIMEOUT)).summary()
        return result


def full_turn(model: Path, work: Path, apology: str, long_run: bool) -> Dict[str, Any]:
    """Both servers on loopback with this model; start-up, load levels, peak memory."""
    run_dir = work / f"run-{model.name.split('.')[0]}"
    assistant = start_assistant(run_dir, model=model)
    try:
        rasa, actions, url = assistant.rasa, assistant.actions, assistant.rest_url
        startup = asyncio.run(_first_answer(url, rasa, apology))  # since the Rasa server was spawned
        result = asyncio.run(_rest_levels(url, apology, long_run))
        result["long_conversation"] = asyncio.run(long_conversation(url, apology))
        result["startup_seconds"] = round(startup, 1)
        result["rasa_server_peak_rss_mb"] = peak_rss_mb(rasa.process.pid)
        result["action_server_peak_rss_mb"] = peak_rss_mb(actions.process.pid)
        errors_logged = [line for line in rasa.log_text().splitlines() if " ERROR " in line]
        result["rasa_server_error_log_lines"] = len(errors_logged)
        return result
    finally:
        assistant.stop()


def bench_pipeline(name: str, config: Path, work: Path, apology: str, long_run: bool) -> Dict[str, Any]:
    print(f"[{name}] training ({config.name}) ...", flush=True)
    if QUICK:
        model, train_seconds = DEFAULT_MODEL, None
    else:
        model, seconds = train(name, config, work)
        train_seconds = round(seconds, 1)
    print(f"[{name}] NLU parsing in-process ...", flush=True)
    nlu = nlu_only(model, work)
    print(f"[{name}] full turn over REST with the action server ...", flush=True)
    rest = full_turn(model, work, apology, long_run)
    result = {"config": str(config.relative_to(PROJECT_DIR)) if config.is_relative_to(PROJECT_DIR) else
              "Rasa 3.6 default_config.yml", "training_seconds": train_seconds,
              "model_mb": round(model.stat().st_size / 1e6, 1), "nlu_only": nlu, "full_turn": rest}
    result["ratio_to_limit"] = limit_ratios(result)
    return result


def ratios(ours: Dict[str, Any], default: Dict[str, Any]) -> Dict[str, Any]:
    """ours / default for the numbers that matter (below 1 means ours is faster or smaller)."""
    def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
        return round(a / b, 2) if a is not None and b else None

    result: Dict[str, Any] = {}
    for kind in ("full_turn", "nlu_only"):
        for mine, theirs in zip(ours[kind]["levels"], default[kind]["levels"]):
            for key in ("p50_ms", "p95_ms", "p99_ms"):
                result[f"{kind}_c{mine['concurrency']}_{key}"] = ratio(mine[key], theirs[key])
    result["training_seconds"] = ratio(ours["training_seconds"], default["training_seconds"])
    result["startup_seconds"] = ratio(ours["full_turn"]["startup_seconds"], default["full_turn"]["startup_seconds"])
    result["rasa_server_peak_rss_mb"] = ratio(
        ours["full_turn"]["rasa_server_peak_rss_mb"], default["full_turn"]["rasa_server_peak_rss_mb"])
    return result


def main() -> None:
    warnings.simplefilter("ignore")  # third-party deprecation noise around the summary
    from answer_book.store import answer_store
    from bench.report import plot, summary

    apology = answer_store().current().message("service_unavailable", "web")
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="bliss-bench-"))
    try:
        pipelines = {"ours": bench_pipeline("ours", OUR_CONFIG, work, apology, long_run=True)}
        if not QUICK:
            pipelines["default"] = bench_pipeline(
                "default", default_config(work), work, apology,
                long_run=os.environ.get("BENCH_LONG_RUN_BOTH") == "1")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_at_end": os.getloadavg()},
        "quick": QUICK,
        "bench_seconds": round(time.perf_counter() - started, 1),
        "pipelines": pipelines,
    }
    if "default" in pipelines:
        report["ratios_ours_over_default"] = ratios(pipelines["ours"], pipelines["default"])
    RESULTS_DIR.mkdir(exist_ok=True)
    name = "bench-quick" if QUICK else "bench"
    (RESULTS_DIR / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    plot(report, RESULTS_DIR / f"{name}.png")
    print(summary(report))
    for pipeline_name, pipeline in pipelines.items():
        print(f"{pipeline_name}:", *limit_lines(pipeline["ratio_to_limit"]), sep="\n")
    print(f"Wrote results/{name}.json and results/{name}.png")
    long_run = pipelines["ours"]["full_turn"].get("long_run", {})
    total_errors = (sum(level["errors"] for level in pipelines["ours"]["full_turn"]["levels"]) + long_run.get("errors", 0)
                    + pipelines["ours"]["full_turn"]["long_conversation"]["errors"])
    if total_errors:
        sys.exit(f"{total_errors} errors in our pipeline's REST runs (see error_examples in the JSON)")


if __name__ == "__main__":
    main()
