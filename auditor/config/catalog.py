"""Typed view of the data in ``rules/``: one :class:`Catalog` of rule entries, providers, models
and phrases, loaded once per process.

Its parts have modules of their own: :mod:`auditor.config.rules` (rule entries),
:mod:`auditor.config.providers` (SDK call signatures), :mod:`auditor.config.modelcatalog` (models
and name lookup), :mod:`auditor.config.datafiles` (where the data is, reading a YAML file). Their
types are importable from here too, as most callers do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from auditor.config.datafiles import load_yaml_file, rules_dir
from auditor.config.modelcatalog import ModelCatalog, ModelInfo, model_from_entry
from auditor.config.providers import Api, Providers, providers_from_data
from auditor.config.rules import Rule, load_rule_entries

__all__ = [
    "Api",
    "Catalog",
    "ModelCatalog",
    "ModelInfo",
    "Providers",
    "Rule",
    "load_catalog",
    "load_rule_entries",
    "load_yaml_file",
    "rules_dir",
]

# --- the whole catalog --------------------------------------------------------------------


@dataclass
class Catalog:
    rules: list[Rule]
    providers_data: dict[str, Any]
    models: ModelCatalog
    phrases: dict[str, Any]
    digest: str
    flows: dict[str, Any] = field(default_factory=dict)  # rules/flows.yaml (auditor.config.flows)
    reasoning: dict[str, Any] = field(default_factory=dict)  # rules/reasoning.yaml (LA107, LA204)
    vision: dict[str, Any] = field(default_factory=dict)  # rules/vision.yaml (LA303)
    answers: dict[str, Any] = field(default_factory=dict)  # rules/answers.yaml (LA205, LA606: what the answer is)
    _providers: dict[str, Providers] = field(default_factory=dict, repr=False, compare=False)  # built per `call-sites` list

    def rule(self, code_or_name: str) -> Rule | None:
        for r in self.rules:
            if r.code == code_or_name or r.name == code_or_name:
                return r
        return None

    def providers(self, extra_apis: list[dict[str, Any]] | None = None) -> Providers:
        """The providers of the catalog and ``extra_apis`` (a policy's ``call-sites``), built once
        per distinct list: a run asks for them from the engine, the project, the checks and the
        traits (each build was ~1.5% of a pre-commit run). Callers only read them; the object's
        own memos (``types_made_by``) are shared."""
        import json

        key = json.dumps(extra_apis or [], sort_keys=True, default=str)
        found = self._providers.get(key)
        if found is None:
            found = self._providers[key] = providers_from_data(self.providers_data, extra_apis)
        return found


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
    extra = {n: (load_yaml_file(base / f"{n}.yaml") or {}) if (base / f"{n}.yaml").is_file() else {} for n in ("reasoning", "vision", "answers")}
    return Catalog(
        rules=load_rule_entries(),
        providers_data=load_yaml_file(base / "providers.yaml") or {},
        models=ModelCatalog(models),
        phrases=phrases,
        digest=digest.hexdigest()[:16],
        flows=(load_yaml_file(base / "flows.yaml") or {}) if (base / "flows.yaml").is_file() else {},
        reasoning=extra["reasoning"],
        vision=extra["vision"],
        answers=extra["answers"],
    )
