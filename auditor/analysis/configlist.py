"""AG2 / AutoGen configuration lists read from a project file: ``OAI_CONFIG_LIST``.

AutoGen's quick-starts keep the models in a JSON file and load it by name::

    config_list = autogen.config_list_from_json("OAI_CONFIG_LIST", filter_dict={"model": ["gpt-4o"]})
    llm_config = {"config_list": config_list, "temperature": 0}
    # or: llm_config = LLMConfig.from_json(path="OAI_CONFIG_LIST")

The agents given that configuration send the first entry the filter keeps. When the file is in the
project and the code names it with a literal or a module constant, that entry is the
configuration's ``config_list[0]`` (analysis/agconfig.py): its ``max_tokens`` is the cap (LA101
when it has none and the configuration sets none), its ``model`` the model, whose findings (LA402,
LA403) point at the model's line in the file (``Value.defined``). Anything else stays unknown,
never "missing": a path built at run time, a filter that is not a literal, no entry kept, a file
that is not a JSON list of objects, or an environment variable AG2 would read first (we cannot see
one; the file is what the repository ships).

Phase 1 (:func:`config_file_ref`, from agconfig) records the candidate paths - the module's folder
first, then the project root, as a relative path is seen from either working directory - and the
filter, in ``CallSite.extra["config_file"]``; phase 2 (:func:`apply_config_file`, from the project)
reads the file. The readers are ``config-list-readers`` in rules/flows.yaml ``llm-configs``.
"""

from __future__ import annotations

import ast
import json
import posixpath
import re
from pathlib import Path

from auditor.analysis.filetext import PathVal, _candidates, _split
from auditor.analysis.scopes import Scope, call_arg
from auditor.facts import CallSite, Location, Param, Value
from auditor.findings import Span
from auditor.sources.configfile import _locate

MAX_BYTES = 256_000  # a configuration list, not a data file
EXTRA = "config_file"


# ---------------------------------------------------------------- phase 1: what the code names
def config_file_ref(resolver, call: ast.Call, scope: Scope, path: str, data: dict) -> dict | None:
    """``{"files": [...], "filter": {...}}`` for a reader call naming a file by a constant, else None."""
    qn = resolver.qualname(call.func, scope) or ""
    roots = tuple(str(r) for r in data.get("roots") or [])
    reader = (data.get("config-list-readers") or {}).get(qn.rsplit(".", 1)[-1])
    if not reader or qn.split(".")[0] not in roots:
        return None
    name = _string(resolver, call_arg(call, list(reader.get("path") or [])), scope)
    if not name or name.lstrip().startswith(("[", "{")) or name.startswith("/"):
        return None  # no constant path, an inline JSON list, an absolute path outside the project
    folder_arg = call_arg(call, list(reader.get("folder") or []))
    folder = _string(resolver, folder_arg, scope) if folder_arg is not None else ""
    if folder is None or folder.startswith("/"):
        return None
    filt: dict[str, list] = {}
    filter_arg = call_arg(call, list(reader.get("filter") or []))
    if filter_arg is not None and not (isinstance(filter_arg, ast.Constant) and filter_arg.value is None):
        found = _filter(resolver, filter_arg, scope)
        if found is None:
            return None  # a filter we cannot read: which entry is kept is unknown
        filt = found
    files = _candidates(PathVal(_split(folder) + _split(name), cwd=True), posixpath.dirname(path))
    return {"files": files, "filter": filt} if files else None


def _string(resolver, expr: ast.AST | None, scope: Scope) -> str | None:
    if expr is None:
        return None
    v = resolver.value_of(expr, scope)
    return v.value if v is not None and v.is_literal and isinstance(v.value, str) else None


