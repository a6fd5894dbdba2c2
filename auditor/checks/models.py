"""Model-choice checks: LA105 excessive-samples, LA106 unsupported-parameter,
LA401 oversized-model-for-simple-task, LA402 retired-model, LA403 unknown-model, LA404 superseded-model.

All facts about models (tier, prices, rejected parameters, lifecycle dates, successor,
downgrade target) come from the model catalog (``rules/models.yaml`` plus policy ``models:``);
which parameters ask for several samples comes from the providers catalog (``samples``);
what counts as a simple task comes from the rule's parameters (policy-overridable) and policy
``routing``.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from datetime import date

from auditor.facts import CallSite, Param
from auditor.config.catalog import ModelInfo, glob_match
from auditor.checks import check
from auditor.checks.context import RuleContext
from auditor.cost.model import LOCAL_PROVIDERS, call_cost
from auditor.findings import Edit, Finding, Fix, Savings
from auditor.fix.edits import remove_param
from auditor.analysis.roles import instruction_text
from auditor.checks.modelswap import definition_swap, swap_allowed
from auditor.checks.taskask import open_ask, task_match
from auditor.sources.configfile import CONFIG_API
from auditor.sources.lines import split_lines
from auditor.sources.python import decode_source

# families of hosted-LLM ids: in a configuration file an unknown value is reported only when it
# is written like one; `bert-base-uncased` or
# `meta-llama/Llama-3.1-8B-Instruct` in a training config is somebody else's model
HOSTED_FAMILIES = re.compile(
    r"^(?:[a-z_]+/)?(?:gpt-|o[1-9](?:-|$)|chatgpt-|claude-|gemini-|mistral-|ministral-|codestral-|devstral-|magistral-"
    r"|pixtral-|grok-|deepseek-|command-|text-davinci-)",
    re.IGNORECASE,
)

TIER_RANK = {"small": 0, "medium": 1, "large": 2}


# ---------------------------------------------------------------- shared helpers
def model_param(site: CallSite, ctx: RuleContext) -> Param | None:
    """The parameter that carries the model (``model=``, ``modelId=``, ...), if present."""
    api = ctx.api(site)
    for name in (api.model if api else ["model"]):
        state, param = site.lookup(name)
        if state == "present":
            return param
    return None


def _model_value_at_call(site: CallSite, ctx: RuleContext):
    """(value, in_yaml) of the model as written at the call: the ``model=`` keyword of a Python
    call, or the model scalar of a prompt file's front matter."""
    param = model_param(site, ctx)
    if param is not None and site.api == CONFIG_API:
        return param.value, True  # a configuration value: keep a plain scalar plain
    if param is not None:
        return (param.value, False) if param.direct else (None, False)
    if site.api.startswith("promptfile") and site.model is not None:
        return site.model, True
    return None, False


PLAIN_SCALAR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/@+-]*$")
TRIPLE_QUOTES = ("'" * 3, '"' * 3)


def written_target(written: str, model: ModelInfo, target: str, ctx: RuleContext) -> str | None:
    """The replacement name in the style it was written: a router or plugin prefix is kept
    (``googleai/``, ``anthropic/``, ``openrouter/openai/``). None when the written name is a
    cloud-specific id (Bedrock ``anthropic.claude-...-v1:0``, Vertex ``...@20240620``) or a
    fine-tune, which no catalog name can replace."""
    if written.startswith("ft:") or "@" in written or ":" in written:
        return None
    prefix, rest = "", written
    while "/" in rest and ctx.policy.models.lookup(rest.split("/", 1)[1]) is model:
        head, rest = rest.split("/", 1)
        prefix += head + "/"
    if rest.split(".", 1)[0].lower() in ("anthropic", "meta", "mistral", "cohere", "amazon", "us", "eu", "apac", "global"):
        return None
    return prefix + target


