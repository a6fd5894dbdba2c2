"""Baselines: adopt llm-audit on an existing codebase and report only *new* findings.

``llm-audit baseline`` writes the fingerprints of today's findings; ``check --baseline FILE``
drops every finding whose fingerprint is in the file. A fingerprint must survive edits
elsewhere in the file, so it holds no line numbers: it is a hash of

* the rule code,
* the file path (relative to the baseline file's folder, so the run root does not matter),
* the normalised source of the node the finding is about (the text of the finding's span read
  from the file: the call for call-site findings, the literal or argument for others; the
  whole line when the span is a point), with comments, whitespace and trailing commas dropped
  so reformatting or adding a comment keeps it. ``Finding.snippet`` (whitespace-collapsed
  source, where a comment would swallow the rest of the call) is only the fallback when the
  file cannot be read. Call-site findings add the enclosing function's qualified name, and
* the occurrence index among findings with the same code, path and source, so two identical
  calls are two entries, and a third copy is reported as new.

The file is sorted JSON with no timestamps, so it diffs cleanly in review. The same
fingerprints feed SARIF ``partialFingerprints`` and GitLab Code Quality ``fingerprint``.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tokenize
from collections import Counter
from pathlib import Path
from typing import Iterable

from auditor.findings import Finding
from auditor.sources.lines import SourceLines

BASELINE_VERSION = 1
DEFAULT_BASELINE = ".llm-audit-baseline.json"

_SKIP_TOKENS = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
_TRAILING_COMMA = re.compile(r",([)\]}])")
_WS = re.compile(r"\s+")



class BaselineError(ValueError):
    """The baseline file is missing or not a baseline (a usage error: exit 2)."""


def normalise_source(text: str) -> str:
    """Source text reduced to what matters: tokens without comments, whitespace or trailing commas."""
    parts: list[str] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type not in _SKIP_TOKENS:
                parts.append(tok.string)
        out = "".join(parts)
    except (tokenize.TokenError, IndentationError, SyntaxError, ValueError):
        # truncated or partial source (a call cut at 400 characters, a prompt file): plain text
        out = _WS.sub("", text)
    return _TRAILING_COMMA.sub(r"\1", _WS.sub("", out))


def _node_source(f: Finding, read: SourceLines | None) -> str:
    """The source the finding is about: its span's text, else its whole lines, else the snippet."""
    lines = read(f.path, f.cell) if read else None
    if lines and 0 < f.line <= len(lines):
        end = max(f.line, min(f.end_line, len(lines)))
        chunk = lines[f.line - 1 : end]
        if f.end_line <= len(lines) and (f.end_line > f.line or f.end_column > f.column):
            chunk = list(chunk)
            chunk[-1] = chunk[-1][: max(0, f.end_column - 1)]
            chunk[0] = chunk[0][max(0, f.column - 1) :]
        text = "\n".join(chunk)
        if text.strip():
            return text
        return "\n".join(lines[f.line - 1 : end])
    # nothing to read (file gone, project-level finding): the call's source, else the message
    return f.snippet or f.message


def _reader(root: Path) -> SourceLines:
    """Lines of a finding's file (or notebook cell): under the run root, else under the current folder."""
    from auditor.sources.lines import file_lines

    under_root, under_cwd = file_lines(root), file_lines(Path.cwd())
    return lambda path, cell: under_root(path, cell) or under_cwd(path, cell)


def display_path(path: str, root: Path, base: Path | None = None) -> str:
    """``path`` (relative to the run root) made relative to ``base`` (default: the current folder).

    CI systems want paths from the repository root, which is where CI runs; the run root can
    be a sub-folder (``llm-audit check src/``). Paths that are not under ``base`` stay as given.
    """
    base = (base or Path.cwd()).resolve()
    absolute = (root / path) if not Path(path).is_absolute() else Path(path)
    if not absolute.exists() and (Path.cwd() / path).exists():
        absolute = Path.cwd() / path  # discover names files outside the run root from the current folder
    try:
        return absolute.resolve().relative_to(base).as_posix()
    except (ValueError, OSError):
        return Path(path).as_posix()


