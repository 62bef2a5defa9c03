"""Scale-out: two Rasa replicas behind nginx, PostgreSQL tracker store, Redis lock store.

50 conversations talk over REST through nginx, concurrently. When every conversation
has had two answers, one replica is stopped (SIGTERM) while messages are in flight; the
conversations go on. Then, from PostgreSQL: every user message is stored once, in order
(nothing lost, nothing doubled), each one has exactly one bot reply set (the one the
visitor received) and one `action_listen`, and each conversation kept its one session
(the surviving replica continued it with its full history instead of starting over).

Ten conversations use a fresh route key per message, so their turns hop between the
replicas: correctness must not depend on nginx's stickiness.

Run with `make test-scale` (not part of `make test`: it installs and starts PostgreSQL,
Redis and nginx). Prints the numbers and writes them to results/scale.json.
"""
from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import psycopg2
import pytest
import requests

from answer_book.schema import load_answer_book
from answer_book.store import DEFAULT_ANSWERS_PATH
from channels.incoming import conversation_id
from tests.results_dir import results_dir
from tests.scale.stack import Stack, install_packages, make_work_dir
from runtime.servers import (
    ACTION_READY_PATH,
    DEFAULT_MODEL,
    PROJECT_DIR,
    RASA_READY_PATH,
    Server,
    free_port,
    start_action_server,
    start_rasa_replica,
    wait_until_ready,
)

CONVERSATIONS = 50
HOPPING_CONVERSATIONS = 10  # a new route key per message: any replica serves any turn
MESSAGES = [
    "Hi", "What is LDN?", "Is it addictive?", "What are the side effects of LDN?",
    "How long does it take to work?", "What dose is used?", "Thank you",
]
MESSAGES_PER_CONVERSATION = 6
ANSWERED_BEFORE_STOP = 2  # the replica stops once every conversation has this many answers
WAIT_FOR_STOP_BEFORE = 4  # ... and no conversation sends its message no. 5 before the stop began
# a visitor's pause between messages; 0.3-1.2 s drove the p95 reply time to 9 s on the shared 2-core
# machine (close to the channel's 10 s reply timeout), 1-3 s keeps it well below
THINK_SECONDS = (1.0, 3.0)
RESULTS_NAME = "scale.json"  # in tests/results_dir.py results_dir()


@dataclass
class Turn:
    text: str
    started: float
    ended: float = 0.0
    status: int = 0
    replies: List[Dict[str, Any]] = field(default_factory=list)
    served_by: str = ""
    error: str = ""


@dataclass
class Deployment:
    stack: Stack
    replicas: List[Server]
    actions: Server

    @property
    def webhook(self) -> str:
        return f"{self.stack.nginx_url}/webhooks/rest/webhook"


@pytest.fixture(scope="module")
def deployment(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    """PostgreSQL, Redis, the action server, two Rasa replicas and nginx; all stopped afterwards."""
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"{DEFAULT_MODEL} is missing: run `make train` (make test-scale does it for you)")
    install_packages()
    work_dir = make_work_dir()
    stack = Stack(work_dir)
    servers: List[Server] = []
    started = False
    try:
        stack.start_postgres(free_port())
        stack.start_redis(free_port())
        action_port = free_port()
        # the same variables as in docker-compose.yml and deploy/k8s/ (a test in `make test` checks them)
        env = {
            "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
            "DATABASE_URL": stack.database_url,
            "REDIS_URL": stack.redis_url,
        }
        actions = start_action_server(action_port, work_dir / "action_server.log")
        servers.append(actions)
        ports = [free_port(), free_port()]
        replicas = [
            start_rasa_replica(port, work_dir / f"endpoints_{i + 1}.yml", work_dir / f"rasa_{i + 1}.log", env)
            for i, port in enumerate(ports)
        ]
        servers.extend(replicas)
        wait_until_ready(actions, ACTION_READY_PATH)
        for replica in replicas:
            wait_until_ready(replica, RASA_READY_PATH, timeout=300)
        stack.start_nginx(free_port(), ports)
        started = True
        yield Deployment(stack, replicas, actions)
    finally:
        for server in reversed(servers):
            server.stop()
        stack.stop()
        if started and request.session.testsfailed == 0 and not os.environ.get("BLISS_SCALE_KEEP_LOGS"):
            shutil.rmtree(work_dir, ignore_errors=True)
        else:
            print(f"\nscale test logs kept in {work_dir}")


