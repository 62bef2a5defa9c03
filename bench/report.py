"""The benchmark's readable summary and its plot (results/bench.png)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

TARGETS_P95_MS = {8: 150.0, 32: 500.0}


def _level_lines(levels: List[Dict[str, Any]], label: str) -> List[str]:
    lines = [f"  {label:<22} {'conc':>4} {'msgs':>5} {'err':>3} {'msg/s':>6} {'p50':>7} {'p95':>7} {'p99':>7}  (ms)"]
    for level in levels:
        target = TARGETS_P95_MS.get(level["concurrency"]) if label.startswith("full turn") else None
        mark = "" if target is None else ("  ok <= %.0f" % target if level["p95_ms"] <= target else "  OVER %.0f" % target)
        lines.append(
            f"  {'':<22} {level['concurrency']:>4} {level['messages']:>5} {level['errors']:>3} "
            f"{level['messages_per_second'] or 0:>6.1f} {level['p50_ms']:>7.1f} {level['p95_ms']:>7.1f} "
            f"{level['p99_ms']:>7.1f}{mark}"
        )
    return lines


def summary(report: Dict[str, Any]) -> str:
    lines = [f"Benchmark {report['when']} ({report['machine']['cpus']} CPUs, load average at end "
             f"{report['machine']['load_average_at_end'][0]:.1f}; {report['bench_seconds']:.0f}s)"]
    for name, result in report["pipelines"].items():
        rest = result["full_turn"]
        lines.append(f"\n{name} pipeline ({result['config']}):")
        lines.append(f"  training {result['training_seconds']} s, model {result['model_mb']} MB, "
                     f"start-up until the first answer {rest['startup_seconds']} s")
        lines.append(f"  peak RSS: Rasa server {rest['rasa_server_peak_rss_mb']} MB, action server "
                     f"{rest['action_server_peak_rss_mb']} MB, NLU alone {result['nlu_only']['peak_rss_mb']} MB")
        lines += _level_lines(rest["levels"], "full turn over REST")
        if "long_run" in rest:
            lines += _level_lines([rest["long_run"]], f"long run ({rest['long_run']['conversations']} convs)")
        lines += _level_lines(result["nlu_only"]["levels"], "NLU parse in-process")
    if "ratios_ours_over_default" in report:
        r = report["ratios_ours_over_default"]
        lines.append("\nours / default (target for the full turn: <= 1.2):")
        for concurrency in (1, 8, 32):
            lines.append(f"  full turn at {concurrency:>2}: p50 x{r[f'full_turn_c{concurrency}_p50_ms']}, "
                         f"p95 x{r[f'full_turn_c{concurrency}_p95_ms']};  NLU alone: p50 "
                         f"x{r[f'nlu_only_c{concurrency}_p50_ms']}, p95 x{r[f'nlu_only_c{concurrency}_p95_ms']}")
        lines.append(f"  training x{r['training_seconds']}, start-up x{r['startup_seconds']}, "
                     f"Rasa server peak RSS x{r['rasa_server_peak_rss_mb']}")
    return "\n".join(lines)


def plot(report: Dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(12, 4.5))
    for (name, result), color in zip(report["pipelines"].items(), ("tab:blue", "tab:orange")):
        for kind, style in (("full_turn", "-"), ("nlu_only", ":")):
            levels = result[kind]["levels"]
            x = [level["concurrency"] for level in levels]
            label = f"{name}, {'full turn (REST)' if kind == 'full_turn' else 'NLU alone'}"
            latency.plot(x, [level["p95_ms"] for level in levels], style, color=color, marker="o", label=f"{label} p95")
            if kind == "full_turn":
                latency.plot(x, [level["p50_ms"] for level in levels], "--", color=color, marker=".",
                             label=f"{label} p50")
                throughput.plot(x, [level["messages_per_second"] for level in levels], color=color, marker="o",
                                label=name)
    for concurrency, target in TARGETS_P95_MS.items():
        latency.scatter([concurrency], [target], marker="_", s=400, color="red")
    latency.set(xscale="log", yscale="log", xlabel="concurrent conversations", ylabel="reply time (ms)",
                title="Reply time (red: p95 targets)")
    latency.set_xticks([1, 8, 32], labels=["1", "8", "32"])
    latency.legend(fontsize=7)
    throughput.set(xscale="log", xlabel="concurrent conversations", ylabel="messages / second",
                   title="Throughput, full turn over REST")
    throughput.set_xticks([1, 8, 32], labels=["1", "8", "32"])
    throughput.legend(fontsize=8)
    figure.suptitle(f"make bench, {report['when']} ({report['machine']['cpus']} CPUs)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
