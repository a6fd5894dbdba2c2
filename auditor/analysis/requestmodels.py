"""Caps in a pydantic request model spread into the call: ``client.chat(**chat_request.model_dump())``.

Applications keep the API's parameters as a request model whose fields have defaults (Cohere's
toolkit: ``class CohereChatRequest(BaseChatRequest)`` with ``max_tokens: Optional[int] =
Field(None, ...)``) and send it whole::

    async def invoke_chat(self, chat_request: CohereChatRequest, **kwargs):
        return self.client.chat(**chat_request.model_dump(exclude={"stream", "file_ids"}), **kwargs)

``model_dump()`` (pydantic 2) and ``dict()`` (pydantic 1) hold every field, so a cap field's default
is the request's cap unless the caller changed it: ``None`` is an uncapped request by default
(LA101 names the field, like a parameter defaulting to None), a number is a cap. The rest of the
request stays unknown. Phase 1 (:func:`request_model_refs`, after the module's call sites) records
the annotated class of the dumped parameter on the site; phase 2 (:func:`bind_request_model`)
parses the class's project module (the class, then its bases in the project, up to a few) for the
cap fields. A class not found, a field excluded from the dump, or a cap field with a computed
default leave the cap unknown, never "missing".
"""

from __future__ import annotations

import ast
from pathlib import Path

from auditor.analysis.rawhttp import module_text
from auditor.analysis.scopes import span_of
from auditor.facts import CallSite, Location, Param, Value

EXTRA = "request_model"
DUMPS = ("model_dump", "dict")
MAX_BASES = 4


# ---------------------------------------------------------------- phase 1: the dumped parameter's class
def request_model_refs(resolver, facts, walk) -> None:
    sites = [s for s in facts.call_sites if "" in s.unknown]
    if not sites:
        return
    text = module_text(resolver)
    if not any(f".{d}(" in text for d in DUMPS):
        return
    for site in sites:
        calls = [c for c in walk.calls_at(site.span.line) if any(k.arg is None for k in c.keywords)]
        for call in calls:
            ref = _dumped(resolver, walk, call)
            if ref is not None:
                site.extra[EXTRA] = ref
                break


def _dumped(resolver, walk, call: ast.Call) -> dict | None:
    owner = walk.owner_of(call.lineno)
    if not isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    fscope = resolver.scope_of.get(owner) or resolver.module_scope
    for kw in call.keywords:
        v = kw.value
        if kw.arg is None and isinstance(v, ast.Name):
            v, _ = resolver.follow(v, fscope)  # req = chat_request.model_dump(...); client.chat(**req)
        if kw.arg is not None or not (isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) and v.func.attr in DUMPS and isinstance(v.func.value, ast.Name)):
            continue
        name = v.func.value.id
        arg = next((a for a in owner.args.posonlyargs + owner.args.args + owner.args.kwonlyargs if a.arg == name), None)
        if arg is None or arg.annotation is None:
            continue
        qn = resolver.qualname(arg.annotation, fscope.parent or resolver.module_scope) if isinstance(arg.annotation, (ast.Name, ast.Attribute)) else None
        if not qn:
            continue
        if resolver.module and "." not in qn and qn in {s.name for s in resolver.tree.body if isinstance(s, ast.ClassDef)}:
            qn = f"{resolver.module}.{qn}"
        return {"class": qn, "exclude": _excluded(v)}
    return None


def _excluded(dump: ast.Call) -> list[str]:
    for kw in dump.keywords:
        if kw.arg == "exclude" and isinstance(kw.value, (ast.Set, ast.List, ast.Tuple)):
            return [e.value for e in kw.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if kw.arg == "exclude" and isinstance(kw.value, ast.Dict):
            return [k.value for k in kw.value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    return []


# ---------------------------------------------------------------- phase 2: the class's fields
def bind_request_model(project, site: CallSite, caps: list[str], memo: dict) -> None:
    """Bind the cap fields of the dumped class (and its project bases) as the site's parameters."""
    ref = site.extra.pop(EXTRA, None)
    if not ref or project.root is None:
        return
    wanted = [c for c in caps if "." not in c and c not in (ref.get("exclude") or [])]
    todo, seen = [str(ref["class"])], 0
    found: dict[str, tuple[ast.AST, str, object]] = {}
    while todo and seen < MAX_BASES:
        qn = todo.pop(0)
        seen += 1
        got = _class(project, qn, memo)
        if got is None:
            continue
        cls, rel, lines, bases = got
        for stmt in cls.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id in wanted and stmt.target.id not in found:
                found[stmt.target.id] = (stmt.value, rel, lines)
        todo.extend(bases)
    for name, (value, rel, lines) in found.items():
        default = _default(value)
        if default is _UNKNOWN or name in site.params:
            continue
        sp = span_of(value, lines) if value is not None else None
        v = Value("literal", default, source=name, origin="field-default", defined=Location(sp, path=rel) if sp is not None else None)
        site.params[name] = Param(name, v)


_UNKNOWN = object()


def _default(value: ast.AST | None):
    """A field's default: ``= None``, ``= 512``, ``= Field(None, ...)``, ``Field(default=512)``; else unknown."""
    if value is None:
        return _UNKNOWN  # a required field: the caller sets it
    if isinstance(value, ast.Call) and isinstance(value.func, (ast.Name, ast.Attribute)) and (value.func.id if isinstance(value.func, ast.Name) else value.func.attr) == "Field":
        value = value.args[0] if value.args else next((k.value for k in value.keywords if k.arg == "default"), None)
        if value is None:
            return _UNKNOWN
    if isinstance(value, ast.Constant) and (value.value is None or (isinstance(value.value, int) and not isinstance(value.value, bool))):
        return value.value
    return _UNKNOWN


def _class(project, qn: str, memo: dict):
    """(ClassDef, its file, its lines, its bases' qualnames) of a project class, parsed once per run."""
    mod, _, name = qn.rpartition(".")
    facts = project.by_module.get(mod)
    if facts is None or not facts.path.endswith(".py"):
        return None
    if facts.path not in memo:
        memo[facts.path] = _parse(project.root, facts.path)
    tree_lines = memo[facts.path]
    if tree_lines is None:
        return None
    tree, lines = tree_lines
    cls = next((s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == name), None)
    if cls is None:
        return None
    imports = _imports(tree, mod)
    bases = []
    for b in cls.bases:
        if isinstance(b, ast.Name):
            bases.append(imports.get(b.id) or f"{mod}.{b.id}")
    return cls, facts.path, lines, bases


def _imports(tree: ast.Module, mod: str) -> dict[str, str]:
    """Local name -> qualified name of the module's top-level ``from X import Y`` (relative ones too)."""
    out: dict[str, str] = {}
    package = mod.rsplit(".", 1)[0] if "." in mod else ""
    for s in tree.body:
        if not isinstance(s, ast.ImportFrom):
            continue
        base = s.module or ""
        if s.level:
            parts = package.split(".") if package else []
            up = parts[: len(parts) - (s.level - 1)] if s.level > 1 else parts
            base = ".".join([*up, base] if base else up)
        for a in s.names:
            out[a.asname or a.name] = f"{base}.{a.name}" if base else a.name
    return out


def _parse(root: Path, rel: str):
    try:
        real_root = root.resolve()
        p = (real_root / rel).resolve()
        if real_root not in p.parents or p.stat().st_size > 1_000_000:
            return None
        text = p.read_text(encoding="utf-8")
        return ast.parse(text), text.split("\n")
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return None
