#!/usr/bin/env python3
"""Generate ``rules/models.yaml`` from the pinned LiteLLM price map and ``rules/models-overlay.yaml``.

Inputs:
  rules/sources/litellm-model-prices.json       LiteLLM's model_prices_and_context_window.json, pinned
  rules/sources/litellm-model-prices.pin.json   which litellm release it came from (version, sha256)
  rules/models-overlay.yaml                     what LiteLLM does not carry: tier, successor, reasoning,
                                                rejected parameters, cache minimum, sourced lifecycle dates
Outputs: rules/models.yaml (the catalog) and rules/model-modes.json (the media models: image, video
and speech generation, which no text rule caps or prices as chat).

Prices, context window, max output, supported APIs, cache minimum and the shutdown date of
every model come from its own provider's LiteLLM key (``auditor.config.litellm``: no Vertex or
Bedrock key on a direct API, no zero prices from incomplete entries); the overlay adds the rest
and must give a tier to every current model of the covered providers.

    python scripts/gen_models.py              # rewrite rules/models.yaml
    python scripts/gen_models.py --check      # exit 1 if rules/models.yaml is out of date
    python scripts/gen_models.py --refresh    # pin the newest litellm release from PyPI, then regenerate
    python scripts/gen_models.py --refresh --version 1.110.2
    python scripts/gen_models.py --report     # coverage per provider and what the overlay lacks
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.config.litellm import Facts, media_index, native_index, provider_specs, read_litellm

RULES = ROOT / "rules"
PINNED = RULES / "sources" / "litellm-model-prices.json"
PIN = RULES / "sources" / "litellm-model-prices.pin.json"
OVERLAY = RULES / "models-overlay.yaml"
OUTPUT = RULES / "models.yaml"
MODES = RULES / "model-modes.json"
WHEEL_MEMBER = "litellm/model_prices_and_context_window_backup.json"
# suffixes naming a snapshot of the same model: -2024-08-06 -20250929 -0613 -2411 -001 -09-2025 -latest
SNAPSHOT = re.compile(r"(-\d{4}-\d{2}-\d{2}|-\d{8}|-\d{2}-\d{4}|-\d{4}|-\d{3}|-latest)$")
FIELDS = [
    "provider", "family", "tier", "reasoning", "api", "aliases", "price", "context-window", "max-output",
    "cache-min-tokens", "cache", "rejects", "deprecated", "retired", "lifecycle-source", "routes-to",
    "successor", "successor-source", "downgrade", "litellm", "checked",
]
PRICE_KEYS = ["input", "output", "cached-input", "cache-write", "batch-input", "batch-output"]
OVERLAY_KEYS = {
    "tier", "reasoning", "rejects", "successor", "successor-source", "downgrade", "aliases", "family", "deprecated",
    "retired", "source", "routes-to", "cache-min-tokens", "litellm", "price", "context-window", "max-output", "api",
    "note",
}


class GenError(Exception):
    pass


# ---------------------------------------------------------------- inputs
def load_inputs(overlay_path: Path = OVERLAY, pinned: Path = PINNED) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    from ruamel.yaml import YAML

    overlay = YAML(typ="safe").load(overlay_path.read_text(encoding="utf-8")) or {}
    return overlay, read_litellm(pinned)


def _base(ident: str, names: set[str]) -> str | None:
    """The overlay model ``ident`` is a snapshot of (suffixes removed one at a time)."""
    cur = ident
    while True:
        nxt = SNAPSHOT.sub("", cur)
        if nxt == cur or not nxt:
            return None
        for candidate in (nxt, f"{nxt}-latest"):  # mistral-medium-2604 -> mistral-medium-latest
            if candidate in names and candidate != ident:
                return candidate
        cur = nxt


def _one(facts: list[Facts], ident: str, provider: str) -> Facts:
    distinct = {f.comparable() for f in facts}
    if len(distinct) > 1:
        keys = ", ".join(f.key for f in facts)
        raise GenError(f"{provider}: LiteLLM keys {keys} name `{ident}` with different facts; skip one in the overlay")
    return min(facts, key=lambda f: (len(f.key), f.key))


def api_family(api: list[str]) -> str:
    """What a caller of this model uses: completions-only, responses-only, else chat."""
    if set(api) == {"completions"}:
        return "completions"
    if "chat" not in api and "responses" in api:
        return "responses"
    return "chat"


# ---------------------------------------------------------------- building entries
def _entry(name: str, provider: str, ov: dict[str, Any], facts: Facts | None, spec, checked: date, aliases: list[str]) -> dict[str, Any]:
    unknown = set(ov) - OVERLAY_KEYS
    if unknown:
        raise GenError(f"{provider}/{name}: unknown overlay keys {sorted(unknown)}")
    if "tier" not in ov:
        raise GenError(f"{provider}/{name}: the overlay gives no tier")
    if facts is not None:
        price = dict(facts.price)
        ctx, max_out, api = facts.context_window, facts.max_output, list(facts.api)
        cache_min = facts.cache_min_tokens
        retired = facts.retired
        if ov.get("retired") is not None and ov["retired"] != retired and retired is not None:
            raise GenError(f"{provider}/{name}: overlay retired {ov['retired']} but LiteLLM `{facts.key}` says {retired}")
        retired = retired or ov.get("retired")
    else:
        price = {k: float(v) for k, v in (ov.get("price") or {}).items() if v is not None}
        ctx, max_out, api = ov.get("context-window"), ov.get("max-output"), list(ov.get("api") or ["chat"])
        cache_min, retired = None, ov.get("retired")
    cache = spec.cache if price.get("cached-input") else "none"
    if cache != "none":
        cache_min = cache_min or ov.get("cache-min-tokens") or spec.cache_min_tokens
    else:
        cache_min = None
    deprecated = ov.get("deprecated")
    if deprecated and retired and deprecated > retired:
        raise GenError(f"{provider}/{name}: deprecated {deprecated} after retired {retired}")
    source = ov.get("source") or spec.deprecations
    if (deprecated or retired) and not source:
        raise GenError(f"{provider}/{name}: a lifecycle date without a source")
    return {
        "provider": provider,
        "family": ov.get("family") or name,
        "tier": ov["tier"],
        "reasoning": bool(ov.get("reasoning", False)),
        "api": api,
        "aliases": sorted(set(aliases) - {name}),
        "price": {k: price.get(k) for k in PRICE_KEYS},
        "context-window": ctx,
        "max-output": max_out,
        "cache-min-tokens": cache_min,
        "cache": cache,
        "rejects": list(ov.get("rejects") or []),
        "deprecated": deprecated,
        "retired": retired,
        "lifecycle-source": source if (deprecated or retired) else None,
        "routes-to": ov.get("routes-to"),
        "successor": ov.get("successor"),
        "successor-source": ov.get("successor-source"),
        "downgrade": ov.get("downgrade"),
        "litellm": facts.key if facts is not None else None,
        "checked": checked,
    }


def _inherited(ov: dict[str, Any]) -> dict[str, Any]:
    """What a snapshot with its own facts takes from its base model's overlay entry."""
    keep = ("tier", "reasoning", "rejects", "successor", "successor-source", "downgrade", "family", "cache-min-tokens", "source")
    return {k: ov[k] for k in keep if k in ov}