def _filter(resolver, expr: ast.AST, scope: Scope) -> dict[str, list] | None:
    node, s = resolver.follow(expr, scope)
    if not isinstance(node, ast.Dict):
        return None
    out: dict[str, list] = {}
    for k, v in zip(node.keys, node.values):
        if not (isinstance(k, ast.Constant) and isinstance(k.value, str)):
            return None
        vn, _ = resolver.follow(v, s)
        items = vn.elts if isinstance(vn, (ast.List, ast.Tuple, ast.Set)) else [vn]
        if not all(isinstance(i, ast.Constant) for i in items):
            return None
        out[k.value] = [i.value for i in items]
    return out


# ---------------------------------------------------------------- phase 2: the file
def apply_config_file(root: Path | None, site: CallSite, prefix: str, memo: dict) -> bool:
    """Bind the kept entry of the named file under ``prefix``; False (the entry stays unknown)
    when there is no such file or entry."""
    ref = site.extra.pop(EXTRA, None)
    if not ref or root is None or prefix not in site.unknown:
        return False
    for rel in ref.get("files") or []:
        entries = memo.get(rel)
        if rel not in memo:
            entries = memo[rel] = _entries(root, rel)
        if entries is None:
            continue
        kept = [(i, e) for i, e in enumerate(entries[0]) if _keeps(e, ref.get("filter") or {})]
        if not kept:
            return False  # the filter keeps nothing: AG2 would send nothing we know
        i, entry = kept[0]
        site.unknown = [u for u in site.unknown if u != prefix]
        spans = entries[1][i]
        for key, value in entry.items():
            if _secret(key):
                continue  # an api key is never copied into the facts (nor shown in a message)
            if isinstance(value, (str, int, float, bool)):
                at = spans.get(key)
                loc = Location(at, path=rel) if at is not None else None
                site.params[f"{prefix}.{key}"] = Param(f"{prefix}.{key}", Value("literal", value, source=json.dumps(value), origin="config-file", defined=loc))
            else:
                site.unknown.append(f"{prefix}.{key}")  # a nested value: read by nobody here
        first = spans.get("model") or next(iter(spans.values()), None)
        if first is not None:
            site.extra.setdefault("users", []).append({"path": rel, "line": first.line, "column": first.column, "label": f"its entry in {posixpath.basename(rel)}"})
        return True
    return False


def _secret(key: str) -> bool:
    k = key.lower()
    return any(w in k for w in ("key", "secret", "password", "credential")) or (k.endswith("token") and not k.startswith("max"))


def _keeps(entry: dict, filt: dict[str, list]) -> bool:
    """AG2's ``filter_dict``: every key's value (or one of a list value's items) is among the allowed."""
    for key, allowed in filt.items():
        value = entry.get(key)
        values = value if isinstance(value, list) else [value]
        if not any(v in allowed for v in values):
            return False
    return True


def _entries(root: Path, rel: str) -> tuple[list[dict], list[dict[str, Span]]] | None:
    """The file's entries and, per entry, where each scalar value is written; None when the file
    is missing, outside the root, too large, or not a JSON list of objects."""
    real_root = root.resolve()
    try:
        real = (real_root / rel).resolve()
        if real_root not in real.parents or not real.is_file() or real.stat().st_size > MAX_BYTES:
            return None
        text = real.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        data = json.loads(text)
    except (OSError, ValueError):
        return None
    if not isinstance(data, list) or not data or not all(isinstance(e, dict) for e in data):
        return None
    wanted = [(f"{i}\x00{k}", k, json.dumps(v)) for i, e in enumerate(data) for k, v in e.items() if isinstance(v, (str, int, float, bool))]
    spans: list[dict[str, Span]] = [{} for _ in data]
    pattern = lambda key, value: re.compile(r'"' + re.escape(json.dumps(key)[1:-1]) + r'"\s*:\s*(' + re.escape(value) + r")")  # noqa: E731
    for where, _, raw, line, col in _locate(text, wanted, pattern):
        i, key = where.split("\x00", 1)
        spans[int(i)][key] = Span(line, col, line, col + len(raw))
    return data, spans
