"""The one way user YAML is loaded: ruamel.yaml with alias expansion bounded.

YAML aliases share a node: ``a: &a [x, x]``, ``b: &b [*a, *a]``, ... nine levels of ten aliases
is a 1 KB file that stands for a billion strings. ruamel constructs each node once, but whatever
walks the data afterwards (plain-value copies, prompt extraction, schema validation, JSON dumps)
visits every expansion: the audit saw 4.7 GB and more for such a prompt file, a policy growing at
~33 MB/s and a ``prompts/`` file that never finished. So before anything is constructed, the
composed node graph is measured (each node once, memoised, so linear in the file): the nodes and
scalar characters the document stands for once every alias is expanded. A document whose
expansion exceeds the limits, or that refers to itself (a recursive alias), is rejected with
:class:`YAMLBombError`, a ruamel ``MarkedYAMLError`` whose mark is the offending alias's
position, so every caller reports it like any YAML error: one LA000 for a prompt file, a policy
error (exit 2, ``file:line:col``) for a policy.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.error import MarkedYAMLError

MAX_EXPANDED_NODES = 200_000  # nodes that aliases add beyond those written in the file
MAX_EXPANDED_CHARS = 20_000_000  # scalar characters that aliases add
MAX_FLOW_DEPTH = 200  # [[[...]]] deeper than this: ruamel's scanner is quadratic in the depth (10 s at 20,000)


class YAMLBombError(MarkedYAMLError):
    """A document whose aliases expand beyond the limits (or into themselves)."""


_BRACKETS = re.compile(r"[\[\]{}]")


def check_depth(text: str) -> None:
    """Raise YAMLBombError when flow collections nest deeper than MAX_FLOW_DEPTH (counted on the
    text, before ruamel scans it; brackets inside quoted scalars count too, erring on the safe side)."""
    if text.count("[") + text.count("{") <= MAX_FLOW_DEPTH:
        return
    depth = 0
    for m in _BRACKETS.finditer(text):
        depth = depth + 1 if m.group(0) in "[{" else max(0, depth - 1)
        if depth > MAX_FLOW_DEPTH:
            from ruamel.yaml.error import StreamMark

            at = m.start()
            line = text.count("\n", 0, at)
            mark = StreamMark("<unicode string>", at, line, at - (text.rfind("\n", 0, at) + 1))
            raise YAMLBombError(None, None, f"flow collections nested more than {MAX_FLOW_DEPTH} levels deep", mark)


def check_expansion(root: Any) -> None:
    """Raise YAMLBombError when the node graph under ``root`` expands beyond the limits."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes, chars) once expanded
    unique_nodes = unique_chars = 0
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            nodes, chars = 1, 0
            for child in _children(node, MappingNode, SequenceNode):
                n, c = sizes[id(child)]
                nodes += n
                chars += c
            sizes[key] = (nodes, chars)
            if nodes - unique_nodes > MAX_EXPANDED_NODES or chars - unique_chars > MAX_EXPANDED_CHARS:
                raise YAMLBombError(
                    None, None,
                    f"aliases expand this document beyond {MAX_EXPANDED_NODES:,} extra nodes or {MAX_EXPANDED_CHARS:,} extra characters (a \"billion laughs\" bomb?)",
                    node.start_mark,
                )
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise YAMLBombError(None, None, "an alias refers to a node that contains it (recursive YAML is not supported)", node.start_mark)
        if isinstance(node, ScalarNode):
            length = len(node.value) if isinstance(node.value, str) else 0
            sizes[key] = (1, length)
            unique_nodes += 1
            unique_chars += length
            continue
        unique_nodes += 1
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node, MappingNode, SequenceNode))


def _children(node: Any, mapping: type, sequence: type) -> list[Any]:
    if isinstance(node, mapping):
        return [x for pair in node.value for x in pair]
    if isinstance(node, sequence):
        return list(node.value)
    return []


def _bounded(constructor: type) -> type:
    class Bounded(constructor):  # type: ignore[valid-type, misc]
        def construct_document(self, node: Any) -> Any:
            check_expansion(node)
            return super().construct_document(node)

    Bounded.__name__ = f"Bounded{constructor.__name__}"
    return Bounded


_CLASSES: dict[type, type] = {}


def yaml(typ: str = "rt", pure: bool = False, preserve_quotes: bool = False) -> Any:
    """A ``ruamel.yaml.YAML`` whose loads reject alias bombs and absurd nesting (see the module docstring)."""
    from ruamel.yaml import YAML

    class BoundedYAML(YAML):
        def load(self, stream: Any) -> Any:
            if isinstance(stream, str):
                check_depth(stream)
            return super().load(stream)

    y = BoundedYAML(typ=typ, pure=pure)
    y.preserve_quotes = preserve_quotes
    base = y.Constructor
    if base not in _CLASSES:
        _CLASSES[base] = _bounded(base)
    y.Constructor = _CLASSES[base]
    return y
