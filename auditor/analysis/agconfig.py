"""AG2 / AutoGen 0.2 generation configurations as call sites: ``LLMConfig(...)`` and ``llm_config`` dicts.

An AG2 agent (``ConversableAgent``, ``AssistantAgent``, a group chat manager) sends its requests with
the model and parameters of the configuration it was given, so the configuration is where a missing
cap is written and fixed (SPEC §4: one finding per root cause, at its definition):

* ``LLMConfig({"api_type": "openai", "model": "gpt-4o-mini"})`` - matched by the providers catalog
  (``ag2.config``, its first positional dict mapped under ``config_list[0].``); here its
  ``config_list=[{...}]`` entry is read under ``config_list[0].`` too, the keyword form
  ``LLMConfig(model=..., api_type=...)`` becomes ``ag2.kwargs``, and the entry's ``api_type`` names
  the provider (``anthropic``: AG2 sends ``max_tokens=4096`` itself, ``ag2.anthropic``);
* ``{"config_list": [{"model": "gpt-4o-mini", "api_key": k}], "temperature": 0}`` in a module that
  imports AutoGen: a call site of its own, located at the dict, its first entry under ``config_list[0].``.

The data (import roots, the entry-list key, ``api_type`` -> provider) is ``llm-configs`` in
rules/flows.yaml. Entries that come from elsewhere (``config_list_from_json``, a spread of another
config) stay unknown: never "missing".
"""

from __future__ import annotations

import ast

from auditor.analysis.agcontext import context_users
from auditor.analysis.arguments import Args, lookup
from auditor.analysis.configlist import EXTRA as CONFIG_FILE
from auditor.analysis.configlist import apply_config_file, config_file_ref
from auditor.analysis.modindex import ModuleIndex
from auditor.analysis.rawhttp import module_text
from auditor.analysis.scopes import Scope, span_of
from auditor.config.catalog import load_catalog
from auditor.analysis.endpoints import endpoint_for_url
from auditor.facts import CallSite, Container, Param, Prompt

PREFIX = "config_list[0]"  # the entry AG2 tries first; LLMConfig({...}) makes its dict that entry


def _data() -> dict:
    return load_catalog().flows.get("llm-configs") or {}


def llm_config_sites(resolver, finder, facts, walk: ModuleIndex) -> None:
    data = _data()
    if not data:
        return
    apis = data.get("apis") or {}
    entry_api = apis.get("entry", "ag2.config")
    ours = {entry_api, apis.get("kwargs", "ag2.kwargs")}
    key = str(data.get("entry-list", "config_list"))
    spans = []
    for site in facts.call_sites:
        if site.api != entry_api:
            continue
        call = next((c for c in walk.calls_at(site.span.line) if _same(span_of(c, resolver.lines), site.span)), None)
        if call is not None:
            _normalise(resolver, finder, site, call, _scope_of(resolver, walk, call), data, key)
            spans.append(site.span)
    roots = tuple(str(r) for r in data.get("roots") or [])
    if not spans and not (roots and any(qn.split(".")[0] in roots for qn in resolver.imports.values())):
        return  # no LLMConfig(...) here and no AutoGen import: no configuration to find
    text = module_text(resolver)
    if f'"{key}"' in text or f"'{key}'" in text:
        counts = _counts(facts)
        for node, scope in _config_dicts(resolver, key):
            sp = span_of(node, resolver.lines)
            if sp is None or any(_inside(sp, s) for s in spans) or any(s.api in ours and _same(s.span, sp) for s in facts.call_sites):
                continue
            site = _dict_site(resolver, finder, facts, node, scope, sp, data, key, counts)
            if site is not None:
                facts.call_sites.append(site)
    configs = [s for s in facts.call_sites if s.api in ours or s.api in (data.get("api-type-apis") or {}).values()]
    _agents(resolver, facts, configs, data)
    context_users(resolver, walk, facts, configs, data)


def _agents(resolver, facts, sites: list[CallSite], data: dict) -> None:
    """The agents each configuration is given to (``llm_config=`` of a call, the config followed
    through assignments): ``extra["users"]``, the related locations of its findings."""
    keyword = str(data.get("agent-keyword", "llm_config"))
    if not sites or keyword not in module_text(resolver):
        return
    by_at = {(s.span.line, s.span.column): s for s in sites}
    for call, scope in _calls_with(resolver, keyword):
        kw = next(k for k in call.keywords if k.arg == keyword)
        node, _ = resolver.follow(kw.value, scope)
        at = span_of(node, resolver.lines)
        site = by_at.get((at.line, at.column)) if at is not None else None
        csp = span_of(call, resolver.lines)
        if site is None or csp is None:
            continue
        name = (resolver.qualname(call.func, scope) or resolver.source_of(call.func)).rsplit(".", 1)[-1]
        site.extra.setdefault("users", []).append({"path": facts.path, "line": csp.line, "column": csp.column, "label": f"used by {name}(...)"})


