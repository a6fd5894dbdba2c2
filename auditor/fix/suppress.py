"""``check --add-ignore``: silence today's findings with ``# llm-audit: ignore[CODE]`` comments.

A trailing suppression covers its own line and a comment on a line of its own covers the next
line (see ``sources.python.scan_suppressions``), so the comment goes at the end of the
finding's first line (a call site's first line). Where that line ends inside a multi-line
string or with a backslash continuation, a comment there would change the program or not be a
comment at all; then the codes go into an ``llm-audit`` comment line just above, or onto a new
comment line inserted above (allowed when the line before ends outside any string and is not
continued). Codes merge
into an existing ``# llm-audit: ignore[...]`` comment instead of adding a second one.

Where the line ends is learnt from :mod:`tokenize` (NL/NEWLINE tokens mark line ends that are
outside strings and not continued). Every edited file must produce the same ``ast`` as
before — comments cannot change it — or the file is left alone and its findings reported as
skipped. Notebooks are edited cell by cell (magic lines are never touched). In prompt files
only the YAML front matter takes comments (the body is sent to the model), and the front
matter must load to the same data afterwards.
"""

from __future__ import annotations

import ast
import codecs
import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from auditor.findings import Finding
from auditor.sources.lines import lone_cr_to_lf, split_lines_keepends
from auditor.reads import read_bytes

SUPPRESS_COMMENT = re.compile(r"#\s*llm-audit:\s*ignore(?!-file)(\[([A-Za-z0-9_,\s-]*)\])?")
UNSUPPRESSIBLE = {"LA000": "file errors cannot be suppressed; fix or exclude the file", "LA001": "delete the unused suppression instead"}

_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


@dataclass
class IgnoreReport:
    covered: list[Finding] = field(default_factory=list)  # findings a comment now suppresses
    skipped: list[tuple[Finding, str]] = field(default_factory=list)
    comments: int = 0  # comments added or extended
    files: set[str] = field(default_factory=set)


@dataclass
class _Plan:
    """Comment edits for one Python text: codes to put at the end of a line, new lines above a line."""

    at_end: dict[int, set[str]] = field(default_factory=dict)
    above: dict[int, set[str]] = field(default_factory=dict)
    comments: dict[int, tuple[int, str]] = field(default_factory=dict)
    covered: list[Finding] = field(default_factory=list)
    skipped: list[tuple[Finding, str]] = field(default_factory=list)


# ---------------------------------------------------------------- where a comment may go
def line_ends(text: str) -> tuple[set[int], dict[int, tuple[int, str]]]:
    """Lines whose end is outside any string and not continued, and each line's comment (col, text).

    Raises tokenize.TokenError / SyntaxError for text that does not tokenize."""
    safe: set[int] = set()
    comments: dict[int, tuple[int, str]] = {}
    inside: list[tuple[int, int]] = []  # (first, last) lines of multi-line strings
    fstarts: list[int] = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type in (tokenize.NEWLINE, tokenize.NL):
            safe.add(tok.start[0])
        elif tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = (tok.start[1], tok.string)
        elif tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
            inside.append((tok.start[0], tok.end[0]))
        elif _FSTRING_START is not None and tok.type == _FSTRING_START:
            fstarts.append(tok.start[0])
        elif _FSTRING_END is not None and tok.type == _FSTRING_END and fstarts:
            first = fstarts.pop()
            if tok.end[0] > first:
                inside.append((first, tok.end[0]))
    for first, last in inside:
        safe.difference_update(range(first, last))
    return safe, comments


def _own_line_suppression(comments: dict[int, tuple[int, str]], lines: list[str], line: int) -> bool:
    """Line ``line`` is a comment of its own holding ``llm-audit: ignore[...]``."""
    if line not in comments or not 0 < line <= len(lines):
        return False
    col, text = comments[line]
    return not lines[line - 1][:col].strip() and SUPPRESS_COMMENT.search(text) is not None


def plan(text: str, findings: list[Finding], protected: set[int] | None = None) -> _Plan:
    """Decide where each finding's code goes. ``protected`` lines are never edited (notebook magics)."""
    safe, comments = line_ends(lone_cr_to_lf(text))  # tokenize splits at \n only; ast at \r too
    lines = split_lines_keepends(text)
    p = _Plan(comments=comments)
    safe -= protected or set()
    pending: list[Finding] = []
    for f in findings:
        if f.code in UNSUPPRESSIBLE:
            p.skipped.append((f, UNSUPPRESSIBLE[f.code]))
        elif f.line in safe:
            p.at_end.setdefault(f.line, set()).add(f.code)
            p.covered.append(f)
        else:
            pending.append(f)
    for f in pending:
        before = f.line - 1
        if before >= 1 and before in safe and _own_line_suppression(comments, lines, before):
            p.at_end.setdefault(before, set()).add(f.code)
        elif f.line == 1 or before in safe:
            p.above.setdefault(f.line, set()).add(f.code)
        else:
            p.skipped.append((f, f"line {f.line} ends inside a string or a line continuation, and so does the line before; use `# llm-audit: ignore-file[{f.code}]` or `per-file-ignores`"))
            continue
        p.covered.append(f)
    return p


