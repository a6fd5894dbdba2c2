"""Terminal output: ``full`` (with a code snippet) and ``concise`` (one line a finding)."""

from __future__ import annotations

from auditor.findings import Finding
from auditor.sources.lines import SourceLines

SNIPPET_WIDTH = 160  # characters of a source line shown; a minified 50 MB line is never printed whole


def _window_start(line: str, column: int) -> int:
    """Index where the shown part of a long line starts, so the finding's column is in view."""
    if len(line) <= SNIPPET_WIDTH:
        return 0
    return max(0, min(column - 1 - SNIPPET_WIDTH // 4, len(line) - SNIPPET_WIDTH))


def _clip(line: str, start: int) -> str:
    if len(line) <= SNIPPET_WIDTH and not start:
        return line
    shown = line[start : start + SNIPPET_WIDTH]
    return ("…" if start else "") + shown + ("…" if start + SNIPPET_WIDTH < len(line) else "")


def _marker(f: Finding, unsafe_fixes: bool = False) -> str:
    """``[*]``: fixable with the fixes enabled (safe, or unsafe with --unsafe-fixes);
    ``[-]``: an unsafe fix that --unsafe-fixes would enable."""
    if f.fix is None or not f.fix.edits:
        return ""
    return " [*]" if f.fix.applicability == "safe" or unsafe_fixes else " [-]"


def _savings(f: Finding) -> str:
    s = f.savings
    if s is None or (not s.usd_per_month and not s.tokens_per_call):
        return ""
    if s.usd_per_month:
        detail = [f"{s.tokens_per_call:,.0f} tokens/call"] if s.tokens_per_call else []
        detail += [s.basis] if s.basis else []
        return f"saves ~${s.usd_per_month:,.2f}/month" + (f" ({'; '.join(detail)})" if detail else "")
    return f"saves ~{s.tokens_per_call:,.0f} tokens/call{' (' + s.basis + ')' if s.basis else ''}"


def render_concise(findings: list[Finding], unsafe_fixes: bool = False, **_: object) -> str:
    lines = [f"{f.location}: {f.code}{_marker(f, unsafe_fixes)} {f.message}" for f in findings]
    return "\n".join(lines) + ("\n" if lines else "")


MAX_RELATED = 5  # related locations listed under a finding in full output


def render_full(findings: list[Finding], source_lines: SourceLines | None = None, color: bool = False, unsafe_fixes: bool = False, **_: object) -> str:
    def c(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    out: list[str] = []
    for f in findings:
        sev = {"error": "31", "warning": "33", "info": "36"}.get(f.severity, "0")
        out.append(f"{c(f.location, '1')}: {c(f.code, sev)}{_marker(f, unsafe_fixes)} {f.name}: {f.message}")
        lines = source_lines(f.path, f.cell) if source_lines else None
        if lines and 0 < f.line <= len(lines):
            width = len(str(f.end_line if f.end_line <= len(lines) else f.line))
            pad = " " * width
            out.append(f"{pad} |")
            last = min(f.end_line, f.line + 3, len(lines))
            start = _window_start(lines[f.line - 1], f.column)
            for n in range(f.line, last + 1):
                out.append(f"{str(n).rjust(width)} | {_clip(lines[n - 1], start)}")
            if f.line == f.end_line:
                col = f.column - start + (1 if start else 0)  # "…" stands for the text cut before
                length = max(1, min(f.end_column - f.column, SNIPPET_WIDTH - col + 1))
                out.append(f"{pad} | {' ' * (col - 1)}{c('^' * length, sev)}")
            out.append(f"{pad} |")
        hint = []
        if f.fix is not None and f.fix.edits:
            hint.append(f"{'fix' if f.fix.applicability == 'safe' else 'unsafe fix'}: {f.fix.message}")
        sv = _savings(f)
        if sv:
            hint.append(sv)
        for h in hint:
            out.append(f"  = {h}")
        for r in f.related[:MAX_RELATED]:
            where = f"{r.path}:cell {r.cell + 1}:{r.line}" if r.cell is not None else f"{r.path}:{r.line}"
            out.append(f"  - {where}" + (f": {r.message}" if r.message else ""))
        if len(f.related) > MAX_RELATED:
            out.append(f"  - (+{len(f.related) - MAX_RELATED} more)")
        out.append("")
    return "\n".join(out) + ("\n" if out and out[-1] != "" else "")


def summary(findings: list[Finding], fixed: int = 0, unsafe_fixes: bool = False) -> str:
    n = len(findings)
    safe = sum(1 for f in findings if f.fix and f.fix.edits and f.fix.applicability == "safe")
    unsafe = sum(1 for f in findings if f.fix and f.fix.edits and f.fix.applicability == "unsafe")
    parts = []
    if fixed:
        parts.append(f"Fixed {fixed} finding{'s' if fixed != 1 else ''}.")
    if n == 0:
        parts.append("All checks passed!" if not fixed else "No findings remain.")
        return " ".join(parts)
    parts.append(f"Found {n} finding{'s' if n != 1 else ''}.")
    if unsafe_fixes and safe + unsafe:
        parts.append(f"[*] {safe + unsafe} fixable with `llm-audit fix --unsafe-fixes` (or `check --fix --unsafe-fixes`).")
    elif safe or unsafe:
        if safe:
            parts.append(f"[*] {safe} fixable with `llm-audit fix` (or `check --fix`)" + (f"; [-] {unsafe} more with `--unsafe-fixes`." if unsafe else "."))
        else:
            parts.append(f"[-] {unsafe} fixable with `llm-audit fix --unsafe-fixes` (unsafe: review the change).")
    total = sum(f.savings.usd_per_month for f in findings if f.savings)
    if total:
        parts.append(f"Estimated savings: ${total:,.2f}/month.")
    return "\n".join(parts)
