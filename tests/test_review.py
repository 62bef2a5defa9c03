"""The review loop: `make review` finds the unanswered messages in a real tracker store, staff label them,
`make review-apply` checks the labels and adds them to the training data.

The conversations are real Rasa trackers (UserUttered, BotUttered, ActionExecuted events) saved in our
SQLite tracker store (stores/sqlite_tracker_store.py), as the running assistant saves them.
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from eval.dev_set import read_dev_set
from stores.sqlite_tracker_store import SQLiteTrackerStore
from tools import review, review_apply

FAQ = list(review.faq_and_out_of_scope())[:-1]
DEV_QUESTION = read_dev_set()[0][0]


def user(text: str, intent: str, ranking: Optional[List[Dict[str, Any]]] = None) -> UserUttered:
    ranking = ranking or [{"name": intent, "confidence": 0.9}]
    return UserUttered(text, intent={"name": intent, "confidence": ranking[0]["confidence"]},
                       parse_data={"intent": {"name": intent, "confidence": ranking[0]["confidence"]},
                                   "intent_ranking": ranking, "entities": [], "text": text})


def fallback(text: str, *ranked: str) -> UserUttered:
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}] + [
        {"name": name, "confidence": 0.3 - 0.05 * place} for place, name in enumerate(ranked)]
    return user(text, "nlu_fallback", ranking)


def did_you_mean(*intents: str) -> BotUttered:
    buttons = [{"title": name, "payload": f"/{name}"} for name in intents] + [
        {"title": "Something else", "payload": "/out_of_scope"}]
    return BotUttered("I want to be sure I answer the right question. Did you mean:", data={"buttons": buttons})


def feedback(intent: str, answer: str) -> UserUttered:
    """A click on 👍 / 👎 under the answer `answer`, as the widget's payload is parsed."""
    text = f'/{intent}{{"answer": ["{answer}"]}}'
    return UserUttered(text, intent={"name": intent, "confidence": 1.0},
                       parse_data={"intent": {"name": intent, "confidence": 1.0}, "text": text,
                                   "entities": [{"entity": "answer", "value": answer}]})


def turn(message: UserUttered, action: str, *replies: BotUttered) -> list:
    return [message, ActionExecuted(action), *replies, ActionExecuted("action_listen")]


CONVERSATIONS = {
    "rest:clicked": [  # "Did you mean", then a click on one of the questions: answered
        *turn(fallback("is ldn pricey at costco", "ask_cost_insurance", "ask_where_to_get"), "action_clarify",
              did_you_mean("ask_cost_insurance", "ask_where_to_get")),
        *turn(user("/ask_cost_insurance", "ask_cost_insurance"), "action_answer_faq", BotUttered("It costs ...")),
    ],
    "socketio:not-clicked": [  # "Did you mean", then something else typed: unanswered
        ActionExecuted("action_listen"),
        *turn(fallback("can my cat take ldn, she is 12, call me on 850-555-0199", "ask_who_should_not_take",
                       "ask_dose"), "action_clarify", did_you_mean("ask_who_should_not_take", "ask_dose")),
        *turn(user("thanks", "thank"), "utter_thank", BotUttered("You're welcome")),
    ],
    "twilio_sms:+18505550100": [  # the scope reply, an answered question, a "Something else" click
        *turn(user("do you sell cbd gummies", "out_of_scope", [{"name": "out_of_scope", "confidence": 0.8},
                                                              {"name": "ask_where_to_get", "confidence": 0.1}]),
              "action_explain_scope", BotUttered("I can answer questions about LDN")),
        *turn(user("what is ldn", "ask_what_is_ldn"), "action_answer_faq", BotUttered("LDN is ...")),
        *turn(fallback("ldn and my jaw pain", "ask_conditions", "ask_side_effects"), "action_clarify",
              did_you_mean("ask_conditions", "ask_side_effects")),
        *turn(user("/out_of_scope", "out_of_scope"), "action_explain_scope", BotUttered("I can answer ...")),
    ],
    "socketio:thumbs-down": [  # 👎 under an answer, and under the answer a "Did you mean" click gave
        *turn(user("how much ldn do people take", "ask_dose"), "action_answer_faq", BotUttered("A common dose ...")),
        *turn(user("can i drive on it", "ask_how_to_take"), "action_answer_faq", BotUttered("Take it ...")),
        *turn(feedback("feedback_not_helpful", "ask_dose"), "action_feedback", BotUttered("Sorry ...")),
        *turn(fallback("ldn for my knees", "ask_conditions"), "action_clarify", did_you_mean("ask_conditions")),
        *turn(user("/ask_conditions", "ask_conditions"), "action_answer_faq", BotUttered("LDN is used ...")),
        *turn(feedback("feedback_not_helpful", "ask_conditions"), "action_feedback", BotUttered("Sorry ...")),
        *turn(feedback("feedback_helpful", "ask_how_to_take"), "action_feedback", BotUttered("Thanks ...")),
    ],
    "rest:twice": [  # the same message again (another visitor): listed once
        *turn(fallback("Is LDN pricey at Costco?", "ask_cost_insurance"), "action_clarify", BotUttered("I can ...")),
        *turn(fallback("my birthday is 03/14/1980, jane@example.com, weird dreams?", "ask_side_effects"),
              "action_clarify", BotUttered("I can ...")),
    ],
}


