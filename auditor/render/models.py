"""``llm-audit models``: the model catalog as a table or JSON."""

from __future__ import annotations

import json
from datetime import date

from auditor.catalog import ModelCatalog, ModelInfo


def status(m: ModelInfo, today: date) -> str:
    if m.retired and m.retired <= today:
        return f"retired {m.retired.isoformat()}"
    if m.retired:
        return f"retires {m.retired.isoformat()}"
    if m.deprecated and m.deprecated <= today:
        return f"deprecated {m.deprecated.isoformat()}"
    return "active"


def _match(m: ModelInfo, search: str | None) -> bool:
    if not search:
        return True
    s = search.lower()
    return s in m.name.lower() or s in m.provider.lower() or any(s in a.lower() for a in m.aliases)


def model_json(m: ModelInfo, today: date) -> dict:
    return {
        "name": m.name, "provider": m.provider, "tier": m.tier, "reasoning": m.reasoning, "price_per_1m": m.price,
        "context_window": m.context_window, "max_output": m.max_output, "cache_min_tokens": m.cache_min_tokens,
        "cache": m.cache, "rejects": m.rejects, "deprecated": m.deprecated.isoformat() if m.deprecated else None,
        "retired": m.retired.isoformat() if m.retired else None, "successor": m.successor, "downgrade": m.downgrade,
        "aliases": m.aliases, "checked": m.checked.isoformat() if m.checked else None, "status": status(m, today),
    }


def render_models(models: ModelCatalog, search: str | None, fmt: str, today: date) -> str:
    chosen = sorted((m for m in models if _match(m, search)), key=lambda m: (m.provider, m.name))
    if fmt == "json":
        return json.dumps([model_json(m, today) for m in chosen], indent=2) + "\n"
    head = ("model", "provider", "tier", "in $/1M", "out $/1M", "max out", "status")
    rows = [head]
    for m in chosen:
        rows.append((
            m.name, m.provider, m.tier,
            f"{m.price.get('input', 0):g}" if "input" in m.price else "-",
            f"{m.price.get('output', 0):g}" if "output" in m.price else "-",
            f"{m.max_output:,}" if m.max_output else "-",
            status(m, today),
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"{len(chosen)} model(s).")
    return "\n".join(lines) + "\n"
