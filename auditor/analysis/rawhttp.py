"""Raw HTTP requests to a provider's generation endpoint as call sites.

``requests.post("https://api.anthropic.com/v1/messages", headers=h, json=data)``, ``httpx`` and
``aiohttp`` sessions (``await client.post(url, json=payload)``), ``requests.request("POST", url, ...)``,
httpx's ``client.stream("POST", url, json=...)``, a URL joined with ``urljoin(base, "/api/chat")``:
when the URL (a literal, a constant, an f-string whose holes count as ``*``) matches an endpoint of
``http-requests`` in rules/providers.yaml and the body is a dict (``json=``, ``data=json.dumps(...)``)
naming a model and a prompt, the call sends that API's request. Its body is read under ``json.``
like an SDK's keyword arguments, so the model, cap, stop and prompt rules apply; the provider that
serves the URL (rules/endpoints.yaml) prices it. A POST to any other URL, or without a model and
a prompt in its body, is no call site.
"""

from __future__ import annotations

import ast
import fnmatch
import re

from auditor.analysis.arguments import Args, lookup
from auditor.analysis.endpoints import GATEWAY, endpoint_for_url
from auditor.analysis.modindex import ModuleIndex, find_lines
from auditor.analysis.scopes import Scope, awaited, span_of
from auditor.config.catalog import load_catalog
from auditor.facts import CallSite, LoopInfo

BODY = "json"
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


def _data() -> dict:
    return load_catalog().providers_data.get("http-requests") or {}


def module_text(resolver) -> str:
    """The module's source as one string, joined once per module for the searches of these passes."""
    text = getattr(resolver, "_joined_text", None)
    if text is None:
        text = resolver._joined_text = "\n".join(resolver.lines)
    return text


def http_sites(resolver, finder, facts, walk: ModuleIndex) -> None:
    data = _data()
    endpoints = data.get("endpoints") or []
    methods = [str(m) for m in data.get("methods") or []]
    if not endpoints or not methods:
        return
    text = module_text(resolver)
    if not any(lit in text for lit in data.get("prescan") or []):
        return
    bodies = [str(b) for b in data.get("body") or []]
    counts: dict[str, int] = {}
    for s in facts.call_sites:
        tail = s.id.rsplit("#", 1)[-1]
        if tail.isdigit():
            counts[s.qualname] = max(counts.get(s.qualname, 0), int(tail))
    seen: set[int] = set()
    for line in find_lines(text, [f".{m}(" for m in methods] + [f"{m}(" for m in methods]):
        for call in walk.calls_at(line):
            if id(call) in seen or not isinstance(call.func, (ast.Attribute, ast.Name)):
                continue
            seen.add(id(call))
            site = _site(resolver, finder, facts, walk, call, endpoints, methods, bodies, counts)
            if site is not None:
                facts.call_sites.append(site)


