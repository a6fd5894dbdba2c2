"""Python source files: decode, pre-scan, parse, and read suppression comments.

Analysis uses the standard library's ``ast`` (about 11x faster to parse than libcst on this
machine); libcst is used where layout must survive: fixes (:mod:`auditor.fix.edits`). What a parsed module does is :mod:`auditor.analysis.module`'s.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass, field

from auditor.facts import Suppressions
from auditor.config.catalog import Providers
from auditor.findings import Finding

SUPPRESS = re.compile(r"#\s*llm-audit:\s*(ignore-file|ignore)(?:\[([A-Za-z0-9_,\s-]*)\])?")
# Ruff/flake8 style: `# noqa: LA101` (or `# noqa: E501, LA101`) - only our codes count; a bare
# `# noqa` or other tools' codes are left to those tools
NOQA = re.compile(r"#\s*noqa\s*:\s*([A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)", re.IGNORECASE)
_OUR_CODE = re.compile(r"^LA[0-9]{3}$")


@dataclass
class SourceOptions:
    """What phase 1 needs from the policy (plain data, picklable for worker processes)."""

    providers_data: dict
    extra_apis: list[dict] = field(default_factory=list)
    prompt_names: list[str] = field(default_factory=lambda: ["*PROMPT*", "*INSTRUCTION*", "SYSTEM*"])
    frame_patterns: list[str] = field(default_factory=lambda: ["df", "*_df", "df_*"])
    max_file_bytes: int = 2_000_000
    prompt_paths: list[str] = field(default_factory=list)
    prompt_keys: list[str] = field(default_factory=lambda: ["template", "prompt", "system", "messages[].content"])
    prescan: bool = True
    _providers: Providers | None = None
    _prescan_re: re.Pattern | None = None

    @property
    def providers(self) -> Providers:
        if self._providers is None:
            from auditor.config.catalog import providers_from_data

            self._providers = providers_from_data(self.providers_data, self.extra_apis)
        return self._providers

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_providers"] = None
        state["_prescan_re"] = None
        return state

    @property
    def prescan_re(self) -> re.Pattern:
        """Bytes that any file holding a call site or prompt constant must contain.

        An import of an SDK root (``import openai``, ``from google import genai``), a
        distinctive method path (``completions.create``, ``messages.create``: a client may come
        from another module), a policy wrapper's name, or a module-level name matching
        ``prompt-names``. Plain words ("together", "transformers") are not enough."""
        if self._prescan_re is None:
            roots = sorted({r.split(".")[0] for r in self.providers.import_roots} | {r.split(".")[-1] for r in self.providers.import_roots})
            paths = set()
            for api in self.providers.apis:
                for m in api.match_methods:
                    parts = m.split(".")
                    if len(parts) >= 2:
                        paths.add(".".join(parts[-2:]))
                    elif len(m) >= 12:
                        paths.add(m)  # long single names: generate_content, converse_stream
                for m in api.match_untyped:  # matched on clients of unknown type: `client.converse(`
                    paths.add(m if "." in m else m + "(")
                for c in api.match_callables:  # `litellm.completion(` through a lazily loaded module object
                    parts = c.split(".")
                    if len(parts) == 2 and "<" not in c and "*" not in c:
                        paths.add(c + "(")
            words = set()
            for api in self.extra_apis:
                for c in (api.get("match") or {}).get("callables", []):
                    words.add(c.split(".")[-1].replace("*", ""))
            alts = [rb"(?m:^[ \t]*(?:from|import)[ \t]+(?:" + b"|".join(re.escape(r).encode() for r in roots) + rb")\b)"]
            # ollama = __import__("ollama"), importlib.import_module("openai")
            alts.append(rb"(?:__import__|import_module)\(\s*[\"'](?:" + b"|".join(re.escape(r).encode() for r in roots) + rb")\b")
            alts += [re.escape(p).encode() for p in sorted(paths)]
            alts += [rb"\b" + re.escape(w).encode() + rb"\b" for w in sorted(words) if w]
            const = _names_regex(self.prompt_names)
            if const:
                alts.append(rb"(?m:^" + const.encode() + rb"[ \t]*(?::[^=\n]*)?=)")
            self._prescan_re = re.compile(b"|".join(alts))
        return self._prescan_re


def _names_regex(globs: list[str]) -> str:
    parts = []
    for g in globs:
        parts.append("".join("[A-Za-z0-9_]*" if ch == "*" else "[A-Za-z0-9_]" if ch == "?" else re.escape(ch) for ch in g))
    return "(?:" + "|".join(parts) + ")" if parts else ""


def file_error(path: str, reason: str, line: int = 1, column: int = 1, cell: int | None = None) -> Finding:
    return Finding("LA000", "file-error", "error", reason, path, line, column, line, column, cell=cell)


def decode_source(data: bytes) -> str:
    """Decode Python source honouring a PEP 263 coding cookie; raises UnicodeDecodeError/SyntaxError."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        if encoding in ("utf-8", "utf-8-sig"):
            raise
        return data.decode(encoding)