# ---------------------------------------------------------------- writing the comments
def _merge_codes(existing: str, codes: set[str]) -> str:
    have = [c.strip() for c in existing.split(",") if c.strip()]
    return ",".join(have + sorted(c for c in codes if c not in have))


def _eol(line: str) -> str:
    return "\r\n" if line.endswith("\r\n") else "\n" if line.endswith("\n") else "\r" if line.endswith("\r") else ""


def _with_comment(line: str, comment: tuple[int, str] | None, codes: set[str]) -> str:
    eol = _eol(line)
    body = line[: len(line) - len(eol)] if eol else line
    if comment is not None:
        col, text = comment
        m = SUPPRESS_COMMENT.search(text)
        if m is not None:
            if m.group(1) is None:
                return line  # a bare `ignore` already silences every code
            start, end = col + m.start(2), col + m.end(2)
            return body[:start] + _merge_codes(m.group(2), codes) + body[end:] + eol
    return body.rstrip() + f"  # llm-audit: ignore[{','.join(sorted(codes))}]" + eol


def apply_plan(text: str, p: _Plan) -> str:
    lines = split_lines_keepends(text)
    out: list[str] = []
    for n, line in enumerate(lines, start=1):
        if n in p.above:
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            out.append(f"{indent}# llm-audit: ignore[{','.join(sorted(p.above[n]))}]" + (_eol(line) or _eol(lines[0]) or "\n"))
        if n in p.at_end:
            line = _with_comment(line, p.comments.get(n), p.at_end[n])
        out.append(line)
    return "".join(out)


def same_tree(old: str, new: str) -> bool:
    """True when ``new`` parses to the same AST as ``old`` (only comments changed)."""
    try:
        return ast.dump(ast.parse(old)) == ast.dump(ast.parse(new))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def add_to_text(text: str, findings: list[Finding], check_text=None, protected: set[int] | None = None) -> tuple[str, _Plan]:
    """Add comments for ``findings`` to ``text``; ``check_text`` is what must tokenize and parse
    (a notebook cell with its magics neutralised), defaulting to ``text``."""
    check_text = text if check_text is None else check_text
    try:
        p = plan(check_text, findings, protected)
    except (tokenize.TokenError, SyntaxError, ValueError) as e:
        return text, _Plan(skipped=[(f, f"the source does not tokenize: {e}") for f in findings])
    return apply_plan(text, p), p


# ---------------------------------------------------------------- files
def _read_python(path: Path) -> tuple[str, str, bool]:
    data = read_bytes(path)
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        return data[3:].decode("utf-8"), "utf-8", True
    try:
        return data.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding), encoding, False


def _write(path: Path, data: bytes) -> None:
    from auditor.writes import write_fixed

    write_fixed(path.resolve(), data, _SCRATCH[0])


_SCRATCH: list[Path | None] = [None]  # the cache's scratch folder for this run (add_ignores sets it)


def _python_file(path: Path, findings: list[Finding], report: IgnoreReport, write: bool) -> None:
    text, encoding, bom = _read_python(path)
    new, p = add_to_text(text, findings)
    report.skipped.extend(p.skipped)
    if new == text:
        report.covered.extend(p.covered)
        return
    if not same_tree(text, new):
        report.skipped.extend((f, "adding the comment would change the code; left alone") for f in p.covered)
        return
    report.covered.extend(p.covered)
    report.comments += len(p.at_end) + len(p.above)
    report.files.add(findings[0].path)
    if write:
        _write(path, (codecs.BOM_UTF8 if bom else b"") + new.encode(encoding))


def _notebook_file(path: Path, findings: list[Finding], report: IgnoreReport, write: bool) -> None:
    from auditor.sources.notebook import cell_source, code_cells, neutralise, read_notebook, write_cells

    data = read_bytes(path)
    nb, err = read_notebook(data, findings[0].path)
    if nb is None or err is not None:
        report.skipped.extend((f, "the notebook cannot be read") for f in findings)
        return
    cells = code_cells(nb)
    by_cell: dict[int, list[Finding]] = {}
    for f in findings:
        if f.cell is None or not 0 <= f.cell < len(cells):
            report.skipped.extend([(f, "no such notebook cell")])
            continue
        by_cell.setdefault(f.cell, []).append(f)
    new_sources: dict[int, str] = {}
    comments = 0
    for i, fs in sorted(by_cell.items()):
        old = cell_source(cells[i])
        checked = neutralise(old)
        magic = {n for n, (a, b) in enumerate(zip(old.split("\n"), checked.split("\n")), start=1) if a != b}
        new, p = add_to_text(old, fs, check_text=checked, protected=magic)
        report.skipped.extend(p.skipped)
        if new != old and not same_tree(checked, neutralise(new)):
            report.skipped.extend((f, "adding the comment would change the cell's code; left alone") for f in p.covered)
            continue
        report.covered.extend(p.covered)
        if new != old:
            new_sources[i] = new
            comments += len(p.at_end) + len(p.above)
    if new_sources:
        report.comments += comments
        report.files.add(findings[0].path)
        if write:
            _write(path, write_cells(data, new_sources))


