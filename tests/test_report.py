"""`make report`: every count equals what a simulated week sent; deleted conversations are gone."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from answer_book.model import AnswerBook
from bench.simulated_week import Sent, compare, expected_report, report_unanswered_texts, run_report, simulate
from runtime.endpoints import endpoints_config, write_endpoints_file
from runtime.servers import PROJECT_DIR
from tools.report.store import StoredEvent, engine_url
from tools.report.summary import summarise
from tools.report.turns import NOT_CLICKED, NOT_HELPFUL_REASON, PASSAGE, SCOPE_REPLY, conversation_turns, reply_texts

WEEK_CONVERSATIONS = 30


def user(conversation: str, text: str, ranking: List[str], stamp: float) -> StoredEvent:
    parse = {"intent": {"name": ranking[0]}, "intent_ranking": [{"name": n, "confidence": 0.3} for n in ranking]}
    import json

    return StoredEvent(conversation, "user", stamp, None, json.dumps({"text": text, "parse_data": parse}))


def action(conversation: str, name: str, stamp: float) -> StoredEvent:
    return StoredEvent(conversation, "action", stamp, name, "{}")


def bot(conversation: str, text: str, stamp: float, payloads: Tuple[str, ...] = ()) -> StoredEvent:
    import json

    buttons = [{"title": p, "payload": p} for p in payloads]
    return StoredEvent(conversation, "bot", stamp, None, json.dumps({"text": text, "data": {"buttons": buttons}}))


def test_did_you_mean_is_unanswered_until_one_of_its_questions_is_clicked(answer_book: AnswerBook) -> None:
    dym = answer_book.message("did_you_mean")
    events = [
        user("rest:a", "tired on ldn", ["nlu_fallback", "ask_side_effects", "ask_dose"], 1.0),
        action("rest:a", "action_clarify", 1.1), bot("rest:a", dym, 1.2, ("/ask_side_effects", "/ask_dose")),
        user("rest:a", "/ask_dose", ["ask_dose"], 2.0), action("rest:a", "action_answer_faq", 2.1),
        user("rest:b", "ldn benefits", ["nlu_fallback", "ask_effectiveness", "ask_dose"], 3.0),
        action("rest:b", "action_clarify", 3.1), bot("rest:b", dym, 3.2, ("/ask_effectiveness", "/ask_dose")),
        user("rest:b", "thanks", ["thank"], 4.0), action("rest:b", "utter_you_are_welcome", 4.1),
    ]
    turns = list(conversation_turns(events, reply_texts(answer_book)))
    assert [(t.outcome, t.reason) for t in turns] == [
        ("clicked", None), ("answered", None), ("unanswered", NOT_CLICKED), ("other", None)
    ]
    assert turns[2].closest == "ask_effectiveness"  # the ranking's best after nlu_fallback
    assert turns[1].answers == ["ask_dose"]


def test_scope_replies_and_article_passages_are_unanswered_and_redacted(answer_book: AnswerBook) -> None:
    events = [
        user("twilio_sms:+18505550100", "email me at pat@example.com", ["out_of_scope"], 1.0),
        action("twilio_sms:+18505550100", "action_explain_scope", 1.1),
        user("twilio_sms:+18505550100", "ldn and thyroid?", ["nlu_fallback", "ask_conditions"], 2.0),
        action("twilio_sms:+18505550100", "action_clarify", 2.1),
        bot("twilio_sms:+18505550100", answer_book.message("article_passage", "sms") + " LDN ...", 2.2),
    ]
    report = summarise(conversation_turns(events, reply_texts(answer_book)))
    assert report["messages_per_channel"] == {"twilio_sms": 2}
    assert report_unanswered_texts(report) == {"email me at [email]": 1, "ldn and thyroid?": 1}
    reasons = {m["text"]: m["reason"] for g in report["unanswered"] for m in g["messages"]}
    assert reasons == {"email me at [email]": SCOPE_REPLY, "ldn and thyroid?": PASSAGE}


def test_the_report_reads_the_store_the_servers_use() -> None:
    postgres = engine_url({"DATABASE_URL": "postgresql://bliss:p%40ss@db:5433/conversations"})
    assert (postgres.get_backend_name(), postgres.host, postgres.port, postgres.database, postgres.password) == (
        "postgresql", "db", 5433, "conversations", "p@ss"
    )
    assert engine_url({"SQLITE_DB": "/data/rasa.db"}).database == "/data/rasa.db"
    assert engine_url({}).database == "var/rasa.db"
    assert engine_url({"DATABASE_URL": "postgresql://x@db/c"}, sqlite_db=Path("week.db")).database == "week.db"


def test_the_simulated_weeks_own_messages_are_not_from_the_dev_set_or_a_held_out_split() -> None:
    import yaml

    from eval.dev_set import read_dev_set
    from tests.test_consistency import normalise

    held_out = {normalise(text) for text, _ in read_dev_set()}
    for split in sorted((PROJECT_DIR / "tests" / "nlu").glob("*holdout.yml")):
        table = yaml.safe_load(split.read_text(encoding="utf-8"))  # label -> sentences
        held_out |= {normalise(str(text)) for texts in table.values() for text in texts}
    assert len(held_out) > 500
    own = yaml.safe_load((PROJECT_DIR / "bench" / "simulated_week.yml").read_text(encoding="utf-8"))
    assert [text for texts in own.values() for text in texts if normalise(text) in held_out] == []


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[Path, List[Sent], Any]]:
    """30 conversations played over REST and the widget into a fresh store, spread over the last 7 days (servers stopped)."""
    work_dir = tmp_path_factory.mktemp("week")
    db, _plan, sent, first_day = simulate(work_dir, WEEK_CONVERSATIONS, seed=18)
    yield db, sent, first_day


def mismatches(report: Dict[str, Any], expected: Dict[str, Any]) -> List[Tuple[str, Any, Any, bool]]:
    return [row for row in compare(report, expected) if not row[3]]


def test_every_count_of_the_report_equals_what_the_week_sent(week: Any, tmp_path: Path) -> None:
    db, sent, first_day = week
    report, _ = run_report(db, tmp_path / "report.html")
    expected = expected_report(sent, first_day)
    assert expected["unanswered_count"] > 0 and len(report["days"]) == 7
    assert {key for counts in expected["feedback"].values() for key, n in counts.items() if n} == {"helpful", "not_helpful"}
    assert set(report["messages_per_channel"]) == {"rest", "socketio"}  # REST and the widget
    assert mismatches(report, expected) == []
    assert report_unanswered_texts(report) == expected["unanswered_texts"]  # these messages, no answered one
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and "<script" not in page and 'src="http' not in page  # no CDN


def test_since_leaves_out_the_days_before(week: Any, tmp_path: Path) -> None:
    db, sent, first_day = week
    since = (first_day + timedelta(days=4)).strftime("%Y-%m-%d")
    report, _ = run_report(db, tmp_path / "report.html", since=since)
    later = [s for s in sent if s.day >= 4]
    assert report["days"][0] == since
    assert mismatches(report, expected_report(later, first_day)) == []


def test_a_forgotten_conversation_is_gone_from_the_report(week: Any, tmp_path: Path) -> None:
    week_db, sent, first_day = week
    db = tmp_path / "rasa.db"  # a copy: the other tests keep the whole week
    with closing(sqlite3.connect(week_db)) as source, closing(sqlite3.connect(db)) as copy:
        source.backup(copy)
    endpoints = write_endpoints_file(tmp_path / "endpoints.yml", endpoints_config({}, sqlite_db=str(db)))
    forgotten = next(s.sender for s in sent if s.outcome == "unanswered")
    result = subprocess.run(
        [sys.executable, "-m", "tools.forget_conversation", forgotten, "--endpoints", str(endpoints),
         "--sms-store", str(db.parent / "no-sms.db")],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report, _ = run_report(db, tmp_path / "report.html")
    kept = [s for s in sent if s.sender != forgotten]
    assert mismatches(report, expected_report(kept, first_day)) == []
    assert report["conversations"] == len({s.sender for s in sent}) - 1


# --- 👍 / 👎 under an answer (the widget's feedback): real Rasa events saved in our SQLite tracker store ---


def asked(text: str, intent: str, questions: Tuple[str, ...] = ()) -> List[Any]:
    """A visitor's question answered by action_answer_faq (`questions`: a message with two)."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    parse = {"intent": {"name": intent, "confidence": 0.9}, "intent_ranking": [{"name": intent, "confidence": 0.9}],
             "entities": [], "text": text, **({"questions": list(questions)} if questions else {})}
    return [UserUttered(text, intent=parse["intent"], parse_data=parse), ActionExecuted("action_answer_faq"),
            BotUttered("the answer"), ActionExecuted("action_listen")]


