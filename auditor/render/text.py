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


def calls_basis(calls: float | None, source: str, sites: int = 1) -> str:
    """"at 10,000 calls/month (policy default)": the volume a dollar figure assumes."""
    if calls is None:
        return ""
    over = f" over {sites} call sites" if sites > 1 else ""
    return f"at {calls:,.0f} calls/month{over} ({source or 'default'})"


def _money(x: float) -> str:
    return f"${x:,.2f}" if abs(x) >= 0.005 or x == 0 else ("<$0.01" if x > 0 else "-<$0.01")


def _savings(f: Finding) -> str:
    s = f.savings
    if s is None or (not s.usd_per_month and not s.worst_case_usd_per_month and not s.tokens_per_call):
        return ""
    detail = [f"{s.tokens_per_call:,.0f} tokens/call"] if s.tokens_per_call else []
    detail += [s.basis] if s.basis else []
    basis = calls_basis(s.monthly_calls, s.calls_source, len(s.sites))
    if s.usd_per_month or s.worst_case_usd_per_month:
        head = f"saves ~{_money(s.usd_per_month)}/month expected"
        if abs(s.worst_case_usd_per_month - s.usd_per_month) >= 0.005:
            head += f", ~{_money(s.worst_case_usd_per_month)}/month worst case"
        detail += [basis] if basis else []
        return head + (f" ({'; '.join(detail)})" if detail else "")
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
    line = savings_summary(findings)
    if line:
        parts.append(line)
    return "\n".join(parts)


def savings_summary(findings: list[Finding]) -> str:
    """"Estimated savings: $X/month expected; worst-case exposure removed: $Y/month", with the
    volumes they assume. Sums the per-site shares, so it equals ``llm-audit report``'s totals."""
    expected = worst = 0.0
    sources: dict[str, float] = {}
    sites: set[str] = set()
    per_site: set[float] = set()
    for f in findings:
        s = f.savings
        if s is None:
            continue
        if s.sites:
            for x in s.sites:
                expected += x.usd_per_month
                worst += x.worst_case_usd_per_month
                if x.site_id not in sites:
                    sites.add(x.site_id)
                    per_site.add(x.monthly_calls)
                    sources[x.calls_source or "default"] = sources.get(x.calls_source or "default", 0.0) + x.monthly_calls
        else:
            expected += s.usd_per_month
            worst += s.worst_case_usd_per_month
    if abs(expected) < 0.005 and abs(worst) < 0.005:
        return ""
    line = f"Estimated savings: {_money(expected)}/month expected"
    if abs(worst) >= 0.005:
        line += f"; worst-case exposure removed: {_money(worst)}/month"
    n = len(sites)
    if len(sources) == 1 and len(per_site) == 1:
        line += f" (at {next(iter(per_site)):,.0f} calls/month per call site, {next(iter(sources))}; {n} call site{'s' if n != 1 else ''})"
    elif sources:
        volumes = ", ".join(f"{calls:,.0f} from {src}" for src, calls in sorted(sources.items(), key=lambda kv: -kv[1]))
        line += f" (at the monthly calls of {n} call sites: {volumes})"
    return line + "."
