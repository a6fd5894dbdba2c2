"""``llm-audit models``: the model catalog as a table or JSON, and the LiteLLM price import.

``--search X`` keeps models whose name, alias, family or provider contains X, or that X
resolves to through the catalog lookup (so ``--search openai/gpt-4o-2024-08-06`` finds gpt-4o).
"""

from __future__ import annotations

import json
from datetime import date

from auditor.config.catalog import ModelCatalog, ModelInfo


def status(m: ModelInfo, today: date) -> str:
    if m.retired and m.retired <= today:
        return f"retired {m.retired.isoformat()}"
    if m.retired:
        return f"retires {m.retired.isoformat()}"
    if m.deprecated and m.deprecated <= today:
        return f"deprecated {m.deprecated.isoformat()}"
    return "active"


def _match(m: ModelInfo, search: str | None, resolved: ModelInfo | None = None) -> bool:
    if not search:
        return True
    s = search.lower()
    if resolved is not None and resolved.name == m.name:
        return True
    return s in m.name.lower() or s in m.provider.lower() or s in (m.family or "").lower() or any(s in a.lower() for a in m.aliases)


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _tokens(value: int | None) -> str:
    if not value:
        return "-"
    if value >= 1_000_000:
        return f"{value / 1_000_000:.3g}M"
    return f"{value // 1000}k" if value >= 10_000 else f"{value:,}"


def model_json(m: ModelInfo, today: date) -> dict:
    return {
        "name": m.name, "provider": m.provider, "tier": m.tier, "reasoning": m.reasoning, "price_per_1m": m.price,
        "context_window": m.context_window, "max_output": m.max_output, "cache_min_tokens": m.cache_min_tokens,
        "cache": m.cache, "rejects": m.rejects, "deprecated": m.deprecated.isoformat() if m.deprecated else None,
        "retired": m.retired.isoformat() if m.retired else None, "successor": m.successor, "downgrade": m.downgrade,
        "aliases": m.aliases, "checked": m.checked.isoformat() if m.checked else None, "status": status(m, today),
        "api": m.api, "lifecycle_source": m.lifecycle_source, "routes_to": m.routes_to, "litellm": m.litellm,
    }


def render_models(models: ModelCatalog, search: str | None, fmt: str, today: date) -> str:
    resolved = models.lookup(search) if search else None
    chosen = sorted((m for m in models if _match(m, search, resolved)), key=lambda m: (m.provider, m.name))
    if fmt == "json":
        return json.dumps([model_json(m, today) for m in chosen], indent=2) + "\n"
    head = ("model", "provider", "tier", "in $/1M", "out $/1M", "cached", "context", "max out", "status", "successor")
    rows = [head]
    for m in chosen:
        rows.append((
            m.name, m.provider, m.tier,
            _money(m.price_of("input")), _money(m.price_of("output")), _money(m.price_of("cached-input")),
            _tokens(m.context_window), _tokens(m.max_output),
            status(m, today), m.successor or "",
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if search and resolved is not None and search.lower() != resolved.name.lower() and search.lower() not in (a.lower() for a in resolved.aliases):
        lines.append(f"`{search}` resolves to {resolved.name}.")
    lines.append(f"{len(chosen)} model(s); prices in USD per 1M tokens.")
    return "\n".join(lines) + "\n"


def import_litellm(policy, path, today: date, output: str | None, in_place: bool) -> str | None:
    """``models --import-litellm``: print or write a policy overlay with what changed, matched with
    the same provider-aware rules the catalog generator uses. Returns an error message, or None."""
    import sys
    from pathlib import Path

    from auditor.config.litellm import (
        ImportError_,
        overlay_yaml,
        plan_import,
        read_litellm,
        summary,
    )

    if in_place:
        return (
            "rules/models.yaml is generated: pin a new LiteLLM map and regenerate it with "
            "`python scripts/gen_models.py --refresh` (a source checkout), or write a policy overlay without --in-place"
        )
    try:
        data = read_litellm(Path(path))
    except ImportError_ as e:
        return str(e)
    result = plan_import(data, policy.models, today)
    print(summary(result), end="", file=sys.stderr)
    text = overlay_yaml(result, Path(path).name)
    if output:
        from auditor.writes import OutputError, write_output

        try:
            write_output(output, text.encode("utf-8"))
        except OutputError as e:
            return str(e)
        print(f"wrote {output}; use it with `extends: [default, {Path(output).name}]` in your policy", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return None