def clicked(feedback: str, *answers: str) -> List[Any]:
    """A click on 👍 (feedback_helpful) or 👎 (feedback_not_helpful) under the answer(s), as Rasa parses its payload."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    from answer_book.rendering import ANSWER_ENTITY, feedback_payload

    text = feedback_payload(feedback, answers)
    entities = [{"entity": ANSWER_ENTITY, "value": answer} for answer in answers]
    parse = {"intent": {"name": feedback, "confidence": 1.0}, "intent_ranking": [{"name": feedback, "confidence": 1.0}],
             "entities": entities, "text": text}
    return [UserUttered(text, intent=parse["intent"], parse_data=parse, entities=entities),
            ActionExecuted("action_acknowledge_feedback"), BotUttered("thanks"), ActionExecuted("action_listen")]


def feedback_report(tmp_path: Path, answer_book: AnswerBook, conversations: Dict[str, List[Any]]) -> Dict[str, Any]:
    """The report's numbers of `conversations` saved as the running assistant saves them."""
    import asyncio

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from stores.sqlite_tracker_store import SQLiteTrackerStore
    from tools.report.store import stored_events

    db = tmp_path / "rasa.db"
    store = SQLiteTrackerStore(domain=Domain.empty(), db=str(db))
    for sender, events in conversations.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()
    return summarise(conversation_turns(stored_events(engine_url({}, db)), reply_texts(answer_book)))


