"""Replacing one text of a staff file the way staff edit it: in the YAML source, every other line as it was.

Plain Python. Used to measure and test checks on real edits of the answers file (bench/fidelity.py).
"""
from __future__ import annotations

import textwrap
from typing import Any, Sequence

from staff_files.yaml_source import SourceMap, read_staff_yaml

WIDTH = 80  # the answers file wraps its texts at 80 columns


def replace_text(source: str, keys: Sequence[Any], text: str) -> str:
    """`source` with the value at `keys` (e.g. ("answers", "ask_dose", "text")) written as a folded `>-` text."""
    root, _ = read_staff_yaml(source)
    place = SourceMap(root, source)
    node = place.node(*keys)
    if node is None or place.key_node(*keys) is node:
        raise KeyError(f"no value at {'.'.join(map(str, keys))}")
    indent = " " * (place.key_node(*keys).start_mark.column + 2)
    lines = textwrap.wrap(" ".join(text.split()), width=WIDTH - len(indent), break_on_hyphens=False)
    folded = ">-\n" + "\n".join(indent + line for line in lines)
    end = node.end_mark.index
    # A block scalar's end mark is at the start of the next key's line: keep that line's indentation.
    if source[node.start_mark.index] in ">|":
        end = source.rfind("\n", node.start_mark.index, end)
    return source[:node.start_mark.index] + folded + source[end:]
