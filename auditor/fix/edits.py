"""Fixes: building edits for findings, and applying them to one text safely.

Edits are computed from the positions the analysis recorded (a keyword to add at a call's
insertion point, a keyword to rename, a value to replace, a literal's text to rewrite).
Applying them is guarded by libcst: the fixed source must parse with libcst (the same parser
a codemod would use) or the fix is dropped and reported. Overlapping edits in one pass are
resolved by keeping the first; the ``fix`` command re-runs analysis until nothing changes
(:mod:`auditor.render.lint`), and writes files through :mod:`auditor.fix.apply`.
"""

from __future__ import annotations

from typing import Callable

from auditor.facts import CallSite, Param
from auditor.findings import Edit, Finding, Span
from auditor.sources.lines import line_starts, lone_cr_to_lf, offset_of


# ---------------------------------------------------------------- building edits
def _kw(name: str, value: str, style: str) -> str:
    return f'"{name}": {value}' if style == "dict" else f"{name}={value}"


def add_param(site: CallSite, path: str, value: str) -> list[Edit]:
    """Edits that add ``path`` (dotted, e.g. ``config.max_output_tokens``) with ``value``."""
    parts = path.split(".")
    # the deepest container written inline in the call
    for i in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:i])
        if prefix in site.containers:
            container = site.containers[prefix]
            text = _nested(parts[i:], value, container.style)
            ins = container.insertion
            return [Edit(ins.line, ins.column, ins.line, ins.column, ins.prefix + text + ins.suffix)]
        if prefix in site.params or site.lookup(prefix)[0] == "unknown":
            return []  # the container is a variable or comes from **kwargs: not ours to edit
    if site.insertion is None or site.lookup(path)[0] != "missing":
        return []
    ins = site.insertion
    text = _nested(parts, value, "call")
    return [Edit(ins.line, ins.column, ins.line, ins.column, ins.prefix + text + ins.suffix)]


def _nested(parts: list[str], value: str, style: str) -> str:
    inner = value
    for key in reversed(parts[1:]):
        inner = "{" + f'"{key}": {inner}' + "}"
    return _kw(parts[0], inner, style)


def rename_param(param: Param, new_name: str) -> list[Edit]:
    span = param.key_span
    if span is None:
        return []
    return [Edit(span.line, span.column, span.end_line, span.end_column, new_name)]


def replace_value(param: Param, new_source: str) -> list[Edit]:
    span = param.value.span
    if span is None:
        return []
    return [Edit(span.line, span.column, span.end_line, span.end_column, new_source)]


ANTHROPIC_CACHE = '"cache_control": {"type": "ephemeral"}'
BEDROCK_CACHE_POINT = '{"cachePoint": {"type": "default"}}'


def cached_text_block(span: Span, source: str) -> list[Edit]:
    """Anthropic: ``system=TEXT`` -> ``system=[{"type": "text", "text": TEXT, "cache_control": ...}]``.

    ``span`` is the value expression as written; its source is kept verbatim inside the block."""
    block = '[{"type": "text", "text": ' + source + ", " + ANTHROPIC_CACHE + "}]"
    return [Edit(span.line, span.column, span.end_line, span.end_column, block)]


def insert_at(point: Span, text: str) -> list[Edit]:
    """Insert ``text`` at a point (an empty span), e.g. a key after a dict's last value."""
    return [Edit(point.line, point.column, point.line, point.column, text)]


def remove_param(param: Param, text_lines: list[str] | None = None) -> list[Edit]:
    """Remove a keyword argument together with the comma that separates it."""
    span = param.arg_span
    if span is None or text_lines is None:
        return []
    line = text_lines[span.end_line - 1]
    end_col = span.end_column
    rest = line[end_col - 1 :]
    stripped = rest.lstrip()
    if stripped.startswith(","):
        end_col += len(rest) - len(stripped) + 1
        rest2 = line[end_col - 1 :]
        end_col += len(rest2) - len(rest2.lstrip(" "))
        return [Edit(span.line, span.column, span.end_line, end_col, "")]
    # last argument: take the comma before it
    start_line, start_col = span.line, span.column
    before = text_lines[start_line - 1][: start_col - 1]
    if before.rstrip().endswith(","):
        cut = len(before.rstrip()) - 1
        return [Edit(start_line, cut + 1, span.end_line, span.end_column, "")]
    return [Edit(span.line, span.column, span.end_line, span.end_column, "")]


def add_frontmatter_param(site: CallSite, path: str, value: str) -> list[Edit]:
    """Edits that add ``path: value`` to a prompt file's front matter (YAML lines, not code).

    ``site.extra["frontmatter"]`` (set by :mod:`auditor.analysis.promptfile`) says where the
    parameter block ends and its indentation, or where to create the block. ``value`` is
    written as given: ints and JSON-style lists (``["###"]``) are valid YAML flow values."""
    info = site.extra.get("frontmatter") or {}
    if not info or site.lookup(path)[0] != "missing":
        return []
    parts = path.split(".")
    if len(parts) > 1 and any(p.startswith(parts[0] + ".") or p == parts[0] for p in site.params):
        return []  # the intermediate mapping exists: adding it again would duplicate a key

    def lines_for(indent: str) -> str:
        out = "".join(f"{indent}{'  ' * i}{key}:\n" for i, key in enumerate(parts[:-1]))
        return out + f"{indent}{'  ' * (len(parts) - 1)}{parts[-1]}: {value}\n"

    create = info.get("create")
    if create:
        indent = create.get("indent", "")
        text, line = f"{indent}{create['key']}:\n" + lines_for(indent + "  "), create["line"]
    elif info.get("line") is not None:
        text, line = lines_for(info.get("indent", "")), info["line"]
    else:
        return []
    if info.get("eof_newline"):
        text = "\n" + text
    return [Edit(line, 1, line, 1, text)]


