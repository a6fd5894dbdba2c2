"""Policy validation beyond types: against the JSON Schema, then against the rule catalog.

Every problem is one line ``file:line:column: invalid policy at `key`: what is wrong``, with
a did-you-mean where a close spelling exists. Positions come from ruamel.yaml's round-trip
document (or, for ``pyproject.toml``, from the ``[tool.llm-audit]`` lines).

Checked against the catalog:

* selectors in ``select`` / ``extend-select`` / ``ignore`` / ``severity`` /
  ``per-file-ignores``: ``ALL``, a rule code, a code prefix that selects something (``LA1``),
  or a rule name;
* ``params``: keyed by one rule (code or name); each parameter must be one the rule has, and
  its value must fit the parameter's schema - the rule entry's ``param-schema`` where given,
  else a schema inferred from the default (integers stay integers and positive, ratios stay
  within 0..1, strings are non-empty, lists keep their item type, mappings their keys);
* numbers anywhere in a policy are finite (no ``.inf`` / ``.nan`` prices or call volumes);
* ``call-sites``: every wrapper has an ``id`` and a matcher that can match something.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

MAX_MESSAGES = 20
IDENTIFIER_PATH = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"
_PREFIX = re.compile(r"^LA[0-9]{0,3}$")


class Problems:
    """Collects messages for one policy file."""

    def __init__(self, doc: Any, where: str, lines: list[str] | None):
        self.doc, self.where, self.lines = doc, where, lines
        self.found: list[tuple[tuple[int, int], str]] = []

    def add(self, path: list[Any], message: str) -> None:
        if any(m.endswith(f"`{dotted(path) or '(top level)'}`: {message}") for m in self.messages):
            return  # the schema pass and the catalog pass can find the same thing
        key = dotted(path) or "(top level)"
        pos = position(self.doc, path) if self.doc is not None else None
        if pos is None and self.lines is not None:
            pos = find_key_line(self.lines, [str(p) for p in path if not isinstance(p, int)])
        loc = f"{self.where}:{pos[0]}:{pos[1]}" if pos else self.where
        self.found.append((pos or (0, 0), f"{loc}: invalid policy at `{key}`: {message}"))

    @property
    def messages(self) -> list[str]:
        """In file order."""
        return [m for _, m in sorted(self.found, key=lambda pm: pm[0])]


def dotted(path: Iterable[Any]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def position(doc: Any, path: list[Any]) -> tuple[int, int] | None:
    """(line, column), 1-based, of the node at ``path`` (a key's position for mapping
    entries, the item's for list entries) in a ruamel round-trip document."""
    node, pos = doc, None
    for key in path:
        lc = getattr(node, "lc", None)
        try:
            if lc is not None:
                ln, col = lc.item(key) if isinstance(key, int) else lc.key(key)
                pos = (ln + 1, col + 1)
            node = node[key]
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    if pos is None and getattr(doc, "lc", None) is not None:
        pos = (doc.lc.line + 1, doc.lc.col + 1)
    return pos


def find_key_line(lines: list[str], keys: list[str]) -> tuple[int, int] | None:
    """For TOML: the line of the deepest of ``keys`` found (``key =``, ``key.sub =``,
    ``"key" =``, or a ``[tool.llm-audit.key]`` table header)."""
    best = None
    for key in keys or [""]:
        for i, line in enumerate(lines, start=1):
            s = line.lstrip()
            header = s.startswith("[") and s.rstrip("] \t").endswith(("." + key, '."' + key + '"'))
            if key and (header or s.startswith((key + " ", key + "=", key + ".", f'"{key}"'))):
                best = (i, len(line) - len(s) + 1)
                break
    return best


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), sorted(set(map(str, choices))), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ---------------------------------------------------------------- the JSON Schema
def schema_problems(data: Any, schema: dict[str, Any], problems: Problems) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    for err in errors:
        path = list(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = list((err.schema.get("properties") or {}).keys())
            for extra in [k for k in err.instance if k not in allowed]:
                problems.add(path + [extra], f"unknown key {extra!r}{did_you_mean(extra, allowed)}" + (f"; allowed: {', '.join(allowed)}" if allowed else ""))
            continue
        problems.add(path, _message(err))


# ---------------------------------------------------------------- against the catalog
def catalog_problems(data: dict[str, Any], rules: list, problems: Problems, matches: Callable[[str, Any], bool]) -> None:
    """Selectors, params and values checked against ``rules`` (catalog + policy rules)."""
    check = _SelectorCheck(rules, matches)
    for key in ("select", "extend-select", "ignore"):
        for i, sel in enumerate(_list(data.get(key))):
            _report(problems, [key, i], check.problem(sel))
    for sel in _dict(data.get("severity")):
        _report(problems, ["severity", sel], check.problem(sel))
    for pattern, sels in _dict(data.get("per-file-ignores")).items():
        if not str(pattern).strip():
            problems.add(["per-file-ignores", pattern], "a file pattern must not be empty")
        for i, sel in enumerate(_list(sels)):
            _report(problems, ["per-file-ignores", pattern, i], check.problem(sel))
    by_key = {k: r for r in rules for k in (r.code, r.name)}
    for sel, values in _dict(data.get("params")).items():
        rule = by_key.get(sel)
        if rule is None:
            hint = " (params name one rule: a code or a name, not a prefix)" if check.problem(sel) is None else did_you_mean(sel, by_key)
            problems.add(["params", sel], f"no rule {sel!r}{hint}")
            continue
        for name, value in _dict(values).items():
            if name not in rule.params:
                known = ", ".join(rule.params) or "none"
                problems.add(["params", sel, name], f"{rule.code} {rule.name} has no parameter {name!r}{did_you_mean(name, rule.params)}; its parameters: {known}")
                continue
            for sub, message in value_problems(value, param_schema(rule, name)):
                problems.add(["params", sel, name, *sub], message)
    for i, entry in enumerate(_list(data.get("call-sites"))):
        match = entry.get("match") if isinstance(entry, dict) else None
        if isinstance(match, dict) and not (match.get("callables") or match.get("methods")):
            if match.get("types"):
                problems.add(["call-sites", i, "match", "types"], "`types` needs `methods` (the methods of those types that send the request)")
            else:
                problems.add(["call-sites", i, "match"], "matches nothing: give `callables` (qualified function names) or `methods` (with `types`)")
    for path, value in _numbers(data, []):
        if not math.isfinite(value):
            problems.add(path, f"{value!r} is not a finite number")


def _report(problems: Problems, path: list[Any], message: str | None) -> None:
    if message:
        problems.add(path, message)


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _numbers(obj: Any, path: list[Any]):
    if isinstance(obj, float):
        yield path, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _numbers(v, path + [k])
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _numbers(v, path + [i])


class _SelectorCheck:
    def __init__(self, rules: list, matches: Callable[[str, Any], bool]):
        self.rules, self.matches = rules, matches
        codes = [r.code for r in rules]
        self.choices = codes + [r.name for r in rules] + ["ALL"] + sorted({c[:n] for c in codes for n in (3, 4) if c.startswith("LA")})

    def problem(self, sel: Any) -> str | None:
        sel = str(sel)
        if sel == "ALL" or any(self.matches(sel, r) for r in self.rules):
            return None
        if _PREFIX.match(sel) and len(sel) < 5:
            return f"the prefix {sel!r} selects no rule{did_you_mean(sel, self.choices)}"
        return f"unknown rule selector {sel!r}{did_you_mean(sel, self.choices)}; use a code (LA101), a prefix (LA1), a name (missing-output-cap) or ALL"


# ---------------------------------------------------------------- parameter values
def param_schema(rule, name: str) -> dict[str, Any]:
    explicit = (getattr(rule, "param_schema", None) or {}).get(name)
    return explicit if isinstance(explicit, dict) else infer_schema(rule.params.get(name))


def infer_schema(default: Any, loose: bool = False) -> dict[str, Any]:
    """A schema for values like ``default``. ``loose`` (mapping values): the type only."""
    if isinstance(default, bool):
        return {"type": "boolean"}
    if isinstance(default, int):
        return {"type": "number"} if loose else {"type": "integer", "minimum": 1 if default >= 1 else 0}
    if isinstance(default, float):
        if loose:
            return {"type": "number"}
        return {"type": "number", "minimum": 0, "maximum": 1} if 0 < default <= 1 else {"type": "number", "minimum": 0}
    if isinstance(default, str):
        return {"type": "string"} if loose else {"type": "string", "minLength": 1}
    if isinstance(default, list):
        return {"type": "array", "items": infer_schema(default[0]) if default else {}}
    if isinstance(default, dict):
        values = list(default.values())
        if values and all(isinstance(v, dict) for v in values):
            keys = {k: infer_schema(v, loose=True) for d in values for k, v in d.items()}
            return {"type": "object", "additionalProperties": {"type": "object", "properties": keys, "additionalProperties": False}}
        kinds = {_kind(v) for v in values}
        item = infer_schema(values[0], loose=True) if len(kinds) == 1 else {}
        return {"type": "object", "additionalProperties": item}
    return {}


def _kind(v: Any) -> str:
    return "bool" if isinstance(v, bool) else "number" if isinstance(v, (int, float)) else type(v).__name__


def value_problems(value: Any, schema: dict[str, Any]) -> list[tuple[list[Any], str]]:
    import jsonschema

    if not schema:
        return []
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    out = []
    for err in sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path))):
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = list((err.schema.get("properties") or {}).keys())
            for extra in [k for k in err.instance if k not in allowed]:
                out.append((list(err.absolute_path) + [extra], f"unknown key {extra!r}{did_you_mean(extra, allowed)}; allowed: {', '.join(allowed)}"))
            continue
        out.append((list(err.absolute_path), _message(err)))
    return out


def _message(err: Any) -> str:
    """jsonschema's message, said for a policy author."""
    message = err.message
    if err.validator == "enum":
        message += did_you_mean(err.instance, err.validator_value)
    elif err.validator == "pattern" and err.validator_value == IDENTIFIER_PATH:
        message = f"{err.instance!r} is not a parameter name: use an identifier or a dotted path (max_tokens, config.max_output_tokens)"
    elif err.validator == "format" and err.validator_value == "regex":
        message = f"{err.instance!r} is not a valid regular expression"
    elif err.validator == "type" and err.validator_value == "integer" and isinstance(err.instance, float):
        message = f"{err.instance!r} is not an integer"
    elif err.validator == "exclusiveMinimum" and isinstance(err.instance, (int, float)):
        message = f"{err.instance!r} is too small (it must be more than {err.validator_value})"
    elif err.validator == "minimum" and isinstance(err.instance, (int, float)):
        message = f"{err.instance!r} is too small (minimum {err.validator_value})"
    return message if len(message) < 200 else message[:197] + "..."


def selector_problem(sel: str, rules: list, matches: Callable[[str, Any], bool]) -> str | None:
    """What is wrong with one selector (None when it selects something)."""
    return _SelectorCheck(rules, matches).problem(sel)
