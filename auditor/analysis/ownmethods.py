"""Receivers of an untyped method path that are evidently the project's own objects, not an SDK
client: ``self.generate_content(prompt)`` inside a class that defines ``generate_content`` (a
wrapper calling its own method), and a parameter annotated with a class that is neither a catalogued
type nor under an SDK import root (``language_model: GenerativeLanguageModel`` imported from the
project). The SDK call inside the wrapper is the call site; these calls reach it and are left to
the derived-site analysis.
"""

from __future__ import annotations

import ast

from auditor.analysis.scopes import Scope

_FUNC = (ast.FunctionDef, ast.AsyncFunctionDef)
MAX_BASES = 8  # classes followed up a module's hierarchy


def _defines(r, cls: Scope | None, name: str) -> bool:
    """Does class ``cls`` (or a base class defined in the same module) define method ``name``?"""
    seen = 0
    todo = [cls] if cls is not None else []
    while todo and seen < MAX_BASES:
        c = todo.pop()
        seen += 1
        node = c.node
        if not isinstance(node, ast.ClassDef):
            continue
        if any(isinstance(b, _FUNC) and b.name == name for b in node.body):
            return True
        for base in node.bases:
            if isinstance(base, ast.Name):
                b = r.binding(base.id, r.module_scope, 1 << 30)
                if b is not None and b[0] == "assign" and isinstance(b[1], ast.ClassDef):
                    bs = r.scope_of.get(b[1])
                    if bs is not None:
                        todo.append(bs)
    return False


def _non_sdk(qn: str, roots: list[str], types) -> bool:
    if not qn or qn in types or qn.startswith(("typing.", "typing_extensions.", "builtins.")) or "." not in qn:
        return False
    return not any(qn == root or qn.startswith(root + ".") for root in roots)


def project_receiver(r, providers, base: ast.AST, path: list[str], scope: Scope) -> bool:
    """True when ``base`` (the receiver of method path ``path``) is the project's own object."""
    if isinstance(base, ast.Name) and base.id in {scope.self_name, "self", "cls"} - {None} and path:
        return _defines(r, scope.cls, path[0])
    if isinstance(base, ast.Name):
        b = r.binding(base.id, scope, getattr(base, "lineno", 1 << 30))
        if b is not None and b[0] == "param":
            ann = getattr(b[1], "annotation", None)
            if ann is not None:
                if isinstance(ann, ast.Subscript):  # Optional[Model]
                    ann = ann.slice
                qn = r.qualname(ann, b[2]) if isinstance(ann, (ast.Name, ast.Attribute)) else None
                return _non_sdk(qn or "", list(providers.import_roots), providers.types)
    return False
