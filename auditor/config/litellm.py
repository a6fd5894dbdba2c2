"""Refresh catalog prices and limits from LiteLLM's ``model_prices_and_context_window.json``.

LiteLLM keeps community-maintained prices per model key (``gpt-4o``, ``azure/gpt-4o``,
``gemini/gemini-2.5-flash``, ``bedrock/...``) with, per entry, ``input_cost_per_token``,
``output_cost_per_token``, ``cache_read_input_token_cost``,
``cache_creation_input_token_cost``, ``input_cost_per_token_batches``,
``output_cost_per_token_batches``, ``max_input_tokens``, ``max_output_tokens``,
``litellm_provider``, ``mode`` and ``deprecation_date``.

Each catalog model is matched to the LiteLLM key that names it on its own provider (the
bare name or an alias first, then a provider-prefixed key; Azure, Bedrock or Vertex keys of
a model sold directly by its vendor are not used, since those clouds price separately).

Where the result goes (the decision): llm-audit's catalog ships inside the package, so a
user never edits it. ``llm-audit models --import-litellm FILE`` therefore writes a **policy
overlay** - a YAML file with a ``models:`` section holding only the fields that changed - to
stdout or ``-o FILE``; a policy uses it with ``extends: [default, llm-audit-models.yaml]``.
Maintainers of llm-audit refresh the shipped catalog with ``--in-place``, which updates
``rules/models.yaml`` through a ruamel.yaml round trip (comments, order and flow style
kept; only changed values and the ``checked`` dates are touched).
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from auditor.config.catalog import ModelCatalog, ModelInfo

PER_MILLION = 1_000_000
# LiteLLM's litellm_provider values that sell a catalog provider's models at its own prices
NATIVE = {
    "openai": {"openai", "text-completion-openai"},
    "anthropic": {"anthropic"},
    "google": {"gemini", "vertex_ai-language-models"},
    "mistral": {"mistral", "codestral"},
    "cohere": {"cohere", "cohere_chat"},
    "meta": {"groq", "together_ai", "bedrock", "bedrock_converse", "meta_llama"},
    "deepseek": {"deepseek"},
}
MODES = {None, "chat", "completion", "responses"}
PRICE_FIELDS = {
    "input": "input_cost_per_token",
    "output": "output_cost_per_token",
    "cached-input": "cache_read_input_token_cost",
    "cache-write": "cache_creation_input_token_cost",
    "batch-input": "input_cost_per_token_batches",
    "batch-output": "output_cost_per_token_batches",
}


class ImportError_(Exception):
    """The LiteLLM file cannot be used (message says why)."""


@dataclass
class Change:
    model: str
    field: str  # "price.input", "max-output", ...
    old: Any
    new: Any
    source_key: str  # the LiteLLM key it came from


@dataclass
class ImportResult:
    changes: list[Change] = field(default_factory=list)
    matched: dict[str, str] = field(default_factory=dict)  # catalog name -> LiteLLM key
    unmatched: list[str] = field(default_factory=list)  # catalog models LiteLLM does not list
    skipped: int = 0  # LiteLLM entries that are not chat/completion models or are unusable
    today: date = field(default_factory=date.today)

    def by_model(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for c in self.changes:
            entry = out.setdefault(c.model, {})
            if c.field.startswith("price."):
                entry.setdefault("price", {})[c.field[6:]] = c.new
            else:
                entry[c.field] = c.new
        return out


def read_litellm(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ImportError_(f"{path}: cannot read: {e.strerror or e}") from e
    except (ValueError, RecursionError) as e:
        raise ImportError_(f"{path}: not a JSON file in LiteLLM's model_prices_and_context_window.json format: {e}") from None
    if not isinstance(data, dict):
        raise ImportError_(f"{path}: expected a JSON object mapping model names to price entries")
    return {str(k): v for k, v in data.items() if isinstance(v, dict) and k != "sample_spec"}


def _per_million(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        return None
    return round(float(value) * PER_MILLION, 6)


def _positive_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        return None
    return int(value)


def _score(key: str, entry: dict[str, Any], model: ModelInfo) -> int | None:
    """How well a LiteLLM key names this catalog model (lower is better; None: not at all)."""
    provider = entry.get("litellm_provider")
    native = NATIVE.get(model.provider, {model.provider})
    if provider is not None and provider not in native:
        return None
    k = key.lower()
    if k == model.name.lower():
        return 0
    if k in (a.lower() for a in model.aliases):
        return 1
    if "/" not in k:
        return 2  # a dated snapshot or other bare name of the same model
    return 3  # provider-prefixed: gemini/gemini-2.5-flash, groq/llama-3.3-70b-versatile


def match_entries(litellm: dict[str, dict[str, Any]], models: ModelCatalog) -> tuple[dict[str, tuple[str, dict[str, Any]]], int]:
    """Catalog name -> (LiteLLM key, entry) for the best key of each model."""
    best: dict[str, tuple[int, str, dict[str, Any]]] = {}
    skipped = 0
    for key, entry in litellm.items():
        if entry.get("mode") not in MODES or _per_million(entry.get("input_cost_per_token")) is None:
            skipped += 1
            continue
        model = models.lookup(key)
        if model is None:
            continue
        score = _score(key, entry, model)
        if score is None:
            continue
        if model.name not in best or (score, key) < best[model.name][:2]:
            best[model.name] = (score, key, entry)
    return {name: (key, entry) for name, (_, key, entry) in best.items()}, skipped


def plan_import(litellm: dict[str, dict[str, Any]], models: ModelCatalog, today: date) -> ImportResult:
    """What would change in each catalog model (prices per 1M, limits, retirement)."""
    result = ImportResult(today=today)
    matched, result.skipped = match_entries(litellm, models)
    for m in sorted(models, key=lambda x: x.name):
        if m.name not in matched:
            result.unmatched.append(m.name)
            continue
        key, entry = matched[m.name]
        result.matched[m.name] = key
        new_prices: dict[str, float] = {}
        for ours, theirs in PRICE_FIELDS.items():
            value = _per_million(entry.get(theirs))
            if value is None:
                continue
            if ours == "cache-write" and m.provider != "anthropic":
                continue  # only Anthropic bills cache writes separately in the catalog
            new_prices[ours] = value
        # batch APIs cost half the list price: keep that invariant when LiteLLM has no batch figure
        if "batch-input" in m.price and "batch-input" not in new_prices and "input" in new_prices:
            new_prices["batch-input"] = round(new_prices["input"] / 2, 6)
        if "batch-output" in m.price and "batch-output" not in new_prices and "output" in new_prices:
            new_prices["batch-output"] = round(new_prices["output"] / 2, 6)
        for ours, value in new_prices.items():
            old = m.price.get(ours)
            if old is None or not math.isclose(old, value, rel_tol=1e-9, abs_tol=1e-9):
                result.changes.append(Change(m.name, f"price.{ours}", old, value, key))
        limits = {"max-output": _positive_int(entry.get("max_output_tokens")), "context-window": _positive_int(entry.get("max_input_tokens"))}
        for ours, value in limits.items():
            old = m.max_output if ours == "max-output" else m.context_window
            if value is not None and value != old:
                result.changes.append(Change(m.name, ours, old, value, key))
        dep = entry.get("deprecation_date")
        if isinstance(dep, str) and m.retired is None:
            try:
                when = date.fromisoformat(dep[:10])
            except ValueError:
                when = None
            if when is not None:
                result.changes.append(Change(m.name, "retired", None, when, key))
    return result


# ---------------------------------------------------------------- writing the result
def overlay_yaml(result: ImportResult, source: str) -> str:
    """A policy fragment with the changed fields (and ``checked``) of each refreshed model."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    doc = CommentedMap()
    models = CommentedMap()
    for name, fields in result.by_model().items():
        entry = CommentedMap()
        for key, value in fields.items():
            if key == "price":
                price = CommentedMap(value)
                price.fa.set_flow_style()
                entry["price"] = price
            else:
                entry[key] = value
        entry["checked"] = date(result.today.year, result.today.month, result.today.day)  # own object: no YAML anchors
        models[name] = entry
    doc["models"] = models
    yaml = YAML()
    yaml.width = 4096
    buf = io.StringIO()
    buf.write(
        f"# Model prices and limits refreshed from LiteLLM ({source}) on {result.today.isoformat()}:\n"
        f"# {len(result.by_model())} of {len(result.matched)} matched models changed. Use it from a policy:\n"
        "#   extends: [default, <this file>]\n"
    )
    if not models:
        buf.write("models: {}\n")
    else:
        yaml.dump(doc, buf)
    return buf.getvalue()


