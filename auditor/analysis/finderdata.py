"""What the call-site finder reads from the catalog's providers, the same for every module.

:class:`auditor.analysis.callsites.CallSiteFinder` is made once per analysed module; the lookups
below were rebuilt by each from the providers' APIs and types (~0.1 CPU-s over the ~410 modules
the SDK benchmark corpus parses). They are built once per providers object and shared read-only
(frozen where they are sets).
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.config.providers import Api, Providers


@dataclass(frozen=True)
class FinderData:
    wildcards: list[str]  # callables with a `*` (every line is then a hot line)
    last_names: frozenset[str]  # last names that can end a generation call: a cheap filter before resolving
    untyped: dict[str, Api]  # distinctive method path -> API, for receivers of unknown type
    # every API that claims a method path; those with their own `requires` are tried first
    # (Anthropic Text Completions' completions.create(max_tokens_to_sample=...) before OpenAI's)
    untyped_all: dict[str, list[Api]]
    makers: frozenset[str]  # last names of what makes a callable instance (functools.partial, a `__call__` API's maker)
    sdk_roots: frozenset[str]


_MADE: dict[int, tuple[Providers, FinderData]] = {}  # holds the providers, so their id is not reused meanwhile


def finder_data(providers: Providers) -> FinderData:
    kept = _MADE.get(id(providers))
    if kept is not None and kept[0] is providers:
        return kept[1]
    if len(_MADE) > 32:  # a long-lived process (the language server) makes a catalog per run
        _MADE.clear()
    last_names: set[str] = set()
    for api in providers.apis:
        for c in api.match_callables:
            last_names.add(c.rsplit(".", 1)[-1])
        for m in api.match_methods:
            last_names.add(m.rsplit(".", 1)[-1])
    untyped: dict[str, Api] = {}
    untyped_all: dict[str, list[Api]] = {}
    for api in providers.apis:
        for m in api.match_untyped:
            untyped.setdefault(m, api)
            untyped_all.setdefault(m, []).append(api)
    for apis in untyped_all.values():
        apis.sort(key=lambda a: a.untyped_requires is None)
    makers = {"partial"}
    for (tname, method) in providers.by_type_method:
        if method == "__call__":
            for maker in providers.types[tname].made_by if tname in providers.types else []:
                makers.add(maker.rsplit(".", 1)[-1])
    data = FinderData(
        wildcards=[c for c in providers.by_callable if "*" in c],
        last_names=frozenset(last_names),
        untyped=untyped,
        untyped_all=untyped_all,
        makers=frozenset(makers),
        sdk_roots=frozenset(r.split(".")[0] for r in providers.import_roots),
    )
    _MADE[id(providers)] = (providers, data)
    return data
