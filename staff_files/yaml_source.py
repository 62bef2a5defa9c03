"""Reading a staff file's YAML safely, and where a value sits in it (line and column, counted from 1).

Plain Python: `read_staff_yaml` refuses what PyYAML would read but a staff file must not hold;
`SourceMap` works on the node tree it returns.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

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


def yaml_problem(error: yaml.YAMLError, source: str = "") -> str:
    """"line N, column M: what to change" for a file `read_staff_yaml` refused, in a staff member's words.

    With `source`, a tab or a line indented out of step with its neighbours is named as such, on the
    line to change (the parser's own words and line are kept only when the mistake is something else).
    """
    mark = getattr(error, "problem_mark", None)
    if isinstance(error, RefusedYaml):
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "line 1, column 1"
        return f"{where}: {error.problem}"
    plain = _tab_problem(source) or (_line_problem(source, mark.line) if source and mark else None)
    if plain:
        return plain
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "line 1, column 1"
    problem = getattr(error, "problem", None) or str(error)
    return (f"{where}: the file is not valid YAML ({problem}): check the indentation "
            "and the quotes on this line and the one before")


def _tab_problem(source: str) -> Optional[str]:
    """The first line indented with a tab (YAML indents with spaces only)."""
    for number, line in enumerate(source.splitlines(), start=1):
        indent = line[:len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            return (f"line {number}, column {indent.index(chr(9)) + 1}: line {number} has a tab; use spaces "
                    "(the Tab key may type a tab: indent with the space bar instead)")
    return None


_BLOCK_TEXT = re.compile(r":\s*[>|][-+0-9]*\s*(?:#.*)?$")


def content_lines(source: str) -> List[Tuple[int, int, str]]:
    """(line number, indentation, text) of the lines YAML reads as structure: no blanks, no comments,
    and not the lines of a text written over several lines after `>-` or `|`."""
    lines: List[Tuple[int, int, str]] = []
    text_under: Optional[int] = None  # the indentation of the key whose `>-` text is being read
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        indent = len(line) - len(line.lstrip(" "))
        if text_under is not None and indent > text_under:
            continue
        text_under = None
        if stripped.startswith("#"):
            continue
        lines.append((number, indent, stripped))
        if _BLOCK_TEXT.search(stripped):
            text_under = indent
    return lines


def _line_problem(source: str, error_line: int) -> Optional[str]:
    """An unclosed quote or a missing colon on the line before the parser's error, else an indentation mistake."""
    lines = source.splitlines()
    for index in range(max(0, error_line - 1), min(error_line + 1, len(lines))):
        text = lines[index].split(" #")[0]
        if text.count('"') % 2 and not text.lstrip().startswith("#"):
            return (f"line {index + 1}, column {text.index(chr(34)) + 1}: this line opens a quote \" and does not "
                    "close it: add the closing \" at the end of the text")
    for index in range(error_line - 1, max(-1, error_line - 3), -1):
        text = lines[index].strip() if 0 <= index < len(lines) else ""
        if text and not text.startswith(("#", "-")) and ":" not in text and not _inside_text(source, index):
            return (f"line {index + 1}, column {len(lines[index]) - len(lines[index].lstrip()) + 1}: this line has "
                    'no colon: write the field name, a colon and a space before the value (like topic: "dose")')
    return _indentation_problem(source, error_line)


def _inside_text(source: str, index: int) -> bool:
    """Whether line `index` (0-based) is part of a text written over several lines."""
    return all(number != index + 1 for number, _, _ in content_lines(source))


def _indentation_problem(source: str, error_line: int) -> Optional[str]:
    """The line whose indentation is out of step near the parser's error (0-based `error_line`), said plainly."""
    lines = content_lines(source)
    at = next((i for i, (number, _, _) in enumerate(lines) if number >= error_line + 1), None)
    if at is None or at == 0:
        return None
    number, indent, text = lines[at]
    before_number, before_indent, before_text = lines[at - 1]
    opens = before_text.endswith(":")
    if text.startswith("-"):
        same = next(((n, level, t) for n, level, t in reversed(lines[:at]) if level <= indent), None)
        entry = next(((n, level) for n, level, t in reversed(lines[:at]) if t.startswith("-") and level < indent), None)
        if same and same[1] == indent and not same[2].startswith("-") and same[0] != before_number and entry:
            return (f"line {number}, column {entry[1] + 1}: this list entry is indented more than the entry it "
                    f"follows (it starts in column {indent + 1}, the entry on line {entry[0]} in column "
                    f"{entry[1] + 1}): start it in column {entry[1] + 1}, with spaces")
    if indent > before_indent and not opens:
        return (f"line {number}, column {before_indent + 1}: this line is indented more than the line above "
                f"(it starts in column {indent + 1}, line {before_number} in column {before_indent + 1}): "
                "start it in the same column as the line above, with spaces")
    open_levels = [0]
    for _, level, _ in lines[:at]:
        while open_levels and open_levels[-1] > level:
            open_levels.pop()
        if not open_levels or open_levels[-1] < level:
            open_levels.append(level)
    if indent in open_levels:
        return None
    after = [level for _, level, _ in lines[at + 1:at + 4]]
    if indent < before_indent and after and after[0] == indent and lines[at - 2][1] < indent:
        # The line above is the odd one: it and this line belong together, and the lines below agree with this one.
        return (f"line {before_number}, column {indent + 1}: this line is indented more than the lines below it "
                f"(it starts in column {before_indent + 1}, line {number} in column {indent + 1}): "
                "start it in the same column as the lines below, with spaces")
    if indent < before_indent and (not after or after[0] >= before_indent):
        return (f"line {number}, column {indent + 1}: this line is indented less than the line above (it starts "
                f"in column {indent + 1}, line {before_number} in column {before_indent + 1}): start it in the same "
                "column as the line above, with spaces")
    lower = max(level for level in open_levels if level < indent)
    higher = [level for level in open_levels if level > indent] or [before_indent]
    columns = f"column {lower + 1} or column {min(higher) + 1}"
    return (f"line {number}, column {indent + 1}: this line starts in column {indent + 1}, which lines up with no "
            f"line above it (the lines around it start in {columns}): indent it like the lines it belongs with, "
            "with spaces")


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

    def buried_key(self, keys: Sequence[Any], name: str) -> Optional[str]:
        """Where `name:` is typed inside the section at `keys` but indented differently from the section's other
        keys (so YAML read it as part of the text above it), as "line N, column M: ...", or None."""
        node = self.node(*keys)
        if not isinstance(node, yaml.MappingNode) or not node.value:
            return None
        column = node.start_mark.column
        lines = self.source.splitlines()
        pattern = re.compile(rf"^( +){re.escape(name)}\s*:")
        inside_texts = [index for _, value in node.value if isinstance(value, yaml.ScalarNode)
                        for index in range(value.start_mark.line, min(value.end_mark.line + 1, len(lines)))]
        for index in inside_texts:
            match = pattern.match(lines[index])
            if match and len(match.group(1)) != column:
                more = "more" if len(match.group(1)) > column else "less"
                return (f"line {index + 1}, column {len(match.group(1)) + 1}: {name}: is indented {more} than the "
                        f"other fields here (it starts in column {len(match.group(1)) + 1}, they start in column "
                        f"{column + 1}), so it is read as part of the text above it: start it in column {column + 1}")
        return None

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