def _calls_with(resolver, keyword: str):
    out: list[tuple[ast.Call, Scope]] = []

    def visit(node: ast.AST, scope: Scope) -> None:
        for child in ast.iter_child_nodes(node):
            inner = resolver.scope_of.get(child, scope) if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)) else scope
            if isinstance(child, ast.Call) and any(k.arg == keyword for k in child.keywords):
                out.append((child, scope))
            visit(child, inner)

    visit(resolver.tree, resolver.module_scope)
    return out


# ------------------------------------------------------------------ LLMConfig(...)
def _normalise(resolver, finder, site: CallSite, call: ast.Call, scope: Scope, data: dict, key: str) -> None:
    ref = config_file_ref(resolver, call, scope, site.path, data)  # LLMConfig.from_json(path="OAI_CONFIG_LIST")
    if ref is not None or (resolver.qualname(call.func, scope) or "").endswith(".from_json"):
        site.unknown = sorted(set(site.unknown) | {PREFIX})
        if ref is not None:
            site.extra[CONFIG_FILE] = ref
        site.model = None
        return
    has_entry = bool(call.args) and not isinstance(call.args[0], ast.Starred)
    if not has_entry:
        kw = next((k for k in call.keywords if k.arg == key), None)
        if kw is not None:
            args = Args(params=site.params, unknown=list(site.unknown), containers=site.containers)
            has_entry = _read_entry(resolver, finder, kw.value, scope, args, inline=call, extra=site.extra, path=site.path)
            site.unknown = sorted(set(args.unknown))
    if not has_entry and lookup(_args(site), PREFIX)[0] == "missing":
        site.api = (data.get("apis") or {}).get("kwargs", "ag2.kwargs")  # LLMConfig(model=..., api_type=...)
    _model(site)
    _provider(site, data)


def _read_entry(resolver, finder, expr: ast.AST, scope: Scope, args: Args, inline: ast.AST, extra: dict | None = None, path: str = "") -> bool:
    """The first entry of a ``config_list`` value mapped under ``config.``: True when the list is
    known (its entry then read, or marked unknown), False when there is no list to read."""
    node, s = resolver.follow(expr, scope)
    if not isinstance(node, (ast.List, ast.Tuple)):
        args.unknown.append(PREFIX)  # config_list_from_json(...), a variable from elsewhere
        ref = config_file_ref(resolver, node, s, path, _data()) if isinstance(node, ast.Call) and extra is not None else None
        if ref is not None:  # a project file named by a constant: read in phase 2 (analysis/configlist.py)
            extra[CONFIG_FILE] = ref
        return True
    if not node.elts or isinstance(node.elts[0], ast.Starred):
        args.unknown.append(PREFIX)
        return True
    found = resolver.dict_of(node.elts[0], s)
    if found is None or not isinstance(found[0], ast.Dict):
        args.unknown.append(PREFIX)
        return True
    entry, es = found
    written = _inside(span_of(entry, resolver.lines), span_of(inline, resolver.lines))
    finder._container_items(entry, es, args, PREFIX + ".", direct=written)
    ins = finder._insertion(entry) if written else None
    if ins is not None:
        args.containers[PREFIX] = Container("dict", ins)
    else:  # an entry written elsewhere (maybe shared by several configs): a fix adds nothing here
        args.params[PREFIX] = Param(PREFIX, resolver.value_of(node.elts[0], s))
    return True


def _model(site: CallSite) -> None:
    for path in (f"{PREFIX}.model", "model"):
        state, p = site.lookup(path)
        if state == "present" and p is not None:
            site.model = p.value
            return
        if state == "unknown":
            site.model = site.model or None
            return


def _provider(site: CallSite, data: dict) -> None:
    _endpoint(site)
    for path in (f"{PREFIX}.api_type", "api_type"):
        state, p = site.lookup(path)
        if state == "present" and p is not None and p.value.is_literal and isinstance(p.value.value, str):
            api_type = p.value.value.lower()
            provider = (data.get("api-types") or {}).get(api_type)
            if provider:
                site.provider = provider
            special = (data.get("api-type-apis") or {}).get(api_type)
            if special:
                site.api = special
            if api_type in (data.get("deployment-api-types") or []):
                site.extra["unknown_model"] = "ignore"  # Azure: `model` names a deployment its owner chose
            return


