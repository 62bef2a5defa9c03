"""bench/profile_turn.py puts each py-spy sample in one bucket: the first whose pattern a frame matches."""
from __future__ import annotations

from pathlib import Path

from bench.profile_turn import OTHER, bucket_of, read_samples, shares

SQL_IN_SAVE = ("handle_message (rasa/core/processor.py:120);save (rasa/core/tracker_store.py:900);"
               "dumps (json/__init__.py:231);execute (sqlalchemy/engine/base.py:1000)")
DIET = "handle_message (rasa/core/processor.py:120);process (rasa/nlu/classifiers/diet_classifier.py:50)"
WAITING = "run_forever (asyncio/base_events.py:600);_run_once (asyncio/base_events.py:1860);select (selectors.py:469)"


def test_sql_inside_a_tracker_store_save_is_the_store_not_json() -> None:
    assert bucket_of(SQL_IN_SAVE) == "tracker store: SQL"


def test_the_classifiers_are_the_nlu_graph_and_unknown_frames_are_other() -> None:
    assert bucket_of(DIET) == "NLU graph (featurizers, DIET, LR)"
    assert bucket_of("main (somewhere/else.py:1)") == OTHER


def test_raw_samples_are_counted_and_idle_is_left_out_of_the_shares(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(f"{SQL_IN_SAVE} 3\n{DIET} 1\n{WAITING} 100\nnot a sample line\n", encoding="utf-8")

    counts = read_samples(raw)

    assert counts == {"tracker store: SQL": 3, "NLU graph (featurizers, DIET, LR)": 1, "idle (event loop waiting)": 100}
    assert shares(counts) == {"tracker store: SQL": 0.75, "NLU graph (featurizers, DIET, LR)": 0.25}


def test_uvloops_own_loop_is_idle_but_a_callback_inside_it_is_not() -> None:
    loop = "_run_code (runpy.py:86);run (sanic/app.py:1204);serve_single (sanic/server/runners.py:206);serve (sanic/server/runners.py:155)"
    assert bucket_of(loop) == "idle (event loop waiting)"
    assert bucket_of(f"{loop};http1 (sanic/http.py:100)") == "the rest of the request (sanic, Rasa's processor, our channels)"
    assert bucket_of(f"{loop};{DIET}") == "NLU graph (featurizers, DIET, LR)"
