"""Where a value sits in a YAML file (line and column, counted from 1), to point staff at it.

Plain Python: works on the node tree `yaml.compose` returns for the file's text.
"""
from __future__ import annotations

from typing import Any, Dict, Iterator, Optional, Sequence, Tuple

import yaml


class SourceMap:
    """Finds where a value is in the file (line and column, counted from 1) from its keys."""

    def __init__(self, root: Optional[yaml.Node], source: str) -> None:
        self.root = root
        self.source = source

    def node(self, *keys: Any) -> Optional[yaml.Node]:
        """The deepest node along `keys` (mapping keys or list indexes) that exists."""
        node = self.root
        for key in keys:
            if isinstance(node, yaml.MappingNode):
                match = next((value for k, value in node.value if k.value == key), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                match = node.value[key]
            else:
                match = None
            if match is None:
                break
            node = match
        return node

    def key_node(self, *keys: Any) -> Optional[yaml.Node]:
        parent = self.node(*keys[:-1])
        if isinstance(parent, yaml.MappingNode):
            return next((k for k, _ in parent.value if k.value == keys[-1]), parent)
        return parent

    @staticmethod
    def at(node: Optional[yaml.Node]) -> str:
        if node is None:
            return "line 1, column 1"
        return f"line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"

    def where(self, *keys: Any) -> str:
        return self.at(self.node(*keys))

    def end(self) -> str:
        """The last line of the file: where a missing section goes."""
        return f"line {max(1, len(self.source.rstrip().splitlines()))}, column 1"

    def where_key(self, *keys: Any) -> str:
        return self.at(self.key_node(*keys))

    def where_text(self, keys: Sequence[Any], needle: str) -> str:
        """The position of `needle` inside the value at `keys` (the value's start if not found as typed)."""
        node = self.node(*keys)
        if node is None:
            return self.at(node)
        span = self.source[node.start_mark.index:node.end_mark.index]
        found = span.find(needle)
        if found < 0:
            return self.at(node)
        before = self.source[:node.start_mark.index + found]
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        return f"line {line}, column {column}"

    def duplicate_keys(self) -> Iterator[Tuple[str, yaml.Node, yaml.Node]]:
        """(key, first, second) for every key written twice in one mapping (YAML keeps only the last)."""
        stack = [self.root] if self.root is not None else []
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.MappingNode):
                seen: Dict[str, yaml.Node] = {}
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value in seen:
                        yield key.value, seen[key.value], key
                    elif isinstance(key, yaml.ScalarNode):
                        seen[key.value] = key
                    stack.append(value)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
