"""Policy: find, load, merge and validate ``.llm-audit.yaml`` / ``[tool.llm-audit]``.

Every policy file (the built-in packs in ``rules/`` included) is validated against the JSON
Schema shipped in ``auditor/schema/policy.schema.json``. An invalid policy raises
:class:`PolicyError`, whose message names ``file:line:column`` and the offending key; the CLI
turns it into exit code 2.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from auditor.config.catalog import ModelCatalog, Rule, load_catalog, load_yaml_file, rules_dir
from auditor.config.modelcatalog import model_from_entry
from auditor.findings import severity_rank
from auditor.reads import read_bytes, read_text

POLICY_FILES = (".llm-audit.yaml", ".llm-audit.yml", "llm-audit.yaml")
BUILTIN_PACKS = ("default", "strict")


class PolicyError(Exception):
    """A policy that cannot be used; ``str()`` is the message for the user."""


@lru_cache(maxsize=1)
def policy_schema() -> dict[str, Any]:
    return json.loads((Path(__file__).parent.parent / "schema" / "policy.schema.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- reading files
def read_config_text(path: Path) -> str:
    """A configuration file's text; a file that cannot be read or is not UTF-8 is a PolicyError
    naming the file and the position of the first bad byte."""
    try:
        data = read_bytes(path)
    except OSError as e:
        raise PolicyError(f"{path}: cannot read: {e.strerror or e}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise PolicyError(f"{path}:{line}:{col}: not UTF-8 (byte 0x{data[e.start]:02x}): save the file as UTF-8") from None


def _load_yaml_rt(path: Path) -> Any:
    from ruamel.yaml.error import MarkedYAMLError

    from auditor.config.yamlsafe import yaml as bounded_yaml

    yaml = bounded_yaml("rt")
    text = read_config_text(path)
    try:
        return yaml.load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else f"{path}:1:1"
        raise PolicyError(f"{where}: invalid YAML: {e.problem or e.context}") from None
    except RecursionError:
        raise PolicyError(f"{path}:1:1: invalid YAML: nested too deeply") from None
    except Exception as e:  # noqa: BLE001 - any YAML error is the user's policy, not a crash
        raise PolicyError(f"{path}:1:1: invalid YAML: {e}") from None


def _plain(obj: Any) -> Any:
    """ruamel round-trip types -> plain dicts/lists/scalars (dates as ISO strings)."""
    import datetime

    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (datetime.date, datetime.datetime)):
        return obj.isoformat()[:10]
    if isinstance(obj, bool) or obj is None:
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj)
    if isinstance(obj, str):
        return str(obj)
    return obj


def validate(data: Any, doc: Any, where: str, text_lines: list[str] | None = None, rules: list[Rule] | None = None) -> None:
    """Raise :class:`PolicyError` listing every problem: the JSON Schema's, then selectors,
    params and values against ``rules`` (see config/validate.py). Without ``rules`` only the
    schema is checked, unless it fails."""
    from auditor.config.validate import MAX_MESSAGES, Problems, catalog_problems, schema_problems

    problems = Problems(doc, where, text_lines)
    schema_problems(data, policy_schema(), problems)
    if isinstance(data, dict) and (rules is not None or problems.messages):
        # schema errors: report the catalog's findings too (against this file's own rules)
        catalog_problems(data, rules if rules is not None else _known_rules(data, {}), problems, selector_matches)
    if problems.messages:
        extra = len(problems.messages) - MAX_MESSAGES
        raise PolicyError("\n".join(problems.messages[:MAX_MESSAGES]) + (f"\n... and {extra} more" if extra > 0 else ""))


def read_policy_file(path: Path) -> dict[str, Any]:
    """Read and validate one policy file (YAML, or pyproject.toml's [tool.llm-audit])."""
    data, doc, lines = read_policy_doc(path)
    validate(data, doc, str(path), lines, rules=_known_rules(data, {}))
    return data


def read_policy_doc(path: Path) -> tuple[dict[str, Any], Any, list[str] | None]:
    """(data, ruamel document or None, TOML lines or None) of one policy file, checked
    against the JSON Schema only (the catalog checks need the rules of the whole chain)."""
    if path.name == "pyproject.toml":
        try:
            import tomllib  # type: ignore[import-not-found]
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        text = read_config_text(path)
        try:
            data = tomllib.loads(text).get("tool", {}).get("llm-audit", {})
        except tomllib.TOMLDecodeError as e:
            raise PolicyError(f"{path}: invalid TOML: {e}") from None
        except RecursionError:
            raise PolicyError(f"{path}:1:1: invalid TOML: nested too deeply") from None
        lines = _section_lines(text)
        validate(data, None, str(path), lines)
        return data, None, lines
    doc = _load_yaml_rt(path)
    if doc is None:
        return {}, None, None
    data = _plain(doc)
    if not isinstance(data, dict):
        raise PolicyError(f"{path}:1:1: invalid policy: expected a mapping of keys, got {type(data).__name__}")
    validate(data, doc, str(path))
    return data, doc, None


def _known_rules(data: dict[str, Any], inherited: dict[str, Any]) -> list[Rule]:
    """The catalog's rules plus those a policy chain defines (``rules:``)."""
    rules = list(load_catalog().rules)
    def entries(d: dict[str, Any]) -> list:
        value = d.get("rules") or []
        return value if isinstance(value, list) else []  # `rules: 3` is the schema's to report

    for entry in entries(inherited) + entries(data):
        if isinstance(entry, dict) and entry.get("code") and entry.get("name"):
            rules.append(Rule.from_entry(entry, family="policy"))
    return rules


def _section_lines(text: str) -> list[str]:
    """pyproject lines, with everything outside [tool.llm-audit...] blanked (for positions)."""
    out, inside = [], False
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("["):
            inside = s.startswith("[tool.llm-audit")
            out.append("")
            continue
        out.append(line if inside else "")
    return out


def policy_file_in(folder: Path) -> Path | None:
    """The policy file of ``folder`` itself: a ``.llm-audit.yaml`` (or ``.yml``, ``llm-audit.yaml``),
    else a ``pyproject.toml`` with a ``[tool.llm-audit]`` table."""
    for name in POLICY_FILES:
        if (folder / name).is_file():
            return folder / name
    pp = folder / "pyproject.toml"
    if pp.is_file():
        try:
            if "[tool.llm-audit" in read_text(pp, encoding="utf-8", errors="replace"):
                return pp
        except OSError:
            pass
    return None


def find_policy_file(start: Path) -> Path | None:
    d = start if start.is_dir() else start.parent
    d = d.resolve()
    for folder in (d, *d.parents):
        found = policy_file_in(folder)
        if found is not None:
            return found
        if (folder / ".git").exists():
            break
    return None


# ---------------------------------------------------------------- merging
MERGED_MAPS = ("severity", "params", "per-file-ignores", "models", "routing", "usage", "budgets", "limits")


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if key == "extends":
            continue
        if key in MERGED_MAPS and isinstance(value, dict):
            target = out.setdefault(key, {})
            for k, v in value.items():
                if isinstance(v, dict) and isinstance(target.get(k), dict):
                    target[k] = {**target[k], **v}
                else:
                    target[k] = v
        elif key in ("call-sites", "rules") and isinstance(value, list):
            out[key] = list(out.get(key, [])) + list(value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _resolve_extends(data: dict[str, Any], here: Path | None, seen: set[str], source: Any = None) -> dict[str, Any]:
    """``data`` merged over what it extends; ``source`` = (ruamel doc, TOML lines) of a
    user's file, which is then checked against the rules its chain defines."""
    extends = data.get("extends", [])
    if isinstance(extends, str):
        extends = [extends]
    merged: dict[str, Any] = {}
    for ref in extends:
        if ref in BUILTIN_PACKS:
            path = rules_dir() / f"{ref}.yaml"
        else:
            path = ((here.parent if here else Path.cwd()) / ref).resolve()
        key = str(path)
        if key in seen:
            raise PolicyError(f"{here}: `extends` cycle through {ref}")
        if not path.is_file():
            raise PolicyError(f"{here}: `extends` names {ref!r}, which is neither a built-in pack ({', '.join(BUILTIN_PACKS)}) nor a file")
        if ref in BUILTIN_PACKS:
            # shipped packs are validated by the test suite (tests/test_policy.py), not on every run
            sub, sub_doc = load_yaml_file(path) or {}, None
        else:
            sub, *sub_doc = read_policy_doc(path)
        merged = merge(merged, _resolve_extends(sub, path, seen | {key}, sub_doc))
    if source is not None:  # a user's file: selectors, params and values against the catalog
        validate(data, source[0], str(here), source[1], rules=_known_rules(data, merged))
    return merge(merged, data)


def load_policy_data(policy_path: Path | None) -> dict[str, Any]:
    if policy_path is None:
        return _resolve_extends({"extends": ["default"]}, None, set())
    data, doc, lines = read_policy_doc(policy_path)
    if "extends" not in data:
        data = {"extends": ["default"], **data}
    return _resolve_extends(data, policy_path, set(), (doc, lines))


# ---------------------------------------------------------------- the policy object
def selector_matches(selector: str, rule: Rule, explicit_only: bool = False) -> bool:
    if selector in (rule.code, rule.name):
        return True
    if explicit_only:
        return False
    return selector == "ALL" or (selector.startswith("LA") and rule.code.startswith(selector))


PROJECT_MARKERS = (".git", "pyproject.toml", "setup.cfg", "setup.py", "llm-audit-usage.yaml")


def marked_root(target: Path, stop: Path | None = None) -> Path | None:
    """The nearest folder at or above ``target`` holding a project marker, if any (not ``stop``
    or above it: the home folder)."""
    folder = target if target.is_dir() else target.parent
    for d in (folder, *folder.parents):
        if stop is not None and (d == stop or d in stop.parents):
            break
        if any((d / m).exists() for m in PROJECT_MARKERS):
            return d
    return None


@dataclass
class Policy:
    data: dict[str, Any]
    path: Path | None
    root: Path
    cli_select: list[str] | None = None
    cli_extend_select: list[str] = field(default_factory=list)
    cli_ignore: list[str] = field(default_factory=list)
    _models: ModelCatalog | None = None

    @classmethod
    def load(cls, policy_path: Path | None = None, start: Path | list[Path] | None = None) -> "Policy":
        """The policy of ``policy_path``, or, without one, the root policy of the project that
        holds ``start`` (a path or the paths of a run; see :mod:`auditor.config.scope`): the
        policy file in the project root, else the built-in default."""
        if policy_path is not None and not policy_path.is_file():
            raise PolicyError(f"{policy_path}: policy file not found")
        if policy_path is not None:
            root = policy_path.parent.resolve()  # paths are reported relative to the project
        else:
            from auditor.config.scope import project_root

            starts = start if isinstance(start, list) else [start or Path.cwd()]
            root = project_root(starts)
            policy_path = policy_file_in(root)
        data = load_policy_data(policy_path)
        return cls(data=data, path=policy_path, root=root)

    # -- plain settings
    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    @property
    def strict(self) -> bool:
        return bool(self.data.get("strict", False))

    @property
    def fail_on(self) -> str:
        return str(self.data.get("fail-on", "warning"))

    @property
    def max_file_bytes(self) -> int:
        return int((self.data.get("limits") or {}).get("max-file-bytes", 2_000_000))

    @property
    def max_file_seconds(self) -> float:
        return float((self.data.get("limits") or {}).get("max-file-seconds", 60))

    @property
    def max_check_seconds(self) -> float:
        """The time one rule may take over the whole project (phase 2) before it is stopped."""
        return float((self.data.get("limits") or {}).get("max-check-seconds", 60))

    @property
    def models(self) -> ModelCatalog:
        if self._models is None:
            catalog = load_catalog()
            models = dict(catalog.models.models)
            for name, entry in (self.data.get("models") or {}).items():
                base = models.get(name)
                merged = {}
                if base is not None:
                    merged = _model_entry(base)
                merged.update(entry or {})
                if "price" in (entry or {}) and base is not None:
                    merged["price"] = {**base.price, **entry["price"]}
                models[name] = model_from_entry(name, merged)
            self._models = ModelCatalog(models)
        return self._models

    # -- rules
    def all_rules(self) -> list[Rule]:
        rules = list(load_catalog().rules)
        for entry in self.data.get("rules", []) or []:
            rules.append(Rule.from_entry(entry, family="policy"))
        return rules

    def selected_rules(self) -> list[Rule]:
        select = self.cli_select if self.cli_select is not None else list(self.data.get("select", ["ALL"]))
        select = select + list(self.data.get("extend-select", [])) + self.cli_extend_select
        ignore = list(self.data.get("ignore", [])) + self.cli_ignore
        out = []
        for rule in self.all_rules():
            chosen = any(selector_matches(s, rule, explicit_only=not rule.enabled) for s in select)
            # a file that cannot be read or parsed is reported whatever is selected (like Ruff's
            # syntax errors): a narrow --select must not turn an unreadable input into a pass
            chosen = chosen or rule.code == "LA000"
            if chosen and not any(selector_matches(s, rule) for s in ignore):
                out.append(rule)
        return out

    def severity_of(self, rule: Rule) -> str:
        overrides = self.data.get("severity") or {}
        best = None
        for sel, sev in overrides.items():
            if selector_matches(sel, rule):
                # most specific selector wins: exact > longer prefix > ALL
                score = 100 if sel in (rule.code, rule.name) else len(sel)
                if best is None or score > best[0]:
                    best = (score, sev)
        return best[1] if best else rule.severity

    def params_of(self, rule: Rule) -> dict[str, Any]:
        params = dict(rule.params)
        overrides = self.data.get("params") or {}
        for key in (rule.code, rule.name):
            params.update(overrides.get(key) or {})
        return params

    def fails(self, severity: str) -> bool:
        return severity_rank(severity) >= severity_rank(self.fail_on)

    def digest(self) -> str:
        payload = json.dumps(self.data, sort_keys=True, default=str)
        return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _model_entry(m) -> dict[str, Any]:
    return {
        "provider": m.provider, "tier": m.tier, "reasoning": m.reasoning, "family": m.family, "price": dict(m.price),
        "context-window": m.context_window, "max-output": m.max_output, "cache-min-tokens": m.cache_min_tokens,
        "cache": m.cache, "rejects": list(m.rejects), "deprecated": m.deprecated, "retired": m.retired,
        "successor": m.successor, "downgrade": m.downgrade, "aliases": list(m.aliases), "checked": m.checked,
        "api": list(m.api), "lifecycle-source": m.lifecycle_source, "routes-to": m.routes_to,
        "successor-source": m.successor_source, "litellm": m.litellm,
    }
