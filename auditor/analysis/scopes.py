"""The scopes of one module (module, classes, functions) with their bindings, and where a node's
text sits in the file (spans in characters, not bytes)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from auditor.findings import Span


MAX_DEPTH = 12


@dataclass
class Scope:
    node: ast.AST
    kind: str  # module | class | function
    name: str
    qualname: str
    parent: "Scope | None"
    assigns: dict[str, list[tuple[int, ast.AST]]] = field(default_factory=dict)
    params: dict[str, ast.arg] = field(default_factory=dict)
    defaults: dict[str, ast.expr] = field(default_factory=dict)
    self_attrs: dict[str, list[tuple[int, ast.AST]]] = field(default_factory=dict)  # classes
    subscript_sets: dict[str, list[ast.Assign]] = field(default_factory=dict)  # params["k"] = v
    mutated: set[str] = field(default_factory=set)  # names passed to .update()/mutated unknowably
    # PROMPT += "..." (under ifs or not), in order: the name's only mutations (None: mutated otherwise too)
    augments: dict[str, list[tuple[int, ast.expr]] | None] = field(default_factory=dict)
    bases: list[ast.expr] = field(default_factory=list)
    self_name: str | None = None  # first parameter of a method
    cls: "Scope | None" = None  # the class a method belongs to
    globals: set[str] = field(default_factory=set)  # names declared `global` in a function
    returns: list[ast.expr] = field(default_factory=list)  # values of `return` statements

    def add(self, name: str, line: int, value: ast.AST) -> None:
        self.assigns.setdefault(name, []).append((line, value))


class Unknown(Exception):
    pass


def decorator_name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


class _UnknownMark:
    def __repr__(self) -> str:  # pragma: no cover
        return "<unknown>"


UNKNOWN_MARK = _UnknownMark()


def _char_col(line: str, byte_col: int) -> int:
    if line.isascii():
        return byte_col
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))


def span_of(node: ast.AST, lines: list[str]) -> Span | None:
    line = getattr(node, "lineno", None)
    if line is None:
        return None
    end_line = getattr(node, "end_lineno", line) or line
    col = getattr(node, "col_offset", 0)
    end_col = getattr(node, "end_col_offset", col) or col
    l0 = lines[line - 1] if 0 < line <= len(lines) else ""
    l1 = lines[end_line - 1] if 0 < end_line <= len(lines) else ""
    return Span(line, _char_col(l0, col) + 1, end_line, _char_col(l1, end_col) + 1)


def node_text(lines: list[str], node: ast.AST) -> str | None:
    span = span_of(node, lines)
    return span.text(lines) if span is not None else None


def call_arg(call: ast.Call, spec: list) -> ast.AST | None:
    """The argument ``spec`` names (rules/flows.yaml style: positions and keywords, first found wins)."""
    for key in spec:
        if isinstance(key, int):
            if key < len(call.args) and not isinstance(call.args[key], ast.Starred):
                return call.args[key]
        else:
            found = next((k.value for k in call.keywords if k.arg == key), None)
            if found is not None:
                return found
    return None


def awaited(lines: list[str], span: Span | None) -> bool:
    """Is the call at ``span`` written after ``await``?"""
    if span is None or not 0 < span.line <= len(lines):
        return False
    return lines[span.line - 1][: span.column - 1].rstrip().endswith("await")
