"""Reasoning models: LA107 reasoning-effort-default, LA204 reasoning-model-cot.

Which models reason, by default or when the request asks, which request parameters set the effort,
and the low setting per API are data (``rules/reasoning.yaml``, with the model catalog's
``reasoning`` flag); the chain-of-thought asks are ``chain-of-thought`` in ``rules/phrases.yaml``.
What counts as a simple task is LA401's (its ``task-phrases``, small cap and enum-only signals, so
one policy change moves both rules).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Iterable
from typing import Any

from auditor.analysis.phrases import catalog_entries
from auditor.analysis.rewrites import find_rewrites
from auditor.checks import check
from auditor.checks.context import RuleContext
from auditor.checks.deliberate import hands_tools
from auditor.config.modelmodes import media_mode
from auditor.checks.filler import rewrite_fix, shown
from auditor.checks.modelfit import simple_task_signals
from auditor.checks.output_asks import schema_bounded
from auditor.checks.textsites import (
    Occurrence,
    TextOwner,
    emit,
    instruction_runs,
    key_of,
    merge,
    segment_at,
    span_of,
    where,
)
from auditor.config.catalog import load_catalog
from auditor.cost.deltas import EXACT_TEXT_CHARS, saved_tokens
from auditor.cost.sizing import run_text, text_size
from auditor.facts import CallSite
from auditor.findings import Finding, Fix
from auditor.fix.edits import add_frontmatter_param, add_param

# ------------------------------------------------------------------------------ model families


def _data() -> dict[str, Any]:
    return load_catalog().reasoning or {}


def family_of(site: CallSite, ctx: RuleContext) -> dict[str, Any] | None:
    """The reasoning family of the site's model (rules/reasoning.yaml), or None."""
    model = ctx.model(site)
    names = [n.lower() for n in (model.name if model else None, site.model_name) if n]
    names += [n.rsplit("/", 1)[-1] for n in names if "/" in n]
    if not names:
        return None
    for fam in _data().get("families") or []:
        if fam.get("catalog-reasoning") and not (model is not None and model.reasoning):
            continue
        if any(fnmatch.fnmatchcase(n, g.lower()) for n in names for g in fam.get("match") or []):
            return fam
    return None


def _first(site: CallSite, paths: list[str]):
    return site.first_present(paths) if paths else ("missing", None)


def _off(param) -> bool:
    """A literal effort / budget that turns reasoning off ("none", "minimal", 0)."""
    if param is None or not param.value.is_literal:
        return False
    v = param.value.value
    if isinstance(v, dict):
        v = v.get("effort", v.get("thinking_budget", v.get("type", v)))
    return str(v).lower() in {str(x).lower() for x in _data().get("off-values") or []}


def effort_state(site: CallSite) -> tuple[str, Any]:
    """("present" | "unknown" | "missing", param) for the parameters that set an effort or budget."""
    return _first(site, list((_data().get("effort-params") or {}).get(site.api) or []))


def thinks(site: CallSite, ctx: RuleContext) -> bool:
    """Does this request make the model reason before it answers?"""
    fam = family_of(site, ctx)
    if fam is None:
        return False
    state, param = effort_state(site)
    mode = fam.get("thinks")
    if mode == "fixed":
        return True
    if mode == "by-default":
        return not (state == "present" and _off(param))
    # when-set: an effort set to something other than off, or thinking enabled
    if state == "present" and not _off(param):
        return True
    on, p = _first(site, list((_data().get("enabling-params") or {}).get(site.api) or []))
    if on == "present" and p is not None:
        t = site.params.get(p.path + ".type")
        return not (t is not None and t.value.is_literal and str(t.value.value) == "disabled")
    return False


def _la401_signals(site: CallSite, ctx: RuleContext) -> list[str]:
    rule = load_catalog().rule("LA401")
    params = ctx.policy.params_of(rule) if rule is not None else {}
    return simple_task_signals(site, dataclasses.replace(ctx, params=params))


# ------------------------------------------------------------------------------ LA107


def _low_fix(site: CallSite, fam: dict[str, Any]) -> Fix | None:
    low = ((_data().get("low") or {}).get(fam.get("style") or "") or {}).get(site.api)
    if not low or len(low) != 2:
        return None
    path, value = str(low[0]), str(low[1])
    edits = add_frontmatter_param(site, path, value) if site.extra.get("frontmatter") else add_param(site, path, value)
    if not edits:
        return None
    return Fix("unsafe", f"Set `{path}={value}`", edits)