def fingerprints(findings: Iterable[Finding], root: Path, base: Path | None = None, read: SourceLines | None = None) -> list[str]:
    """One stable fingerprint per finding (in the order given), paths taken relative to ``base``.

    Occurrence indexes count in file order, whatever order the findings come in."""
    if read is None:
        read = _reader(root)
    findings = list(findings)
    order = sorted(range(len(findings)), key=lambda i: findings[i].sort_key())
    seen: Counter[tuple[str, str, str]] = Counter()
    out = [""] * len(findings)
    paths: dict[str, str] = {}  # one resolve per file, not per finding
    for i in order:
        f = findings[i]
        if f.path not in paths:
            paths[f.path] = display_path(f.path, root, base)
        path = paths[f.path]
        source = normalise_source(_node_source(f, read))
        if f.call_site_id and "::" in f.call_site_id:
            # the enclosing function (qualname, without the #n index): line-free context
            source = f.call_site_id.split("::", 1)[1].rsplit("#", 1)[0] + "\x1e" + source
        key = (f.code, path, source)
        index = seen[key]
        seen[key] += 1
        payload = "\x1f".join([f.code, path, source, str(index)])
        out[i] = hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return out


def baseline_entries(findings: list[Finding], path: Path, root: Path, read: SourceLines | None = None) -> list[dict]:
    base = path.resolve().parent
    entries = []
    for f, fp in zip(findings, fingerprints(findings, root, base, read)):
        entries.append({"code": f.code, "path": display_path(f.path, root, base), "fingerprint": fp})
    entries.sort(key=lambda e: (e["path"], e["code"], e["fingerprint"]))
    return entries


def write_baseline(findings: list[Finding], path: Path, root: Path) -> int:
    """Write the baseline file; returns how many findings it holds."""
    from auditor.writes import encode_text, write_output

    path = Path(path)
    entries = baseline_entries(findings, path, root)
    data = {
        "tool": "llm-audit",
        "version": BASELINE_VERSION,
        "about": "Findings accepted when adopting llm-audit; `llm-audit check --baseline FILE` reports only findings not listed here. Regenerate with `llm-audit baseline`.",
        "findings": entries,
    }
    write_output(path, encode_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", json=True))  # -o: a file, a device, stdout
    return len(entries)


def read_baseline(path: Path) -> Counter[str]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found (write one with `llm-audit baseline -o {path}`)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise BaselineError(f"{path}: cannot read baseline: {e}") from None
    except json.JSONDecodeError as e:
        raise BaselineError(f"{path}:{e.lineno}:{e.colno}: not a baseline file (invalid JSON: {e.msg})") from None
    except RecursionError:
        raise BaselineError(f"{path}: not a baseline file (JSON nested too deeply)") from None
    if not isinstance(data, dict) or data.get("tool") != "llm-audit" or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not an llm-audit baseline file (expected {{\"tool\": \"llm-audit\", \"findings\": [...]}})")
    if data.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{path}: baseline version {data.get('version')!r} is not supported (expected {BASELINE_VERSION}); regenerate it")
    return Counter(str(e.get("fingerprint")) for e in data["findings"] if isinstance(e, dict))


def filter_new(findings: list[Finding], baseline_path: Path, root: Path) -> list[Finding]:
    """The findings that are not in the baseline (order kept)."""
    known = read_baseline(Path(baseline_path))
    base = Path(baseline_path).resolve().parent
    new_ids = set()
    for f, fp in zip(findings, fingerprints(findings, root, base)):
        if known[fp] > 0:
            known[fp] -= 1
        else:
            new_ids.add(id(f))
    return [f for f in findings if id(f) in new_ids]