def _site(resolver, finder, facts, walk, call: ast.Call, endpoints, methods, bodies, counts) -> CallSite | None:
    name = call.func.attr if isinstance(call.func, ast.Attribute) else call.func.id
    if name not in methods:
        return None
    info = walk.calls.get(id(call))
    scope = (resolver.scope_of.get(info.func) if info is not None and info.func is not None else None) or resolver.module_scope
    args = list(call.args)
    if name in ("request", "stream"):  # requests.request("POST", url, json=...), httpx's client.stream("POST", url, json=...)
        verb = _kw(call, "method") or (args.pop(0) if args else None)
        v = resolver.value_of(verb, scope) if verb is not None else None
        if v is None or not v.is_literal or str(v.value).upper() != "POST":
            return None
    url_expr = _kw(call, "url") or (args[0] if args else None)
    url = _url(resolver, finder, url_expr, scope) if url_expr is not None else None
    if not url:
        return None
    api_id = next((e["api"] for e in endpoints if any(fnmatch.fnmatchcase(url.lower(), g.lower()) for g in e.get("urls") or [])), None)
    api = finder.p.api(api_id) if api_id else None
    kw = next((k for k in call.keywords if k.arg in bodies), None)
    if api is None or kw is None:
        return None
    out = Args()
    finder._add(out, BODY, kw.value, scope, True, arg_node=kw, key_node=kw)
    _subscript_sets(resolver, finder, kw.value, scope, out)
    if lookup(out, f"{BODY}.model")[0] == "missing" or not any(lookup(out, p)[0] != "missing" for p in api.prompt.values()):
        return None  # no model and prompt in the body: not a generation request we can read
    model = out.params.get(f"{BODY}.model")
    qual = scope.qualname if scope.kind != "module" else "<module>"
    n = counts.get(qual, 0) + 1
    counts[qual] = n
    span = span_of(call, resolver.lines)
    site = CallSite(
        id=f"{facts.path}::{qual}#{n}", path=facts.path, span=span, provider=api.provider, api=api.id, method=name,
        qualname=qual, model=model.value if model is not None else None, params=out.params, unknown=sorted(set(out.unknown)),
        prompt=finder._prompt(api, out), insertion=None, is_async=awaited(resolver.lines, span),
        source=" ".join(resolver.source_of(call).split())[:400], result_name=finder._targets.get(id(call)),
    )
    site.containers = out.containers  # a fix adds a key to the body dict when it is written in the call
    site.streaming = bool(api.stream_param and lookup(out, api.stream_param)[0] == "present" and out.params[api.stream_param].value.value is True)
    site.extra["in_function"] = scope.kind == "function"
    site.extra["function"] = scope.name if scope.kind == "function" else None
    site.extra["http"] = True
    site.extra["label"] = f"the POST to {_short(url)}"
    if info is not None and info.loops:
        loop = info.loops[-1]
        it = getattr(loop, "iter", None) or getattr(loop, "test", None) or loop.generators[0].iter  # type: ignore[attr-defined]
        kind = "while" if isinstance(loop, ast.While) else "for" if isinstance(loop, (ast.For, ast.AsyncFor)) else "comprehension"
        site.loop = LoopInfo(kind, resolver.source_of(it)[:120], span_of(loop, resolver.lines))
    endpoint = endpoint_for_url(url.replace("*", "x"))
    if endpoint is not GATEWAY and endpoint.id not in ("openai", "azure-openai"):
        if endpoint.provider:
            site.provider = endpoint.provider
        site.extra.update(endpoint=endpoint.id, local=endpoint.local, unknown_model=endpoint.unknown_model)
    elif endpoint is GATEWAY and api.provider == "openai" and not url.lower().startswith("api.openai.com"):
        site.extra["unknown_model"] = "ignore"  # an OpenAI-compatible server no entry knows
    return site


def _subscript_sets(resolver, finder, expr: ast.AST, scope: Scope, out: Args) -> None:
    """``data["max_tokens"] = max_tokens`` after ``data = {...}`` (``json=data``, ``data=json.dumps(data)``):
    the key is part of the body, as for a ``**params`` spread."""
    if isinstance(expr, ast.Call) and expr.args and (resolver.qualname(expr.func, scope) or "") == "json.dumps":
        expr = expr.args[0]
    if not isinstance(expr, ast.Name):
        return
    for assign in scope.subscript_sets.get(expr.id, []):
        target = assign.targets[0]
        key = target.slice if isinstance(target, ast.Subscript) else None
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            finder._add(out, f"{BODY}.{key.value}", assign.value, scope, False, None, None)
        else:
            out.unknown.append(BODY)


def _kw(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _url(resolver, finder, expr: ast.AST, scope: Scope) -> str | None:
    """The URL without its scheme, holes as ``*``; None when nothing of it is written here."""
    if isinstance(expr, ast.Call) and len(expr.args) == 2 and (resolver.qualname(expr.func, scope) or "").endswith("urljoin"):
        tail = _url(resolver, finder, expr.args[1], scope)  # urljoin(self.url, "/api/chat"): the base's host, this path
        return None if tail is None else "*" + (tail if tail.startswith(("/", "*")) else "/" + tail)
    v = resolver.value_of(expr, scope)
    if v.is_literal and isinstance(v.value, str):
        text = v.value
    else:
        segs = finder.prompts.segments(expr, scope)
        if not any(s.kind == "static" and s.text for s in segs):
            return None
        text = "".join(s.text if s.kind == "static" else "*" for s in segs)
    text = _SCHEME.sub("", text.strip())
    return text if text.strip("*") else None


def _short(url: str) -> str:
    path = url.split("?", 1)[0]
    return path[path.find("/") :] if "/" in path else path
