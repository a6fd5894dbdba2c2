"""Output-size checks: LA101 missing-output-cap, LA102 output-cap-over-limit, LA103 deprecated-cap-parameter."""

from __future__ import annotations

import re
from typing import Iterable

from auditor.facts import CallSite
from auditor.checks import check
from auditor.config.globs import glob_match
from auditor.checks.media import generates_media, scores_only
from auditor.checks.context import RuleContext
from auditor.fix.edits import add_frontmatter_param, add_param, rename_param, replace_value
from auditor.findings import Finding, Fix, Related, RequestChange
from auditor.checks.nonecap import none_cap, none_cap_fix, none_cap_message
from auditor.checks.reasoning import family_of

REASONING_CAP = "max_completion_tokens"
SCHEMA_PATH = re.compile(r"(?:^|\.)(?:tools|functions|response_format|text|output_format|properties|input_schema|parameters\.properties)\b")
# a parameter that caps output under any SDK's spelling: a second cap is never added next to it
CAP_LIKE = re.compile(r"^(?:max_?(?:new_|output_|completion_)?tokens(?:_to_sample)?|maxTokens|maxOutputTokens|max_output_tokens|maxTokenCount|max_gen_len|num_predict|max_length|max_new_tokens)$")


def cap_param_for(site: CallSite, ctx: RuleContext) -> str | None:
    """The parameter path a fix should insert for this provider, API and model."""
    api = ctx.api(site)
    if api is None or not api.cap_insert:
        return None
    model = ctx.model(site)
    if site.provider in api.cap_insert:
        return api.cap_insert[site.provider]
    if model is not None and model.reasoning and "reasoning" in api.cap_insert:
        return api.cap_insert["reasoning"]
    return api.cap_insert.get("default")


