"""Caching checks: LA501 cache-busting-prefix, LA502 uncached-repeated-context (LA503 call-in-loop
is :mod:`auditor.checks.batching`).

Provider facts are data in the catalog: per model ``cache`` (``automatic`` for OpenAI,
``explicit`` for Anthropic and Bedrock, ``implicit`` for Gemini 2.5+, ``none``),
``cache-min-tokens`` and prices (``cached-input``, ``cache-write``, ``batch-input``, ...); per
API the ``cache-control`` parameter paths. Every provider caches only an identical *prefix*,
in request order tools -> system -> messages, which is the order the finder builds
``site.prompt.messages`` in. Static text is counted with :func:`auditor.cost.tokens.count_tokens`
(exact for OpenAI, o200k_base times the provider's factor otherwise).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from auditor.facts import CallSite, Segment
from auditor.config.catalog import ModelInfo
from auditor.checks import check
from auditor.checks.context import RuleContext
from auditor.findings import Finding, Fix, RequestChange, Savings
from auditor.fix.edits import (
    ANTHROPIC_CACHE,
    BEDROCK_CACHE_POINT,
    cached_text_block,
    insert_at,
)

# a hole whose expression looks like a constant (an unresolved SETTINGS.SYSTEM_PROMPT) is
# most likely the same on every call: it does not break the prefix
_CONSTANT_EXPR = re.compile(r"^(?:[A-Za-z_]\w*\.)*[A-Z][A-Z0-9_]*$")
_DEFAULT_PROVIDER_CACHE = {
    "openai": {"cache": "automatic", "min-tokens": 1024},
    "azure": {"cache": "automatic", "min-tokens": 1024},
    "anthropic": {"cache": "explicit", "min-tokens": 1024},
    "bedrock": {"cache": "explicit", "min-tokens": 1024},
    "google": {"cache": "implicit", "min-tokens": 2048},
}
_PURE_BUILTINS = {"str", "len", "sorted", "list", "tuple", "repr", "int"}
# too generic to match a definition by name alone (``thread.run()``, ``session.get()``)
_GENERIC_NAMES = {
    "run", "main", "get", "set", "post", "put", "send", "call", "create", "update", "close", "start", "stop",
    "process", "execute", "invoke", "handle", "__call__", "__init__", "apply", "read", "write", "load", "save",
}


# ---------------------------------------------------------------- the cache view of a call site
@dataclass
class CacheView:
    """How a call site's prompt meets the provider's prefix cache."""

    model: ModelInfo | None
    mode: str  # automatic | explicit | implicit | none
    minimum: int
    assumed: bool  # the model is not in the catalog: provider defaults
    prefix_tokens: int = 0  # static tokens before the first dynamic segment
    system_tokens: int = 0  # of those, the ones in system messages (where the fix puts the breakpoint)
    after_tokens: int = 0  # static tokens after it
    breaker: Segment | None = None  # the first dynamic segment followed by static text
    breaker_role: str = ""
    chunks: list[tuple[str, str, object]] = field(default_factory=list)  # (role, "static"|"dynamic", text tokens | expr)
    exact: bool = True

    @property
    def lost_tokens(self) -> int:
        """Static tokens that could be cached if all static text came first, but are not."""
        if self.breaker is None:
            return 0
        if self.prefix_tokens >= self.minimum:
            return self.after_tokens
        return self.prefix_tokens + self.after_tokens

    @property
    def busts_prefix(self) -> bool:
        """LA501's condition: a dynamic segment keeps >= the cache minimum of static text out of the cache."""
        if self.breaker is None or self.mode == "none":
            return False
        if self.after_tokens >= self.minimum:
            return True
        return self.prefix_tokens < self.minimum <= self.prefix_tokens + self.after_tokens


@lru_cache(maxsize=4096)
def _count(text: str, model: str | None, factor: float) -> tuple[int, bool]:
    from auditor.cost.tokens import count_tokens

    if not text:
        return 0, True
    c = count_tokens(text, model, factor)
    return c.tokens, c.exact


def _breaks_prefix(seg: Segment, bound: frozenset[str] | None = None) -> bool:
    if seg.kind != "hole":
        return False
    if seg.hole_kind in ("unknown", "collection") and _stable_expr(seg.expr.strip()):
        return False
    return bound is None or seg.hole_kind == "volatile" or not _loop_invariant(seg.expr.strip(), bound)