def build(overlay: dict[str, Any], litellm: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """(catalog models, report) from the overlay and the LiteLLM map."""
    specs = provider_specs(overlay)
    checked = overlay.get("checked")
    index = native_index(litellm, specs)
    ov_models = overlay.get("models") or {}
    shared = overlay.get("rejects") or {}
    out: dict[str, dict[str, Any]] = {}
    report: dict[str, Any] = {"providers": {}}
    for provider, spec in specs.items():
        if spec.host:
            continue
        models = _overlay_models(ov_models, provider, shared)
        skip = dict(((overlay.get("providers") or {}).get(provider) or {}).get("skip") or {})
        ids = {i: f for i, f in index.get(provider, {}).items() if i not in skip}
        names = {n for n, v in models.items() if v.get("litellm", True) is not None}
        taken: dict[str, str] = {}  # LiteLLM id -> catalog name
        for name, ov in models.items():
            if ov.get("litellm", True) is None:
                continue  # kept by hand: LiteLLM no longer lists it
            if name not in ids:
                raise GenError(f"{provider}/{name}: not in the pinned LiteLLM map (mark it `litellm: null` to keep it by hand)")
            taken[name] = name
            for alias in ov.get("aliases") or []:
                if alias in ids:
                    if _one(ids[alias], alias, provider).comparable() != _one(ids[name], name, provider).comparable():
                        raise GenError(f"{provider}/{name}: alias {alias} has other facts in LiteLLM; make it its own entry")
                    taken[alias] = name
        uncovered = []
        for ident in sorted(ids):
            if ident in taken:
                continue
            base = _base(ident, names)
            if base is None:
                uncovered.append(ident)
            elif _one(ids[ident], ident, provider).comparable() == _one(ids[base], base, provider).comparable():
                taken[ident] = base
            else:
                models[ident] = _inherited(models[base])
                taken[ident] = ident
        if uncovered:
            raise GenError(f"{provider}: the overlay gives no tier to {len(uncovered)} LiteLLM model(s): {', '.join(uncovered)}")
        for name, ov in models.items():
            facts = None if ov.get("litellm", True) is None else _one(ids[name], name, provider)
            aliases = [i for i, n in taken.items() if n == name] + [a for a in ov.get("aliases") or [] if a not in ids]
            _add(out, name, _entry(name, provider, ov, facts, spec, checked, aliases), spec.prefixes[0] if spec.prefixes else "")
        report["providers"][provider] = {"ids": len(ids), "covered": len(taken), "skipped": len(skip)}
    for host, spec in specs.items():
        if spec.host:
            _build_host(out, host, spec, index.get(host, {}), _overlay_models(ov_models, host, shared), ov_models, checked, report)
    _check_links(out, checked)
    return out, report


def _overlay_models(ov_models: dict[str, Any], provider: str, shared: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    models = {n: dict(v or {}) for n, v in (ov_models.get(provider) or {}).items()}
    for v in models.values():
        if isinstance(v.get("rejects"), str):
            v["rejects"] = shared[v["rejects"]]
    return models


def _add(out: dict[str, dict[str, Any]], name: str, entry: dict[str, Any], prefix: str = "") -> None:
    """Add an entry; an id two providers share (Groq's and Together's ``openai/gpt-oss-120b``) is
    named with each provider's key prefix and keeps the bare id as an alias of both (the lookup
    then picks the call site's provider)."""
    other = out.get(name)
    if other is None:
        entry["_prefix"] = prefix
        out[name] = entry
        return
    if other["provider"] == entry["provider"] or not prefix or not other.get("_prefix"):
        raise GenError(f"{entry['provider']}/{name}: also defined by {other['provider']}")
    del out[name]
    for e, pre in ((other, other["_prefix"]), (entry, prefix)):
        e["aliases"] = sorted({*e["aliases"], name})
        e["_prefix"] = pre
        out[pre + name] = e


HOST_ID = re.compile(r"^(?P<vendor>[a-z]+)\.(?P<model>.+?)(?:-v\d+(?::\d+)?)?$")
# a host id's vendor prefix -> the catalog provider whose model it resells (Bedrock `openai.gpt-6-luna`,
# Mantle `xai.grok-4.3`); other vendors' ids (amazon., meta., qwen. ...) need an explicit overlay entry
HOST_VENDORS = {"anthropic": "anthropic", "openai": "openai", "xai": "xai", "mistral": "mistral", "deepseek": "deepseek", "cohere": "cohere"}


def _host_base(ident: str, host: str) -> tuple[str, str] | None:
    """(vendor provider, vendor model id) of a host's id: Bedrock ``anthropic.claude-x-20250929-v1:0``,
    Vertex ``claude-x@20250929``; None for ids of vendors the catalog does not cover."""
    if "/" in ident:
        return None  # claude_platform/... is Anthropic-operated: the vendor's own entry applies
    if host == "vertex":
        return "anthropic", ident.split("@", 1)[0]
    m = HOST_ID.match(ident)
    if not m or m.group("vendor") not in HOST_VENDORS:
        return None
    return HOST_VENDORS[m.group("vendor")], m.group("model")


def _prefer_runtime(facts: list[Facts]) -> list[Facts]:
    """An id that Bedrock's runtime API (Converse/Invoke) and its OpenAI-compatible Mantle endpoint
    both serve (Mantle is priced up to 10% higher for a few): the runtime's facts; ids only Mantle
    serves (``openai.gpt-oss-120b``, ``openai.gpt-5.5``) keep Mantle's."""
    runtime = [f for f in facts if not f.key.startswith("bedrock_mantle/")]
    return runtime or facts


def _build_host(out, host, spec, ids, models, ov_models, checked, report) -> None:
    """Entries for a cloud that resells vendor models (Bedrock, Vertex): each id the vendor's
    catalog knows gets its own entry with the host's prices and dates and the vendor model's
    tier, reasoning flag and rejected parameters; explicit overlay entries (``models.<host>``) too."""
    vendor_index = {a: n for n, e in out.items() for a in [n, *e["aliases"]]}
    ids = {i: _prefer_runtime(fs) for i, fs in ids.items()}
    groups: dict[tuple, list[str]] = {}
    for ident, facts in sorted(ids.items()):
        if ident in models:
            continue
        base = _host_base(ident, host)
        if base is None:
            continue
        vendor_name = vendor_index.get(base[1]) or vendor_index.get(SNAPSHOT.sub("", base[1]))
        if vendor_name is None or out[vendor_name]["provider"] != base[0]:
            continue
        f = _one(facts, ident, host)
        groups.setdefault((vendor_name, f.comparable()), []).append(ident)
    made = 0
    for (vendor_name, _), idents in groups.items():
        mantle_only = {i for i in idents if all(f.key.startswith("bedrock_mantle/") for f in ids[i])}
        named = sorted(idents, key=lambda i: (i in mantle_only, "@" not in i and host == "vertex", "@default" in i, len(i), i))
        name = named[0] if ("@" in named[0] or host != "vertex") else f"vertex_ai/{named[0]}"
        aliases = [i if ("@" in i or host != "vertex") else f"vertex_ai/{i}" for i in named[1:]]
        vendor_ov = dict((ov_models.get(out[vendor_name]["provider"]) or {}).get(vendor_name) or {})
        ov = {k: vendor_ov[k] for k in ("reasoning", "family") if k in vendor_ov}
        ov.update({"tier": out[vendor_name]["tier"], "rejects": out[vendor_name]["rejects"], "family": out[vendor_name]["family"]})
        entry = _entry(name, host, ov, _one(ids[named[0]], named[0], host), spec, checked, aliases)
        entry["host-of"] = vendor_name
        _add(out, name, entry)
        made += 1
    for name, ov in models.items():
        kept = ov.get("litellm", True) is None  # kept by hand: a host's retired id the map never listed
        if name not in ids and not kept:
            raise GenError(f"{host}/{name}: not in the pinned LiteLLM map (mark it `litellm: null` to keep it by hand)")
        facts = None if kept else _one(ids[name], name, host)
        _add(out, name, _entry(name, host, ov, facts, spec, checked, list(ov.get("aliases") or [])))
        made += 1
    # successor / downgrade: the host's entry of the vendor model's successor / downgrade
    by_vendor = {e["host-of"]: n for n, e in out.items() if e["provider"] == host and e.get("host-of")}
    for e in out.values():
        if e["provider"] != host or not e.get("host-of"):
            continue
        vendor = out[e.pop("host-of")]
        for key in ("successor", "downgrade"):
            target = by_vendor.get(vendor[key]) if vendor[key] else None
            if target and not (out[target]["retired"] and out[target]["retired"] <= checked):
                e[key] = target
    report["providers"][host] = {"ids": len(ids), "covered": made, "skipped": 0}


def _check_links(out: dict[str, dict[str, Any]], checked: date) -> None:
    index: dict[str, list[str]] = {}
    for n, e in out.items():
        e.pop("_prefix", None)
        for a in [n, *e["aliases"]]:
            index.setdefault(a, []).append(n)
    rank = {"small": 0, "medium": 1, "large": 2}
    for name, e in out.items():
        for key in ("successor", "downgrade", "routes-to"):
            target = e[key]
            if target is None:
                continue
            found = [n for n in index.get(target, []) if out[n]["provider"] == e["provider"]]
            if not found:
                raise GenError(f"{name}: {key} {target!r} is not a catalog model of {e['provider']}")
            t = out[found[0]]
            e[key] = found[0]
            if key != "routes-to" and t["retired"] is not None and t["retired"] <= checked:
                raise GenError(f"{name}: {key} {target} is retired")
            need = api_family(e["api"])
            if key != "routes-to" and need not in t["api"]:
                raise GenError(f"{name}: {key} {target} does not serve the {need} API that {name} is called with")
        if e["downgrade"] and rank[out[e["downgrade"]]["tier"]] >= rank[e["tier"]]:
            raise GenError(f"{name}: downgrade {e['downgrade']} is not a lower tier")


# ---------------------------------------------------------------- output
def render(models: dict[str, dict[str, Any]], overlay: dict[str, Any], pin: dict[str, Any]) -> str:
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def flow(value):
        if isinstance(value, dict):
            m = CommentedMap(value)
            m.fa.set_flow_style()
            return m
        s = CommentedSeq(value)
        s.fa.set_flow_style()
        return s

    doc = CommentedMap()
    doc["litellm"] = flow({"version": pin.get("version"), "sha256": pin.get("sha256")})
    doc["checked"] = overlay.get("checked")
    body = CommentedMap()
    order = list(provider_specs(overlay))
    for name in sorted(models, key=lambda n: (order.index(models[n]["provider"]), n)):
        e = models[name]
        entry = CommentedMap()
        for key in FIELDS:
            value = e[key]
            if isinstance(value, date):
                value = date(value.year, value.month, value.day)  # its own object: no YAML anchors
            entry[key] = flow(value) if key in ("api", "aliases", "price", "rejects") else value
        body[name] = entry
    doc["models"] = body
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    buf = io.StringIO()
    buf.write(
        "# GENERATED by scripts/gen_models.py - do not edit: change rules/models-overlay.yaml (or refresh the\n"
        "# pinned LiteLLM map with `python scripts/gen_models.py --refresh`) and regenerate.\n"
        "#\n"
        "# Per model: prices in USD per 1M tokens, context window, max output, supported APIs and the\n"
        "# shutdown date (`retired`) from the model's own provider's LiteLLM key (`litellm`); tier,\n"
        "# reasoning, rejected parameters, successor, downgrade, announcement date (`deprecated`) and the\n"
        "# page the dates come from (`lifecycle-source`) from the overlay. `routes-to`: after retirement\n"
        "# the provider serves requests with that model instead of failing them.\n"
    )
    yaml.dump(doc, buf)
    return buf.getvalue()


def generate(overlay_path: Path = OVERLAY, pinned: Path = PINNED, pin_path: Path = PIN) -> tuple[str, dict[str, Any]]:
    overlay, litellm = load_inputs(overlay_path, pinned)
    pin = json.loads(pin_path.read_text(encoding="utf-8"))
    if hashlib.sha256(pinned.read_bytes()).hexdigest() != pin.get("sha256"):
        raise GenError(f"{pinned} does not match the sha256 in {pin_path}")
    models, report = build(overlay, litellm)
    return render(models, overlay, pin), report


# ---------------------------------------------------------------- refresh from PyPI
def newest_version() -> str:
    out = subprocess.run([sys.executable, "-m", "pip", "index", "versions", "litellm"], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^litellm \(([^)]+)\)", out, re.MULTILINE)
    if not m:
        raise GenError(f"cannot read the newest litellm version from `pip index versions`: {out[:200]}")
    return m.group(1)


def refresh(version: str | None) -> dict[str, Any]:
    """Download the litellm wheel (no dependencies), pin its price map and record where it came from."""
    version = version or newest_version()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", f"litellm=={version}", "-d", tmp], check=True, capture_output=True)
        wheels = sorted(Path(tmp).glob("litellm-*.whl"))
        if not wheels:
            raise GenError(f"pip downloaded no litellm {version} wheel")
        with zipfile.ZipFile(wheels[0]) as z:
            data = z.read(WHEEL_MEMBER)
        json.loads(data)  # it must parse
        PINNED.write_bytes(data)
        pin = {"package": "litellm", "version": version, "wheel": wheels[0].name, "member": WHEEL_MEMBER, "sha256": hashlib.sha256(data).hexdigest(), "pinned": date.today().isoformat()}
    PIN.write_text(json.dumps(pin, indent=2) + "\n", encoding="utf-8")
    return pin


def modes_text(pinned: Path = PINNED, overlay_path: Path = OVERLAY, pin_path: Path = PIN) -> str:
    """rules/model-modes.json: the media models (image, video, speech) of the catalogued providers."""
    overlay, litellm = load_inputs(overlay_path, pinned)
    pin = json.loads(pin_path.read_text(encoding="utf-8"))
    doc = {
        "generated-by": "scripts/gen_models.py from the pinned LiteLLM map: do not edit",
        "litellm": pin.get("version"),
        "modes": media_index(litellm, provider_specs(overlay)),
    }
    return json.dumps(doc, indent=1, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if rules/models.yaml is out of date; write nothing")
    parser.add_argument("--refresh", action="store_true", help="pin the newest (or --version) litellm release's price map first")
    parser.add_argument("--version", help="with --refresh: this litellm version instead of the newest")
    parser.add_argument("--report", action="store_true", help="print coverage per provider")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    try:
        if args.refresh:
            pin = refresh(args.version)
            print(f"pinned litellm {pin['version']} ({pin['sha256'][:12]})", file=sys.stderr)
        text, report = generate()
    except (GenError, subprocess.CalledProcessError) as e:
        print(f"gen_models: {e}", file=sys.stderr)
        return 2
    if args.report:
        counts: dict[str, int] = {}
        for e in build(*load_inputs())[0].values():
            counts[e["provider"]] = counts.get(e["provider"], 0) + 1
        for provider, r in report["providers"].items():
            print(f"{provider:10} {r['covered']:4}/{r['ids']:<4} LiteLLM ids covered, {counts.get(provider, 0):4} entries, {r['skipped']} skipped")
    outputs = [(args.output, text), (MODES, modes_text())]
    stale = [path for path, body in outputs if (path.read_text(encoding="utf-8") if path.exists() else "") != body]
    if args.check:
        for path in stale:
            print(f"gen_models: {path} is out of date: run `python scripts/gen_models.py`", file=sys.stderr)
        return 1 if stale else 0
    for path, body in outputs:
        if path in stale:
            path.write_text(body, encoding="utf-8")
            print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