def send(deployment: Deployment, sender: str, text: str, route_key: str) -> Turn:
    turn = Turn(text, time.monotonic())
    try:
        response = requests.post(
            deployment.webhook, params={"sender": route_key}, json={"sender": sender, "message": text}, timeout=60
        )
        turn.status = response.status_code
        turn.served_by = response.headers.get("X-Served-By", "").split(",")[-1].strip()
        turn.replies = response.json() if response.status_code == 200 else []
        if response.status_code != 200:
            turn.error = response.text[:300]
    except (requests.RequestException, ValueError) as error:
        turn.error = repr(error)
    turn.ended = time.monotonic()
    return turn


def stored_events(database_url: str, sender: str, channel: str = "rest") -> List[Dict[str, Any]]:
    """The stored events of `sender`'s conversation on `channel` (the store's id is "<channel>:<sender>")."""
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT type_name, action_name, data FROM events WHERE sender_id = %s ORDER BY id",
            (conversation_id(channel, sender),),
        )
        return [{"type": row[0], "action": row[1], **json.loads(row[2])} for row in cursor.fetchall()]


def stored_turns(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Group events by user message: its text, the bot texts and the actions that followed it."""
    turns: List[Dict[str, Any]] = []
    for event in events:
        if event["type"] == "user":
            turns.append({"text": event.get("text"), "bot": [], "actions": []})
        elif turns and event["type"] == "bot":
            turns[-1]["bot"].append(event.get("text"))
        elif turns and event["type"] == "action":
            turns[-1]["actions"].append(event["action"])
    return turns


def percentile(values: List[float], fraction: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def timing(turns: List[Turn]) -> Dict[str, Any]:
    seconds = [turn.ended - turn.started for turn in turns]
    return {
        "messages": len(seconds),
        "median_s": round(statistics.median(seconds), 3) if seconds else None,
        "p95_s": round(percentile(seconds, 0.95), 3) if seconds else None,
    }


SIMULTANEOUS_CONVERSATIONS = 20  # 5 pairs once caught Rasa's own RedisLockStore racing (1 of 5)
SIMULTANEOUS_PAIR = ("What is LDN?", "Is it addictive?")
EXTRA_RESULTS: Dict[str, Any] = {}


def test_simultaneous_messages_on_two_replicas_are_serialised(deployment: Deployment) -> None:
    """Two messages of one conversation reach the two replicas at once (bypassing nginx): the Redis
    lock makes one turn wait for the other, so both are stored whole, each with its one reply."""
    senders = [f"simultaneous-{secrets.token_hex(3)}-{number}" for number in range(SIMULTANEOUS_CONVERSATIONS)]
    barrier = threading.Barrier(2 * len(senders))

    def post(replica: Server, sender: str, text: str) -> Turn:
        barrier.wait(timeout=60)
        turn = Turn(text, time.monotonic())
        response = requests.post(
            f"{replica.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
        )
        turn.status, turn.ended = response.status_code, time.monotonic()
        turn.replies = response.json() if response.status_code == 200 else []
        return turn

    with ThreadPoolExecutor(max_workers=2 * len(senders)) as pool:
        futures = {
            (sender, text): pool.submit(post, replica, sender, text)
            for sender in senders
            for replica, text in zip(deployment.replicas, SIMULTANEOUS_PAIR)
        }
        results = {key: future.result() for key, future in futures.items()}

    problems = []
    for sender in senders:
        events = stored_events(deployment.stack.database_url, sender)
        stored = {turn["text"]: turn for turn in stored_turns(events)}
        if sorted(stored) != sorted(SIMULTANEOUS_PAIR) or len(stored_turns(events)) != 2:
            problems.append(f"{sender}: stored user messages {[t['text'] for t in stored_turns(events)]}")
            continue
        for text in SIMULTANEOUS_PAIR:
            turn = results[(sender, text)]
            if turn.status != 200 or [reply.get("text") for reply in turn.replies] != stored[text]["bot"]:
                problems.append(f"{sender}: {text!r} reply {turn.status} differs from the stored one")
            if stored[text]["actions"].count("action_listen") != 1:
                problems.append(f"{sender}: {text!r} actions {stored[text]['actions']}")
        sessions = sum(1 for event in events if event["type"] == "action" and event["action"] == "action_session_start")
        if sessions != 1:
            problems.append(f"{sender}: {sessions} sessions")
    EXTRA_RESULTS["simultaneous_pairs_on_two_replicas"] = len(senders)
    EXTRA_RESULTS["simultaneous_pairs_interleaved_or_lost"] = len(problems)
    assert not problems, problems


SOCKETIO_VISITORS = 10
SOCKETIO_ROUND_TRIPS = 4


def socketio_visit(deployment: Deployment, route_key: str) -> Dict[str, Any]:
    """One widget visitor over socket.io long-polling through nginx: a few session requests
    (each a POST and a poll; the first gets the server's session id, the others send it back),
    then one message. The route key is a query argument, as the widget's page sets it."""
    import socketio

    client = socketio.Client(reconnection=False)
    confirms: List[str] = []
    client.on("session_confirm", lambda data: confirms.append(data))
    client.connect(
        f"{deployment.stack.nginx_url}/?sender={route_key}", transports=["polling"], socketio_path="socket.io",
        wait_timeout=30,
    )
    try:
        for _ in range(SOCKETIO_ROUND_TRIPS):
            expected = len(confirms) + 1
            client.emit("session_request", {"session_id": confirms[0] if confirms else None})
            deadline = time.monotonic() + 30
            while len(confirms) < expected and client.connected and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)
        session_id = confirms[0] if confirms else ""
        client.emit("user_uttered", {"message": "What is LDN?", "session_id": session_id})
        deadline = time.monotonic() + 60
        stored: List[Dict[str, Any]] = []
        while time.monotonic() < deadline:
            stored = stored_turns(stored_events(deployment.stack.database_url, session_id, "socketio"))
            if stored and stored[-1]["actions"][-1:] == ["action_listen"]:
                break
            time.sleep(0.3)
        return {"confirms": confirms, "connected": client.connected, "stored": stored}
    finally:
        client.disconnect()


def test_socketio_long_polling_stays_on_one_replica(deployment: Deployment) -> None:
    """The widget's transport: every poll of one socket reaches the replica that knows its sid
    (a replica answers another's sid with 400 and the socket drops), and its turn is stored."""
    session_ids = [f"widget-{secrets.token_hex(3)}-{number}" for number in range(SOCKETIO_VISITORS)]
    with ThreadPoolExecutor(max_workers=SOCKETIO_VISITORS) as pool:
        visits = dict(zip(session_ids, pool.map(lambda sid: socketio_visit(deployment, sid), session_ids)))
    rows = [row for row in deployment.stack.access_log() if row[4].startswith("/socket.io/") and row[0] in visits]
    replicas_by_visitor = {sid: {row[1] for row in rows if row[0] == sid} for sid in session_ids}
    EXTRA_RESULTS["socketio_visitors"] = SOCKETIO_VISITORS
    EXTRA_RESULTS["socketio_requests_through_nginx"] = len(rows)
    EXTRA_RESULTS["socketio_visitors_on_one_replica"] = sum(1 for found in replicas_by_visitor.values() if len(found) == 1)
    for sid, visit in visits.items():
        assert visit["connected"], f"{sid}: the socket dropped (a poll reached the wrong replica?)"
        confirmed = visit["confirms"][:1]
        assert confirmed and visit["confirms"] == confirmed * SOCKETIO_ROUND_TRIPS, f"{sid}: confirms {visit['confirms']}"
        assert [turn["text"] for turn in visit["stored"]] == ["What is LDN?"], f"{sid}: stored {visit['stored']}"
    assert all(len(found) == 1 for found in replicas_by_visitor.values()), replicas_by_visitor
    # 499: the client closed its pending long-poll GET when it disconnected
    refused = [row for row in rows if row[2] not in ("200", "101") and not (row[2] == "499" and row[3] == "GET")]
    assert not refused, refused[:5]
    assert len({replica for found in replicas_by_visitor.values() for replica in found}) == 2, (
        "all visitors landed on one replica: the route key does not spread them"
    )


def test_sms_webhooks_all_reach_one_replica(deployment: Deployment) -> None:
    """The SMS channel keeps per-replica state (SQLite), so nginx sends every SMS webhook to one
    replica whatever the route key. Unsigned here (no Twilio token in the test): refused with 403."""
    keys = [secrets.token_hex(4) for _ in range(8)]
    for key in keys:
        response = requests.post(
            f"{deployment.stack.nginx_url}/webhooks/twilio_sms/webhook", params={"sender": key},
            data={"From": "+15550100", "Body": "What is LDN?", "MessageSid": "SM" + key}, timeout=30,
        )
        assert response.status_code == 403, response.text[:300]
    replicas = {row[1] for row in deployment.stack.access_log() if row[0] in keys}
    assert len(replicas) == 1, f"SMS webhooks reached {replicas}"


def test_conversations_survive_a_replica_stopping(deployment: Deployment) -> None:
    started = time.monotonic()
    run_id = secrets.token_hex(3)
    senders = [f"scale-{run_id}-{number:02d}" for number in range(CONVERSATIONS)]
    turns: Dict[str, List[Turn]] = {sender: [] for sender in senders}
    answered = {sender: 0 for sender in senders}
    lock = threading.Lock()
    stop_began = threading.Event()

    def converse(index: int) -> None:
        sender = senders[index]
        rng = random.Random(index)
        hopping = index < HOPPING_CONVERSATIONS
        offset = index % len(MESSAGES)
        script = [MESSAGES[(offset + k) % len(MESSAGES)] for k in range(MESSAGES_PER_CONVERSATION)]
        for number, text in enumerate(script):
            if number == WAIT_FOR_STOP_BEFORE:
                stop_began.wait(timeout=300)
            time.sleep(rng.uniform(*THINK_SECONDS))
            route_key = secrets.token_hex(4) if hopping else sender
            turn = send(deployment, sender, text, route_key)
            with lock:
                turns[sender].append(turn)
                answered[sender] += 1

    with ThreadPoolExecutor(max_workers=CONVERSATIONS) as pool:
        futures = [pool.submit(converse, index) for index in range(CONVERSATIONS)]
        while min(answered.values()) < ANSWERED_BEFORE_STOP:
            if any(future.done() and future.exception() for future in futures):
                break
            time.sleep(0.05)
        # stop the replica that served more messages so far, while messages are in flight
        with lock:
            served = [turn.served_by for sender_turns in turns.values() for turn in sender_turns]
        counts = {replica.url: served.count(replica.url.split("//")[1]) for replica in deployment.replicas}
        stopped = max(deployment.replicas, key=lambda replica: counts[replica.url])
        survivor = next(replica for replica in deployment.replicas if replica is not stopped)
        stop_started = time.monotonic()
        stop_began.set()
        stopped.stop()
        stop_ended = time.monotonic()
        for future in futures:
            future.result()
    duration = time.monotonic() - started

    stopped_addr, survivor_addr = stopped.url.split("//")[1], survivor.url.split("//")[1]
    all_turns = [turn for sender_turns in turns.values() for turn in sender_turns]
    failed = [(turn.text, turn.status, turn.error) for turn in all_turns if turn.status != 200]
    apology = load_answer_book(DEFAULT_ANSWERS_PATH).message("service_unavailable")
    apologies = [turn.text for turn in all_turns if any(reply.get("text") == apology for reply in turn.replies)]
    empty = [turn.text for turn in all_turns if turn.status == 200 and not turn.replies]

    lost, doubled, wrong_replies, listen_problems, new_sessions, continued = [], [], [], [], [], []
    for sender in senders:
        sent = [turn.text for turn in turns[sender]]
        events = stored_events(deployment.stack.database_url, sender)
        stored = stored_turns(events)
        stored_texts = [turn["text"] for turn in stored]
        lost.extend(f"{sender}: {text!r}" for text in sent if text not in stored_texts)
        doubled.extend(f"{sender}: {text!r}" for text in set(stored_texts) if stored_texts.count(text) > 1)
        if stored_texts == sent:
            for turn, stored_turn in zip(turns[sender], stored):
                if [reply.get("text") for reply in turn.replies] != stored_turn["bot"]:
                    wrong_replies.append(f"{sender}: {turn.text!r}")
                if stored_turn["actions"].count("action_listen") != 1 or stored_turn["actions"][-1] != "action_listen":
                    listen_problems.append(f"{sender}: {turn.text!r} -> {stored_turn['actions']}")
        sessions = sum(1 for event in events if event["type"] == "action" and event["action"] == "action_session_start")
        if sessions != 1:
            new_sessions.append(f"{sender}: {sessions} sessions")
        after = [turn for turn in turns[sender] if turn.started >= stop_started]
        if after and all(turn.status == 200 for turn in after) and stored_texts == sent:
            continued.append(sender)

    on_stopped_before = {
        sender for sender in senders if any(t.served_by == stopped_addr and t.ended < stop_started for t in turns[sender])
    }
    moved = [sender for sender in continued if sender in on_stopped_before]
    after_stop = [turn for turn in all_turns if turn.started >= stop_ended]
    served_after_by_stopped = [turn.text for turn in after_stop if turn.served_by == stopped_addr]
    report = {
        "command": "make test-scale",
        "conversations": CONVERSATIONS,
        "messages_sent": len(all_turns),
        "messages_lost": len(lost),
        "messages_stored_twice": len(doubled),
        "duplicate_answers": len(listen_problems),
        "replies_differing_from_store": len(wrong_replies),
        "failed_requests": len(failed),
        "apologies": len(apologies),
        "conversations_continued_after_stop": len(continued),
        "conversations_moved_from_stopped_replica": len(moved),
        "conversations_with_extra_sessions": len(new_sessions),
        "replica_stop_seconds": round(stop_ended - stop_started, 2),
        "reply_times_before_stop": timing([t for t in all_turns if t.ended < stop_started]),
        "reply_times_during_stop": timing([t for t in all_turns if t.ended >= stop_started and t.started < stop_ended]),
        "reply_times_after_stop": timing(after_stop),
        "served_before_stop": {
            "stopped_replica": sum(1 for t in all_turns if t.ended < stop_started and t.served_by == stopped_addr),
            "surviving_replica": sum(1 for t in all_turns if t.ended < stop_started and t.served_by == survivor_addr),
        },
        "duration_s": round(duration, 1),
        **EXTRA_RESULTS,
    }
    print("\nscale-out result:\n" + json.dumps(report, indent=2))
    (results_dir() / RESULTS_NAME).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    assert not failed, f"requests that failed: {failed[:10]}"
    assert not apologies, f"answered with the apology (reply timeout or failure): {apologies[:10]}"
    assert not empty, f"empty replies: {empty[:10]}"
    assert not lost, f"user messages missing from PostgreSQL: {lost[:10]}"
    assert not doubled, f"user messages stored twice: {doubled[:10]}"
    assert not wrong_replies, f"stored bot replies differ from what the visitor got: {wrong_replies[:10]}"
    assert not listen_problems, f"turns not answered exactly once: {listen_problems[:10]}"
    assert not new_sessions, f"conversations that lost their session (history not continued): {new_sessions[:10]}"
    assert not served_after_by_stopped, "the stopped replica still answered"
    assert len(continued) == CONVERSATIONS, f"only {len(continued)} of {CONVERSATIONS} conversations continued"
    assert moved, "no conversation moved from the stopped replica to the survivor"
    assert report["served_before_stop"]["stopped_replica"] and report["served_before_stop"]["surviving_replica"], (
        "nginx did not spread the conversations over both replicas"
    )


def report_of(database_url: str, out: Path) -> Dict[str, Any]:
    """`make report` as staff run it where DATABASE_URL is set: the PostgreSQL store, no --db."""
    subprocess.run([sys.executable, "-m", "tools.report", "--out", str(out)], cwd=PROJECT_DIR, check=True,
                   env={**os.environ, "DATABASE_URL": database_url}, capture_output=True, text=True, timeout=300)
    return json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))


