"""LA401 oversized-model-for-simple-task: a large or medium-tier model used for a simple task
(a labelling ask, a short capped answer, an enum-only schema), and the smaller model to use.

What counts as a simple task comes from the rule's parameters (policy-overridable) and policy
``routing``; what a prompt asks from :mod:`auditor.checks.taskask`; tiers and the downgrade chain
from the model catalog.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from auditor.analysis.roles import instruction_text
from auditor.checks import check
from auditor.checks.context import RuleContext
from auditor.checks.deliberate import comparison_model, hands_tools, measured_path
from auditor.checks.lifecycle import current_successor, is_retired
from auditor.checks.models import _compile
from auditor.checks.modelswap import _price, model_span, swap_model_fix, swap_savings
from auditor.checks.taskask import open_ask, task_match
from auditor.config.catalog import ModelInfo
from auditor.facts import CallSite
from auditor.findings import Finding

TIER_RANK = {"small": 0, "medium": 1, "large": 2}


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
    if measured_path(site.path) or hands_tools(site) or comparison_model(site):
        return  # a test's, an eval's or an agent step's model, a baseline's: chosen for what it measures, decides or is compared with
    signals = simple_task_signals(site, ctx)
    if not signals or _transcribes_image(site, ctx):
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


def _transcribes_image(site: CallSite, ctx: RuleContext) -> bool:
    """The request sends an image and asks for all of its text (OCR): no simple extraction (``transcription-phrases``)."""
    if not site.extra.get("images"):
        return False
    text = instruction_text(site.prompt) if site.prompt.messages else ""
    return bool(text) and any(p.search(text) for p in _compile(ctx.params.get("transcription-phrases") or []))