@check("reasoning_effort_default")
def reasoning_effort_default(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    fam = family_of(site, ctx)
    if fam is None or fam.get("thinks") == "fixed":
        return
    state, _ = effort_state(site)
    if state == "present" or (state == "unknown" and not ctx.policy.strict):
        return
    if fam.get("thinks") != "by-default":
        return  # when-set: it does not reason unless asked (and then the budget is set)
    if hands_tools(site) or media_mode(site.model_name or "") is not None:
        return  # an agent step (thinking picks the tool) or an image/speech model: no simple text task
    signals = _la401_signals(site, ctx)
    if not signals:
        return
    model = ctx.model(site)
    name = model.name if model else (site.model_name or "the model")
    names = " / ".join(f"`{p}`" for p in ((_data().get("effort-params") or {}).get(site.api) or [])[:2]) or "an effort"
    message = (
        f"{name} reasons before it answers ({fam.get('default') or 'the default effort'} unless the request sets {names}), "
        f"and this is a simple task: {'; '.join(signals)}; set the low effort"
    )
    hidden = {**(_data().get("hidden-tokens") or {}), **(ctx.params.get("hidden-tokens") or {})}
    default, low = float(hidden.get("default", 1000)), float(hidden.get("low", 250))
    savings = None
    if default > low:
        savings = ctx.savings(
            site, tokens=default - low,
            basis=f"assumption: ~{default:,.0f} hidden reasoning tokens per call at the default effort vs ~{low:,.0f} at the low setting (rules/reasoning.yaml hidden-tokens; calibrate with your logs' reasoning_tokens)",
        )
    yield ctx.site_finding(site, message, fix=_low_fix(site, fam), savings=savings)


# ------------------------------------------------------------------------------ LA204

# the prompt asks for the reasoning as part of the output ({"reasoning": ...}): not a CoT ask
_REASONING_FIELD = re.compile(r"[\"'`]?\b(?:reasoning|explanation|rationale|thoughts?|justification|chain_of_thought)\b[\"'`]?\s*[:=]", re.IGNORECASE)


@check("reasoning_model_cot", on="project")
def reasoning_model_cot(project, ctx: RuleContext) -> Iterable[Finding]:
    entries = catalog_entries("chain-of-thought", ctx.params)
    visible = float(ctx.params.get("visible-reasoning-tokens") or 0)
    occ: dict[tuple, Occurrence] = {}
    for site in project.call_sites():
        if not thinks(site, ctx):
            continue
        if schema_bounded(site):
            continue  # a schema or a forced tool fixes the output: reasoning asked for goes into its fields (a `reasoning` property), or nowhere
        owner = TextOwner(site.path, site, cell=site.cell)
        model = ctx.model(site)
        name = model.name if model else (site.model_name or "the model")
        for m in site.prompt.messages:
            if m.role == "assistant":
                continue
            for run in instruction_runs(m.segments):
                text = run_text(run)
                if _REASONING_FIELD.search(text):
                    continue
                found = find_rewrites(text, entries)
                if not found:
                    continue

                def size(t: str, site=site) -> int:
                    return text_size(t, site.model_name, site.provider, ctx.providers, ctx.policy.models).tokens

                before = size(text) if len(text) <= EXACT_TEXT_CHARS else None
                for r in found:
                    seg, base = segment_at(run, r.start)
                    path, cell = where(seg, owner)
                    key = key_of(seg, path, cell, r.start - base, r.phrase)
                    saved = max(0, saved_tokens(text, r.region, r.replacement, size, before))

                    def make(seg=seg, base=base, r=r, path=path, cell=cell, text=text, name=name) -> Occurrence:
                        matched = shown(text[r.start : r.end])
                        fix = rewrite_fix(seg, base, r, f'Delete "{matched}"')
                        message = (
                            f'"{matched}" asks {name} for visible reasoning, but it reasons before it answers anyway: '
                            "the ask adds output tokens, not accuracy (the provider's guidance for reasoning models)"
                        )
                        return Occurrence(path, cell, span_of(seg, r.start - base, r.end - base), message, fix)

                    merge(occ, key, make, owner, saved)
    basis = "exact: tokens of the ask"
    if visible:
        basis += f" + assumption: ~{visible:,.0f} visible reasoning tokens per answer (param visible-reasoning-tokens)"
    yield from emit(occ, ctx, basis, output=visible)