def swap_model_fix(site: CallSite, ctx: RuleContext, target: str, message: str, at_definition: bool = False) -> Fix | None:
    """An unsafe fix that rewrites the model string where it is written at the call (or, with
    ``at_definition``, where it is defined), when the swap is valid there (:mod:`auditor.checks.modelswap`)."""
    if not swap_allowed(site, ctx, target):
        return None
    new_model = ctx.policy.models.lookup(target, site.provider)
    blocking = set(new_model.rejects) - {"max_tokens"} if new_model is not None else set()  # max_tokens: LA103 renames it
    if any(p.rsplit(".", 1)[-1] in blocking for p in site.params):
        return None  # the call passes a parameter the new model rejects: the swap would make it fail
    value, in_yaml = _model_value_at_call(site, ctx)
    if at_definition and (value is None or value.origin != "literal"):
        model = ctx.policy.models.lookup(site.model_name)
        return definition_swap(site, ctx, target, message, lambda written: written_target(written, model, target, ctx) if model else None)
    if value is None or value.span is None or value.origin != "literal" or not isinstance(value.value, str):
        return None
    target = written_target(value.value, ctx.policy.models.lookup(value.value), target, ctx)  # type: ignore[arg-type]
    if target is None:
        return None
    source = value.source or ""
    if in_yaml and source == value.value and PLAIN_SCALAR.match(target):
        new = target  # keep the front matter's plain style
    else:
        quote = source[-1:] if source[-1:] in ("'", '"') else '"'
        if source.startswith(TRIPLE_QUOTES) or (source[:1].lower() in ("f", "b", "r", "u") and not source.startswith(quote)):
            return None  # triple-quoted or prefixed strings: leave them to a human
        if quote in target or "\\" in target:
            return None
        new = f"{quote}{target}{quote}"
    edit = Edit(value.span.line, value.span.column, value.span.end_line, value.span.end_column, new)
    return Fix("unsafe", message, [edit])


def model_span(site: CallSite, ctx: RuleContext):
    """Where to point a model finding: the ``model=`` argument (or front-matter scalar), else the call."""
    param = model_param(site, ctx)
    if param is not None and param.direct and param.arg_span:
        return param.arg_span
    if param is None and site.api.startswith("promptfile") and site.model is not None and site.model.span is not None:
        return site.model.span
    return site.span


def is_retired(m: ModelInfo, today: date) -> bool:
    return m.retired is not None and m.retired <= today


def site_api(site: CallSite, ctx: RuleContext) -> str:
    """The API family the call uses: ``completions`` (prompt=), ``responses`` or ``chat``."""
    api = ctx.api(site)
    if api is None:
        return "chat"
    if api.kind == "completion":
        return "completions"
    return "responses" if api.id.endswith("responses") else "chat"


def current_successor(m: ModelInfo, ctx: RuleContext, api: str = "chat") -> ModelInfo | None:
    """The first successor in the chain that is still available today and serves ``api``
    (a chat model never replaces a completions-only one)."""
    seen = {m.name}
    cur: ModelInfo | None = m
    for _ in range(6):
        if cur is None or not cur.successor:
            return None
        nxt = ctx.policy.models.lookup(cur.successor, m.provider)
        if nxt is None or nxt.name in seen:
            return None
        if not is_retired(nxt, ctx.today):
            return nxt if api in nxt.api else None
        seen.add(nxt.name)
        cur = nxt
    return None


def swap_savings(site: CallSite, ctx: RuleContext, old: ModelInfo, new: ModelInfo, why: str) -> Savings | None:
    """Price difference old -> new at this site's estimated tokens; None unless it saves money."""
    est = ctx.cost.estimate(site)
    before = call_cost(old, est.input_tokens, est.output_tokens, est.batch)
    after = call_cost(new, est.input_tokens, est.output_tokens, est.batch)
    if before is None or after is None or before - after <= 0:
        return None
    basis = f"{why}: {old.name} -> {new.name} at ~{est.input_tokens:,.0f} input + ~{est.output_tokens:,.0f} output tokens per call"
    return ctx.savings(site, usd_per_call=before - after, basis=basis)


def _price(m: ModelInfo) -> str:
    i, o = m.price_of("input"), m.price_of("output")
    return f"{_usd(i)}/{_usd(o)}" if i is not None and o is not None else "price unknown"


def _literal_int(param: Param | None) -> int | None:
    if param is None or not param.value.is_literal:
        return None
    v = param.value.value
    return v if isinstance(v, int) and not isinstance(v, bool) else None


