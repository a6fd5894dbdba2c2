"""Request hygiene checks: LA601 unstructured-output-parsing, LA602 unbounded-history,
LA603 prompt-drift, LA604 missing-timeout.

LA601, LA602 and LA604 read the phase-1 facts :mod:`auditor.analysis.usage` records (parses of
the response text, growing message lists, client constructions); LA603 compares the
project's prompts with ``llm-audit.lock`` (:mod:`auditor.analysis.lockfile`).
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.facts import CallSite, FileFacts
from auditor.checks import check
from auditor.checks.context import RuleContext
from auditor.findings import Finding, Related

# too generic to match a definition by name alone
_GENERIC_NAMES = {"run", "main", "get", "call", "create", "invoke", "__call__", "process", "handle", "execute", "send"}


# ---------------------------------------------------------------- LA601
def _unique_def(name: str, ctx: RuleContext) -> bool:
    count = ctx.extra.get("defs")
    if count is None:
        count = {}
        for f in ctx.project.facts:
            for n in f.extra.get("defs") or []:
                count[n] = count.get(n, 0) + 1
        ctx.extra["defs"] = count
    return count.get(name, 0) == 1 and name not in _GENERIC_NAMES


@check("unstructured_output_parsing")
def unstructured_output_parsing(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    if site.extra.get("structured") or site.streaming:
        return
    api = ctx.api(site)
    if api is None:
        return
    if api.structured_params and not ctx.policy.strict:
        if any(site.lookup(p)[0] == "unknown" for p in api.structured_params):
            return  # **kwargs may carry response_format
    uses = [(site.path, u) for u in site.extra.get("parses") or []]
    fn = site.extra.get("function")
    if site.extra.get("returns_text") and fn and _unique_def(fn, ctx):
        for f in ctx.project.facts:
            for u in (f.extra.get("parsed_results") or {}).get(fn, []):
                uses.append((f.path, u))
    if not uses:
        return
    suggestions = ctx.params.get("suggest") or {}
    how = suggestions.get(api.id) or suggestions.get(site.provider) or "request structured output (a JSON schema) from the API"
    by_path: dict[str, list] = {}
    for path, u in uses:
        by_path.setdefault(path, []).append(u)
    for path, us in by_path.items():
        # one response parsed at several lines (a regex cutting the JSON out, then json.loads of the
        # match; the same parse copied into later cells) is one cause: the first parse, the others related
        us = sorted(us, key=lambda u: (-1 if u.cell is None else u.cell, u.span.line, u.span.column))
        u = us[0]
        where = "" if path == site.path else f" in {path}"
        more = f" (and at {len(us) - 1} more line{'s' if len(us) > 2 else ''})" if len(us) > 1 else ""
        msg = (
            f"the text response of {site.method}() (line {site.span.line}{' of ' + site.path if where else ''}) is parsed with "
            f"`{u.text}`{where}{more}, but the request asks for no structured output: free text breaks parsers "
            f"(code fences, prose around the JSON, truncated answers); {how}"
        )
        f = ctx.finding(msg, path, u.span, cell=u.cell, site=site)
        f.related = [Related(path, o.span.line, o.span.column, o.cell, f"also parses it: `{o.text}`") for o in us[1:]]
        yield f


# ---------------------------------------------------------------- LA602
@check("unbounded_history")
def unbounded_history(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    h = site.extra.get("history")
    if h is None:
        return
    if h.loop_line is None and h.name.startswith("self.") and _called_once(site, ctx):
        return  # the method is called once, at the top level of a script or notebook: one turn, nothing grows
    grows = f"`{h.grow.text}` (line {h.grow.span.line})"
    if h.loop_line is not None:
        how = f"grows with {grows} in the loop at line {h.loop_line}"
    else:
        how = f"grows with {grows} on every call of `{site.extra.get('function') or site.qualname}`"
    keep = int(ctx.params.get("keep-turns") or 20)
    msg = (
        f"`{h.name}` {how} and is sent whole with no truncation: input tokens grow with every turn "
        f"(the conversation costs quadratically) until the context window overflows; send the system prompt plus "
        f"the last turns (e.g. `{h.name}[-{keep}:]`) or summarise older turns"
    )
    yield ctx.site_finding(site, msg)


def _called_once(site: CallSite, ctx: RuleContext) -> bool:
    """The project reaches the request from exactly one call, outside any function and loop
    (``conv = Conversation(system); conv.generate("...")`` in one notebook cell)."""
    memo = ctx.extra.get("callers_of")
    if memo is None:
        memo = {}
        for d in ctx.project.call_sites():
            line = (d.extra.get("derived") or {}).get("line") or []
            if len(line) >= 2:
                memo.setdefault(line[-1], []).append(d)
        ctx.extra["callers_of"] = memo
    callers = memo.get(site.id) or []
    return len(callers) == 1 and callers[0].loop is None and not callers[0].extra.get("in_function")


# ---------------------------------------------------------------- LA603
@check("prompt_drift", on="project")
def prompt_drift(project, ctx: RuleContext) -> Iterable[Finding]:
    from auditor.analysis.lockfile import LOCK_NAME, current_prompts, drift, lock_path, read_lock

    try:
        locked = read_lock(lock_path(ctx.policy.root))
    except (OSError, ValueError) as e:
        yield ctx.finding(f"cannot read {LOCK_NAME}: {e}", LOCK_NAME, None)
        return
    if locked is None:
        return
    d = drift(current_prompts(project), locked)
    for p, old in d.changed:
        what = f"prompt constant `{p.key.split('::', 1)[1]}`" if p.kind == "constant" else f"the prompt of {p.subject.method}()"  # type: ignore[attr-defined]
        msg = (
            f"{what} changed since {LOCK_NAME} was written (checksum {old.removeprefix('sha256:')[:12]} -> "
            f"{p.digest.removeprefix('sha256:')[:12]}): review the change, then run `llm-audit lock`"
        )
        yield _at(ctx, p, msg)
    for p in d.new:
        what = f"prompt constant `{p.key.split('::', 1)[1]}`" if p.kind == "constant" else f"the prompt of {p.subject.method}()"  # type: ignore[attr-defined]
        yield _at(ctx, p, f"{what} is not recorded in {LOCK_NAME}: review it, then run `llm-audit lock`")


def _at(ctx: RuleContext, p, msg: str) -> Finding:
    subject = p.subject
    if p.kind == "call_site":
        return ctx.site_finding(subject, msg)
    return ctx.finding(msg, subject.path, subject.span, cell=subject.cell)


# ---------------------------------------------------------------- LA604
def _entry(table: dict, type_name: str):
    """The value of the longest key that ``type_name`` starts with."""
    best = None
    for key, value in (table or {}).items():
        if type_name == key or type_name.startswith(key):
            if best is None or len(key) > len(best[0]):
                best = (key, value)
    return best[1] if best else None


@check("missing_timeout", on="file")
def missing_timeout(facts: FileFacts, ctx: RuleContext) -> Iterable[Finding]:
    table = ctx.params.get("timeout-keywords") or {}
    defaults = ctx.params.get("sdk-defaults") or {}
    for c in facts.extra.get("clients") or []:
        wanted = _entry(table, c.type)
        if not wanted:
            continue
        if any(k in c.keywords for k in wanted):
            continue
        if c.star and not ctx.policy.strict:
            continue
        default = _entry(defaults, c.type)
        tail = f" (SDK default: {default})" if default else ""
        names = " / ".join(f"`{k}`" for k in wanted)
        msg = (
            f"`{c.maker.rsplit('.', 1)[-1]}(...)` is constructed without {names}{tail}: a stalled request holds a worker "
            f"(and the user) that long; set a timeout that fits the task, and `max_retries` where the SDK has it"
        )
        yield ctx.finding(msg, facts.path, c.span, cell=c.cell)
    providers = ctx.providers
    for site in facts.call_sites:
        api = providers.api(site.api)
        if api is None or not api.timeout or not (api.constructor or (api.match_callables and not api.match_types)):
            continue  # client-based APIs are judged at the client construction
        state, _ = site.first_present(api.timeout)
        if state == "present" or (state == "unknown" and not ctx.policy.strict):
            continue
        names = " / ".join(f"`{k}`" for k in api.timeout)
        default = _entry(defaults, api.id)
        tail = f" (default: {default})" if default else ""
        yield ctx.site_finding(site, f"{site.method}() sets no {names}{tail}: a stalled request blocks until the default expires; set a timeout that fits the task")