def _yaml_data(lines: list[str]) -> object:
    from auditor.config.yamlsafe import yaml

    return yaml("safe", pure=True).load(lone_cr_to_lf("".join(lines)))


def add_to_front_matter(text: str, findings: list[Finding]) -> tuple[str, _Plan]:
    """Own-line YAML comments in a prompt file's front matter (``---`` ... ``---``).

    The body is prompt text, where a comment would be sent to the model, so findings there are
    skipped. The front matter must load to the same data afterwards (a comment line inside a
    block scalar would not), or nothing is changed."""
    lines = split_lines_keepends(text)  # \n, \r\n and a lone \r, as the analysis counts lines
    p = _Plan()
    close = None
    if lines and lines[0].strip() == "---":
        close = next((i for i in range(2, len(lines) + 1) if lines[i - 1].strip() in ("---", "...")), None)
    for n, line in enumerate(lines[:close], start=1):
        body = line.lstrip()
        if body.startswith("#") and SUPPRESS_COMMENT.search(body):
            p.comments[n] = (len(line) - len(body), body.rstrip("\r\n"))
    for f in findings:
        if f.code in UNSUPPRESSIBLE:
            p.skipped.append((f, UNSUPPRESSIBLE[f.code]))
        elif close is None or not 1 < f.line < close:
            p.skipped.append((f, f"in a prompt body a comment would be sent to the model; add `llm-audit: {{ignore: [{f.code}]}}` to the front matter or use `per-file-ignores`"))
        elif f.line - 1 in p.comments:
            p.at_end.setdefault(f.line - 1, set()).add(f.code)
            p.covered.append(f)
        else:
            p.above.setdefault(f.line, set()).add(f.code)
            p.covered.append(f)
    new = apply_plan(text, p)
    if new != text:
        try:
            new_lines = split_lines_keepends(new)
            extra = sum(1 for _ in p.above)
            same = _yaml_data(lines[1 : close - 1]) == _yaml_data(new_lines[1 : close - 1 + extra])
        except Exception:  # noqa: BLE001 - any YAML trouble: leave the file alone
            same = False
        if not same:
            p.skipped.extend((f, "a comment here would change the front matter's data; left alone") for f in p.covered)
            p.covered, p.at_end, p.above = [], {}, {}
            return text, p
    return new, p


def _prompt_file(path: Path, findings: list[Finding], report: IgnoreReport, write: bool) -> None:
    data = read_bytes(path)
    bom = data.startswith(codecs.BOM_UTF8)
    text = data[3:].decode("utf-8") if bom else data.decode("utf-8")
    new, p = add_to_front_matter(text, findings)
    report.skipped.extend(p.skipped)
    report.covered.extend(p.covered)
    if new != text:
        report.comments += len(p.at_end) + len(p.above)
        report.files.add(findings[0].path)
        if write:
            _write(path, (codecs.BOM_UTF8 if bom else b"") + new.encode("utf-8"))


def add_ignores(root: Path, findings: list[Finding], kinds: dict[str, str], write: bool = True) -> IgnoreReport:
    """Add suppression comments for ``findings`` to their files (``kinds``: path -> file kind)."""
    from auditor.cache import scratch_dir

    report = IgnoreReport()
    _SCRATCH[0] = scratch_dir(root) if write else None
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(f.path, []).append(f)
    for rel, fs in sorted(by_file.items()):
        kind = kinds.get(rel, "python")
        path = root / rel if not Path(rel).is_absolute() else Path(rel)
        if not _inside(root, path):
            report.skipped.extend((f, "the file is not inside the project (a symlink out of it?); left alone") for f in fs)
            continue
        try:
            if kind == "python":
                _python_file(path, fs, report, write)
            elif kind == "notebook":
                _notebook_file(path, fs, report, write)
            else:
                _prompt_file(path, fs, report, write)
        except (OSError, UnicodeDecodeError, LookupError, SyntaxError) as e:
            report.skipped.extend((f, f"cannot edit the file: {e}") for f in fs)
    return report


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve(strict=True).relative_to(root.resolve())
        return True
    except (OSError, RuntimeError, ValueError):
        return False