@pytest.fixture
def endpoints(tmp_path: Path) -> Path:
    """An endpoints file whose SQLite tracker store holds CONVERSATIONS."""
    database = tmp_path / "rasa.db"
    store = SQLiteTrackerStore(domain=Domain.empty(), db=str(database))
    for sender_id, events in CONVERSATIONS.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender_id, events)))
    store.engine.dispose()
    path = tmp_path / "endpoints.yml"
    path.write_text(yaml.safe_dump({"tracker_store": {"type": "stores.sqlite_tracker_store.SQLiteTrackerStore",
                                                      "dialect": "sqlite", "db": str(database)}}))
    return path


def pending_entries(path: Path) -> List[Dict[str, str]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]


def test_review_lists_the_unanswered_messages_with_the_closest_question_redacted(endpoints: Path, tmp_path: Path) -> None:
    out = tmp_path / "pending.yml"
    assert review.main(["--endpoints", str(endpoints), "--out", str(out)]) == 0
    not_helpful = "answered with {}, which the visitor marked 👎 not helpful"
    assert pending_entries(out) == [
        {"message": "can my cat take ldn, she is 12, call me on [phone]", "suggested_intent": "ask_who_should_not_take",
         "why": review.NOT_UNDERSTOOD},
        {"message": "do you sell cbd gummies", "suggested_intent": "ask_where_to_get", "why": review.SCOPE},
        {"message": "ldn and my jaw pain", "suggested_intent": "ask_conditions", "why": review.NOT_UNDERSTOOD},
        {"message": "how much ldn do people take", "suggested_intent": "ask_dose", "why": not_helpful.format("ask_dose")},
        {"message": "ldn for my knees", "suggested_intent": "ask_conditions", "why": not_helpful.format("ask_conditions")},
        {"message": "Is LDN pricey at Costco?", "suggested_intent": "ask_cost_insurance", "why": review.NOT_UNDERSTOOD},
        {"message": "my birthday is [date], [email], weird dreams?", "suggested_intent": "ask_side_effects",
         "why": review.NOT_UNDERSTOOD},
    ]
    assert "can i drive on it" not in out.read_text(encoding="utf-8"), "an answer marked 👍 is not listed"
    text = out.read_text(encoding="utf-8")
    assert "850-555-0199" not in text and "jane@example.com" not in text and "1980" not in text
    assert all(f"#   {intent}" in text for intent in FAQ)


def test_a_message_already_in_the_training_data_is_not_listed() -> None:
    trained = review.training_texts()
    example, intent = next(iter(trained.items()))
    events = [e.as_dict() for e in turn(fallback(example, "ask_dose"), "action_clarify", BotUttered("I can ..."))]
    assert review.collect({"rest:x": events}, FAQ, trained) == []
    assert len(review.collect({"rest:x": events}, FAQ, {})) == 1


def write_pending(tmp_path: Path, entries: List[Dict[str, str]]) -> Path:
    path = tmp_path / "pending.yml"
    path.write_text(review.HEADER + yaml.safe_dump({"messages": entries}, sort_keys=False), encoding="utf-8")
    return path


def apply(tmp_path: Path, pending: Path, held_out: Optional[Dict[str, str]] = None) -> tuple:
    return review_apply.apply_review(pending, tmp_path / "data" / "nlu" / "reviewed.yml", review.faq_and_out_of_scope(),
                                     review.training_texts(), review_apply.held_out_texts() if held_out is None else held_out)


