"""The providers catalog: SDK call signatures from ``rules/providers.yaml`` (and policy
``apis:``) as typed :class:`Api` entries, client types and their makers, and the lookups the
call-site matcher uses."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any


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
    # globs on the model argument (a literal, or a name bound to one): a method path too common to
    # match on an unknown receiver alone (`co.chat`) counts when the model is one of this provider's
    untyped_models: list[str] = field(default_factory=list)
    # globs on "path::qualname" where a match is not a generation call (`*embed*`: Bedrock
    # invoke_model in an embedder)
    skip_in: list[str] = field(default_factory=list)
    # globs on the model the call names (a literal, or a name bound to one) for which a match is not a
    # generation call (`*embed*`: Bedrock invoke_model with amazon.titan-embed-text-v1)
    skip_models: list[str] = field(default_factory=list)
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
            untyped_models=[str(g) for g in (match.get("untyped") or {}).get("models") or []],
            skip_in=list(match.get("skip-in") or []),
            skip_models=[str(g) for g in match.get("skip-models") or []],
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
    # makers written as globs (``transformers.*ForConditionalGeneration.from_pretrained``): a family of classes
    maker_globs: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for api in self.apis:
            for c in api.match_callables:
                self.by_callable[c] = api
            for t in api.match_types:
                for m in api.match_methods:
                    self.by_type_method.setdefault((t, m), api)
        for c, api in list(self.by_callable.items()):
            legacy = legacy_langchain_path(c)
            if legacy:
                self.by_callable.setdefault(legacy, api)
        for t in self.types.values():
            for maker in t.made_by:
                if "*" in maker:
                    self.maker_globs.append((maker, t.name))
                else:
                    self.maker_to_type.setdefault(maker, []).append(t.name)
                    legacy = legacy_langchain_path(maker)
                    if legacy and t.name not in self.maker_to_type.get(legacy, []):
                        self.maker_to_type.setdefault(legacy, []).append(t.name)

    def types_made_by(self, qualname: str) -> list[str]:
        """The client types a maker's qualified name makes: listed makers first, then glob makers."""
        hit = self.maker_to_type.get(qualname)
        if hit or not self.maker_globs or qualname.startswith("<"):
            return hit or []
        memo = self.__dict__.setdefault("_globbed", {})  # the same few hundred names asked again and again
        found = memo.get(qualname)
        if found is None:
            found = memo[qualname] = [t for glob, t in self.maker_globs if fnmatch.fnmatchcase(qualname, glob)]
        return list(found)

    def factor(self, provider: str) -> float:
        return float(self.token_factor.get(provider, self.token_factor.get("default", 1.1)))

    def api(self, api_id: str) -> Api | None:
        for a in self.apis:
            if a.id == api_id:
                return a
        return None


def legacy_langchain_path(qualname: str) -> str | None:
    """The pre-0.1 ``langchain`` path of a ``langchain_community`` class, which legacy code imports by its
    submodule (``from langchain.llms.bedrock import Bedrock``, ``langchain.chat_models.openai.ChatOpenAI``):
    the same class, re-exported by ``langchain`` 0.1-0.2."""
    if qualname.startswith("langchain_community.") and qualname.count(".") >= 2:
        return "langchain." + qualname[len("langchain_community."):]
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