def update_catalog_in_place(path: Path, result: ImportResult) -> int:
    """Apply the changes to a models.yaml with a ruamel round trip; returns models updated."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    text = path.read_text(encoding="utf-8")
    doc = yaml.load(text)
    changed = result.by_model()
    for name, fields in changed.items():
        entry = doc["models"].get(name)
        if entry is None:
            continue
        for key, value in fields.items():
            if key == "price":
                for pk, pv in value.items():
                    entry["price"][pk] = pv
            else:
                entry[key] = value
        if "checked" in entry:
            entry["checked"] = result.today
    if changed and "checked" in doc:
        doc["checked"] = result.today
    buf = io.StringIO()
    yaml.dump(doc, buf)
    from auditor.writes import atomic_write

    atomic_write(path.resolve(), buf.getvalue().encode("utf-8"))
    return len(changed)


def summary(result: ImportResult) -> str:
    lines = []
    for c in result.changes:
        lines.append(f"  {c.model}: {c.field} {c.old if c.old is not None else '-'} -> {c.new}  (LiteLLM `{c.source_key}`)")
    head = (
        f"LiteLLM import: {len(result.matched)} catalog models matched, {len(result.by_model())} changed "
        f"({len(result.changes)} values); {len(result.unmatched)} not in the file"
    )
    return "\n".join([head, *lines]) + "\n"
