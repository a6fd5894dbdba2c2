"""Which provider serves an OpenAI-compatible client: its ``base_url=`` (a literal, a module constant or an
``os.getenv("X", "default")`` default) or the environment variable it is read from, matched against the
endpoint table in ``rules/endpoints.yaml``. A call site on such a client is priced and checked as the
serving provider's: local servers cost $0 and get no unknown-model finding."""

from __future__ import annotations

import ast
import fnmatch
import re
from dataclasses import dataclass
from functools import lru_cache

from auditor.config.catalog import load_yaml_file, rules_dir

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


@dataclass(frozen=True)
class Endpoint:
    id: str
    provider: str
    local: bool
    unknown_model: str  # report | ignore
    urls: tuple[str, ...]
    env: tuple[str, ...]
    router: bool = False  # forwards to the model's own provider (its lifecycle applies)
    search: bool = False  # each request runs a web search for its query (Perplexity): one query per request


GATEWAY = Endpoint("gateway", "", False, "ignore", (), ())  # a base URL no entry knows


@lru_cache(maxsize=1)
def endpoint_table() -> tuple[tuple[Endpoint, ...], frozenset[str], tuple[str, ...]]:
    data = load_yaml_file(rules_dir() / "endpoints.yaml") or {}
    table = tuple(
        Endpoint(e["id"], e["provider"], bool(e.get("local", False)), str(e.get("unknown-model", "report")),
                 tuple((e.get("match") or {}).get("urls") or []), tuple((e.get("match") or {}).get("env") or []),
                 bool(e.get("router", False)), bool(e.get("search", False)))
        for e in data.get("endpoints") or []
    )
    return table, frozenset(data.get("openai-env") or []), tuple(data.get("url-params") or ["base_url"])


def url_params() -> tuple[str, ...]:
    return endpoint_table()[2]


def endpoint_for_url(url: str) -> Endpoint:
    """The endpoint a base URL belongs to (GATEWAY when no entry matches)."""
    bare = _SCHEME.sub("", url.strip()).lower()
    for e in endpoint_table()[0]:
        if any(fnmatch.fnmatchcase(bare, p) for p in e.urls):
            return e
    return GATEWAY


def endpoint_by_id(eid: str) -> Endpoint | None:
    return next((e for e in endpoint_table()[0] if e.id == eid), None)


def endpoint_for_env(name: str) -> Endpoint | None:
    for e in endpoint_table()[0]:
        if name in e.env:
            return e
    return None


def env_names(expr: ast.AST) -> list[str]:
    """Environment variables an expression reads: os.getenv("X"), os.environ["X"], os.environ.get("X")."""
    out = []
    for node in ast.walk(expr):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name in ("getenv", "get", "setdefault"):
                out.append(node.args[0].value)
        elif (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)
              and isinstance(node.value, ast.Attribute) and node.value.attr == "environ"):
            out.append(node.slice.value)
    return out


def serving_endpoint(expr: ast.AST, value, resolver=None, scope=None) -> Endpoint | None:
    """The endpoint of a base-URL argument: from its literal value (incl. an env default, and the default
    of ``base_url = kwargs.pop("base_url", MINIMAX_API_BASE)``), else from the environment variable it
    reads; None when it says nothing (an unknown variable, OPENAI_BASE_URL alone)."""
    if (value is None or not value.is_literal) and resolver is not None:
        value = _option_default(expr, resolver, scope) or value
    if value is not None and value.is_literal and isinstance(value.value, str) and value.value.strip():
        return endpoint_for_url(value.value)
    for name in env_names(expr):
        e = endpoint_for_env(name)
        if e is not None:
            return e
    return None


def _option_default(expr: ast.AST, resolver, scope):
    """The default of an option read from a dict (``kwargs.pop("base_url", URL)``, ``cfg.get("base_url", URL)``),
    directly or through the name it was assigned to: the URL the client is made with unless the caller passes one."""
    if isinstance(expr, ast.Name) and scope is not None:
        b = resolver.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
        if b and b[0] == "assign" and isinstance(b[1], ast.AST):
            expr, scope = b[1], b[2]
    if (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in ("pop", "get")
            and len(expr.args) == 2 and isinstance(expr.args[0], ast.Constant) and isinstance(expr.func.value, ast.Name)):
        try:
            return resolver.value_of(expr.args[1], scope)
        except Exception:  # noqa: BLE001 - an unresolvable default says nothing
            return None
    return None