@lru_cache(maxsize=4096)
def _loop_invariant(expr: str, bound: frozenset[str]) -> bool:
    """A hole of a call in a loop that reads no name the loop binds and calls no function but methods
    and pure builtins (``languages[lang_code]``, ``"\\n".join(f"* {k}" for k in glossary)`` built once before
    a loop over the chunks): the same on every request of the loop, so the prefix through it is cached
    from the second request on."""
    try:
        tree = ast.parse(expr, mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return False
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    if any(isinstance(n, (ast.Await, ast.Lambda)) for n in ast.walk(tree)):
        return False
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    if any(not (isinstance(c.func, ast.Attribute) or (isinstance(c.func, ast.Name) and c.func.id in _PURE_BUILTINS)) for c in calls):
        return False
    return bool(names) and not names & bound


@lru_cache(maxsize=4096)
def _stable_expr(expr: str) -> bool:
    """An expression built only from constants (``TOPICS``, ``", ".join(LABELS)``, ``cfg.SYSTEM``):
    most likely the same on every call, so it does not break the cached prefix."""
    if _CONSTANT_EXPR.match(expr or "x"):
        return True
    try:
        tree = ast.parse(expr, mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return False
    names = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name)]
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    if any(not (isinstance(c.func, ast.Attribute) or (isinstance(c.func, ast.Name) and c.func.id in _PURE_BUILTINS)) for c in calls):
        return False
    if not names and not calls:
        return True  # a literal: .format(company="Acme")
    return bool(names) and all(n.isupper() or n in _PURE_BUILTINS for n in names)


def cache_view(site: CallSite, ctx: RuleContext) -> CacheView | None:
    """The site's prompt split at the first dynamic segment, with the cache mode and minimum."""
    model = ctx.model(site)
    provider = model.provider if model is not None else site.provider
    defaults = {**_DEFAULT_PROVIDER_CACHE, **(ctx.params.get("provider-cache") or {})}
    if model is not None and model.cache and model.cache != "none" and model.cache_min_tokens:
        mode, minimum, assumed = model.cache, int(model.cache_min_tokens), False
    elif model is not None:
        return None  # the catalog says this model has no prompt cache
    elif provider in defaults:
        mode, minimum, assumed = str(defaults[provider]["cache"]), int(defaults[provider]["min-tokens"]), True
    else:
        return None
    view = CacheView(model, mode, minimum, assumed)
    lb = site.extra.get("loop_bound") if site.loop is not None else None
    bound = frozenset(lb) if lb is not None else None  # names the call's loop binds (analysis/loops.py)
    factor = ctx.providers.factor(provider) if provider not in ("openai", "azure") else 1.0
    name = model.name if model is not None else site.model_name
    before: list[str] = []
    after: list[str] = []
    system: list[str] = []
    for msg in site.prompt.messages:
        for seg in msg.segments:
            if seg.kind == "static":
                (after if view.breaker is not None else before).append(seg.text)
                if view.breaker is None and msg.role == "system":
                    system.append(seg.text)
                view.chunks.append((msg.role, "static", seg))
            elif _breaks_prefix(seg, bound):
                if view.breaker is None:
                    view.breaker, view.breaker_role = seg, msg.role
                view.chunks.append((msg.role, "dynamic", seg))
    view.prefix_tokens, e1 = _count("".join(before), name, factor)
    view.after_tokens, e2 = _count("".join(after), name, factor)
    view.exact = e1 and e2
    view.system_tokens = view.prefix_tokens if len(system) == len(before) else _count("".join(system), name, factor)[0]
    if view.after_tokens == 0:
        view.breaker = None  # dynamic parts at the end: the prefix is intact
    return view


def _hit_rate(ctx: RuleContext) -> float:
    try:
        return min(1.0, max(0.0, float(ctx.params.get("hit-rate", 0.9))))
    except (TypeError, ValueError):
        return 0.9


def cache_savings(site: CallSite, ctx: RuleContext, view: CacheView, tokens: int, what: str) -> Savings | None:
    """Monthly cost of the cache hits these ``tokens`` miss: reads at the cached-input price
    instead of the input price (explicit caches also pay the write premium on misses)."""
    model = view.model
    cacheable = view.prefix_tokens + view.after_tokens if what == "lost cache hits" else tokens  # reordered / marked
    change = RequestChange(site.id, "cache", tokens=float(cacheable), value=1.0 if view.mode == "explicit" else None)
    if model is None or tokens <= 0:
        return ctx.savings(site, change=change, tokens=tokens, basis=f"{what}; model price unknown") if tokens > 0 else None
    ip, read = model.price_of("input"), model.price_of("cached-input")
    if ip is None or read is None:
        return None
    h = _hit_rate(ctx)
    per_token = (ip - read) * h
    basis = f"{tokens:,} static tokens x (input ${ip:g} - cached ${read:g} per 1M) x {h:.0%} hit rate"
    if view.mode == "explicit":
        write = model.price_of("cache-write")
        if write is None:
            write = ip * 1.25
        per_token -= (write - ip) * (1 - h)
        basis = f"{tokens:,} static tokens: reads ${read:g} vs input ${ip:g} per 1M on {h:.0%} of calls, writes ${write:g} on the rest"
    if per_token <= 0:
        return None
    return ctx.savings(site, change=change, tokens=tokens, basis=f"{what}: {basis}")