@check("output_cap")
def missing_output_cap(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    api = ctx.api(site)
    if api is None or not api.cap:
        return
    if api.cap_default is not None:
        return  # the SDK applies its own cap (e.g. LangChain's ChatAnthropic: 1024)
    if site.extra.get("config_cap"):
        return  # a configurable field every use sets: .with_config({"max_tokens": ...}) (analysis/configcaps.py)
    state, present = site.first_present(api.cap)
    if state == "present" and not none_cap(site, present):
        return
    if state == "present" and any(s == "present" and not none_cap(site, q) for s, q in (site.lookup(c) for c in api.cap)):
        return  # max_tokens=None next to a set max_completion_tokens
    fwd = site.extra.get("forwarded") if state == "unknown" else None
    if fwd and (fwd["capped"] or fwd["spread"] or any(u and any(c == u or c.startswith(u + ".") for c in api.cap) for u in site.unknown)):
        fwd = None  # a caller passes a cap (or spreads its own **options), or a cap's container is unknown too
    if state == "unknown" and not ctx.policy.strict and not fwd:
        return  # unknown **kwargs: never "missing" (unless no caller of the wrapper passes a cap through them)
    if site.model_name and glob_match(site.model_name.lower().rsplit("/", 1)[-1], [str(p) for p in ctx.params.get("media-models") or []]):
        return  # an image / video generation model: no text to cap
    if generates_media(site, ctx.params) or scores_only(site, ctx.params):
        return  # a reward model's scores; an image / video / speech model (rules/model-modes.json), or an image-generation body (taskType, textToImageParams)
    other = next((p for p in site.params if CAP_LIKE.search(p.rsplit(".", 1)[-1]) and not SCHEMA_PATH.search(p) and p not in api.cap), None)
    if other is not None:
        return  # capped by a parameter this API entry does not list (max_tokens_to_sample, max_new_tokens...)
    model = ctx.model(site)
    cap = int(ctx.params.get("default-cap") or 1024)
    if (family_of(site, ctx) or {}).get("thinks") == "fixed":  # always reasons, no lower setting (DeepSeek R1):
        # the cap also bounds the hidden reasoning, and a reply-sized cap would cut it
        cap = max(cap, int(ctx.params.get("reasoning-cap") or 16384))
    if model is not None and model.max_output:
        cap = min(cap, int(model.max_output))
    names = " / ".join(f"`{c}`" for c in api.cap[:2])
    what = site.method if site.extra.get("frontmatter") else f"{site.method}()"  # prompt-file front matter
    what = site.extra.get("label") or what  # an AutoGen llm_config dict
    if state == "present":  # present but None: uncapped by default
        yield ctx.site_finding(site, none_cap_message(what, present), fix=none_cap_fix(site, present, cap), savings=_worst_case_savings(site, ctx, cap))
        return
    if api.cap_required:
        message = f"{what} sets no {names}: the API requires it, so this call fails at runtime"
    else:
        worst = f" (up to {model.max_output:,} tokens for {model.name})" if model and model.max_output else ""
        message = f"{what} sets no output-token cap ({names}); output is bounded only by the model maximum{worst}"
    if fwd:
        message += f": no call of {fwd['function']}() here passes one through `**{fwd['param']}` ({fwd['calls']} call{'s' if fwd['calls'] > 1 else ''})"
    elif state == "unknown":
        message += " [strict: parameters arrive through unknown **kwargs]"
    param = cap_param_for(site, ctx)
    forwarded = site.extra.get("forward_cap")  # a request reached through a wrapper (analysis/derive.py)
    if forwarded and forwarded != "*":
        param = forwarded
        message = f"{what} sets no output-token cap: the wrapper's `{forwarded}` defaults to None and this call passes none"
    elif site.extra.get("derived") and not forwarded:
        param = None  # the cap is set inside the wrapper, not here
    fix = None
    if param is not None and not fwd:  # next to **kwargs a caller may still pass the cap: no keyword added
        edits = add_frontmatter_param(site, param, str(cap)) if site.extra.get("frontmatter") else add_param(site, param, str(cap))
        if edits:
            fix = Fix("unsafe", f"Add `{param}={cap}`", edits)
    f = ctx.site_finding(site, message, fix=fix, savings=_worst_case_savings(site, ctx, cap))
    # an AutoGen / AG2 configuration: the agents that send its requests (analysis/agconfig.py)
    f.related.extend(Related(u["path"], u["line"], u["column"], u.get("cell", site.cell), u["label"]) for u in site.extra.get("users") or [])
    yield f


def _worst_case_savings(site: CallSite, ctx: RuleContext, cap: int):
    model = ctx.model(site)
    if model is None or not model.max_output or model.max_output <= cap:
        return None
    change = RequestChange(site.id, "cap", value=cap)
    return ctx.savings(site, change=change, tokens=model.max_output - cap, basis=f"worst case: model maximum {model.max_output:,} -> cap {cap:,}")


@check("output_cap_limit")
def output_cap_over_limit(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    api = ctx.api(site)
    if api is None:
        return
    state, param = site.first_present(api.cap)
    if state != "present" or param is None or not param.value.is_literal:
        return
    value = param.value.value
    if not isinstance(value, int) or isinstance(value, bool):
        return
    model = ctx.model(site)
    limit, why = None, ""
    if model is not None and model.max_output and value > model.max_output:
        limit, why = int(model.max_output), f"{model.name} returns at most {model.max_output:,} output tokens; the API rejects larger caps"
    ceiling = ctx.params.get("max-cap")
    if ceiling and value > int(ceiling) and (limit is None or int(ceiling) < limit):
        limit, why = int(ceiling), f"the policy ceiling is {int(ceiling):,} tokens"
    if limit is None:
        return
    fix = None
    if param.direct and param.value.span is not None and param.value.origin == "literal":
        fix = Fix("unsafe", f"Clamp to {limit}", replace_value(param, str(limit)))
    yield ctx.finding(
        f"output cap `{param.path}={value:,}` exceeds the limit: {why}",
        site.path,
        param.arg_span or site.span,
        site=site,
        fix=fix,
        savings=ctx.savings(site, change=RequestChange(site.id, "cap", value=limit), tokens=value - limit, basis=f"worst case: cap {value:,} -> {limit:,}"),
    )


@check("deprecated_cap")
def deprecated_cap_parameter(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    api = ctx.api(site)
    if api is None or REASONING_CAP not in api.cap:
        return
    state, param = site.lookup("max_tokens")
    if state != "present" or param is None:
        return
    if _renamed_by_client(site, ctx):
        return  # langchain_openai.ChatOpenAI sends its max_tokens field as max_completion_tokens
    model = ctx.model(site)
    lead = "`max_tokens` is not accepted here"
    if site.provider == "groq":
        lead = "`max_tokens` is deprecated here"  # Groq still accepts it: deprecated, not rejected
        why = "Groq deprecated `max_tokens` in favour of `max_completion_tokens` (still accepted for now)"
    elif model is not None and model.reasoning and site.provider in ("openai", "azure", "litellm"):
        how = " (from an environment-variable default)" if site.model and site.model.origin == "env-default" else ""
        why = f"{model.name}{how} is a reasoning model: it rejects `max_tokens` and requires `max_completion_tokens`"
    else:
        return
    fix = None
    if param.direct and param.key_span is not None:
        fix = Fix("safe", "Rename to `max_completion_tokens`", rename_param(param, REASONING_CAP))
    yield ctx.finding(f"{lead}: {why}", site.path, param.arg_span or site.span, site=site, fix=fix)


def _renamed_by_client(site: CallSite, ctx: RuleContext) -> bool:
    """The site's client (itself, or the constructor an ``invoke()`` uses) is one of ``renamed-by``."""
    prefixes = tuple(str(p) for p in ctx.params.get("renamed-by") or ())
    if not prefixes:
        return False
    methods = [site.method]
    inner = (site.extra.get("derived") or {}).get("inner")
    if inner and inner in ctx.project.sites_by_id():
        methods.append(ctx.project.sites_by_id()[inner].method)
    return any(m.startswith(prefixes) for m in methods)
