"""Calls whose result is text by their own declaration, not a DataFrame whatever the variable is called.

``df_context = DataFrame.serialize_dataframe(df)``: a serialiser (``serialize_*``, ``*_to_string``,
``stringify``, ``dumps``, ``as_markdown``, ...) makes a string, and so does a function or method of
this module whose return annotation is ``str`` (``def describe(df) -> str``, ``Table.render(t)``
where ``class Table`` has ``def render(self) -> str``). :meth:`FrameInference.not_frame` asks here,
so such a value is typed by its provenance and a ``df_*`` name pattern never turns it into a frame
(SPEC section 3: provenance-typed values)."""

from __future__ import annotations

import ast
import re

from auditor.analysis.scopes import Scope

# the callee's last name: what a serialiser is called
_SERIALISER = re.compile(
    r"(?:^|_)(?:seriali[sz]e[sd]?|stringify|dumps?|to_(?:str|string|text|prompt|markdown|md|yaml|xml)|as_(?:str|string|text|markdown|csv|json|prompt)|render(?:_\w+)?)(?:_|$)",
    re.IGNORECASE,
)
_TEXT_TYPES = {"str", "bytes", "int", "float", "bool", "dict", "list", "tuple", "set", "None", "Dict", "List", "Tuple", "Optional", "typing.Optional", "Any"}
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _text_annotation(ann: ast.AST | None) -> bool:
    """``-> str``, ``-> Optional[str]``, ``-> str | None``, ``-> "str"``: not a frame."""
    if ann is None:
        return False
    if isinstance(ann, ast.Constant):
        return ann.value is None or (isinstance(ann.value, str) and ann.value.strip() in _TEXT_TYPES)
    if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
        return _text_annotation(ann.left) and _text_annotation(ann.right)
    if isinstance(ann, ast.Subscript):
        inner = ann.slice.elts if isinstance(ann.slice, ast.Tuple) else [ann.slice]
        base = ast.unparse(ann.value)
        return base in ("Optional", "typing.Optional", "Union", "typing.Union") and all(_text_annotation(e) for e in inner)
    return isinstance(ann, (ast.Name, ast.Attribute)) and ast.unparse(ann) in _TEXT_TYPES


def _local_def(r, func: ast.AST, scope: Scope, line: int) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The definition in this module a call's ``func`` names: ``fn`` or ``Class.method``."""
    if isinstance(func, ast.Name):
        b = r.binding(func.id, scope, line)
        return b[1] if b is not None and b[0] == "assign" and isinstance(b[1], _FUNCS) else None
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        b = r.binding(func.value.id, scope, line)
        if b is not None and b[0] == "assign" and isinstance(b[1], ast.ClassDef):
            return next((s for s in b[1].body if isinstance(s, _FUNCS) and s.name == func.attr), None)
    return None


def returns_text(r, call: ast.Call, scope: Scope) -> bool:
    """The call's result is text (or another non-frame value) by its callee's name or annotation."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name and _SERIALISER.search(name):
        return True
    fn = _local_def(r, func, scope, getattr(call, "lineno", 1 << 30))
    return fn is not None and _text_annotation(fn.returns)