def usd(s: Savings | None) -> str:
    if s is None or not s.usd_per_month:
        return ""
    v = s.usd_per_month
    return f"~${v:,.2f}/month" if v >= 0.01 else "<$0.01/month"


def _expr(seg: Segment, n: int = 40) -> str:
    text = " ".join((seg.expr or "...").split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _source_of(segs: list[Segment]) -> str:
    """Where the static text comes from: a constant's name and file, if it has one."""
    names = []
    for seg in segs:
        ref = getattr(seg, "extra_ref", None)
        if ref and ref[1] not in names:
            names.append(ref[1])
    if names:
        return "`" + "`, `".join(names[:2]) + "`"
    return ""


def _order(view: CacheView) -> str:
    """The order to use: every static chunk first, then the dynamic parts, roles kept."""
    statics: list[str] = []
    dynamics: list[str] = []
    for role, kind, seg in view.chunks:
        if kind == "static":
            label = f"static {role} text"
            if not statics or statics[-1] != label:
                statics.append(label)
        else:
            name = f"`{_expr(seg)}`"  # type: ignore[arg-type]
            if name not in dynamics:  # the same value written in several places is named once
                dynamics.append(name)
    return " -> ".join(statics + dynamics[:4] + (["..."] if len(dynamics) > 4 else []))


# ---------------------------------------------------------------- LA501
@check("cache_busting_prefix")
def cache_busting_prefix(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    view = cache_view(site, ctx)
    if view is None or not view.busts_prefix or view.breaker is None:
        return
    seg = view.breaker
    lost = view.lost_tokens
    volatile = seg.hole_kind == "volatile"
    how = "changes on every call" if volatile else f"is dynamic ({seg.hole_kind})"
    statics = [s for _, k, s in view.chunks if k == "static"]
    where = _source_of(statics)  # type: ignore[arg-type]
    assumed = " (model not in the catalog: provider default)" if view.assumed else ""
    sav = cache_savings(site, ctx, view, lost, "lost cache hits")
    msg = (
        f"`{_expr(seg)}` in the {view.breaker_role} message {how} and comes before {view.after_tokens:,} tokens of static text"
        f"{' (' + where + ')' if where else ''}: the provider caches only an identical prefix (minimum {view.minimum:,} tokens{assumed}), "
        f"so {lost:,} tokens are never read from the cache. Order it as: {_order(view)}"
    )
    if view.mode == "explicit":
        msg += ", with a cache breakpoint (`cache_control`/`cachePoint`) after the static part"
    yield ctx.site_finding(site, msg, savings=sav)


# ---------------------------------------------------------------- LA502
def _repeated(site: CallSite, ctx: RuleContext) -> list[str]:
    """Evidence that this request goes out repeatedly, in words (empty: none found)."""
    out: list[str] = []
    if site.loop is not None:
        it = f" over `{site.loop.iter_source[:40]}`" if site.loop.iter_source else ""
        out.append(f"called in a {site.loop.kind} loop{it}")
    sharers = _sharers(site, ctx)
    if sharers and site.cell is not None and site.qualname == "<module>":
        sharers = []  # notebook demo cells that send one prompt each run once, when the reader runs them
    if sharers:
        out.append(f"the same prompt is sent by {len(sharers) + 1} call sites")
    fn = site.extra.get("function")
    if fn and fn not in _GENERIC_NAMES:
        graph = _call_graph(ctx)
        if graph["defs"].get(fn, 0) == 1:
            count, loop = graph["refs"].get(fn, (0, None))
            if loop:
                out.append(f"`{fn}()` is called in a loop ({loop[0]}:{loop[1]})")
            elif count >= 2:
                out.append(f"`{fn}()` is called from {count} places")
    return out


def _call_graph(ctx: RuleContext) -> dict:
    """Project-wide: how many defs carry each name, and (calls, first call in a loop) per name."""
    graph = ctx.extra.get("call_graph")
    if graph is None:
        defs: dict[str, int] = {}
        refs: dict[str, tuple[int, tuple[str, int] | None]] = {}
        for f in ctx.project.facts:
            for name in f.extra.get("defs") or []:
                defs[name] = defs.get(name, 0) + 1
            for name, (count, loop_line) in (f.extra.get("call_refs") or {}).items():
                total, loop = refs.get(name, (0, None))
                refs[name] = (total + count, loop or ((f.path, loop_line) if loop_line else None))
        graph = ctx.extra["call_graph"] = {"defs": defs, "refs": refs}
    return graph


def _sharers(site: CallSite, ctx: RuleContext) -> list[str]:
    """Other call sites that send the same static prompt constant (or identical static text)
    to the same model: caches are per model, so a Claude call and a GPT call sharing a
    constant do not warm each other's cache."""
    index = ctx.extra.get("sharers")
    if index is None:
        sites = {s.id: s for s in ctx.project.call_sites()}
        groups: list[set[str]] = []
        for owners in ctx.project.constant_uses.values():
            groups.append({o for o in owners if o in sites})
        by_text: dict[str, set[str]] = {}
        for s in sites.values():
            text = s.prompt.static_text
            if len(text) >= 2000:  # far below any cache minimum is not worth grouping
                by_text.setdefault(text, set()).add(s.id)
        groups.extend(by_text.values())
        index = {}
        for group in groups:
            by_model: dict[str, set[str]] = {}
            for sid in group:
                by_model.setdefault(_model_key(sites[sid], ctx), set()).add(sid)
            for same in by_model.values():
                if len(same) > 1:
                    for sid in same:
                        index.setdefault(sid, set()).update(same)
        ctx.extra["sharers"] = index
    return sorted(index.get(site.id, set()) - {site.id})


def _model_key(site: CallSite, ctx: RuleContext) -> str:
    model = ctx.model(site)
    return model.name if model is not None else f"{site.provider}:{site.model_name or '?'}"


def _marked(site: CallSite, ctx: RuleContext) -> str:
    """"marked" when a cache breakpoint is set, "unknown" when **kwargs could set one, else ""."""
    if site.extra.get("cache_marked"):
        return "marked"
    api = ctx.api(site)
    if api is not None and api.cache_control:
        state, _ = site.first_present(api.cache_control)
        if state == "present":
            return "marked"
        if state == "unknown" and "" in site.unknown and not ctx.policy.strict:
            return "unknown"
    return ""


def _system_is_static(site: CallSite) -> bool:
    system = [m for m in site.prompt.messages if m.role == "system"]
    return len(system) == 1 and bool(system[0].segments) and not any(_breaks_prefix(s) for s in system[0].segments)


def _cache_fix(site: CallSite, view: CacheView) -> Fix | None:
    data = site.extra.get("cache_fix")
    if not data or view.system_tokens < view.minimum:
        return None  # a breakpoint after the system prompt would cache less than the minimum
    kind = data.get("kind")
    if kind == "anthropic-system" and _system_is_static(site):
        edits = cached_text_block(data["span"], data["source"])
        return Fix("unsafe", "Send the system prompt as a text block with `cache_control` (ephemeral)", edits)
    if kind == "anthropic-block" and _system_is_static(site):
        return Fix("unsafe", "Add `cache_control` (ephemeral) to the last system block", insert_at(data["at"], ", " + ANTHROPIC_CACHE))
    if kind == "bedrock-system" and _system_is_static(site):
        return Fix("unsafe", "Append a `cachePoint` block after the system prompt", insert_at(data["at"], ", " + BEDROCK_CACHE_POINT))
    return None


@check("uncached_repeated_context")
def uncached_repeated_context(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    view = cache_view(site, ctx)
    if view is None or view.mode == "none":
        return
    if view.busts_prefix:
        return  # one cause, one finding: LA501 explains the miss
    if view.mode != "explicit":
        return  # automatic/implicit caches serve any static prefix at or above the minimum
    if view.prefix_tokens < view.minimum:
        return
    if _marked(site, ctx):
        return
    evidence = _repeated(site, ctx)
    if not evidence:
        return
    statics = [s for _, k, s in view.chunks if k == "static"]
    where = _source_of(statics)  # type: ignore[arg-type]
    tokens = view.prefix_tokens
    sav = cache_savings(site, ctx, view, tokens, "uncached repeated prefix")
    api = ctx.api(site)
    in_system = view.system_tokens >= view.minimum
    if in_system and api is not None and any("cachePoint" in p for p in api.cache_control):
        how = 'append `{"cachePoint": {"type": "default"}}` after the static system blocks'
    elif in_system and api is not None and any(p.startswith("system.") for p in api.cache_control):
        how = 'send the system prompt as a text block with `"cache_control": {"type": "ephemeral"}`'
    else:
        how = 'mark the end of the static part with `"cache_control": {"type": "ephemeral"}` in its content block'
    model = view.model.name if view.model else site.provider
    msg = (
        f"{tokens:,} tokens of static prompt{' (' + where + ')' if where else ''} are resent without a cache breakpoint "
        f"({'; '.join(evidence)}): {model} caches only marked prefixes (reads 0.1x input, writes 1.25x); {how}"
    )
    yield ctx.site_finding(site, msg, fix=_cache_fix(site, view), savings=sav)
