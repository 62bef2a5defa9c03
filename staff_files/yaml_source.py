"""Reading a staff file's YAML safely, and where a value sits in it (line and column, counted from 1).

Plain Python: `read_staff_yaml` refuses what PyYAML would read but a staff file must not hold;
`SourceMap` works on the node tree it returns.
"""
from __future__ import annotations

from typing import Any, Dict, Iterator, Optional, Sequence, Tuple

import yaml

#: The answers file is about 26 KB and the patterns file 64 KB. PyYAML reads long texts at about half a
#: megabyte a second but a list of short items at 30 KB a second: 200,000 characters of "- x" take 6 s,
#: a pasted 4 MB minutes, holding up the request that reloads the file.
MAX_CHARACTERS = 200_000
#: The files nest 4 levels deep; PyYAML composes recursively, and a few thousand levels raise RecursionError.
MAX_DEPTH = 20


class RefusedYaml(yaml.MarkedYAMLError):
    """YAML a staff file must not hold: `problem` says what to change."""


class _StaffLoader(yaml.SafeLoader):
    """The safe loader without aliases (a few lines of `*name` expand to billions of values, or to a value
    holding itself, and the checks walk every one) and without deep nesting."""

    depth = 0

    def compose_node(self, parent: Optional[yaml.Node], index: Any) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            raise RefusedYaml(problem="the file uses *aliases, which staff files do not: write the value out",
                              problem_mark=self.peek_event().start_mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise RefusedYaml(problem=f"lists and sections are nested more than {MAX_DEPTH} levels deep here: "
                                          "check the indentation and the brackets", problem_mark=self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def read_staff_yaml(source: str) -> Tuple[Optional[yaml.Node], Any]:
    """(root node, data) of a staff file's text; raises yaml.YAMLError (RefusedYaml for what is readable but refused)."""
    if len(source) > MAX_CHARACTERS:
        raise RefusedYaml(problem=f"the file is {len(source):,} characters, more than a staff file holds "
                                  f"({MAX_CHARACTERS:,}): was something pasted into it by mistake?")
    loader = _StaffLoader(source)
    try:
        root = loader.get_single_node()
        return root, loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()


def yaml_problem(error: yaml.YAMLError) -> str:
    """"line N, column M: what to change" for a file `read_staff_yaml` refused."""
    mark = getattr(error, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "line 1, column 1"
    if isinstance(error, RefusedYaml):
        return f"{where}: {error.problem}"
    problem = getattr(error, "problem", None) or str(error)
    return (f"{where}: the file is not valid YAML ({problem}): check the indentation "
            "and the quotes on this line and the one before")


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
