"""eval/outcomes.py reads a reply as the visitor does: right, one click, no answer or wrong; eval/outcome_sweep.py
replays a ranking into the same outcomes for other fallback thresholds."""
from __future__ import annotations

from answer_book.model import AnswerBook
from answer_book.rendering import (
    answer_messages,
    did_you_mean_messages,
    emergency_messages,
    greeting_messages,
    passage_messages,
    scope_messages,
)
from eval.conversation_replies import conversation_replies
from eval.nlu_metrics import Prediction
from eval.outcome_sweep import outcome_sweep, simulated_outcome
from eval.outcomes import judge, summary


def outcome(expected: str, messages, book: AnswerBook, supports=None) -> str:
    return judge("a question", expected, messages, book, supports).outcome


def test_the_expected_answer_is_right_and_another_is_wrong(answer_book: AnswerBook) -> None:
    reply = answer_messages(answer_book, answer_book.answers["ask_dose"], "web")
    assert outcome("ask_dose", reply, answer_book) == "right"
    assert outcome("ask_weight", reply, answer_book) == "wrong"
    assert outcome("out_of_scope", reply, answer_book) == "wrong"


def test_did_you_mean_with_the_expected_question_is_one_click(answer_book: AnswerBook) -> None:
    reply = did_you_mean_messages(answer_book, [answer_book.answers["ask_dose"], answer_book.answers["ask_weight"]], "web")
    assert outcome("ask_weight", reply, answer_book) == "one_click"
    assert outcome("ask_cost_insurance", reply, answer_book) == "no_answer"
    assert outcome("out_of_scope", reply, answer_book) == "right"


def test_the_scope_reply_is_no_answer_for_a_question_and_right_for_something_else(answer_book: AnswerBook) -> None:
    assert outcome("ask_dose", scope_messages(answer_book, "web"), answer_book) == "no_answer"
    assert outcome("out_of_scope", scope_messages(answer_book, "web"), answer_book) == "right"


def test_emergencies_must_get_the_emergency_message_and_nothing_else_may(answer_book: AnswerBook) -> None:
    assert outcome("emergency", emergency_messages(answer_book, "web"), answer_book) == "right"
    assert outcome("emergency", scope_messages(answer_book, "web"), answer_book) == "wrong"
    assert outcome("ask_dose", emergency_messages(answer_book, "web"), answer_book) == "wrong"


def test_a_quoted_passage_is_right_only_when_it_supports_the_expected_answer(answer_book: AnswerBook) -> None:
    reply = passage_messages(answer_book, "3. It's a generic drug", "The FDA approved ...", ["ask_cost_insurance"], "web")
    supports = {"The FDA approved ...": ("ask_cost_insurance",)}
    assert outcome("ask_cost_insurance", reply, answer_book, supports) == "right"
    assert outcome("ask_dose", reply, answer_book, supports) == "wrong"
    assert outcome("out_of_scope", reply, answer_book, supports) == "wrong"


def test_a_conversation_intent_is_right_when_its_own_reply_is_given_in_the_language(answer_book: AnswerBook) -> None:
    spanish = answer_book.in_language("es")
    replies = conversation_replies(spanish)
    you_are_welcome = [{"text": replies["thank"][0]}]

    def judged(expected: str, messages) -> str:
        return judge("hola", expected, messages, spanish, conversation=replies).outcome

    assert judged("greet", greeting_messages(spanish, "web")) == "right"
    assert judged("thank", you_are_welcome) == "right"
    assert judged("greet", you_are_welcome) == "no_answer"
    assert judged("greet", scope_messages(spanish, "web")) == "no_answer"
    assert judged("greet", greeting_messages(answer_book, "web")) == "no_answer"  # the English greeting
    assert set(replies) == {"greet", "goodbye", "thank", "bot_challenge", "affirm", "deny", "help", "contact_clinic"}


def test_the_summary_counts_each_outcome(answer_book: AnswerBook) -> None:
    reply = answer_messages(answer_book, answer_book.answers["ask_dose"], "web")
    judged = [judge("q", "ask_dose", reply, answer_book), judge("q", "ask_weight", reply, answer_book)]
    counted = summary(judged)
    assert (counted["right"], counted["wrong"], counted["wrong_rate"]) == (1, 1, 0.5)
    assert counted["wrong_answers"][0]["expected"] == "ask_weight"


def ranked(expected: str, *ranking) -> Prediction:
    top, confidence = ranking[0]
    return Prediction(text="how much ldn", expected=expected, predicted=top, confidence=confidence,
                      top_intent=top, top_confidence=confidence, ranking=tuple(ranking))


def test_a_replayed_ranking_answers_above_the_threshold_and_asks_below_it(answer_book: AnswerBook) -> None:
    torn = ranked("ask_normal_dose", ("ask_dose", 0.62), ("ask_normal_dose", 0.3), ("ask_weight", 0.08))

    assert simulated_outcome(torn, 0.5, 0.1, answer_book) == "wrong"
    assert simulated_outcome(torn, 0.7, 0.1, answer_book) == "one_click"
    assert simulated_outcome(ranked("ask_dose", *torn.ranking), 0.5, 0.1, answer_book) == "right"


def test_a_replayed_out_of_scope_message_is_right_unless_an_answer_is_given(answer_book: AnswerBook) -> None:
    answered = ranked("out_of_scope", ("ask_dose", 0.62), ("ask_weight", 0.3))
    small_talk = ranked("out_of_scope", ("greet", 0.9), ("ask_weight", 0.05))

    assert simulated_outcome(answered, 0.5, 0.1, answer_book) == "wrong"
    assert simulated_outcome(answered, 0.7, 0.1, answer_book) == "right"
    assert simulated_outcome(small_talk, 0.5, 0.1, answer_book) == "right"


def test_no_choice_holding_the_confidence_is_no_answer(answer_book: AnswerBook) -> None:
    scattered = ranked("ask_weight", ("ask_dose", 0.2), ("ask_cost_insurance", 0.15), ("ask_weight", 0.1))

    assert simulated_outcome(scattered, 0.5, 0.1, answer_book) == "no_answer"


def test_the_sweep_costs_a_wrong_answer_more_than_a_click(answer_book: AnswerBook) -> None:
    torn = ranked("ask_normal_dose", ("ask_dose", 0.62), ("ask_normal_dose", 0.3))
    rows = {(r["threshold"], r["ambiguity"]): r for r in outcome_sweep([torn], answer_book)}

    assert rows[(0.5, 0.1)]["wrong"] == 1.0 and rows[(0.5, 0.1)]["cost"] == 1.0
    assert rows[(0.7, 0.1)]["one_click"] == 1.0 and rows[(0.7, 0.1)]["cost"] == 0.25
