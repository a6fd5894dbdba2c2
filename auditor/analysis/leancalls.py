"""Who calls what, read from a module's text: the lean call records of phase 1.

Walking every expression of every parsed file would double phase 1 (measured on the
benchmark corpus: +90%), and most calls never reach a request. So phase 1 reads calls from the
text (``name(``, ``receiver.name(``; one regex pass, C speed), keeps those that may reach a
project function, and resolves their callee with the module's scopes. What it gets wrong can
only add an edge (a match inside a string), never lose one the AST has; phase 2 reads the file
again, deeply, when one of these calls does reach a request.
"""

from __future__ import annotations

import ast
import re

from auditor.analysis.callholes import _not_project, callee_of, class_qualname, instance_class
from auditor.analysis.flowfacts import Callee
from auditor.analysis.scopes import Scope

_NOT_CALLS = {"if", "elif", "while", "for", "return", "and", "or", "not", "in", "is", "print", "len", "isinstance", "def", "class",
              "lambda", "yield", "await", "assert", "with", "except", "del", "import", "from", "raise", "str", "int", "dict", "list"}


def lean_calls(resolver, units: list[tuple[int, int, ast.AST]], text: str) -> list[tuple[int, int, Callee, Scope]]:
    """(line, end column of the called name (0-based, UTF-8 bytes like ``ast``), callee, scope of the caller) for calls
    that may reach project functions."""
    names, receivers = _candidates(resolver)
    owners: list | None = None
    out: list[tuple[int, int, Callee, Scope]] = []
    line, last = 1, 0
    memo: dict[tuple[str | None, str, int], Callee | None] = {}
    find, match = text.find, _BEFORE.match
    pos = find("(")
    while pos >= 0:
        nxt = pos
        pos = find("(", pos + 1)
        c = text[nxt - 1] if nxt else ""
        if not (c.isalnum() or c == "_" or c == " " or c == ")"):
            continue  # "((", "=(", ",(": a parenthesis, not a call by name
        m = match(text[max(0, nxt - 160) : nxt][::-1])
        if m is None:
            continue
        rchain = m.group(2)
        if rchain:  # ".mll.fles" read backwards: the receiver's root is its last part
            root = rchain[rchain.rfind(".") + 1 :][::-1]
            if root not in receivers and not (root == "super()" or rchain.endswith(")(repus")):
                continue
        elif m.group(1)[::-1] not in names:
            continue
        begin = nxt - m.end()  # where the callee expression starts
        if begin > 0 and begin > nxt - 160 and (text[begin - 1].isalnum() or text[begin - 1] in "._"):
            continue  # x().y( or a longer chain than we read: not a callee we can name
        name = m.group(1)[::-1]
        receiver = rchain[::-1][:-1] if rchain else None
        if text[begin - 4 : begin] == "def " or text[begin - 6 : begin] == "class ":
            continue
        line += text.count("\n", last, begin)
        last = begin
        if owners is None:
            owners = _owner_index(units, len(resolver.lines))
        owner = owners[line] if line < len(owners) else None
        scope = resolver.scope_of.get(owner) if owner is not None else resolver.module_scope
        if scope is None:
            continue
        key = (receiver, name, id(scope))
        if key not in memo:
            memo[key] = _callee(resolver, receiver, name, scope, line)
        callee = memo[key]
        if callee is not None:
            end_at = nxt - (len(m.group(0)) - len(m.group(0).lstrip(" \t")))  # the name's end, before blanks
            before = text[text.rfind("\n", 0, end_at) + 1 : end_at]
            out.append((line, len(before) if before.isascii() else len(before.encode("utf-8")), callee, scope))  # ast columns are UTF-8 bytes
    return out


# read on the reversed text before a "(": the name, then ".receiver.chain" or ".)(repus"
_BEFORE = re.compile(r"[ \t]*(\w+)((?:\.\)\(repus|(?:\.\w+)+))?")


def _candidates(resolver) -> tuple[set[str], set[str]]:
    """Names a project call may be written with: functions defined here or imported from what
    may be project code; and the roots of receivers (``self``, ``cls``, ``super()``, such
    imports, names bound to a call of such a callable)."""
    providers = resolver.providers
    imported = {n for n, target in resolver.imports.items() if not _not_project(target.split(".")[0], providers)}
    local_defs = {n.name for n in resolver.scope_of if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    names = set(resolver.functions) | imported | local_defs
    receivers = {"self", "cls", "super()"} | imported
    for scope in {id(s): s for s in resolver.scope_of.values()}.values():
        for table in (scope.assigns, scope.self_attrs):
            for n, entries in table.items():
                for _, v in entries:
                    if isinstance(v, ast.Call) and _projectish(v.func, imported, local_defs):
                        receivers.add(n)
                        break
        if scope.self_name:
            receivers.add(scope.self_name)
    return names - _NOT_CALLS, receivers


def _projectish(func: ast.AST, imported: set[str], local: set[str]) -> bool:
    while isinstance(func, ast.Attribute):
        func = func.value
    return isinstance(func, ast.Name) and (func.id in imported or func.id in local)


def _callee(resolver, receiver: str | None, name: str, scope: Scope, line: int) -> Callee | None:
    if receiver is not None and scope.cls is not None and receiver in (scope.self_name, "cls"):
        return Callee("self", name, class_qualname(resolver, scope.cls))  # the common case, without building nodes
    fake_name = ast.Name(id=name, lineno=line, col_offset=0)
    if receiver is None:
        return callee_of(resolver, fake_name, scope)
    if receiver == "super()":
        return callee_of(resolver, ast.Attribute(value=ast.Call(func=ast.Name(id="super"), args=[], keywords=[]), attr=name), scope)
    parts = receiver.split(".")
    base: ast.expr = ast.Name(id=parts[0], lineno=line, col_offset=0)
    for attr in parts[1:]:
        base = ast.Attribute(value=base, attr=attr, lineno=line, col_offset=0)
    found = callee_of(resolver, ast.Attribute(value=base, attr=name, lineno=line, col_offset=0), scope)
    if found is None and receiver not in ("self", "cls"):
        cls = instance_class(resolver, base, scope)
        return Callee("instance", name, cls) if cls else None
    return found


def _owner_index(units: list[tuple[int, int, ast.AST]], n: int) -> list[ast.AST | None]:
    """For every line, the innermost def around it (inner defs start later: filled last)."""
    owners: list[ast.AST | None] = [None] * (n + 2)
    for start, end, node in sorted(units, key=lambda u: (u[0], -u[1])):
        for i in range(start, min(end, n) + 1):
            owners[i] = node
    return owners


def find_call(calls: list[ast.Call], line: int, end_col: int) -> ast.Call | None:
    """The call whose callee expression ends at (``line``, ``end_col``)."""
    return next((c for c in calls if c.func.end_lineno == line and c.func.end_col_offset == end_col), None)
