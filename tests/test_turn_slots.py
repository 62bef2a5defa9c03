"""The server works on a few turns at once; the others wait in order, and still get a reply in time."""
from __future__ import annotations

import asyncio
from typing import List

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from channels.never_silent import MAX_CONCURRENT_TURNS, handle_never_silent, service_unavailable_text


def run_turns(count: int, turn_seconds: float, reply_timeout: float) -> List[CollectingOutputChannel]:
    running = {"now": 0, "peak": 0}

    async def on_new_message(message: UserMessage) -> None:
        running["now"] += 1
        running["peak"] = max(running["peak"], running["now"])
        await asyncio.sleep(turn_seconds)
        running["now"] -= 1
        await message.output_channel.send_text_message(message.sender_id, f"answer for {message.sender_id}")

    async def main() -> List[CollectingOutputChannel]:
        outputs = [CollectingOutputChannel() for _ in range(count)]
        await asyncio.gather(*(
            handle_never_silent(on_new_message, UserMessage("hi", output, f"v{n}"),
                                lambda output=output: len(output.messages), reply_timeout)
            for n, output in enumerate(outputs)
        ))
        return outputs

    outputs = asyncio.run(main())
    run_turns.peak = running["peak"]  # type: ignore[attr-defined]
    return outputs


def test_at_most_the_limit_of_turns_run_at_once_and_every_visitor_gets_their_answer() -> None:
    outputs = run_turns(3 * MAX_CONCURRENT_TURNS, turn_seconds=0.02, reply_timeout=5)
    assert run_turns.peak == MAX_CONCURRENT_TURNS  # type: ignore[attr-defined]
    assert [output.messages[0]["text"] for output in outputs] == [f"answer for v{n}" for n in range(len(outputs))]


def test_a_visitor_still_waiting_for_a_slot_at_the_timeout_gets_the_apology() -> None:
    outputs = run_turns(2 * MAX_CONCURRENT_TURNS, turn_seconds=0.5, reply_timeout=0.2)
    apology = service_unavailable_text("web")
    assert all(output.messages and output.messages[0]["text"] == apology for output in outputs[MAX_CONCURRENT_TURNS:])
