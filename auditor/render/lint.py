"""The ``check`` and ``fix`` commands after option parsing: run, fix, render, exit code.

Output follows Ruff's conventions:

* findings go to standard output (or ``-o FILE``); the summary line follows them for the
  human formats and goes to standard error when standard output carries a machine format;
* fixing standard input (``-`` / ``--stdin-filename``) prints the fixed source on standard
  output and everything else on standard error, as editors expect;
* ``--diff`` prints a patch that ``git apply`` accepts and writes nothing (exit 1 when it
  would change something);
* ``--unsafe-fixes`` without ``--fix`` shows unsafe fixes as available (``[*]``);
* ``-q`` prints findings and errors only; ``-s`` prints nothing but errors (and what was
  asked for explicitly: ``--show-fixes``, the fixed standard input);
* exit 0 clean (or all fixed), 1 findings at or above ``fail-on`` (``--exit-zero``: 0), and
  with ``--exit-non-zero-on-fix`` 1 whenever something was fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor.engine import RunOptions, run
from auditor.render.output import console, use_color
from auditor.writes import clean_text
from auditor.reads import read_bytes

HUMAN_FORMATS = ("full", "concise")
JSON_FORMATS = ("json", "jsonl", "sarif", "gitlab")


class LintError(Exception):
    """A usage problem found while running (bad baseline, unwritable output): exit 2."""


@dataclass
class LintRequest:
    opts: RunOptions
    output_format: str = "full"
    output: str | None = None
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    baseline: str | None = None
    exit_zero: bool = False
    exit_non_zero_on_fix: bool = False
    statistics: bool = False
    add_ignore: bool = False
    show_fixes: bool = False
    quiet: bool = False
    silent: bool = False
    color: str = "auto"


def _renderer(fmt: str):
    import importlib

    module, func = {
        "full": ("auditor.render.text", "render_full"),
        "concise": ("auditor.render.text", "render_concise"),
        "json": ("auditor.render.json", "render_json"),
        "jsonl": ("auditor.render.json", "render_jsonl"),
        "sarif": ("auditor.render.sarif", "render_sarif"),
        "github": ("auditor.render.github", "render_github"),
        "gitlab": ("auditor.render.gitlab", "render_gitlab"),
        "junit": ("auditor.render.junit", "render_junit"),
    }[fmt]
    return getattr(importlib.import_module(module), func)


def lint(req: LintRequest) -> int:
    """One check/fix invocation; returns the exit code."""
    from auditor.render.statistics import render_fixed, render_statistics
    from auditor.render.text import summary
    from auditor.sources.lines import file_lines

    opts, policy = req.opts, req.opts.policy
    talk = not (req.quiet or req.silent)
    stdin_name = opts.stdin[0] if opts.stdin else None
    result = run(opts)
    applied = []
    if req.fix or req.diff:
        result, report = apply_fixes(opts, result, req.unsafe_fixes, write=not req.diff)
        applied = report.applied
        if not req.silent:  # once each, whatever the number of passes
            for line in dict.fromkeys(f"llm-audit: fix for {f.code} at {f.location} dropped: {why}" for f, why in report.dropped):
                console.err(line)
        if req.diff:
            console.say("".join(report.diffs))
            n = len(applied)
            if talk:
                console.err(f"Would fix {n} finding{'s' if n != 1 else ''}.")
            return 1 if n and not req.exit_zero else 0
        if stdin_name is not None:
            console.say(opts.stdin[1])  # the fixed source, for the editor
    findings = result.findings
    if req.baseline:
        findings = _filter_baseline(findings, req.baseline, policy.root)
    if req.add_ignore:
        findings, result = _add_ignores(opts, result, findings, req.baseline, talk)
    if talk:
        for note in result.notes:
            console.err(f"llm-audit: warning: {note}")
        if not result.files and not opts.stdin:
            console.err("llm-audit: warning: no files to check under the given paths (Python, notebooks, prompt files)")
    # with the fixed source on stdout, the findings go to stderr
    to_err = stdin_name is not None and req.fix and req.output is None
    if req.statistics:
        text = render_statistics(findings, req.output_format, req.unsafe_fixes)
    else:
        texts = {stdin_name: opts.stdin[1]} if stdin_name is not None else None
        text = _renderer(req.output_format)(
            findings,
            source_lines=file_lines(policy.root, texts),
            color=use_color(req.color, to_file=req.output is not None),
            rules=policy.all_rules(),
            root=policy.root,
            project=result.project,
            unsafe_fixes=req.unsafe_fixes,
        )
    # non-UTF-8 file names and lone surrogates from literals: escapes, so the output is valid UTF-8
    text = clean_text(text, json=req.output_format in JSON_FORMATS and not req.statistics or (req.statistics and req.output_format == "json"))
    if req.output:
        _write(req.output, text)
    elif not req.silent:
        console.say(text, err=to_err)
    # the summary and the list of fixes follow human output and keep out of machine output
    human = req.output_format in HUMAN_FORMATS
    side = to_err or (not human and req.output is None)
    if req.show_fixes and req.fix:
        console.say(render_fixed(applied), err=side)
    if talk and (human or req.statistics):
        console.say(summary(findings, fixed=len(applied), unsafe_fixes=req.unsafe_fixes), err=side, nl=True)
    failing = any(result.policy_for(f.path).fails(f.severity) for f in findings)  # each file's fail-on
    code = 0 if req.exit_zero or not failing else 1
    if req.exit_non_zero_on_fix and applied:
        code = 1
    return code


def _write(output: str, text: str) -> None:
    from auditor.writes import OutputError, write_output

    try:
        write_output(output, text.encode("utf-8"))
    except OutputError as e:
        raise LintError(str(e)) from None


def apply_fixes(opts: RunOptions, result, unsafe: bool, write: bool):
    """Fix until nothing changes (at most MAX_PASSES analyses). The standard-input file is
    fixed in memory (``opts.stdin`` then holds the fixed text); ``write=False`` only
    collects diffs."""
    from auditor.cache import scratch_dir
    from auditor.fix.apply import MAX_PASSES, FixReport, fix_file, wanted
    from auditor.fix.diff import display_name, unified

    report = FixReport(scratch=scratch_dir(opts.policy.root) if write else None)
    stdin_name, stdin_old = (opts.stdin[0], opts.stdin[1]) if opts.stdin else (None, None)
    # --diff fixes in memory pass after pass (the next analysis reads them as overlays), so the
    # patch is what `fix` writes: one fix can need the next (a model swap, then its cap parameter)
    originals: dict[str, str] = {}
    current: dict[str, str] = {}
    for _ in range(MAX_PASSES):
        kinds = {f.rel: f.kind for f in result.files}
        by_file: dict[str, list] = {}
        for f in result.findings:
            if wanted(f, unsafe):
                by_file.setdefault(f.path, []).append(f)
        changed = False
        for rel, fs in by_file.items():
            if rel == stdin_name:
                new = _fix_in_memory(opts.stdin[1], kinds.get(rel, "python"), fs, report)
                if new != opts.stdin[1]:
                    opts.stdin = (rel, new)
                    changed = True
            elif not write and (rel in current or _utf8(opts.policy.root / rel, originals, rel)):
                old = current.get(rel, originals[rel])
                new = _fix_in_memory(old, kinds.get(rel, "python"), fs, report, name=Path(rel).name)
                if new != old:
                    current[rel] = new
                    report.changed_files.add(rel)
                    changed = True
            elif fix_file(opts.policy.root, rel, kinds.get(rel, "python"), fs, write, report, result.digests.get(rel)):
                changed = True
        if not changed:
            break
        if not write:
            if opts.stdin is not None or not current:
                break
            opts.overlays = {**opts.overlays, **{rel: text.encode("utf-8") for rel, text in current.items()}}
        result = run(opts)
    for rel, new in current.items():
        report.diffs.append(unified(display_name(opts.policy.root, rel), originals[rel], new))
    if report.errors:  # files the fix parser could not take: one LA000 each, the run goes on
        known = {(f.path, f.code) for f in result.findings}
        result.findings.extend(e for e in report.errors if (e.path, e.code) not in known)
        result.findings.sort(key=lambda x: x.sort_key())
    if stdin_name is not None:
        report.diffs.append(unified(stdin_name, stdin_old, opts.stdin[1]))
    return result, report


def _utf8(path: Path, originals: dict[str, str], rel: str) -> bool:
    """Read a file to fix in memory (--diff); False when it is not plain UTF-8 (fixed the usual way)."""
    try:
        originals[rel] = read_bytes(path).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return True


def _fix_in_memory(text: str, kind: str, findings: list, report, name: str | None = None) -> str:
    """Fix standard input (or a file's text, for --diff) with the same code that fixes files, in a
    private temporary folder."""
    from auditor.fix.apply import FixReport, fix_file

    suffix = {"notebook": ".ipynb", "promptfile": ".prompt"}.get(kind, ".py")
    sub = FixReport()
    import tempfile

    with tempfile.TemporaryDirectory(prefix="llm-audit-stdin-") as tmp:
        path = Path(tmp) / (name or f"stdin{suffix}")
        path.write_bytes(text.encode("utf-8"))
        fix_file(Path(tmp), path.name, kind, findings, True, sub)
        new = read_bytes(path).decode("utf-8")
    report.count(sub.applied)
    report.dropped.extend(sub.dropped)
    report.errors.extend(sub.errors)
    return new


def _filter_baseline(findings, baseline, root):
    from auditor.adopt.baseline import BaselineError, filter_new

    try:
        return filter_new(findings, Path(baseline), root)
    except BaselineError as e:
        raise LintError(str(e)) from None


def _add_ignores(opts, result, findings, baseline, talk: bool):
    """--add-ignore: comment every reported finding away; the caller lints again."""
    from auditor.fix.suppress import add_ignores

    report = add_ignores(opts.policy.root, findings, {f.rel: f.kind for f in result.files})
    for f, why in report.skipped:
        console.err(f"llm-audit: cannot suppress {f.code} at {f.location}: {why}")
    n, files = len(report.covered), len(report.files)
    if talk:
        console.err(f"Added or extended {report.comments} suppression comment{'s' if report.comments != 1 else ''} in {files} file{'s' if files != 1 else ''} ({n} finding{'s' if n != 1 else ''}).")
    result = run(opts)
    return (_filter_baseline(result.findings, baseline, opts.policy.root) if baseline else result.findings), result
