"""Typed view of the data in ``rules/``: rule entries, providers, models, phrases.

The YAML files ship inside the wheel as ``auditor/rules`` (see pyproject); in a source
checkout they are read from the top-level ``rules/`` folder.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any


def rules_dir() -> Path:
    pkg = Path(__file__).resolve().parent.parent  # auditor/
    for candidate in (pkg / "rules", pkg.parent / "rules"):
        if (candidate / "providers.yaml").is_file():
            return candidate
    raise FileNotFoundError("llm-audit's rules/ data folder is missing from the installation")


def load_yaml_file(path: Path) -> Any:
    """Parse a YAML data file, memoised as JSON in the user cache keyed by the file's hash.

    ruamel.yaml takes ~0.2 s for the catalogs; a warm run reads the JSON in milliseconds.
    JSON (not pickle) so a planted cache file can at worst change data, never run code;
    dates are kept as ISO strings either way (consumers parse them)."""
    import json
    import os

    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:24]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    memo = Path(base) / "llm-audit" / "yaml" / f"{path.stem}-{digest}.json"
    try:
        return json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    from ruamel.yaml import YAML

    parsed = _jsonable(YAML(typ="safe").load(data.decode("utf-8")))
    try:
        from auditor.writes import atomic_write

        atomic_write(memo, json.dumps(parsed).encode("utf-8"))
    except OSError:
        pass
    return parsed


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, date):
        return obj.isoformat()
    return obj


# --- rules --------------------------------------------------------------------------------

PROJECT_URL = "https://github.com/llm-audit/llm-audit"
RULE_PAGES = "docs/rules"  # one generated page per rule (SARIF helpUri, the language server's code links)


@dataclass
class Rule:
    code: str
    name: str
    check: str
    severity: str
    fix: str  # safe | unsafe | none
    params: dict[str, Any] = field(default_factory=dict)
    docs: dict[str, str] = field(default_factory=dict)
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    enabled: bool = True  # off-by-default rules (LA604) run only when selected explicitly
    family: str = ""  # file stem in rules/checks/
    group_by: str = ""  # how findings of one root cause merge (auditor.checks.rootcause)
    param_schema: dict[str, Any] = field(default_factory=dict)  # JSON Schema per parameter (else inferred from the default)

    @classmethod
    def from_entry(cls, entry: dict[str, Any], family: str = "") -> "Rule":
        return cls(
            code=entry["code"],
            name=entry["name"],
            check=entry.get("check", entry["name"].replace("-", "_")),
            severity=entry.get("severity", "warning"),
            fix=entry.get("fix", "none"),
            params=dict(entry.get("params") or {}),
            docs=dict(entry.get("docs") or {}),
            examples=dict(entry.get("examples") or {}),
            enabled=bool(entry.get("enabled", True)),
            family=family,
            group_by=str(entry.get("group-by") or ""),
            param_schema=dict(entry.get("param-schema") or {}),
        )

    @property
    def help_uri(self) -> str | None:
        """The rule's page, ``docs/rules/CODE.md`` (scripts/gen_rule_docs.py writes them);
        rules a policy defines have none."""
        if self.family == "policy":
            return None
        return f"{PROJECT_URL}/blob/main/{RULE_PAGES}/{self.code}.md"


def load_rule_entries() -> list[Rule]:
    rules: list[Rule] = []
    for path in sorted((rules_dir() / "checks").glob("*.yaml")):
        data = load_yaml_file(path) or {}
        for entry in data.get("rules", []) or []:
            rules.append(Rule.from_entry(entry, family=path.stem))
    rules.sort(key=lambda r: r.code)
    return rules


# --- models -------------------------------------------------------------------------------

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
    from dataclasses import replace

    return replace(
        found, provider=host, deprecated=None, retired=None, lifecycle_source=None, routes_to=None,
        successor=None, successor_source=None, downgrade=None, litellm=None,
    )


# --- providers ----------------------------------------------------------------------------


@dataclass
class Api:
    id: str
    provider: str
    kind: str
    match_types: list[str] = field(default_factory=list)
    match_methods: list[str] = field(default_factory=list)
    match_callables: list[str] = field(default_factory=list)
    # method paths distinctive enough to match on a receiver whose type is not known
    # (`self.get_client().chat.completions.create(model=...)`), when the call passes one of
    # `untyped_requires` (default: the model parameters) or spreads **kwargs on a plain receiver
    match_untyped: list[str] = field(default_factory=list)
    untyped_requires: list[str] | None = None
    # globs on "path::qualname" where a match is not a generation call (`*embed*`: Bedrock
    # invoke_model in an embedder)
    skip_in: list[str] = field(default_factory=list)
    # keyword arguments whose presence makes a matched call something else (`agent=` on interactions.create)
    skip_when: list[str] = field(default_factory=list)
    provider_by_type: dict[str, str] = field(default_factory=dict)
    constructor: bool = False
    instance_params: bool = False
    signature: list[str] = field(default_factory=list)
    model: list[str] = field(default_factory=list)
    prompt: dict[str, str] = field(default_factory=dict)
    cap: list[str] = field(default_factory=list)
    cap_required: bool = False
    cap_default: int | None = None
    cap_insert: dict[str, str] = field(default_factory=dict)
    stop: list[str] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)
    sampling: list[str] = field(default_factory=list)
    stream_param: str | None = None
    stream_methods: list[str] = field(default_factory=list)
    structured_params: list[str] = field(default_factory=list)
    structured_methods: list[str] = field(default_factory=list)
    cache_control: list[str] = field(default_factory=list)
    timeout: list[str] = field(default_factory=list)

    @classmethod
    def from_entry(cls, e: dict[str, Any]) -> "Api":
        match = e.get("match") or {}
        stream = e.get("stream") or {}
        structured = e.get("structured") or {}
        return cls(
            id=e["id"],
            provider=e.get("provider", "custom"),
            kind=e.get("kind", "chat"),
            match_types=list(match.get("types") or []),
            match_methods=list(match.get("methods") or []),
            match_callables=list(match.get("callables") or []),
            match_untyped=list((match.get("untyped") or {}).get("methods") or []),
            untyped_requires=(match.get("untyped") or {}).get("requires"),
            skip_in=list(match.get("skip-in") or []),
            skip_when=list(e.get("skip-when") or {}),
            provider_by_type=dict(e.get("provider-by-type") or {}),
            constructor=bool(e.get("constructor", False)),
            instance_params=bool(e.get("instance-params", False)),
            signature=list(e.get("signature") or []),
            model=list(e.get("model") or []),
            prompt=dict(e.get("prompt") or {}),
            cap=list(e.get("cap") or []),
            cap_required=bool(e.get("cap-required", False)),
            cap_default=e.get("cap-default"),
            cap_insert=dict(e.get("cap-insert") or {}),
            stop=list(e.get("stop") or []),
            samples=list(e.get("samples") or []),
            sampling=list(e.get("sampling") or []),
            stream_param=stream.get("param"),
            stream_methods=list(stream.get("methods") or []),
            structured_params=list(structured.get("params") or []),
            structured_methods=list(structured.get("methods") or []),
            cache_control=list(e.get("cache-control") or []),
            timeout=list(e.get("timeout") or []),
        )


@dataclass
class TypeInfo:
    name: str
    made_by: list[str] = field(default_factory=list)
    when_arg: dict[str, str] = field(default_factory=dict)
    signature: list[str] = field(default_factory=list)
    is_async: bool = False


@dataclass
class Providers:
    apis: list[Api]
    types: dict[str, TypeInfo]
    passthrough: set[str]
    token_factor: dict[str, float]
    import_roots: list[str]
    # derived lookups
    by_callable: dict[str, Api] = field(default_factory=dict)
    by_type_method: dict[tuple[str, str], Api] = field(default_factory=dict)
    maker_to_type: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for api in self.apis:
            for c in api.match_callables:
                self.by_callable[c] = api
            for t in api.match_types:
                for m in api.match_methods:
                    self.by_type_method.setdefault((t, m), api)
        for t in self.types.values():
            for maker in t.made_by:
                self.maker_to_type.setdefault(maker, []).append(t.name)

    def factor(self, provider: str) -> float:
        return float(self.token_factor.get(provider, self.token_factor.get("default", 1.1)))

    def api(self, api_id: str) -> Api | None:
        for a in self.apis:
            if a.id == api_id:
                return a
        return None


def providers_from_data(data: dict[str, Any], extra_apis: list[dict[str, Any]] | None = None) -> Providers:
    types = {}
    for name, t in (data.get("types") or {}).items():
        t = t or {}
        types[name] = TypeInfo(
            name=name,
            made_by=list(t.get("made-by") or []),
            when_arg={str(k): str(v) for k, v in (t.get("when-arg") or {}).items()},
            signature=list(t.get("signature") or []),
            is_async=bool(t.get("async", False)),
        )
    apis = [Api.from_entry(e) for e in (data.get("apis") or [])]
    apis += [Api.from_entry(e) for e in (extra_apis or [])]
    return Providers(
        apis=apis,
        types=types,
        passthrough=set(data.get("passthrough") or []),
        token_factor={k: float(v) for k, v in (data.get("token-factor") or {}).items()},
        import_roots=list(data.get("import-roots") or []),
    )


# --- the whole catalog --------------------------------------------------------------------


@dataclass
class Catalog:
    rules: list[Rule]
    providers_data: dict[str, Any]
    models: ModelCatalog
    phrases: dict[str, Any]
    digest: str
    reasoning: dict[str, Any] = field(default_factory=dict)  # rules/reasoning.yaml (LA107, LA204)
    vision: dict[str, Any] = field(default_factory=dict)  # rules/vision.yaml (LA303)

    def rule(self, code_or_name: str) -> Rule | None:
        for r in self.rules:
            if r.code == code_or_name or r.name == code_or_name:
                return r
        return None

    def providers(self, extra_apis: list[dict[str, Any]] | None = None) -> Providers:
        return providers_from_data(self.providers_data, extra_apis)


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    base = rules_dir()
    digest = hashlib.sha256()
    for path in sorted(base.rglob("*.yaml")):
        digest.update(path.relative_to(base).as_posix().encode())
        digest.update(path.read_bytes())
    models_data = load_yaml_file(base / "models.yaml") or {}
    models = {name: model_from_entry(name, e or {}) for name, e in (models_data.get("models") or {}).items()}
    phrases_path = base / "phrases.yaml"
    phrases = (load_yaml_file(phrases_path) or {}) if phrases_path.is_file() else {}
    extra = {n: (load_yaml_file(base / f"{n}.yaml") or {}) if (base / f"{n}.yaml").is_file() else {} for n in ("reasoning", "vision")}
    return Catalog(
        rules=load_rule_entries(),
        providers_data=load_yaml_file(base / "providers.yaml") or {},
        models=ModelCatalog(models),
        phrases=phrases,
        digest=digest.hexdigest()[:16],
        reasoning=extra["reasoning"],
        vision=extra["vision"],
    )


def glob_match(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)