# ---------------------------------------------------------------- LA105
@check("excessive_samples")
def excessive_samples(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    api = ctx.api(site)
    if api is None or not api.samples or site.extra.get("every_choice"):
        return  # every sample is read (voting, reranking): the extra completions are the design
    limit = int(ctx.params.get("max-samples", 1))
    names = set(ctx.params.get("sample-params") or ["n", "best_of", "candidate_count", "num_return_sequences"])
    for path in api.samples:
        if path.rsplit(".", 1)[-1] not in names:
            continue
        state, param = site.lookup(path)
        value = _literal_int(param) if state == "present" else None
        if value is None or value <= limit:
            continue
        est = ctx.cost.estimate(site)
        extra = value - limit
        savings = None
        if site.provider not in LOCAL_PROVIDERS:
            savings = ctx.savings(
                site, output_tokens=extra * est.output_tokens,
                basis=f"{extra} extra completion(s) x ~{est.output_tokens:,.0f} output tokens",
            )
        what = "candidates are generated (and billed) server-side" if path.endswith("best_of") else "completions are generated and billed"
        yield ctx.finding(
            f"`{path}={value}`: {value} {what} per call; the policy allows at most {limit} (output cost x{value})",
            site.path, param.arg_span or site.span, site=site, savings=savings,  # type: ignore[union-attr]
        )


# ---------------------------------------------------------------- LA106
def _source_lines(ctx: RuleContext, site: CallSite) -> list[str] | None:
    """The lines of the file (or notebook cell) holding the call, for an edit that removes text."""
    path = ctx.policy.root / site.path
    try:
        if site.cell is None:
            return split_lines(decode_source(path.read_bytes()))
        nb = json.loads(path.read_text(encoding="utf-8-sig"))
        cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
        src = cells[site.cell].get("source", "")
        return split_lines("".join(src) if isinstance(src, list) else str(src))
    except (OSError, ValueError, IndexError, AttributeError, LookupError, SyntaxError, RecursionError):
        return None


def _remove_fix(site: CallSite, ctx: RuleContext, param: Param, applicability: str) -> Fix | None:
    if not param.direct or param.arg_span is None or param.key_span is None or "." in param.path:
        return None
    lines = _source_lines(ctx, site)
    if lines is None or param.arg_span.line > len(lines):
        return None
    name = param.path
    if not lines[param.arg_span.line - 1][param.arg_span.column - 1 :].startswith(name):
        return None  # the file changed since it was analysed (or came from stdin)
    span = param.arg_span
    before = lines[span.line - 1][: span.column - 1]
    after = lines[span.end_line - 1][span.end_column - 1 :].strip()
    if not before.strip() and after in ("", ",") and span.end_line < len(lines):
        # the keyword has its own line(s): remove them whole, indentation included
        edits = [Edit(span.line, 1, span.end_line + 1, 1, "")]
    else:
        edits = remove_param(param, lines)
    return Fix(applicability, f"Remove `{name}`", edits) if edits else None


@check("unsupported_parameter")
def unsupported_parameter(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    model = ctx.model(site)
    if model is None or not model.rejects:
        return
    api = ctx.api(site)
    handled = set(ctx.params.get("skip") or ["max_tokens"])  # max_tokens: LA103 renames it
    defaults = dict(ctx.params.get("accepted-defaults") or {})
    sampling = set(api.sampling if api else [])
    env = site.model is not None and site.model.origin == "env-default"
    for path, param in sorted(site.params.items()):
        leaf = path.rsplit(".", 1)[-1]
        if leaf not in model.rejects or leaf in handled:
            continue
        if "." in path and path not in sampling:
            continue  # a key inside some other structure (e.g. a tool schema), not a request parameter
        if param.value.is_literal and leaf in defaults and param.value.value == defaults[leaf]:
            continue  # the default value is accepted (temperature=1 on reasoning models)
        how = " (the default of an environment variable)" if env else ""
        shown = f"`{path}={param.value.source}`" if param.value.source and len(param.value.source) < 40 else f"`{path}`"
        message = f"{shown} is rejected by {model.name}{how}: the API returns a 400 error for it"
        # safe only when the model is certain; an env default may be overridden in production
        fix = _remove_fix(site, ctx, param, "unsafe" if env else "safe")
        yield ctx.finding(message, site.path, param.arg_span or site.span, site=site, fix=fix)


# ---------------------------------------------------------------- LA401
def _compile(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    out = []
    for p in patterns or []:
        try:
            out.append(re.compile(p, re.IGNORECASE))
        except re.error:
            continue
    return out


def _quote(text: str, m: re.Match[str], width: int = 60) -> str:
    """The sentence around a match, shortened at word boundaries to about ``width`` characters."""
    start = max(text.rfind(c, 0, m.start()) for c in ".!?\n") + 1
    ends = [i for i in (text.find(c, m.end()) for c in ".!?\n") if i >= 0]
    end = min(ends) + 1 if ends else len(text)
    sentence = " ".join(text[start:end].split())
    if len(sentence) <= width:
        return sentence
    hit = " ".join(m.group(0).split())
    at = max(0, sentence.find(hit))
    left = sentence.rfind(" ", 0, max(0, at - 15)) + 1 if at > 15 else 0
    cut = sentence[left:]
    if len(cut) > width:
        cut = cut[: cut.rfind(" ", 0, width) if " " in cut[:width] else width] + "..."
    return ("..." if left else "") + cut


def _usd(x: float | None) -> str:
    if x is None:
        return "?"
    text = f"{x:.4f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"${whole}.{frac.ljust(2, '0')}"


def _enum_only(site: CallSite, ctx: RuleContext) -> str | None:
    """Structured output whose every field is an enum (or a boolean): a labelling task."""
    api = ctx.api(site)
    if api is None:
        return None
    for path, param in site.params.items():
        if path.endswith("response_mime_type") and param.value.is_literal and param.value.value == "text/x.enum":
            return "enum output (`response_mime_type='text/x.enum'`)"
    for root in api.structured_params:
        if site.lookup(root)[0] != "present":
            continue
        keys = [p[len(root) + 1 :] for p in site.params if p.startswith(root + ".")]
        if any(k.count("properties.") > 1 for k in keys):
            continue  # nested objects: more than a label
        if any(k == "enum" or (k.endswith(".enum") and "properties." not in k) for k in keys):
            return f"enum-only schema (`{root}`)"
        props = {}
        for k in keys:
            m = re.match(r"^((?:.*\.)?properties\.([^.]+))$", k)
            if m:
                props[m.group(2)] = f"{root}.{m.group(1)}"
        if not props:
            continue

        def closed(prop: str) -> bool:
            if f"{prop}.enum" in site.params or f"{prop}.const" in site.params:
                return True
            t = site.params.get(f"{prop}.type")
            return t is not None and t.value.is_literal and t.value.value == "boolean"

        if all(closed(p) for p in props.values()):
            return f"enum-only schema (`{root}`: {', '.join(sorted(props))})"
    return None


def simple_task_signals(site: CallSite, ctx: RuleContext) -> list[str]:
    """Why this call looks like a simple task (empty: it does not)."""
    params = ctx.params
    text = instruction_text(site.prompt) if site.prompt.messages else ""
    if text and any(p.search(text) for p in _compile(params.get("complex-phrases") or [])):
        return []
    if text and open_ask(text, params):
        return []  # it also asks for open-ended output: not a simple task
    signals: list[str] = []
    est = ctx.cost.estimate(site)
    if text and est.static_tokens <= int(params.get("max-prompt-tokens", 1500)):
        for task, patterns in (params.get("task-phrases") or {}).items():
            for p in _compile(patterns):
                m = task_match(p, text, params)
                if m:
                    signals.append(f'{task} ("{_quote(text, m)}")')
                    break
    if est.cap_state == "present" and est.cap is not None and est.cap <= int(params.get("small-cap", 32)):
        signals.append(f"short output (cap {est.cap} tokens)")
    if params.get("enum-only", True):
        enum = _enum_only(site, ctx)
        if enum:
            signals.append(enum)
    return signals


def downgrade_target(model: ModelInfo, ctx: RuleContext, max_rank: int) -> ModelInfo | None:
    """Policy ``routing.downgrade`` or the catalog's same-provider downgrade chain, down to
    the simple-task tier, skipping retired entries."""
    routing = ctx.policy.get("routing") or {}
    overrides = routing.get("downgrade") or {}
    first = overrides.get(model.name) or next((overrides[a] for a in model.aliases if a in overrides), None)
    name = first or model.downgrade
    seen = {model.name}
    for _ in range(6):
        if not name:
            return None
        target = ctx.policy.models.lookup(name, model.provider)
        if target is None or target.name in seen:
            return None
        if target.provider != model.provider and not first:
            return None
        seen.add(target.name)
        if is_retired(target, ctx.today):
            target = current_successor(target, ctx) or target
        if not is_retired(target, ctx.today) and TIER_RANK.get(target.tier, 2) <= max_rank:
            return target
        name = target.downgrade
    return None


@check("oversized_model")
def oversized_model(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    model = ctx.model(site)
    if model is None or is_retired(model, ctx.today):
        return  # unknown (LA403) or retired (LA402 proposes the successor)
    routing = ctx.policy.get("routing") or {}
    simple_tier = str(routing.get("simple-task-tier") or ctx.params.get("simple-task-tier") or "small")
    max_rank = TIER_RANK.get(simple_tier, 0)
    if TIER_RANK.get(model.tier, 1) <= max_rank:
        return
    signals = simple_task_signals(site, ctx)
    if not signals:
        return
    target = downgrade_target(model, ctx, max_rank)
    if target is None:
        return
    written = site.model.source if site.model and site.model.origin != "literal" and site.model.source else ""
    via = f" (via `{written}`)" if written and written.strip("'\"") != model.name else ""
    message = (
        f"{model.name}{via} is a {model.tier}-tier model used for a simple task: {'; '.join(signals)}. "
        f"{target.name} ({target.tier} tier, {_price(target)} per 1M in/out vs {_price(model)}) is the policy's choice for simple tasks"
    )
    fix = swap_model_fix(site, ctx, target.name, f"Use `{target.name}`")
    span = model_span(site, ctx)
    savings = swap_savings(site, ctx, model, target, "price difference")
    yield ctx.finding(message, site.path, span, site=site, fix=fix, savings=savings)


# ---------------------------------------------------------------- LA402
def _written_name(site: CallSite, model: ModelInfo) -> str:
    written = site.model_name or model.name
    env = " (the default of an environment variable)" if site.model and site.model.origin == "env-default" else ""
    if site.api == CONFIG_API:
        env = f" (configured as `{site.method}`)"
    name = model.name if written.lower() == model.name.lower() else f"{written} ({model.name})"
    return name + env


@check("retired_model", on="model_ref")
def retired_model(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    model = ctx.model(site)
    if model is None:
        return
    today = ctx.today
    name = _written_name(site, model)
    api = site_api(site, ctx)
    successor = current_successor(model, ctx, api)
    if successor is not None:
        move = f"; move to {successor.name}"
    elif model.successor or api == "completions":
        move = f"; no current {model.provider} model serves the {api} API it is called with"
    else:
        move = ""
    savings = None
    if is_retired(model, today):
        severity = "error"
        routed = ctx.policy.models.lookup(model.routes_to, model.provider) if model.routes_to else None
        if routed is not None:
            message = (
                f"{name} was retired on {model.retired.isoformat()}: since then the provider answers these calls with "  # type: ignore[union-attr]
                f"{routed.name} instead, billed at its prices ({_price(routed)} per 1M in/out){move}"
            )
        else:
            message = f"{name} fails at runtime since {model.retired.isoformat()}: the provider shut it down{move}"  # type: ignore[union-attr]
        # no dollar saving: the calls fail (or already run on, and are billed as, another model)
    else:
        if model.retired is not None:
            days = (model.retired - today).days
            message = f"{name} retires on {model.retired.isoformat()} (in {days} day{'s' if days != 1 else ''}): calls fail from then on{move}"
        elif model.deprecated is not None and model.deprecated <= today:
            message = f"{name} has been deprecated since {model.deprecated.isoformat()}{move}"
        else:
            return
        severity = "warning"
        if successor is not None and site.api != CONFIG_API:  # a config value has no call volume to price
            savings = swap_savings(site, ctx, model, successor, "successor is cheaper")
    if model.lifecycle_source:
        message += f" (dates: {model.lifecycle_source})"
    if successor is not None:
        more = call_cost(successor, 1_000_000, 1_000_000)
        less = call_cost(model, 1_000_000, 1_000_000)
        if more is not None and less is not None and more > less:
            message += f"; note: {successor.name} costs more: {_price(successor)} vs {_price(model)} per 1M in/out"
    fix = swap_model_fix(site, ctx, successor.name, f"Use `{successor.name}`", at_definition=True) if successor else None
    span = model_span(site, ctx)
    yield ctx.finding(message, site.path, span, site=site, fix=fix, savings=savings, severity=severity)


# ---------------------------------------------------------------- LA404
def newer_same_tier(model: ModelInfo, ctx: RuleContext, api: str) -> ModelInfo | None:
    """The last model of ``model``'s successor chain that is available today, of the same
    provider and tier, and serves ``api``."""
    best = None
    seen = {model.name}
    cur = model
    for _ in range(6):
        if not cur.successor:
            break
        nxt = ctx.policy.models.lookup(cur.successor, model.provider)
        if nxt is None or nxt.name in seen or nxt.provider != model.provider:
            break
        seen.add(nxt.name)
        deprecated = nxt.deprecated is not None and nxt.deprecated <= ctx.today
        if not is_retired(nxt, ctx.today) and not deprecated and nxt.tier == model.tier and api in nxt.api:
            best = nxt
        cur = nxt
    return best


@check("superseded_model")
def superseded_model(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    model = ctx.model(site)
    if model is None or model.retired is not None or (model.deprecated is not None and model.deprecated <= ctx.today):
        return  # unknown (LA403) or on its way out (LA402)
    target = newer_same_tier(model, ctx, site_api(site, ctx))
    if target is None:
        return
    new_cost, old_cost = call_cost(target, 1_000_000, 1_000_000), call_cost(model, 1_000_000, 1_000_000)
    cheaper = new_cost is not None and old_cost is not None and new_cost < old_cost
    recommended = model.successor == target.name and model.successor_source is not None
    if not cheaper and not recommended:
        return
    why = "costs less" if cheaper else f"is what the provider recommends ({model.successor_source})"
    if cheaper and recommended:
        why += f" and is what the provider recommends ({model.successor_source})"
    message = (
        f"{_written_name(site, model)} still works, but {target.name}, a newer {model.provider} model of the same "
        f"{model.tier} tier, {why}: {_price(target)} vs {_price(model)} per 1M in/out"
    )
    savings = swap_savings(site, ctx, model, target, "newer model is cheaper") if cheaper else None
    fix = swap_model_fix(site, ctx, target.name, f"Use `{target.name}`", at_definition=True)
    yield ctx.finding(message, site.path, model_span(site, ctx), site=site, fix=fix, savings=savings)


# ---------------------------------------------------------------- LA403
def _edits(a: str, b: str) -> int:
    """Levenshtein distance (names are short)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def near_miss(name: str, ctx: RuleContext) -> str | None:
    """The catalog name a typo most likely meant: fewest edits, then same length (a mistyped
    character rather than a missing one), then a model still available."""
    models = list(ctx.policy.models)
    known = {m.name.lower(): m for m in models}
    for m in models:
        for a in m.aliases:
            known.setdefault(a.lower(), m)
    key = name.lower()
    close = difflib.get_close_matches(key, list(known), n=8, cutoff=0.75)
    # a typo keeps the version: "gpt-4o-mnii" -> "gpt-4o-mini", but never "gpt-5.4-mini" ->
    # "gpt-4.1-mini" (another model) nor "llama-3.1-405b" -> a Bedrock "llama3-1-8b" id
    def version(n: str) -> list[str]:
        return re.findall(r"\d+", re.sub(r"(?<=\d)o", "0", n))  # "gpt-40" is a typo of "gpt-4o"

    digits = version(key)
    close = [c for c in close if version(c) == digits and _vendor(c) == _vendor(key)]
    if not close:
        return None
    best = min(close, key=lambda c: (_edits(key, c), abs(len(c) - len(key)), is_retired(known[c], ctx.today), c))
    return best


def _vendor(name: str) -> str:
    """The host prefix of a written id: ``bedrock/``, ``meta.``, ``openrouter/``... ("" for a bare name)."""
    m = re.match(r"^([a-z0-9_-]+[/:]|(?:us\.|eu\.|apac\.)?[a-z]+\.(?=[a-z]))", name)
    return m.group(1) if m else ""


@check("unknown_model", on="model_ref")
def unknown_model(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    name = site.model_name
    if not name or ctx.model(site) is not None:
        return
    if site.provider in set(ctx.params.get("ignore-providers") or LOCAL_PROVIDERS):
        return
    if site.extra.get("local") or site.extra.get("unknown_model") == "ignore":
        return  # a local server or a gateway (rules/endpoints.yaml) names its models as it likes
    if glob_match(name, list(ctx.params.get("ignore-models") or [])):
        return
    head, sep, rest = name.partition(":")
    if sep and head.isidentifier() and ctx.policy.models.lookup(rest) is not None:
        return  # init_chat_model's "provider:model" spelling of a known model
    if any(p.search(name) for p in _compile(ctx.params.get("placeholders") or [])):
        return  # a placeholder or template field, not a model id
    if any(re.search(p, name) for p in ctx.params.get("placeholder-case-sensitive") or []):
        return
    where = ""
    if site.api == CONFIG_API:
        if not HOSTED_FAMILIES.match(name):
            return  # not written like a hosted LLM: a local or fine-tuning model, not ours to price
        where = f" (configured as `{site.method}`)"
    close = near_miss(name, ctx)
    hint = f"; did you mean `{close}`?" if close else "; add it under `models:` in the policy to price it"
    span = model_span(site, ctx)
    yield ctx.finding(f"model `{name}`{where} is not in the model catalog, so its cost, limits and lifecycle are unknown{hint}", site.path, span, site=site)