def _endpoint(site: CallSite) -> None:
    """``"base_url": "http://localhost:11434/v1"``: priced and checked as the server behind it
    (rules/endpoints.yaml), like an OpenAI client made with that ``base_url``."""
    for path in (f"{PREFIX}.base_url", "base_url"):
        state, p = site.lookup(path)
        if state != "present" or p is None or not p.value.is_literal or not isinstance(p.value.value, str) or not p.value.value.strip():
            continue
        endpoint = endpoint_for_url(p.value.value)
        if endpoint.id in ("openai", "azure-openai"):
            return
        if endpoint.provider:
            site.provider = endpoint.provider
        site.extra.update(endpoint=endpoint.id, local=endpoint.local, unknown_model=endpoint.unknown_model)
        return


# ------------------------------------------------------------------ {"config_list": [...]} dicts
def _config_dicts(resolver, key: str):
    """Dict displays with a ``config_list`` key, with the scope they are written in."""
    out: list[tuple[ast.Dict, Scope]] = []

    def visit(node: ast.AST, scope: Scope) -> None:
        for child in ast.iter_child_nodes(node):
            inner = resolver.scope_of.get(child, scope) if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)) else scope
            if isinstance(child, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == key for k in child.keys):
                out.append((child, scope))
            visit(child, inner)

    visit(resolver.tree, resolver.module_scope)
    return out


def _dict_site(resolver, finder, facts, node: ast.Dict, scope: Scope, sp, data: dict, key: str, counts: dict) -> CallSite | None:
    args = Args()
    entry = None
    for k, v in zip(node.keys, node.values):
        if k is None:
            finder._spread(v, scope, args, "")
        elif isinstance(k, ast.Constant) and k.value == key:
            entry = v
        elif isinstance(k, ast.Constant) and isinstance(k.value, str):
            finder._add(args, k.value, v, scope, True, arg_node=None, key_node=k, dict_pair=(k, v))
    if entry is None:
        return None
    extra: dict = {}
    _read_entry(resolver, finder, entry, scope, args, inline=node, extra=extra, path=facts.path)
    if lookup(args, f"{PREFIX}.model")[0] == "missing":
        return None  # not a generation configuration we can read (an embedding store's options, ...)
    qual = scope.qualname if scope.kind != "module" else "<module>"
    n = counts.get(qual, 0) + 1
    counts[qual] = n
    apis = data.get("apis") or {}
    site = CallSite(
        id=f"{facts.path}::{qual}#{n}", path=facts.path, span=sp, provider="openai", api=apis.get("entry", "ag2.config"),
        method="llm_config", qualname=qual, params=args.params, unknown=sorted(set(args.unknown)), prompt=Prompt(),
        insertion=None, source=" ".join(resolver.source_of(node).split())[:400],
    )
    site.containers = args.containers  # a dict takes no keyword: a fix only adds a key to its inline entry
    site.extra.update(extra)
    site.extra["in_function"] = scope.kind == "function"
    site.extra["function"] = scope.name if scope.kind == "function" else None
    site.extra["label"] = "the llm_config dict"
    _model(site)
    _provider(site, data)
    return site


# ------------------------------------------------------------------ phase 2: OAI_CONFIG_LIST files
def bind_config_file(root, site: CallSite, memo: dict, by_path: dict) -> None:
    """The entry of a configuration list file the site names (analysis/configlist.py), bound as its
    ``config_list[0]``: then its model and provider are read again. A ``.json`` list is a model
    configuration file too: its model id there is this site's (one LA402, with the site related)."""
    if CONFIG_FILE in site.extra and apply_config_file(root, site, PREFIX, memo):
        _model(site)
        _provider(site, _data())
        d = site.model.defined if site.model is not None else None
        other = by_path.get(d.path) if d is not None and d.path else None
        if other is not None and other.extra.get("model_refs"):
            other.extra["model_refs"] = [r for r in other.extra["model_refs"] if (r.span.line, r.span.column) != (d.span.line, d.span.column)]


# ------------------------------------------------------------------ helpers
def _args(site: CallSite) -> Args:
    return Args(params=site.params, unknown=site.unknown)


def _counts(facts) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in facts.call_sites:
        tail = s.id.rsplit("#", 1)[-1]
        if tail.isdigit():
            counts[s.qualname] = max(counts.get(s.qualname, 0), int(tail))
    return counts


def _scope_of(resolver, walk: ModuleIndex, call: ast.Call) -> Scope:
    info = walk.calls.get(id(call))
    return (resolver.scope_of.get(info.func) if info is not None and info.func is not None else None) or resolver.module_scope


def _same(a, b) -> bool:
    return a is not None and b is not None and (a.line, a.column) == (b.line, b.column)


def _inside(inner, outer) -> bool:
    if inner is None or outer is None:
        return False
    return (outer.line, outer.column) <= (inner.line, inner.column) and (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column)
