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


def _made_by_project(r, providers, base: ast.AST, scope: Scope) -> bool:
    """Is every value assigned to ``self.x`` (``base``) a call of something imported from outside the SDKs
    (``self.language_model = GenerativeLanguageModelFactory.create_model(...)``), or another such attribute?"""
    cls = scope.cls
    if cls is None or not (isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name)
                           and base.value.id in {scope.self_name, "self"} - {None}):
        return False
    roots, todo, seen, values = list(providers.import_roots), [base.attr], set(), []
    while todo and len(seen) < MAX_BASES:
        attr = todo.pop()
        if attr in seen:
            continue
        seen.add(attr)
        entries = cls.self_attrs.get(attr) or []
        if not entries:
            return False
        for _, v in entries:
            if isinstance(v, ast.Attribute) and isinstance(v.value, ast.Name) and v.value.id in {scope.self_name, "self"}:
                todo.append(v.attr)  # self.gemini_15 = self.gemini_pro
            else:
                values.append(v)
    if not values:
        return False
    for v in values:
        if not isinstance(v, ast.Call):
            return False
        b = r.binding(_root_name(v.func), r.module_scope, 1 << 30) if _root_name(v.func) else None
        if b is None or b[0] != "import":
            return False
        qn = r.qualname(v.func, r.module_scope) or ""
        if not _non_sdk(qn, roots, providers.types):
            return False
    return True


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def project_receiver(r, providers, base: ast.AST, path: list[str], scope: Scope, weak: bool = False) -> bool:
    """True when ``base`` (the receiver of method path ``path``) is the project's own object. ``weak``: the
    APIs of the path ask for no argument as evidence (``generate_content``), so a receiver that only the
    project's own factories make (imported from outside the SDKs) is taken for the project's object too."""
    if isinstance(base, ast.Name) and base.id in {scope.self_name, "self", "cls"} - {None} and path:
        return _defines(r, scope.cls, path[0])
    if weak and _made_by_project(r, providers, base, scope):
        return True
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
