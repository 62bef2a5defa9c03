"""results/report.html: one self-contained page (plots as base64 PNG, no CDN, no script)."""
from __future__ import annotations

import base64
import html
import io
from typing import Any, Dict, List, Mapping, Optional

OUTCOME_WORDS = {
    "answered": "answered", "clicked": "answered after choosing from “Did you mean”", "unanswered": "not answered",
    "emergency": "emergency message given", "other": "greetings, thanks and other small talk",
    "feedback": "👍 / 👎 clicked under an answer",
}
#: Intents that are not a question with an answer, in the manager's words.
INTENT_WORDS = {
    "out_of_scope": "not about LDN", "help": "what can I ask?", "greet": "a greeting", "goodbye": "goodbye",
    "thank": "thanks", "affirm": "yes", "deny": "no", "bot_challenge": "are you a bot?",
    "contact_clinic": "talk to the clinic", "emergency": "an emergency", "symptoms_worse": "symptoms getting worse",
    "(none)": "no guess",
}
#: The channels as a manager knows them (the store's names in brackets on the page).
CHANNEL_WORDS = {"socketio": "website chat", "twilio_sms": "text messages", "rest": "REST API"}
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5rem 0 1rem; } td, th { padding: .25rem .7rem; border-bottom: 1px solid #eee; text-align: left; }
td.n, th.n { text-align: right; } .note { color: #555; } img { max-width: 100%; }
.big { font-size: 1.3rem; } details { margin: .4rem 0; } summary { cursor: pointer; font-weight: 600; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _plot(draw: Any, width: float = 8, height: float = 3) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(width, height), dpi=100)
    draw(axes)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _channel(channel: str) -> str:
    return f"{CHANNEL_WORDS[channel]} ({channel})" if channel in CHANNEL_WORDS else channel


def _table(headers: List[str], rows: List[List[Any]], numeric_from: int = 1) -> str:
    head = "".join(f'<th class="{"n" if i >= numeric_from else ""}">{_e(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td class="{"n" if i >= numeric_from else ""}">{_e(v)}</td>' for i, v in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _per_day_plot(report: Dict[str, Any]) -> str:
    days = report["days"]
    channels = sorted(report["messages_per_channel"])

    def draw(axes: Any) -> None:
        bottom = [0] * len(days)
        for channel in channels:
            values = [report["messages_per_day_channel"][day].get(channel, 0) for day in days]
            axes.bar(days, values, bottom=bottom, label=_channel(channel))
            bottom = [b + v for b, v in zip(bottom, values)]
        axes.plot(days, [report["conversations_per_day"][d] for d in days], "ko-", label="conversations")
        axes.set_ylabel("messages")
        axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
        axes.tick_params(axis="x", labelrotation=30, labelsize="small")

    return _plot(draw)


def _answers_plot(report: Dict[str, Any], question: Mapping[str, str]) -> str:
    top = list(report["answers"].items())[:10][::-1]

    def draw(axes: Any) -> None:
        axes.barh([question.get(intent, intent) for intent, _ in top], [count for _, count in top], color="#4a7")
        axes.set_xlabel("times answered")
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.tick_params(axis="y", labelsize="small")

    return _plot(draw, height=max(2.0, 0.35 * len(top) + 0.8))


def _feedback(report: Dict[str, Any], name: Any) -> str:
    """👍 / 👎 per answer: the website chat shows "Helpful? 👍 / 👎" under each answer."""
    feedback = report.get("feedback") or {}
    helpful = sum(counts["helpful"] for counts in feedback.values())
    not_helpful = sum(counts["not_helpful"] for counts in feedback.values())
    head = (f'<h2 id="feedback">Helpful? 👍 / 👎 per answer ({helpful} 👍, {not_helpful} 👎)</h2>'
            '<p class="note">Clicks on “Helpful? 👍 / 👎” under the answers in the website chat (not asked by '
            "text message). A visitor who clicks again on the same answer counts once, with the last click. "
            "The messages whose answer got 👎 are listed below with the messages not answered.</p>")
    if not feedback:
        return head + "<p>No 👍 or 👎 in this period.</p>"
    return head + _table(["Answer", "👍 helpful", "👎 not helpful"],
                         [[name(answer), counts["helpful"], counts["not_helpful"]] for answer, counts in feedback.items()])


def render(report: Dict[str, Any], question: Mapping[str, str], period: str, generated: str) -> str:
    """The page: `question` names each intent by the question it answers ("ask_dose" -> "What dose ...?")."""
    name = lambda intent: question.get(intent) or INTENT_WORDS.get(intent, intent)  # noqa: E731
    parts = [f"<!doctype html><html lang=en><meta charset=utf-8><title>Assistant report {_e(period)}</title>",
             f"<style>{STYLE}</style><h1>What patients asked the assistant</h1>",
             f'<p class="note">{_e(period)} (days in UTC). Made {_e(generated)} from the conversation store. '
             "Phone numbers, e-mail addresses and dates in messages are hidden as [phone], [email], [date]; "
             "conversations deleted on request are not included.</p>"]
    parts.append(f'<p class="big">{report["conversations"]} conversations, {report["messages"]} messages; '
                 f'{report["outcomes"].get("unanswered", 0)} messages not answered, '
                 f'{sum(report["emergencies_per_day"].values())} emergency messages given.</p>')
    parts.append(_table(["What happened to the message", "messages"],
                        [[OUTCOME_WORDS.get(k, k), v] for k, v in report["outcomes"].items()]))
    if not report["days"]:
        parts.append("<p>No messages in this period.</p></html>")
        return "".join(parts)
    parts.append("<h2>Messages and conversations per day</h2>" + _per_day_plot(report))
    channels = sorted(report["messages_per_channel"])
    parts.append(_table(["Day", "conversations", "messages"] + [f"messages: {CHANNEL_WORDS.get(c, c)}" for c in channels] + ["emergencies"], [
        [day, report["conversations_per_day"][day], report["messages_per_day"][day]]
        + [report["messages_per_day_channel"][day].get(c, 0) for c in channels]
        + [report["emergencies_per_day"][day]] for day in report["days"]
    ]))
    parts.append("<h2>Per channel</h2>" + _table(["Channel", "conversations", "messages"], [
        [_channel(c), report["conversations_per_channel"][c], report["messages_per_channel"][c]] for c in channels
    ]))
    parts.append("<h2>Most asked answers</h2>")
    if report["answers"]:
        parts.append(_answers_plot(report, question))
        parts.append(_table(["Answer", "times given"], [[name(i), n] for i, n in report["answers"].items()]))
    parts.append(_feedback(report, name))
    parts.append("<h2>Emergencies per day</h2>" + _table(["Day", "emergency messages given"], [
        [day, n] for day, n in report["emergencies_per_day"].items()
    ]))
    parts.append(f'<h2>Messages the assistant could not answer ({report["unanswered_count"]})</h2>'
                 '<p class="note">Grouped by the question the assistant thought was closest. “scope reply”: it said what it '
                 "can answer; “Did you mean: not clicked”: it offered questions and none was chosen; “article passage "
                 "given”: it quoted the clinic's article instead of an answer; “answer marked 👎 not helpful”: it "
                 "answered and the visitor clicked 👎 under the answer.</p>")
    for group in report["unanswered"]:
        rows = [[m["text"], m["reason"], m["count"]] for m in group["messages"]]
        parts.append(f'<details open><summary>Closest: {_e(name(group["closest_intent"]))} — {group["count"]}</summary>'
                     + _table(["Message", "What the assistant did", "times"], rows, numeric_from=2) + "</details>")
    parts.append("</html>")
    return "".join(parts)
