"""Batching check: LA503 call-in-loop — a non-streaming generation call run once per item of a
loop over data, priced at the provider's Batch API when it has one. Not in test modules: a test's
loop runs over its cases, each exercised on its own."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.analysis.endpoints import endpoint_by_id
from auditor.analysis.testmodules import is_test_path
from auditor.checks import check
from auditor.checks.agentcallee import builds_agent
from auditor.checks.batchfit import model_per_pass, router_batch, scores_by_logprob, served_locally
from auditor.checks.context import RuleContext
from auditor.checks.media import generates_media, scores_only
from auditor.cost.model import call_cost
from auditor.facts import CallSite
from auditor.findings import Finding, RequestChange


# ---------------------------------------------------------------- LA503
@check("call_in_loop")
def call_in_loop(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    if site.loop is None or site.streaming:
        return
    if is_test_path(site.path):
        return  # a test's loop runs over its cases (endpoints, fixtures): each must be exercised on its own
    api = ctx.api(site)
    if api is None or (api.constructor and not site.extra.get("invoke")):  # a chat model's invoke() sends the request
        return
    kind = site.extra.get("loop_kind", "data")
    if kind not in ("data", "graded"):
        return  # retries, agent/chat turns that depend on the last answer, a fixed handful of variants
    if served_locally(site):
        return  # a local model or server (checks/batchfit.py): nothing billed per token, no Batch API
    if model_per_pass(site):
        return  # the loop's item is the model: models compared, each pass another model
    if scores_by_logprob(site, api.cap, ctx.params):
        return  # one item scored per request by a token's probability: grouping breaks the score
    served = endpoint_by_id(str(site.extra["endpoint"])) if site.extra.get("endpoint") else None
    if served is not None and served.search:
        return  # a web-search API (Perplexity): each request searches for its own query, nothing to batch or group
    if site.extra.get("endpoint") == "gateway":
        return  # another vendor's OpenAI-compatible host no entry knows (MiniMax): OpenAI's Batch API is not there, and its own is unknown
    if scores_only(site, ctx.params):
        return  # a reward model scores one conversation per request
    if generates_media(site, ctx.params):
        return  # one image per request: nothing to group, and a few seeds or prompts compared side by side
    if site.extra.get("derived") and site.extra.get("recursive"):
        return  # each item runs a recursive search (dfs() calls dfs()): its requests wait for the answers before them
    if (site.extra.get("derived") and _runs_agent(site, ctx)) or _pass_runs_agent(site, ctx):
        return  # each item runs an agent (this call, or another in the same pass): a tool-call loop of dependent requests fits neither a batch nor a group
    if site.extra.get("derived") and builds_agent(site, ctx):
        return  # the callee builds an agent (a coding agent that edits files) for each item: no single request to batch
    usage = ctx.cost.usage.for_site(site.id)
    if usage.get("batch"):
        return  # already priced as a batch job
    model = ctx.model(site)
    provider = model.provider if model is not None else site.provider
    batch_apis = ctx.params.get("batch-apis") or {}
    batch = batch_apis.get(site.provider) or batch_apis.get(provider)
    if served is not None and not served.local:
        batch = batch_apis.get(served.provider)  # a known host (OpenRouter) serves it: only that host's Batch API, not the model vendor's
    if batch:
        batch = router_batch(site) or batch  # LiteLLM with the model its caller picks: that provider's Batch API
    if site.extra.get("untyped") and model is None:
        batch = None  # the client's type is unknown (`LLM(...)` of another SDK): whose Batch API it would be is unknown too
    if kind == "graded" and not batch:
        return  # an eval: grouping items changes what is measured, and no batch endpoint is known to offer instead
    loop = site.loop
    over = f" over `{loop.iter_source[:60]}`" if loop.iter_source else ""
    where = f"line {loop.span.line}" if loop.span else "here"
    sav = None
    if batch:
        est = ctx.cost.estimate(site)
        now = call_cost(model, est.input_tokens, est.output_tokens)
        then = call_cost(model, est.input_tokens, est.output_tokens, batch=True)
        discount = float(ctx.params.get("batch-discount", 0.5))
        if now is not None:
            if then is None or then >= now:
                then = now * (1 - discount)
            sav = ctx.savings(
                site,
                change=RequestChange(site.id, "batch"),
                basis=f"~{est.input_tokens:,.0f} input + ~{est.output_tokens:,.0f} output tokens per call at batch prices",
            )
        suggestion = f"if the results can wait, submit them through {batch} (50% of the price, results within 24 hours), or group several items into one request"
        if kind == "graded":  # each item stays its own request: the eval measures one answer per item
            suggestion = f"if the results can wait, submit them through {batch} (50% of the price, results within 24 hours); each item stays its own request, so the scores stay comparable"
    else:
        suggestion = "group several items into one request so the instructions are sent once per group"
    msg = f"{site.method}() is called once per item{over} ({loop.kind} loop at {where}): {suggestion}"
    yield ctx.site_finding(site, msg, savings=sav)



def _runs_agent(site: CallSite, ctx: RuleContext) -> bool:
    """The caller's call reaches a request that a function on the way sends in a loop of dependent
    turns (``while True`` over tool calls, a chain; not a retry loop): one item is an agent run, not one request.
    Judged for every derived site of that call together (they are one finding)."""
    memo = ctx.extra.get("agent_calls")
    if memo is None:
        by_id = ctx.project.sites_by_id()
        memo = set()
        for d in by_id.values():
            info = d.extra.get("derived")
            if not info:
                continue
            for sid in info.get("line", [])[1:]:
                inner = by_id.get(sid)
                if inner is not None and inner.loop is not None and (inner.extra.get("loop_kind") == "dependent" or inner.extra.get("agent_loop")):
                    memo.add((d.path, d.cell, d.span.line, d.span.column))
                    if d.loop is not None and d.loop.span is not None:
                        memo.add((d.path, d.cell, "loop", d.loop.span.line))  # the loop whose passes run it
                    break
        ctx.extra["agent_calls"] = memo
    return (site.path, site.cell, site.span.line, site.span.column) in memo  # a notebook's lines count per cell


def _pass_runs_agent(site: CallSite, ctx: RuleContext) -> bool:
    """Another call in the same pass of the loop runs an agent (``vanilla_rag(q)`` beside
    ``generate_with_function_calling_loop(q, tools)``, then a judge): each item is an agent run the
    pass waits for, compared with the plain answer; the plain request is one step of that run."""
    if site.loop is None or site.loop.span is None:
        return False
    _runs_agent(site, ctx)  # fills the memo
    return (site.path, site.cell, "loop", site.loop.span.line) in ctx.extra["agent_calls"]