def test_thumbs_up_and_down_are_counted_per_answer_and_a_thumbs_down_answer_is_unanswered(
    tmp_path: Path, answer_book: AnswerBook
) -> None:
    report = feedback_report(tmp_path, answer_book, {
        "socketio:a": [*asked("how much ldn do i take", "ask_dose"), *clicked("feedback_not_helpful", "ask_dose"),
                       *asked("is it addictive", "ask_addictive"), *clicked("feedback_helpful", "ask_addictive")],
        "socketio:b": [*asked("what dose", "ask_dose"), *clicked("feedback_helpful", "ask_dose")],
    })
    assert report["feedback"] == {"ask_dose": {"helpful": 1, "not_helpful": 1},
                                  "ask_addictive": {"helpful": 1, "not_helpful": 0}}
    assert report["answers"] == {"ask_dose": 2, "ask_addictive": 1}  # a 👎 answer was still given
    assert report["outcomes"] == {"answered": 2, "feedback": 3, "unanswered": 1}
    assert report["unanswered"] == [{"closest_intent": "ask_dose", "count": 1, "messages": [
        {"text": "how much ldn do i take", "reason": NOT_HELPFUL_REASON, "count": 1}]}]


def test_a_click_on_an_old_answers_button_rates_that_answer_and_the_last_click_counts(
    tmp_path: Path, answer_book: AnswerBook
) -> None:
    report = feedback_report(tmp_path, answer_book, {
        "socketio:later": [*asked("what is ldn", "ask_what_is_ldn"), *asked("side effects?", "ask_side_effects"),
                           *clicked("feedback_helpful", "ask_side_effects"),
                           *clicked("feedback_not_helpful", "ask_what_is_ldn"),  # scrolled up, much later
                           *clicked("feedback_helpful", "ask_side_effects"),  # clicked twice: once
                           *clicked("feedback_not_helpful", "ask_side_effects")],  # changed their mind: 👎
    })
    assert report["feedback"] == {"ask_side_effects": {"helpful": 0, "not_helpful": 1},
                                  "ask_what_is_ldn": {"helpful": 0, "not_helpful": 1}}
    assert report_unanswered_texts(report) == {"what is ldn": 1, "side effects?": 1}


def test_a_thumbs_down_on_two_answers_rates_both_and_one_with_no_answer_before_is_counted_alone(
    tmp_path: Path, answer_book: AnswerBook
) -> None:
    report = feedback_report(tmp_path, answer_book, {
        "socketio:two": [*asked("addictive and weight gain?", "ask_addictive", ("ask_addictive", "ask_weight")),
                         *clicked("feedback_not_helpful", "ask_addictive", "ask_weight")],
        "rest:fresh": clicked("feedback_not_helpful", "ask_dose"),  # no answer before it in this store
    })
    assert report["feedback"] == {"ask_addictive": {"helpful": 0, "not_helpful": 1},
                                  "ask_dose": {"helpful": 0, "not_helpful": 1},
                                  "ask_weight": {"helpful": 0, "not_helpful": 1}}
    assert report_unanswered_texts(report) == {"addictive and weight gain?": 1}
    assert report["messages"] == 3 and report["outcomes"]["feedback"] == 2


def test_the_report_page_shows_thumbs_per_answer(tmp_path: Path, answer_book: AnswerBook) -> None:
    from tools.report.page import render

    report = feedback_report(tmp_path, answer_book, {
        "socketio:a": [*asked("how much ldn", "ask_dose"), *clicked("feedback_not_helpful", "ask_dose")]})
    page = render(report, {i: a.question for i, a in answer_book.answers.items()}, "the week", "now")
    feedback = page.split('id="feedback"')[1].split("<h2>")[0]
    assert "(0 👍, 1 👎)" in feedback and f"<td class=\"\">{answer_book.answers['ask_dose'].question}</td>" in feedback
    assert NOT_HELPFUL_REASON in page.split("could not answer")[1]
