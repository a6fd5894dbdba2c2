"""Model lifecycle rules: LA402 retired-model (retired, retiring or deprecated: move to the
successor) and LA404 superseded-model (still works, but a newer model of the same tier costs less
or is what the provider recommends).

Lifecycle dates, successors and routing come from the model catalog (``rules/models.yaml`` plus
policy ``models:``). LA402 also runs on model ids in configuration files (``model_ref``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from auditor.checks import check
from auditor.checks.context import RuleContext
from auditor.analysis.testmodules import is_test_path
from auditor.checks.unitfixtures import unit_test_config
from auditor.checks.modelswap import _price, can_swap, model_span, shown_name, swap_model_fix, swap_savings, unclaimed
from auditor.config.catalog import ModelInfo
from auditor.cost.model import call_cost
from auditor.cost.request import input_price, output_price
from auditor.facts import CallSite
from auditor.findings import Finding
from auditor.sources.configfile import CONFIG_API


# ---------------------------------------------------------------- lifecycle facts
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


# ---------------------------------------------------------------- LA402
def _written_name(site: CallSite, model: ModelInfo) -> str:
    written = site.model_name or model.name
    env = " (the default of an environment variable)" if site.model and site.model.origin == "env-default" else ""
    if site.model and site.model.origin == "config-default":
        env = " (the default of a configuration lookup)"
    if site.api == CONFIG_API:
        env = f" (configured as `{site.method}`)"
    name = model.name if written.lower() == model.name.lower() else f"{written} ({model.name})"
    return name + env


def fine_tuned(site: CallSite, model: ModelInfo) -> bool:
    """A fine-tune's id (``ft:gpt-3.5-turbo-0125:org::id``): its weights are the owner's, so no catalog
    model replaces it; only a new fine-tune of a current base does."""
    return (site.model_name or "").startswith("ft:") or model.name.startswith("ft:")


@check("retired_model", on="model_ref")
def retired_model(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    model = ctx.model(site)
    if model is None:
        return
    if site.api == CONFIG_API and unit_test_config(site.path, [*(ctx.params.get("unit-test-dirs") or ()), *(ctx.params.get("test-resource-dirs") or ())]):
        return  # the input of a config loader's unit test, a test's resource read back: parsed, never called
    today = ctx.today
    name = _written_name(site, model)
    api = site_api(site, ctx)
    successor = current_successor(model, ctx, api)
    if successor is not None:
        successor = where_fixes_settle(site, successor, ctx, api)
        move = f"; move to {shown_name(site, ctx, successor.name)}"
        lacking = _lacking_features(site, successor, ctx)
        if lacking:  # G-Eval's logprobs=True, top_logprobs=5: the successor cannot run the method
            move = f"; its successor {shown_name(site, ctx, successor.name)} rejects {lacking}, which this call relies on: move to a current model that accepts them"
            successor = None
    elif model.successor or api == "completions":
        move = f"; no current {model.provider} model serves the {api} API it is called with"
    else:
        move = ""
    tuned = fine_tuned(site, model)
    if tuned and successor is not None:
        move = f"; no catalog model replaces a fine-tune: fine-tune a current base model ({successor.name}, the catalog's successor) on the same data and switch to the new fine-tune's id"
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
        if successor is not None and site.api != CONFIG_API and not tuned:  # a config value has no call volume to price
            savings = swap_savings(site, ctx, model, successor, "successor is cheaper")
    if model.lifecycle_source:
        message += f" (dates: {model.lifecycle_source})"
    if successor is not None:
        more = call_cost(successor, 1_000_000, 1_000_000)
        less = call_cost(model, 1_000_000, 1_000_000)
        if more is not None and less is not None and more > less:
            message += f"; note: {successor.name} costs more: {_price(successor)} vs {_price(model)} per 1M in/out"
    if site.extra.get("azure_deployment"):
        yield _azure_label_finding(site, ctx, model, successor)
        return
    fix = swap_model_fix(site, ctx, successor.name, f"Use `{successor.name}`", at_definition=True) if successor and not tuned else None
    if savings is None and successor is not None:
        unclaimed(fix, site, successor.name)
    span = model_span(site, ctx)
    yield ctx.finding(message, site.path, span, site=site, fix=fix, savings=savings, severity=severity)


def _lacking_features(site: CallSite, successor: ModelInfo, ctx: RuleContext) -> str:
    """The feature parameters (``feature-params``: ``logprobs``, ``top_logprobs``...) the call passes and
    ``successor`` rejects, as text; empty when it takes them all."""
    wanted = {str(p) for p in ctx.params.get("feature-params") or ()}
    passed = sorted({p.rsplit(".", 1)[-1] for p in site.params} & wanted & set(successor.rejects))
    return ", ".join(f"`{p}`" for p in passed)


def _azure_label_finding(site: CallSite, ctx: RuleContext, model: ModelInfo, successor: ModelInfo | None) -> Finding:
    """LA402 where the model name only labels an Azure deployment (``AzureChatOpenAI(deployment_name=...,
    model_name="gpt-4")``): the deployment decides which model answers, so rewriting the label changes
    nothing; the move is the deployment's, on Azure's own retirement schedule."""
    dep = site.extra["azure_deployment"]
    when = model.retired or model.deprecated
    status = "retired" if is_retired(model, ctx.today) else "retiring" if model.retired else "deprecated"
    message = (
        f"{_written_name(site, model)} labels the Azure deployment `{dep}`, which decides the model that answers: "
        f"if the deployment serves {model.name}, OpenAI lists it as {status} ({when.isoformat() if when else 'no date'}) "
        "and Azure retires its model versions on its own schedule"
    )
    if successor is not None:
        message += f"; move the deployment to {successor.name} and update the label"
    return ctx.finding(message, site.path, model_span(site, ctx), site=site, fix=None, savings=None, severity="warning")


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


def costs_less(new: ModelInfo, old: ModelInfo) -> bool | None:
    """Whether ``new`` costs less than ``old`` whatever the call's input/output mix: neither
    price dearer and one cheaper. None for a mixed price (cheaper output, dearer input, or the
    reverse): which is cheaper then depends on the call's mix, which a static estimate of an
    input-heavy call (retrieved context, tool results) does not know."""
    ni, no, oi, oo = input_price(new), output_price(new), input_price(old), output_price(old)
    if ni is None or no is None or oi is None or oo is None:
        return False
    if (ni > oi and no < oo) or (ni < oi and no > oo):
        return None
    return ni <= oi and no <= oo and (ni < oi or no < oo)


def mixed_price_note(new: ModelInfo, old: ModelInfo) -> str:
    """``cheaper output, dearer input`` (or the reverse) for a mixed price, else ''."""
    if costs_less(new, old) is not None:
        return ""
    dearer_in = (input_price(new) or 0) > (input_price(old) or 0)
    return "cheaper output, dearer input" if dearer_in else "cheaper input, dearer output"


def _superseded_by(model: ModelInfo, ctx: RuleContext, api: str) -> ModelInfo | None:
    """The model LA404 moves ``model`` to: the newer one of its tier when it costs less or is
    the provider's recommendation."""
    target = newer_same_tier(model, ctx, api)
    if target is None:
        return None
    cheaper = costs_less(target, model) is True
    recommended = model.successor == target.name and model.successor_source is not None
    return target if cheaper or recommended else None


