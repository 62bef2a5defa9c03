"""Fair turns: a few at once, one conversation's messages one at a time in order; all answered in time."""
from __future__ import annotations

import asyncio
from typing import List, Sequence

from rasa.core.channels.channel import UserMessage

from answer_book.model import AnswerBook
from channels.never_silent import (
    MAX_CONCURRENT_TURNS,
    MAX_WAITING_PER_CONVERSATION,
    ReplyCollector,
    handle_never_silent,
    service_unavailable_text,
)


def run_turns(
    count: int, turn_seconds: float, reply_timeout: float, senders: Sequence[str] = ()
) -> List[ReplyCollector]:
    """`count` messages at once (message n from senders[n], default a sender each); records the turns' order."""
    running = {"now": 0, "peak": 0, "order": []}
    senders = list(senders) or [f"v{n}" for n in range(count)]

    async def on_new_message(message: UserMessage) -> None:
        running["now"] += 1
        running["peak"] = max(running["peak"], running["now"])
        running["order"].append(message.text)
        await asyncio.sleep(turn_seconds)
        running["now"] -= 1
        await message.output_channel.send_text_message(message.sender_id, f"answer to {message.text}")

    async def main() -> List[ReplyCollector]:
        outputs = [ReplyCollector() for _ in range(count)]
        await asyncio.gather(*(
            handle_never_silent(on_new_message, UserMessage(f"message {n}", output, senders[n]), reply_timeout)
            for n, output in enumerate(outputs)
        ))
        # turns that timed out go on in the background: let them finish
        await asyncio.gather(*(task for task in asyncio.all_tasks() if task is not asyncio.current_task()))
        return outputs

    outputs = asyncio.run(main())
    run_turns.peak = running["peak"]  # type: ignore[attr-defined]
    run_turns.order = running["order"]  # type: ignore[attr-defined]
    return outputs


def test_at_most_the_limit_of_turns_run_at_once_and_every_visitor_gets_their_answer() -> None:
    outputs = run_turns(3 * MAX_CONCURRENT_TURNS, turn_seconds=0.02, reply_timeout=5)
    assert run_turns.peak == MAX_CONCURRENT_TURNS  # type: ignore[attr-defined]
    assert [output.messages[0]["text"] for output in outputs] == [f"answer to message {n}" for n in range(len(outputs))]


def test_a_visitor_still_waiting_for_a_slot_at_the_timeout_gets_the_apology() -> None:
    outputs = run_turns(2 * MAX_CONCURRENT_TURNS, turn_seconds=0.5, reply_timeout=0.2)
    apology = service_unavailable_text("web")
    assert all(output.messages and output.messages[0]["text"] == apology for output in outputs[MAX_CONCURRENT_TURNS:])


def test_a_burst_from_one_sender_runs_one_at_a_time_in_order_and_every_message_is_answered() -> None:
    outputs = run_turns(20, turn_seconds=0.01, reply_timeout=5, senders=["burst"] * 20)
    assert run_turns.peak == 1  # type: ignore[attr-defined]
    assert run_turns.order == [f"message {n}" for n in range(20)]  # type: ignore[attr-defined]
    assert [output.messages[0]["text"] for output in outputs] == [f"answer to message {n}" for n in range(20)]


def test_a_burst_from_one_sender_leaves_the_other_slots_to_other_visitors() -> None:
    senders = ["burst"] * 20 + ["other-1", "other-2"]
    outputs = run_turns(len(senders), turn_seconds=0.05, reply_timeout=5, senders=senders)
    # the others did not wait behind the burst: they ran alongside its first message
    assert run_turns.order.index("message 20") < 3 and run_turns.order.index("message 21") < 3  # type: ignore
    assert all(output.messages for output in outputs)


def test_a_message_still_waiting_at_the_timeout_gets_the_apology_and_is_worked_on_later() -> None:
    outputs = run_turns(3, turn_seconds=0.3, reply_timeout=0.4, senders=["slow"] * 3)
    assert outputs[0].messages[0]["text"] == "answer to message 0"
    assert outputs[2].messages[0]["text"] == service_unavailable_text("web")
    assert run_turns.order == ["message 0", "message 1", "message 2"]  # type: ignore[attr-defined]


def test_a_flood_beyond_the_queue_limit_gets_the_busy_message(answer_book: AnswerBook) -> None:
    count = MAX_WAITING_PER_CONVERSATION + 3
    outputs = run_turns(count, turn_seconds=0.001, reply_timeout=5, senders=["flood"] * count)
    busy = [output for output in outputs if output.messages[0]["text"] == answer_book.message("busy")]
    assert len(busy) == 3
    assert len(run_turns.order) == MAX_WAITING_PER_CONVERSATION  # type: ignore[attr-defined]