def test_make_report_and_make_forget_work_on_the_live_postgresql_store(deployment: Deployment, tmp_path: Path) -> None:
    run_id = secrets.token_hex(3)
    asked = {f"report-{run_id}-answered": "What is LDN?", f"report-{run_id}-unanswered": "do you sell cbd gummies"}
    for sender, text in asked.items():
        assert send(deployment, sender, text, sender).status == 200
    report = report_of(deployment.stack.database_url, tmp_path / "report.html")
    with psycopg2.connect(deployment.stack.database_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(DISTINCT sender_id) FROM events WHERE type_name = 'user'")
        (conversations,) = cursor.fetchone()
    assert report["conversations"] == conversations
    assert report["answers"].get("ask_what_is_ldn", 0) >= 1
    unanswered = [m["text"] for group in report["unanswered"] for m in group["messages"]]
    assert "do you sell cbd gummies" in unanswered

    forget = subprocess.run(
        [sys.executable, "-m", "tools.forget_conversation", f"report-{run_id}-unanswered", "--endpoints",
         str(deployment.stack.work_dir / "endpoints_1.yml"), "--sms-store", deployment.stack.database_url],
        cwd=PROJECT_DIR, env={**os.environ, "DATABASE_URL": deployment.stack.database_url},
        capture_output=True, text=True, timeout=120)
    assert forget.returncode == 0, forget.stdout + forget.stderr
    after = report_of(deployment.stack.database_url, tmp_path / "after.html")
    assert after["conversations"] == conversations - 1
    assert "do you sell cbd gummies" not in [m["text"] for group in after["unanswered"] for m in group["messages"]]
