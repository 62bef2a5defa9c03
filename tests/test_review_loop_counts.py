"""How `make bench-review-loop` (bench/review_loop.py) edits the review file and counts a move."""
from __future__ import annotations

from pathlib import Path

import yaml

from bench.review_loop import decided_review, model_outcomes, report
from bench.simulated_week import Sent


def sent(text: str, outcome: str, *answers: str) -> Sent:
    return Sent("rest:x", 0, text, outcome, answers=list(answers))


def test_the_decisions_keep_their_entries_with_the_chosen_question_and_delete_the_rest(tmp_path: Path) -> None:
    pending = tmp_path / "pending.yml"
    pending.write_text(yaml.safe_dump({"messages": [
        {"message": "tired on ldn", "suggested_intent": "ask_dose", "why": "not understood"},
        {"message": "ldn and thyroid?", "suggested_intent": "ask_interactions", "why": "not understood"},
    ]}), encoding="utf-8")
    assert decided_review(pending, {"Tired on LDN": "ask_side_effects"}) == (1, 1)
    assert yaml.safe_load(pending.read_text(encoding="utf-8"))["messages"] == [
        {"message": "tired on ldn", "suggested_intent": "ask_side_effects"}]


def test_a_move_is_answered_every_time_with_the_chosen_question_after_a_week_it_was_not() -> None:
    week_one = [sent("tired on ldn", "unanswered"), sent("ldn benefits", "clicked"), sent("ldn benefits", "answered", "ask_conditions"),
                sent("my email is pat@example.com", "unanswered"), sent("what is ldn", "answered", "ask_what_is_ldn"),
                sent("/feedback_not_helpful", "feedback"), sent("is it addictive", "unanswered")]
    week_two = [sent("tired on ldn", "answered", "ask_side_effects"), sent("ldn benefits", "answered", "ask_conditions"),
                sent("ldn benefits", "answered", "ask_conditions"), sent("my email is pat@example.com", "unanswered"),
                sent("what is ldn", "unanswered"), sent("is it addictive", "answered", "ask_side_effects")]
    reviewed = [("tired on ldn", "ask_side_effects"), ("ldn benefits", "ask_conditions"),
                ("my email is [email]", "out_of_scope"), ("is it addictive", "ask_addictive")]
    page, moved = report(reviewed, model_outcomes(week_one), model_outcomes(week_two), "intro")
    assert moved == 2  # a Did-you-mean click is not an answer; another answer than the chosen one is no move
    assert "| my email is [email] | out_of_scope | unanswered | unanswered |  |" in page  # matched redacted
    assert "1 the other way" in page and "- what is ldn: answered ask_what_is_ldn -> unanswered" in page
