"""Written model values that are not a hosted provider's model id, so LA403 has nothing to say:

- **local model tags**: Ollama's ``name:tag`` spelling (``qwen3.5:4b``, ``llama3.1:8b-instruct-q4_K_M``,
  ``mistral:latest``), which a local runtime resolves and no hosted API serves or prices;
- **routing specs**: a router library's name for a routing policy (RouteLLM's
  ``router-mf-0.11593``: the matrix-factorisation router at that threshold), which picks a
  catalogued model per request;
- **provider namespaces**: ids in a serving provider's own namespace whose endpoint names its models
  as it likes (Fireworks' ``accounts/<account>/models/<id>``, rules/endpoints.yaml
  ``unknown-model: ignore``), written without a ``base_url`` this run resolved.

The patterns are data: LA403's ``local-model-tags``, ``routing-specs`` and ``provider-namespaces`` parameters
(``rules/checks/models.yaml``, policy-overridable).

Also here: LA106's ``dropped-by-sdk`` (a wrapper that removes a parameter the model rejects before
the request is sent, so the call does not fail).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from auditor.config.globs import glob_match


@functools.lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    out = []
    for p in patterns:
        try:
            out.append(re.compile(p, re.IGNORECASE))
        except re.error:
            continue  # a broken pattern in a policy matches nothing
    return tuple(out)


def not_a_model_id(name: str, params: dict[str, Any]) -> bool:
    """True when ``name`` is written as a local model tag or a routing spec (LA403's parameters)."""
    for key in ("local-model-tags", "routing-specs", "provider-namespaces"):
        patterns = tuple(str(p) for p in params.get(key) or [])
        if any(rx.search(name.strip()) for rx in _compiled(patterns)):
            return True
    return False


def dropped_by_sdk(api_id: str | None, model: str, param: str, rules: Any) -> bool:
    """True when an entry of LA106's ``dropped-by-sdk`` says the SDK of ``api_id`` removes ``param``
    for ``model`` before sending the request."""
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict) or param not in (rule.get("params") or []) or api_id not in (rule.get("apis") or []):
            continue
        name = model.lower()
        if glob_match(name, [str(p) for p in rule.get("models") or []]) and not glob_match(name, [str(p) for p in rule.get("except-models") or []]):
            return True
    return False
