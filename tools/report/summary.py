"""The report's numbers from the turns: plain dicts, written to results/report.json beside the page."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Dict, Iterable, List, Set, Tuple

from answer_book.rendering import HELPFUL, NOT_HELPFUL
from tools.report.turns import Turn

#: The keys of a feedback count in report.json: 👍 and 👎.
FEEDBACK_KEYS = {HELPFUL: "helpful", NOT_HELPFUL: "not_helpful"}


def _sorted_counts(counter: Counter) -> Dict[str, int]:
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def summarise(turns: Iterable[Turn]) -> Dict[str, Any]:
    """Conversations and messages per day and channel, answers given, 👍 / 👎 per answer, emergencies,
    unanswered messages.

    A conversation counts on every day (and channel) it has a message. Unanswered messages are
    grouped by the intent the model found closest; identical texts are counted together. A 👍 or
    👎 counts once per message it rates (the visitor's last click), for each answer it rates.
    """
    conversations_per_day: Dict[str, Set[str]] = defaultdict(set)
    conversations_per_channel: Dict[str, Set[str]] = defaultdict(set)
    messages_per_day: Counter = Counter()
    messages_per_day_channel: Dict[str, Counter] = defaultdict(Counter)
    messages_per_channel: Counter = Counter()
    answers: Counter = Counter()
    emergencies_per_day: Counter = Counter()
    unanswered: Dict[str, Counter] = defaultdict(Counter)
    outcomes: Counter = Counter()
    feedback: Dict[str, Counter] = defaultdict(Counter)
    for turn in turns:
        day = turn.day
        conversations_per_day[day].add(turn.conversation)
        conversations_per_channel[turn.channel].add(turn.conversation)
        messages_per_day[day] += 1
        messages_per_day_channel[day][turn.channel] += 1
        messages_per_channel[turn.channel] += 1
        outcomes[turn.outcome] += 1
        answers.update(turn.answers)
        if turn.outcome == "emergency":
            emergencies_per_day[day] += 1
        if turn.feedback and turn.counted:
            for answer in turn.rated:
                feedback[answer][FEEDBACK_KEYS[turn.feedback]] += 1
        if turn.outcome == "unanswered":
            unanswered[turn.closest or "(none)"][(turn.text, str(turn.reason))] += 1
    days = sorted(messages_per_day)
    groups: List[Dict[str, Any]] = []
    for intent, texts in unanswered.items():
        rows: List[Tuple[Tuple[str, str], int]] = sorted(texts.items(), key=lambda item: (-item[1], item[0]))
        groups.append({
            "closest_intent": intent,
            "count": sum(texts.values()),
            "messages": [{"text": text, "reason": reason, "count": count} for (text, reason), count in rows],
        })
    groups.sort(key=lambda group: (-group["count"], group["closest_intent"]))
    return {
        "days": days,
        "conversations": len({c for convs in conversations_per_day.values() for c in convs}),
        "messages": sum(messages_per_day.values()),
        "outcomes": _sorted_counts(outcomes),
        "conversations_per_day": {day: len(conversations_per_day[day]) for day in days},
        "messages_per_day": {day: messages_per_day[day] for day in days},
        "messages_per_day_channel": {day: dict(sorted(messages_per_day_channel[day].items())) for day in days},
        "conversations_per_channel": {ch: len(c) for ch, c in sorted(conversations_per_channel.items())},
        "messages_per_channel": dict(sorted(messages_per_channel.items())),
        "answers": _sorted_counts(answers),
        "feedback": {
            answer: {key: counts[key] for key in FEEDBACK_KEYS.values()}
            for answer, counts in sorted(feedback.items(), key=lambda item: (-sum(item[1].values()), item[0]))
        },
        "emergencies_per_day": {day: emergencies_per_day[day] for day in days},
        "unanswered_count": sum(group["count"] for group in groups),
        "unanswered": groups,
    }
