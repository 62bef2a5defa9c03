"""Rasa's model graphs run by dask's plain in-order executor instead of its local scheduler.

Every turn runs two graphs of the trained model: the NLU pipeline (the parse) and the policies
(each prediction, at least twice a turn). Rasa 3.6's DaskGraphRunner hands each run to
`dask.get`, dask's local scheduler: it orders the graph, starts a task queue and an executor, and
collects the results through callbacks, for graphs of 6 to 15 nodes that run one after the other
anyway. py-spy of the Rasa server at 8 concurrent conversations (2 Dec 2026, 1,433 busy samples at
200 Hz) put 100 samples, 7% of the server's CPU, in that scheduler (`dask/local.py`), outside any
component.

`dask.core.get` computes the same graph (the same tasks, the same inputs, the same outputs) by
running its nodes in topological order in the calling thread: dask's own reference implementation.
A component's exception reaches the caller as before, and Rasa's RuntimeError -> GraphRunError
translation is kept. The graph of each set of targets is built once per runner; each run copies it
and adds its inputs. Installed in the Rasa server (runtime/rasa_run.py) and in the NLU-alone
benchmark (bench/nlu_speed.py), so `make bench`'s ratio compares turns and parses run alike.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from runtime.patches.version_guard import patch_of

#: The Rasa release this patch was written and tested against (constraints.txt pins it).
PATCHED_RASA_VERSION = "3.6.21"

#: Rasa's own DaskGraphRunner.run (dask's local scheduler), kept by install() for comparison.
rasa_run_with_dask_scheduler = None


@patch_of("Rasa", PATCHED_RASA_VERSION, __file__)
def install() -> None:
    """Run DaskGraphRunner's graphs with dask.core.get (once a process)."""
    global rasa_run_with_dask_scheduler
    import dask.core
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    def graph_for(runner: DaskGraphRunner, targets: Tuple[Text, ...]) -> Dict[Text, Any]:
        built: Dict[Tuple[Text, ...], Dict[Text, Any]] = runner.__dict__.setdefault("_graphs_by_targets", {})
        if targets not in built:
            built[targets] = runner._build_dask_graph(runner._graph_schema.minimal_graph_schema(list(targets)))
        return dict(built[targets])

    def run(self: DaskGraphRunner, inputs: Optional[Dict[Text, Any]] = None,
            targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        wanted = tuple(targets if targets else self._graph_schema.target_names)
        graph = graph_for(self, wanted)
        self._add_inputs_to_graph(inputs, graph)
        try:
            return dict(dask.core.get(graph, list(wanted)))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error

    rasa_run_with_dask_scheduler = DaskGraphRunner.run
    DaskGraphRunner.run = run