def module_name(path: str) -> str:
    p = path[:-3] if path.endswith(".py") else path.rsplit(".", 1)[0]
    parts = [x for x in p.split("/") if x not in ("", ".")]
    if parts and parts[0] in ("src", "lib") and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts).replace("-", "_")


def parse_python(text: str, path: str, cell: int | None = None) -> tuple[ast.Module | None, Finding | None]:
    try:
        return ast.parse(text, filename=path), None
    except SyntaxError as e:
        return None, file_error(path, f"syntax error: {e.msg}", e.lineno or 1, (e.offset or 1), cell)
    except (RecursionError, MemoryError):
        return None, file_error(path, "too deeply nested for the Python parser", 1, 1, cell)
    except ValueError as e:  # null bytes
        return None, file_error(path, f"cannot parse: {e}", 1, 1, cell)


def scan_suppressions(text: str, cell: int | None = None, into: Suppressions | None = None) -> Suppressions:
    """``# llm-audit: ignore[LA101]`` (this line) and ``# llm-audit: ignore-file[LA201]``;
    ``# noqa: LA101`` is read as the first."""
    sup = into or Suppressions()
    if "llm-audit" not in text and "noqa" not in text.lower():
        return sup
    for i, line in enumerate(text.splitlines(), start=1):
        if "noqa" in line.lower():
            _scan_noqa(line, i, cell, sup)
        if "llm-audit" not in line:
            continue
        for m in SUPPRESS.finditer(line):
            codes = [c.strip() for c in (m.group(2) or "*").split(",") if c.strip()] or ["*"]
            if m.group(1) == "ignore-file":
                sup.file.extend(codes)
            elif line.lstrip().startswith("#"):
                key = Suppressions.key(cell, i + 1)
                sup.lines.setdefault(key, []).extend(codes)
                sup.own_line.append(key)
            else:
                sup.lines.setdefault(Suppressions.key(cell, i), []).extend(codes)
    return sup


def _scan_noqa(line: str, i: int, cell: int | None, sup: Suppressions) -> None:
    """``# noqa: LA101`` is an alias of ``# llm-audit: ignore[LA101]`` (same line; alone on a
    line, the next line)."""
    for m in NOQA.finditer(line):
        if _in_string(line, m.start()):
            continue
        codes = [c.upper() for c in re.split(r"[\s,]+", m.group(1)) if _OUR_CODE.match(c.upper())]
        if not codes:
            continue
        if line.lstrip().startswith("#"):
            key = Suppressions.key(cell, i + 1)
            sup.own_line.append(key)
        else:
            key = Suppressions.key(cell, i)
        sup.lines.setdefault(key, []).extend(codes)


def _in_string(line: str, pos: int) -> bool:
    """Is ``pos`` inside a string literal that opens on this line? (quotes counted, escapes skipped)"""
    quote = None
    i = 0
    while i < pos:
        c = line[i]
        if quote is None and c in "\"'":
            quote = c
        elif c == "\\" and quote is not None:
            i += 1
        elif c == quote:
            quote = None
        elif c == "#" and quote is None:
            return False
        i += 1
    return quote is not None