def test_review_then_apply_adds_the_labelled_messages_as_training_data(endpoints: Path, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture) -> None:
    pending = tmp_path / "pending.yml"
    review.main(["--endpoints", str(endpoints), "--out", str(pending)])
    # the staff member: the cat question is out of scope, the gummies entry and the 👎 on the dose answer
    # (the right answer for that question) deleted, the rest kept
    edited = pending.read_text(encoding="utf-8").replace("suggested_intent: ask_who_should_not_take",
                                                         "suggested_intent: out_of_scope")
    for entry in [e for e in pending_entries(pending) if e["message"] in ("do you sell cbd gummies",
                                                                          "how much ldn do people take")]:
        edited = edited.replace(yaml.safe_dump({"messages": [entry]}, allow_unicode=True, sort_keys=False,
                                               width=1000)[len("messages:\n"):], "")
    pending.write_text(edited, encoding="utf-8")
    reviewed = tmp_path / "data" / "nlu" / "reviewed.yml"
    assert review_apply.main(["--pending", str(pending), "--reviewed", str(reviewed)]) == 0
    assert capsys.readouterr().out.strip().endswith("now run make train")
    document = yaml.safe_load(reviewed.read_text(encoding="utf-8"))
    assert document["version"] == "3.1"
    assert {block["intent"]: block["examples"] for block in document["nlu"]} == {
        "ask_conditions": "- ldn and my jaw pain\n- ldn for my knees\n",
        "ask_cost_insurance": "- Is LDN pricey at Costco?\n",
        "ask_side_effects": "- my birthday is [date], [email], weird dreams?\n",
        "out_of_scope": "- can my cat take ldn, she is 12, call me on [phone]\n",
    }
    trained = RasaYAMLReader().read(str(reviewed)).training_examples  # what `make train` will read
    assert sorted(example.get("intent") for example in trained) == [
        "ask_conditions", "ask_conditions", "ask_cost_insurance", "ask_side_effects", "out_of_scope"]
    assert pending_entries(pending) == []  # applied once; a second apply adds nothing


def line_of(source: str, text: str) -> int:
    return source.splitlines().index(text) + 1


@pytest.mark.parametrize("entries, says, at", [
    ([{"message": "ldn and my jaw pain", "suggested_intent": "ask_jaw"}],
     "ask_jaw is not a question the assistant answers", "  suggested_intent: ask_jaw"),
    ([{"message": "ldn and my jaw pain", "suggested_intent": "ask_conditions"},
      {"message": "LDN and my jaw pain!", "suggested_intent": "ask_side_effects"}],
     f"this message is written twice (first on line {len(review.HEADER.splitlines()) + 2}, the entry above)", "- message: LDN and my jaw pain!"),
    ([{"message": DEV_QUESTION, "suggested_intent": "ask_dose"}],
     "dev_questions.yml, the questions kept apart to measure the assistant", f"- message: {DEV_QUESTION}"),
])
def test_apply_refuses_a_wrong_entry_with_its_line_and_adds_nothing(entries: list, says: str, at: str,
                                                                   tmp_path: Path) -> None:
    pending = write_pending(tmp_path, entries)
    added, problems = apply(tmp_path, pending)
    source = pending.read_text(encoding="utf-8")
    assert added == 0 and len(problems) == 1 and says in problems[0], problems
    assert problems[0].startswith(f"line {line_of(source, at)}, ")
    assert not (tmp_path / "data" / "nlu" / "reviewed.yml").exists()


def test_apply_refuses_every_held_out_split() -> None:
    held_out = review_apply.held_out_texts()
    for split in sorted(Path(review_apply.HELD_OUT_DIR).glob("*.yml")):
        texts = [t for t in review_apply._strings(yaml.safe_load(split.read_text(encoding="utf-8")))
                 if review.same_text(t)]
        assert texts and all(review.same_text(t) in held_out for t in texts), split


def test_a_real_holdout_question_is_refused_with_its_line(tmp_path: Path) -> None:
    question = read_dev_set(review_apply.HELD_OUT_DIR / "real_holdout.yml")[0][0]
    pending = write_pending(tmp_path, [{"message": "what is ldn for my jaw", "suggested_intent": "ask_conditions"},
                                       {"message": question, "suggested_intent": "ask_what_is_ldn"}])
    added, problems = apply(tmp_path, pending)
    assert added == 0 and problems == [problems[0]] and "real_holdout.yml" in problems[0]
    assert problems[0].startswith(f"line {line_of(pending.read_text(), '- message: ' + question)}, ")


def test_apply_adds_to_the_reviewed_file_without_losing_what_is_there(tmp_path: Path) -> None:
    apply(tmp_path, write_pending(tmp_path, [{"message": "ldn and my jaw pain", "suggested_intent": "ask_conditions"}]))
    apply(tmp_path, write_pending(tmp_path, [{"message": "ldn for tmj", "suggested_intent": "ask_conditions"}]))
    examples = review_apply.reviewed_examples(tmp_path / "data" / "nlu" / "reviewed.yml")
    assert examples == {"ask_conditions": ["ldn and my jaw pain", "ldn for tmj"]}


def test_review_reads_postgresql_when_database_url_is_set() -> None:
    settings = review.store_settings(None, {"DATABASE_URL": "postgresql://bliss:s%40cret@db.internal:5433/bliss"})
    assert settings == {"dialect": "postgresql", "host": "db.internal", "port": 5433, "db": "bliss",
                        "username": "bliss", "password": "s@cret"}


def test_review_reads_the_endpoints_file_store_by_default(endpoints: Path) -> None:
    settings = review.store_settings(endpoints, {})
    assert settings["dialect"] == "sqlite" and settings["db"].endswith("rasa.db")
