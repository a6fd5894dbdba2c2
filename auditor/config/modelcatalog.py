"""The model catalog: :class:`ModelInfo` (tier, prices, limits, rejected parameters, lifecycle,
successor) for each entry of ``rules/models.yaml`` and policy ``models:``, and looking a model
up by the name written in code or telemetry (provider prefixes, snapshots, fine-tunes, Bedrock and
Vertex ids)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# Suffixes that name a snapshot of the same model: -2024-08-06, -20250929, @20250929 (Vertex),
# -v1:0 / :0 (Bedrock), -0613 / -2411 (OpenAI, Mistral), -001 (Gemini), -09-2025 (previews),
# -latest (moving aliases).
_DATE_SUFFIX = re.compile(
    r"(-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8}|-v\d+(:\d+)?|:\d+|-\d{2}-\d{4}|-\d{4}|-\d{3}|-latest)$"
)
_PREFIXES = (
    "openai/", "azure/", "azure_ai/", "anthropic/", "gemini/", "google/", "googleai/", "vertex_ai/",
    "vertex_ai_beta/", "vertexai/", "models/", "bedrock/", "bedrock_converse/", "mistral/", "cohere/",
    "cohere_chat/", "groq/", "together_ai/", "together/", "ollama/", "ollama_chat/", "openrouter/",
    "deepseek/", "fireworks_ai/", "us.", "eu.", "apac.", "global.",
)
_BEDROCK_VENDORS = {"anthropic", "meta", "mistral", "cohere", "amazon", "ai21"}
# ids written for a cloud that resells vendor models on its own schedule
_BEDROCK_ID = re.compile(r"^(?:bedrock(?:_converse)?/|(?:[a-z]{2,6}\.)?(?:anthropic|meta|mistral|cohere|amazon|ai21)\.|.*-v\d+:\d+$)")
_VERTEX_ID = re.compile(r"^(?:vertex_ai(?:_beta)?/|vertexai/)|@")


def host_of(written: str) -> str | None:
    """``bedrock`` or ``vertex`` when the id is written for that cloud, else None."""
    key = written.strip().lower()
    if _BEDROCK_ID.match(key):
        return "bedrock"
    if _VERTEX_ID.search(key):
        return "vertex"
    return None


def _variants(key: str) -> list[str]:
    """Names one step simpler than ``key``: a provider prefix, a fine-tune wrapper, a Bedrock
    vendor, or a snapshot suffix removed (one at a time, so every combination is reachable)."""
    out = []
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            out.append(key[len(prefix):])
    if key.startswith("ft:"):  # ft:gpt-4o-mini-2024-07-18:org:name:id -> the base model
        out.append(key[3:].split(":", 1)[0])
    if "/" in key:  # any other router prefix (openrouter/openai/gpt-4o, my-proxy/gpt-4o)
        out.append(key.split("/", 1)[1])
    head = key.split(".", 1)[0]
    if "." in key and head in _BEDROCK_VENDORS:
        out.append(key.split(".", 1)[1])
    stripped = _DATE_SUFFIX.sub("", key)
    if stripped != key and stripped:
        out.append(stripped)
    return out


@dataclass
class ModelInfo:
    name: str
    provider: str
    tier: str = "medium"
    reasoning: bool = False
    family: str = ""
    price: dict[str, float] = field(default_factory=dict)
    context_window: int | None = None
    max_output: int | None = None
    cache_min_tokens: int | None = None
    cache: str = "none"
    rejects: list[str] = field(default_factory=list)
    deprecated: date | None = None
    retired: date | None = None
    successor: str | None = None
    downgrade: str | None = None
    aliases: list[str] = field(default_factory=list)
    checked: date | None = None
    api: list[str] = field(default_factory=lambda: ["chat"])  # chat | responses | completions
    lifecycle_source: str | None = None  # the page the deprecation/retirement dates come from
    routes_to: str | None = None  # after retirement the provider serves requests with this model
    successor_source: str | None = None  # the provider page that recommends the successor
    litellm: str | None = None  # the LiteLLM key the figures come from

    def price_of(self, key: str) -> float | None:
        value = self.price.get(key)
        return float(value) if value is not None else None


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def model_from_entry(name: str, entry: dict[str, Any]) -> ModelInfo:
    return ModelInfo(
        name=name,
        provider=entry.get("provider", "unknown"),
        tier=entry.get("tier", "medium"),
        reasoning=bool(entry.get("reasoning", False)),
        family=entry.get("family") or name,
        price={k: float(v) for k, v in (entry.get("price") or {}).items() if v is not None},
        context_window=entry.get("context-window"),
        max_output=entry.get("max-output"),
        cache_min_tokens=entry.get("cache-min-tokens"),
        cache=entry.get("cache") or "none",
        rejects=list(entry.get("rejects") or []),
        deprecated=_as_date(entry.get("deprecated")),
        retired=_as_date(entry.get("retired")),
        successor=entry.get("successor"),
        downgrade=entry.get("downgrade"),
        aliases=list(entry.get("aliases") or []),
        checked=_as_date(entry.get("checked")),
        api=list(entry.get("api") or ["chat"]),
        lifecycle_source=entry.get("lifecycle-source"),
        routes_to=entry.get("routes-to"),
        successor_source=entry.get("successor-source"),
        litellm=entry.get("litellm"),
    )


class ModelCatalog:
    def __init__(self, models: dict[str, ModelInfo]):
        self.models = models
        # lower-cased name or alias -> entry names; an id two hosts share (Groq's and Together's
        # ``openai/gpt-oss-120b``) has one entry per host, and the call site's provider picks
        self._index: dict[str, list[str]] = {}
        for name, info in models.items():
            self._index.setdefault(name.lower(), []).insert(0, name)
        for name, info in models.items():
            for alias in info.aliases:
                names = self._index.setdefault(alias.lower(), [])
                if name not in names:
                    names.append(name)

    def _pick(self, key: str, provider: str | None) -> ModelInfo | None:
        names = self._index.get(key)
        if not names:
            return None
        if provider is not None:
            for n in names:
                if self.models[n].provider == provider:
                    return self.models[n]
        return self.models[names[0]]

    def lookup(self, model: str | None, provider: str | None = None) -> ModelInfo | None:
        """The catalog entry for a model name as written in code or telemetry.

        Tries the name, then (breadth first, so the least-changed name wins) names with a
        provider/router prefix, a fine-tune wrapper, a Bedrock vendor or a snapshot suffix
        removed; finally ``<name>-latest`` for families catalogued under their moving alias
        (``mistral-large-2502`` -> ``mistral-large-latest``). ``provider`` (the call site's)
        chooses between hosts that serve the same id.
        """
        if not model:
            return None
        start = model.strip().lower()
        seen = {start}
        queue = [start]
        host = host_of(start)
        while queue and len(seen) < 64:
            key = queue.pop(0)
            found = self._pick(key, provider)
            if found is not None:
                return _on_host(found, host)
            nxt_keys = _variants(key)
            if key.startswith("ft:") and key.count(":") >= 2:
                nxt_keys.insert(0, ":".join(key.split(":", 2)[:2]))  # ft:base:org::id -> the fine-tuned rate of base
            for nxt in nxt_keys:
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        for key in sorted(seen, key=len):
            found = self._pick(key + "-latest", provider)
            if found is not None:
                return _on_host(found, host)
        return None

    def __iter__(self):
        return iter(self.models.values())


def _on_host(found: ModelInfo, host: str | None) -> ModelInfo:
    """A Bedrock or Vertex id the catalog has no entry for resolves to the vendor's model for its
    tier, limits and (approximate) prices, but never to the vendor's lifecycle: the clouds retire
    models on their own schedule, so the dates, successor and routing are unknown there."""
    if host is None or found.provider in (host, "bedrock", "vertex"):
        return found
    return without_lifecycle(found, host)


def without_lifecycle(found: ModelInfo, host: str) -> ModelInfo:
    """``found`` as served by ``host``, another provider than the one it is catalogued under: tier,
    limits and prices stay (approximate), the catalogued provider's dates, successor and routing go."""
    from dataclasses import replace

    return replace(
        found, provider=host, deprecated=None, retired=None, lifecycle_source=None, routes_to=None,
        successor=None, successor_source=None, downgrade=None, litellm=None,
    )
