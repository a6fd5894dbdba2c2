"""What decides, before LA503 speaks, that a loop's requests are no batch work at all, and which
batch API to name (auditor/checks/batching.py):

- ``served_locally``: the model runs on the caller's own hardware (a transformers pipeline, vLLM,
  Ollama, llama.cpp, a local server of rules/endpoints.yaml): nothing is billed per token and there
  is no provider Batch API to move to;
- ``model_per_pass``: the loop's item is the model (``for model, provider in top_models:
  create(model=model)``, ``run_llm(model) for model in reference_models``): a comparison of models,
  each pass a different model; no two requests could share a batch or a group;
- ``scores_by_logprob``: a request capped at a token or two whose answer is read as the probability
  of that token (``logprobs=True``, ``top_logprobs=2``): a ranker or classifier scoring one item per
  request; grouping items breaks the per-item probability;
- ``router_batch``: a multi-provider router (LiteLLM) with the model left to its caller (a
  parameter's or attribute's default): whose Batch API it would be is the caller's choice.
"""

from __future__ import annotations

import re

from auditor.cost.model import LOCAL_PROVIDERS
from auditor.facts import CallSite

_NAME = re.compile(r"[A-Za-z_][\w.]*")
ROUTERS = ("litellm",)  # one client for every provider's models: the model id picks the provider
CALLER_CHOSEN = ("param-default", "config-default", "env-default")  # a default the caller can replace


def served_locally(site: CallSite) -> bool:
    return site.provider in LOCAL_PROVIDERS or bool(site.extra.get("local"))


def model_per_pass(site: CallSite) -> bool:
    """The request's model is read from a name the loop binds."""
    m = site.model
    bound = set(site.extra.get("loop_bound") or ()) - {"self", "cls"}  # `self.items.append(x)` binds no model
    if m is None or m.is_literal or not bound:
        return False  # one literal (a default reached through `self.model`) is the same model on every pass
    return any(n == b or n.startswith(b + ".") for n in _NAME.findall(m.source or "") for b in bound)


def scores_by_logprob(site: CallSite, caps: list[str], params: dict) -> bool:
    """A cap of at most ``logprob-cap`` tokens and a ``logprobs``-like parameter switched on."""
    wanted = [str(p) for p in params.get("logprob-params") or ("logprobs", "top_logprobs")]
    if not any(_on(site, p) for p in wanted):
        return False
    for path in caps:
        state, p = site.lookup(path)
        if state == "present" and p is not None and p.value.is_literal and isinstance(p.value.value, int):
            return p.value.value <= int(params.get("logprob-cap", 2))
    return False


def _on(site: CallSite, path: str) -> bool:
    state, p = site.lookup(path)
    if state != "present" or p is None:
        return False
    v = p.value
    return not v.is_literal or v.value not in (None, False, 0)


def router_batch(site: CallSite) -> str | None:
    """The wording for a router whose model the caller picks, else None."""
    if site.provider in ROUTERS and site.model is not None and site.model.origin in CALLER_CHOSEN:
        return "the Batch API of the model's provider (LiteLLM's batch calls pass it on)"
    return None