# ---------------------------------------------------------------- applying edits
def apply_edits(text: str, edits: list[Edit]) -> tuple[str, list[Edit]]:
    """Apply non-overlapping edits (1-based line/column); returns (text, edits applied).

    Lines are counted as Python's tokenizer counts them (:mod:`auditor.sources.lines`), the
    same model the analysis used to record the positions."""
    starts = line_starts(text)

    def off(line: int, col: int) -> int:
        return offset_of(starts, len(text), line, col)

    ranged = sorted(((off(e.line, e.column), off(e.end_line, e.end_column), e) for e in edits), key=lambda t: (t[0], t[1]))
    chosen: list[tuple[int, int, Edit]] = []
    last_end = -1
    for start, end, e in ranged:
        if start < last_end or (chosen and start == chosen[-1][0] and end == chosen[-1][1] == start):
            continue  # overlaps a kept edit (or a second insertion at one point): next pass
        chosen.append((start, end, e))
        last_end = max(end, start)
    out = text
    for start, end, e in reversed(chosen):
        out = out[:start] + e.content + out[end:]
    return out, [c[2] for c in chosen]


def changes(text: str, edits: list[Edit], starts: list[int] | None = None) -> bool:
    """Would any of ``edits`` change ``text``? (An edit writing what is already there does not.)
    ``starts``: :func:`line_starts` of ``text``, when asked for many findings of one file."""
    starts = line_starts(text) if starts is None else starts
    for e in edits:
        a = offset_of(starts, len(text), e.line, e.column)
        b = offset_of(starts, len(text), e.end_line, e.end_column)
        if text[a:b] != e.content:
            return True
    return False


def parses(text: str) -> str | None:
    """None when libcst parses ``text``; else the parser's message.

    Raises :class:`auditor.fix.guard.NativeParserRisk` for a text libcst's native parser could
    crash or stall on (see :mod:`auditor.fix.guard`)."""
    from auditor.fix.guard import parse_error

    return parse_error(text)


def fix_text(
    text: str,
    findings: list[Finding],
    must_parse: bool = True,
    check: Callable[[str], str | None] | None = None,
) -> tuple[str, list[Finding], list[tuple[Finding, str]]]:
    """Apply the fixes of ``findings`` to one text (a Python file, a notebook cell, a prompt file).

    Each finding's edits go in together or not at all. ``check`` says why a text is invalid
    (None when fine; default: libcst's parse when ``must_parse``). If the result is invalid,
    fixes are retried one by one and those that break it are dropped."""
    if check is None and must_parse:
        check = parses
    edits: list[Edit] = []
    owners: dict[int, Finding] = {}
    for f in findings:
        if f.fix is None or not f.fix.edits:
            continue
        for e in f.fix.edits:
            owners[id(e)] = f
            edits.append(e)
    if not edits:
        return text, [], []
    new, used = apply_edits(text, edits)
    used_findings = _owners(used, owners)
    # a finding with several edits must have all of them applied
    used_ids = {id(u) for u in used}
    partial = [f for f in used_findings if any(id(e) not in used_ids for e in f.fix.edits)]  # type: ignore[union-attr]
    if partial or (check is not None and check(new) is not None):
        new = text
        applied: list[Finding] = []
        dropped: list[tuple[Finding, str]] = []
        for f in _unique(owners.values()):
            candidate, got = apply_edits(new, f.fix.edits)  # type: ignore[union-attr]
            if len(got) != len(f.fix.edits):  # type: ignore[union-attr]
                continue  # overlaps an earlier fix: the next pass will see it again
            err = check(candidate) if check is not None else None
            if err is None:
                new = candidate
                applied.append(f)
            else:
                dropped.append((f, f"the fixed text would not parse ({err})"))
        return new, applied, dropped
    return new, used_findings, []


def promptfile_error(text: str, path: str) -> str | None:
    """None when a prompt file's YAML (front matter, or the whole file for .yaml/.yml) parses."""
    from auditor.sources.frontmatter import split_front_matter, yaml_loader

    text = lone_cr_to_lf(text)  # the analysis counted lines this way too
    if path.lower().endswith((".yaml", ".yml")):
        try:
            yaml_loader().load(text)
            return None
        except Exception as e:  # noqa: BLE001 - any YAML error
            return str(e).splitlines()[0] if str(e) else e.__class__.__name__
    _, _, err = split_front_matter(text.split("\n"))
    return err[0] if err else None


def fix_promptfile_text(text: str, path: str, findings: list[Finding]) -> tuple[str, list[Finding], list[tuple[Finding, str]]]:
    """:func:`fix_text` for a prompt file: its front matter (or the whole YAML file) must still
    parse. A file whose YAML was already broken is edited unguarded (it is an LA000 anyway)."""

    def check(t: str) -> str | None:
        return promptfile_error(t, path)

    return fix_text(text, findings, must_parse=False, check=check if check(text) is None else None)


def _owners(edits: list[Edit], owners: dict[int, Finding]) -> list[Finding]:
    return _unique(owners[id(e)] for e in edits)


def _unique(items) -> list[Finding]:
    seen: set[int] = set()
    out = []
    for f in items:
        if id(f) not in seen:
            seen.add(id(f))
            out.append(f)
    return out