def where_fixes_settle(site: CallSite, model: ModelInfo, ctx: RuleContext, api: str) -> ModelInfo:
    """The model ``fix`` ends on once it moves a call to ``model``: when LA402 or LA404 would move
    on from there in its next pass (a successor that is itself deprecated or superseded), the end
    of that chain the call can take, so the advice, the saving and what the fix writes agree. A call
    where no swap can be written (the model is set elsewhere, another framework builds the request)
    is advised the end of the chain too: one id gets one successor in one run."""
    la404 = any(r.code == "LA404" for r in ctx.policy.selected_rules())
    seen = {model.name}
    fixable = can_swap(site, ctx, model.name)  # no fix here at all: the advice follows the chain to its end, as elsewhere
    for _ in range(6):
        if model.retired is not None or (model.deprecated is not None and model.deprecated <= ctx.today):
            nxt = current_successor(model, ctx, api)  # LA402 again, on a successor on its way out too
        else:
            nxt = _superseded_by(model, ctx, api) if la404 else None
        if nxt is None or nxt.name in seen or (fixable and not can_swap(site, ctx, nxt.name)):
            break  # the next pass would have no fix here: the chain ends
        seen.add(nxt.name)
        model = nxt
    return model


@check("superseded_model")
def superseded_model(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    model = ctx.model(site)
    if model is None or model.retired is not None or (model.deprecated is not None and model.deprecated <= ctx.today):
        return  # unknown (LA403) or on its way out (LA402)
    if site.extra.get("azure_deployment"):
        return  # the name labels an Azure deployment: what answers is the deployment's choice, not this string's
    if is_test_path(site.path):
        return  # a test pins the model it tests (often against a mock server): no production cost to save
    target = _superseded_by(model, ctx, site_api(site, ctx))
    if target is None:
        return
    cheaper = costs_less(target, model) is True
    recommended = model.successor == target.name and model.successor_source is not None
    why = "costs less" if cheaper else f"is what the provider recommends ({model.successor_source})"
    if cheaper and recommended:
        why += f" and is what the provider recommends ({model.successor_source})"
    if mixed_price_note(target, model):
        why += f" ({mixed_price_note(target, model)})"
    message = (
        f"{_written_name(site, model)} still works, but {target.name}, a newer {model.provider} model of the same "
        f"{model.tier} tier, {why}: {_price(target)} vs {_price(model)} per 1M in/out"
    )
    savings = swap_savings(site, ctx, model, target, "newer model is cheaper") if cheaper else None
    fix = swap_model_fix(site, ctx, target.name, f"Use `{target.name}`", at_definition=True)
    if savings is None:
        unclaimed(fix, site, target.name)
    yield ctx.finding(message, site.path, model_span(site, ctx), site=site, fix=fix, savings=savings)
