"""The Infracost-style usage file, ``llm-audit-usage.yaml``: read it, and add stubs for new sites.

```yaml
version: 1
defaults:
  monthly-calls: 10000        # every call site unless overridden
sites:
  "app/llm.py::LLMClient.classify#1":
    monthly-calls: 250000
    input-tokens: 180         # optional: typical input tokens per call (else estimated)
    output-tokens: 2          # optional: typical output tokens per call (else from the cap)
    batch: true               # optional: priced at Batch API rates
  "notebooks/**":             # globs match call-site ids (path::qualname#n)
    monthly-calls: 0
```

Found by default next to the policy file (or at the project root), or named by policy
``usage.file`` or ``--usage``. ``--sync-usage`` adds a stub for every call site that neither
its id nor a glob covers, keeping every existing entry, value and comment as written
(ruamel.yaml round-trip), so running it twice changes nothing the second time.
"""

from __future__ import annotations

import fnmatch
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any
from auditor.reads import read_text

if TYPE_CHECKING:  # pragma: no cover
    from auditor.facts import CallSite
    from auditor.config.policy import Policy

USAGE_FILE = "llm-audit-usage.yaml"
SITE_KEYS = {"monthly-calls": "number", "input-tokens": "number", "output-tokens": "number", "batch": "boolean"}
HEADER = """\
# llm-audit usage assumptions (Infracost style), read by `llm-audit report`.
# defaults apply to every call site; `sites` overrides them per call-site id
# (path::qualname#n) or glob. Keys: monthly-calls, input-tokens, output-tokens, batch.
# `llm-audit report --sync-usage` adds stubs for new call sites and never changes edited values.
"""


class UsageError(Exception):
    """A usage file that cannot be read; the message names file:line:column."""


def default_usage_path(policy: Policy) -> Path:
    base = policy.path.parent if policy.path is not None else policy.root
    named = (policy.get("usage") or {}).get("file")
    return (base / named) if named else (base / USAGE_FILE)


def _yaml():
    from auditor.config.yamlsafe import yaml as bounded_yaml

    yaml = bounded_yaml("rt", preserve_quotes=True)  # round-trip: keeps comments, order and quoting
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def _where(path: Path, node: Any, key: Any = None) -> str:
    try:
        if key is not None:
            line, col = node.lc.key(key)
        else:
            line, col = node.lc.line, node.lc.col
        return f"{path}:{line + 1}:{col + 1}"
    except Exception:  # noqa: BLE001 - positions are a courtesy
        return str(path)


def _check_values(path: Path, mapping: Any, where: str) -> dict[str, Any]:
    if mapping is None:
        return {}
    if not isinstance(mapping, dict):
        raise UsageError(f"{_where(path, mapping) if hasattr(mapping, 'lc') else path}: {where} must be a mapping of usage keys")
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        kind = SITE_KEYS.get(str(key))
        if kind is None:
            raise UsageError(f"{_where(path, mapping, key)}: unknown usage key {key!r} in {where} (allowed: {', '.join(SITE_KEYS)})")
        if value is None:
            continue
        ok = isinstance(value, bool) if kind == "boolean" else (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < float("inf"))
        if not ok:
            raise UsageError(f"{_where(path, mapping, key)}: {where}.{key} must be a {'true/false' if kind == 'boolean' else 'finite non-negative number'}, got {value!r}")
        out[str(key)] = value
    return out


def read_usage_file(path: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``(defaults, sites)`` from a usage file; raises :class:`UsageError` with file:line:col."""
    try:
        text = read_text(path, encoding="utf-8")
    except OSError as e:
        raise UsageError(f"{path}: cannot read the usage file: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise UsageError(f"{path}: the usage file is not UTF-8") from e
    try:
        doc = _yaml().load(text)
    except Exception as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        raise UsageError(f"{where}: invalid YAML: {getattr(e, 'problem', None) or e}") from e
    if doc is None:
        return {}, {}
    if not isinstance(doc, dict):
        raise UsageError(f"{path}:1:1: the usage file must be a mapping with `defaults` and `sites`")
    for key in doc:
        if key not in ("version", "defaults", "sites"):
            raise UsageError(f"{_where(path, doc, key)}: unknown top-level key {key!r} (allowed: version, defaults, sites)")
    defaults = _check_values(path, doc.get("defaults"), "defaults")
    sites_doc = doc.get("sites") or {}
    if not isinstance(sites_doc, dict):
        raise UsageError(f"{_where(path, doc, 'sites')}: `sites` must map call-site ids or globs to usage values")
    sites = {str(k): _check_values(path, v, f"sites[{k!r}]") for k, v in sites_doc.items()}
    return defaults, sites


def covered(site_id: str, entries: list[str]) -> bool:
    """True when an entry names this site or a glob matches it."""
    return any(e == site_id or (any(c in e for c in "*?[") and fnmatch.fnmatchcase(site_id, e)) for e in entries)


def sync_usage(path: Path, sites: list[CallSite], default_calls: float) -> list[str]:
    """Add a stub for every call site the file does not cover yet; returns the ids added.

    The file is created when missing. Existing entries, values, comments and order stay as
    they are. A stub's values are empty (so the defaults apply until someone fills them in)
    and a comment says where the site is and which model it uses."""
    from ruamel.yaml.comments import CommentedMap

    yaml = _yaml()
    if path.is_file():
        read_usage_file(path)  # validate first: never rewrite a file we cannot read
        doc = yaml.load(read_text(path, encoding="utf-8"))
        if doc is None:
            doc = CommentedMap()
    else:
        doc = CommentedMap()
        doc["version"] = 1
        defaults = CommentedMap()
        defaults["monthly-calls"] = int(default_calls) if float(default_calls).is_integer() else default_calls
        doc["defaults"] = defaults
    if doc.get("sites") is None:
        doc["sites"] = CommentedMap()
    entries = [str(k) for k in doc["sites"]]
    added: list[str] = []
    for site in sorted(sites, key=lambda s: s.id):
        if covered(site.id, entries) or site.id in added:
            continue
        stub = CommentedMap()
        stub["monthly-calls"] = None  # empty: the default applies until someone fills it in
        doc["sites"][site.id] = stub
        where = f"{site.path}:{'cell ' + str(site.cell + 1) + ':' if site.cell is not None else ''}{site.span.line}"
        model = site.model_name or "model not resolved"
        doc["sites"].yaml_add_eol_comment(f"{where}, {model} (empty values use the defaults)", site.id, column=0)
        added.append(site.id)
    if not added and path.is_file():
        return []
    buf = io.StringIO()
    yaml.dump(doc, buf)
    text = buf.getvalue()
    if not text.endswith("\n"):
        text += "\n"
    if not path.is_file():
        text = HEADER + text
    from auditor.writes import atomic_write, encode_text

    atomic_write(path.resolve(), encode_text(text))
    return added
