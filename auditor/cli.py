"""The ``llm-audit`` command line: parse options, call the engine, pick a renderer.

Exit codes: 0 clean (or everything fixed), 1 findings at or above ``fail-on``, 2 usage,
policy or internal error.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from auditor import __version__

OUTPUT_FORMATS = ["full", "concise", "json", "jsonl", "sarif", "github", "gitlab", "junit"]


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


def _split(values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for v in values:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def _fail(message: str) -> None:
    click.echo(f"llm-audit: error: {message}", err=True)
    sys.exit(2)


def _load_policy(policy_file: str | None, paths: list[Path], select=(), extend_select=(), ignore=()):
    from auditor.config.policy import Policy, PolicyError

    try:
        # the project root of all the paths, whatever their order (config/scope.py)
        policy = Policy.load(Path(policy_file) if policy_file else None, start=list(paths) or [Path.cwd()])
    except PolicyError as e:
        _fail(str(e))
    sel = _split(select)
    policy.cli_select = sel or None
    policy.cli_extend_select = _split(extend_select)
    policy.cli_ignore = _split(ignore)
    for s in sel + policy.cli_extend_select + policy.cli_ignore:
        if not any(s in (r.code, r.name) or s == "ALL" or (s.startswith("LA") and r.code.startswith(s)) for r in policy.all_rules()):
            _fail(f"unknown rule selector {s!r} (use a code like LA101, a prefix like LA1, or a name like missing-output-cap)")
    return policy


def _today(value: str | None) -> date:
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"--today expects YYYY-MM-DD, got {value!r}")
        raise


def _write_output(text: str, output: str | None) -> None:
    if output:
        from auditor.writes import atomic_write

        atomic_write(Path(output).resolve(), text.encode("utf-8"))
    else:
        click.echo(text, nl=False)


# ---------------------------------------------------------------- common options
def _common(f):
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option("--policy", "policy_file", type=click.Path(dir_okay=False), help="Policy file (default: .llm-audit.yaml or [tool.llm-audit] found upward)."),
        click.option("--select", multiple=True, help="Only these rules (codes, prefixes or names; comma-separated)."),
        click.option("--extend-select", multiple=True, help="Add rules to the policy's selection."),
        click.option("--ignore", multiple=True, help="Rules to skip."),
        click.option("--force-exclude", is_flag=True, help="Apply exclude globs to explicitly passed paths too (pre-commit)."),
        click.option("--no-cache", is_flag=True, help="Do not read or write the per-file cache."),
        click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: CPU count)."),
        click.option("--today", help="Date for retirement checks (YYYY-MM-DD; default today)."),
        click.option("--stdin-filename", help="Read the source from standard input, reported under this name."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def _run(paths, policy_file, select, extend_select, ignore, force_exclude, no_cache, jobs, today, stdin_filename, **_: Any):
    from auditor.engine import RunOptions, run

    paths = list(paths) or [Path(".")]
    policy = _load_policy(policy_file, paths, select, extend_select, ignore)
    stdin = None
    if stdin_filename:
        stdin = (Path(stdin_filename).as_posix(), click.get_text_stream("stdin").read())
        paths = [p for p in paths if p != Path(".")] or []
    opts = RunOptions(
        paths=paths, policy=policy, force_exclude=force_exclude, use_cache=not no_cache, jobs=jobs, today=_today(today), stdin=stdin,
        hierarchical=policy_file is None,
    )
    return policy, opts, run(opts)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="llm-audit")
def main() -> None:
    """Lint LLM call sites and prompts for token waste and risk; estimate and fix it."""


# ---------------------------------------------------------------- check / fix
@main.command()
@_common
@click.option("--output-format", "output_format", type=click.Choice(OUTPUT_FORMATS), default="full", show_default=True)
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("--fix", "do_fix", is_flag=True, help="Apply safe fixes.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply unsafe fixes (with --fix), or show them as available.")
@click.option("--diff", "show_diff", is_flag=True, help="Show fixes as a diff instead of writing them.")
@click.option("--baseline", type=click.Path(dir_okay=False), help="Report only findings not in this baseline file.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings are reported.")
@click.option("--statistics", is_flag=True, help="Show counts per rule instead of findings.")
@click.option("--add-ignore", is_flag=True, help="Add `# llm-audit: ignore[CODE]` comments that silence every finding reported.")
def check(output_format, output, do_fix, unsafe_fixes, show_diff, baseline, exit_zero, statistics, add_ignore, **kw):
    """Lint PATHS (default: the current folder)."""
    if add_ignore and (kw.get("stdin_filename") or show_diff):
        _fail("--add-ignore edits files: it cannot be combined with --stdin-filename or --diff")
    _check_or_fix(kw, output_format, output, do_fix or show_diff, unsafe_fixes, show_diff, baseline, exit_zero, statistics, add_ignore)


@main.command()
@_common
@click.option("--unsafe-fixes", is_flag=True, help="Also apply unsafe fixes.")
@click.option("--diff", "show_diff", is_flag=True, help="Show the changes as a diff; write nothing.")
@click.option("--output-format", "output_format", type=click.Choice(OUTPUT_FORMATS), default="concise", show_default=True)
@click.option("--exit-zero", is_flag=True)
def fix(unsafe_fixes, show_diff, output_format, exit_zero, **kw):
    """Apply safe fixes to PATHS (--unsafe-fixes for the rest)."""
    _check_or_fix(kw, output_format, None, True, unsafe_fixes, show_diff, None, exit_zero, False)


def _check_or_fix(kw, output_format, output, do_fix, unsafe, show_diff, baseline, exit_zero, statistics, add_ignore=False) -> None:
    from auditor.render.text import summary
    from auditor.sources.lines import file_lines
    from auditor.render.text import statistics as stats_table

    try:
        policy, opts, result = _run(**kw)
        fixed = 0
        if do_fix:
            result, report = _apply_fixes(policy, opts, result, unsafe, write=not show_diff)
            fixed = len(report.applied)
            for f, why in report.dropped:
                click.echo(f"llm-audit: fix for {f.code} at {f.location} dropped: {why}", err=True)
            if show_diff:
                click.echo("".join(report.diffs), nl=False)
                n = len(report.applied)
                click.echo(f"Would fix {n} finding{'s' if n != 1 else ''}.", err=True)
                sys.exit(1 if n and not exit_zero else 0)
        findings = result.findings
        if baseline:
            findings = _filter_baseline(findings, baseline, policy.root)
        if add_ignore:
            findings, result = _add_ignores(policy, kw, result, findings, baseline)
        for note in result.notes:
            click.echo(f"llm-audit: warning: {note}", err=True)
        if statistics:
            _write_output(stats_table(findings), output)
        else:
            render = _renderer(output_format)
            text = render(
                findings,
                source_lines=file_lines(policy.root),
                color=(output is None and sys.stdout.isatty()),
                rules=policy.all_rules(),
                root=policy.root,
                project=result.project,
            )
            _write_output(text, output)
        if output_format in ("full", "concise") or statistics:
            click.echo(summary(findings, fixed=fixed), err=output is None and output_format not in ("full", "concise"))
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001 - internal errors exit 2 with a message, not a traceback
        _internal_error(e)
    failing = [f for f in findings if policy.fails(f.severity)]
    sys.exit(0 if exit_zero or not failing else 1)


def _filter_baseline(findings, baseline, root):
    from auditor.adopt.baseline import BaselineError, filter_new

    try:
        return filter_new(findings, Path(baseline), root)
    except BaselineError as e:
        _fail(str(e))


def _add_ignores(policy, kw, result, findings, baseline):
    """--add-ignore: comment every reported finding away, then lint again to show what is left."""
    from auditor.fix.suppress import add_ignores

    report = add_ignores(policy.root, findings, {f.rel: f.kind for f in result.files})
    for f, why in report.skipped:
        click.echo(f"llm-audit: cannot suppress {f.code} at {f.location}: {why}", err=True)
    n, files = len(report.covered), len(report.files)
    click.echo(f"Added or extended {report.comments} suppression comment{'s' if report.comments != 1 else ''} in {files} file{'s' if files != 1 else ''} ({n} finding{'s' if n != 1 else ''}).", err=True)
    _, _, result = _run(**kw)
    findings = result.findings
    if baseline:
        findings = _filter_baseline(findings, baseline, policy.root)
    return findings, result


def _debug() -> bool:
    import os

    return bool(os.environ.get("LLM_AUDIT_DEBUG"))


def _internal_error(e: Exception) -> None:
    """A bug of ours: exit 2 with one line (the traceback with LLM_AUDIT_DEBUG=1)."""
    if _debug():
        raise e
    _fail(f"internal error: {e.__class__.__name__}: {e} (set LLM_AUDIT_DEBUG=1 for a traceback)")


def _apply_fixes(policy, opts, result, unsafe: bool, write: bool):
    from auditor.fix.apply import MAX_PASSES, FixReport, fix_file, wanted
    from auditor.engine import run

    report = FixReport()
    kinds = {f.rel: f.kind for f in result.files}
    for _ in range(MAX_PASSES):
        by_file: dict[str, list] = {}
        for f in result.findings:
            if wanted(f, unsafe):
                by_file.setdefault(f.path, []).append(f)
        changed = False
        for rel, fs in by_file.items():
            if opts.stdin is not None and rel == opts.stdin[0]:
                continue
            if fix_file(policy.root, rel, kinds.get(rel, "python"), fs, write, report):
                changed = True
        if not changed or not write:
            break
        result = run(opts)
    return result, report


# ---------------------------------------------------------------- docs and catalog
@main.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="Every rule.")
@click.option("--output-format", type=click.Choice(["text", "json", "markdown", "markdown-table"]), default="text", show_default=True)
def rule(code, show_all, output_format):
    """Show the documentation of a rule (by code or name), or of --all rules."""
    from auditor.config.ruledocs import render_rules
    from auditor.config.policy import Policy, PolicyError

    try:
        rules = Policy.load(None, start=Path.cwd()).all_rules()
    except PolicyError as e:
        _fail(str(e))
    if show_all:
        chosen = rules
    elif code:
        chosen = [r for r in rules if code in (r.code, r.name)]
        if not chosen:
            _fail(f"no rule {code!r}; `llm-audit rule --all` lists them")
    else:
        _fail("give a rule code or name, or --all")
    click.echo(render_rules(chosen, output_format), nl=False)


@main.command()
@click.option("--search", help="Only models whose name, alias or provider contains this text.")
@click.option("--output-format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False))
@click.option("--today", help="Date for the status column (YYYY-MM-DD).")
@click.option("--import-litellm", "litellm_file", type=click.Path(dir_okay=False, exists=True), help="Refresh prices and limits from LiteLLM's model_prices_and_context_window.json; writes a policy `models:` overlay.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), help="With --import-litellm: write the overlay to FILE (default: stdout).")
@click.option("--in-place", is_flag=True, help="With --import-litellm: update llm-audit's own rules/models.yaml (for maintainers).")
def models(search, output_format, policy_file, today, litellm_file, output, in_place):
    """List the model catalog (prices per 1M tokens, tiers, limits, retirement)."""
    from auditor.render.models import render_models

    policy = _load_policy(policy_file, [Path.cwd()])
    if litellm_file:
        from auditor.render.models import import_litellm

        _fail_if(import_litellm(policy, Path(litellm_file), _today(today), output, in_place))
        return
    click.echo(render_models(policy.models, search, output_format, _today(today)), nl=False)


def _fail_if(error: str | None) -> None:
    if error:
        _fail(error)


# ---------------------------------------------------------------- cost report
@main.command()
@_common
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json", "html"]), default="table", show_default=True)
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("--usage", "usage_file", type=click.Path(dir_okay=False), help="Usage file (default: llm-audit-usage.yaml next to the policy).")
@click.option("--sync-usage", is_flag=True, help="Add stubs for new call sites to the usage file (edited values are kept).")
@click.option("--usage-log", type=click.Path(dir_okay=False, exists=True), help="Calibrate from OpenTelemetry GenAI spans or LiteLLM spend logs (JSON lines).")
@click.option("--compare-to", type=click.Path(dir_okay=False, exists=True), help="A saved `report --format json`: show how the monthly estimate changed.")
@click.option("--fail-on-increase", type=click.FloatRange(min=0), help="Exit 1 when the monthly estimate grew by more than USD (needs --compare-to).")
def report(fmt, output, usage_file, sync_usage, usage_log, compare_to, fail_on_increase, **kw):
    """Inventory of call sites with estimated cost per call and per month, and savings."""
    from auditor.report import CompareError, ReportRequest, produce
    from auditor.cost.usage import UsageError

    if fail_on_increase is not None and not compare_to:
        _fail("--fail-on-increase needs --compare-to BASE.json (a saved `llm-audit report --format json`)")
    if kw.get("stdin_filename"):
        _fail("report reads files, not standard input; drop --stdin-filename")
    paths = list(kw["paths"]) or [Path(".")]
    policy = _load_policy(kw["policy_file"], paths, kw["select"], kw["extend_select"], kw["ignore"])
    req = ReportRequest(
        paths=paths, policy=policy, fmt=fmt, today=_today(kw["today"]), usage_file=Path(usage_file) if usage_file else None,
        sync_usage=sync_usage, usage_log=Path(usage_log) if usage_log else None, compare_to=Path(compare_to) if compare_to else None,
        fail_on_increase=fail_on_increase, force_exclude=kw["force_exclude"], use_cache=not kw["no_cache"], jobs=kw["jobs"],
        color=output is None and sys.stdout.isatty(), progress=sys.stderr.isatty(),
    )
    try:
        outcome = produce(req)
    except (UsageError, CompareError) as e:
        _fail(str(e))
    except Exception as e:  # noqa: BLE001 - internal errors exit 2 with a message, not a traceback
        _internal_error(e)
    _write_output(outcome.text, output)
    for message in outcome.messages:
        click.echo(f"llm-audit: {message}", err=True)
    sys.exit(outcome.exit_code)


# ---------------------------------------------------------------- adoption
@main.command()
@_common
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), default=".llm-audit-baseline.json", show_default=True, help="Baseline file to write.")
def baseline(output, **kw):
    """Write a baseline of today's findings; `check --baseline FILE` then reports only new ones."""
    from auditor.adopt.baseline import write_baseline

    try:
        policy, _, result = _run(**kw)
        for note in result.notes:
            click.echo(f"llm-audit: warning: {note}", err=True)
        n = write_baseline(result.findings, Path(output), policy.root)
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001 - internal errors exit 2 with a message, not a traceback
        _internal_error(e)
    click.echo(f"Wrote {n} finding{'s' if n != 1 else ''} to {output}; `llm-audit check --baseline {output}` now reports only new ones.", err=True)


@main.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path), default=Path("."))
@click.option("--force", is_flag=True, help="Overwrite an existing .llm-audit.yaml.")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the policy instead of writing it.")
def init(directory, force, to_stdout):
    """Write a commented starter .llm-audit.yaml for the project in DIRECTORY (default: here)."""
    from auditor.config.init import InitError, init_policy

    try:
        text, path, found = init_policy(directory, force=force, write=not to_stdout)
    except InitError as e:
        _fail(str(e))
    if to_stdout:
        click.echo(text, nl=False)
    else:
        click.echo(f"Wrote {path} ({found}). Run `llm-audit check` next.", err=True)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if a prompt changed without a lock update (CI).")
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), help="Policy file (the lock lives next to it).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the per-file cache.")
def lock(paths, check_only, policy_file, no_cache):
    """Record a checksum of every prompt in llm-audit.lock (LA603 reports drift from it)."""
    from auditor.adopt.lock import lock_command

    paths = list(paths) or [Path(".")]
    policy = _load_policy(policy_file, paths)
    try:
        code, lines = lock_command(paths, policy, check_only, use_cache=not no_cache)
    except Exception as e:  # noqa: BLE001 - internal errors exit 2 with a message, not a traceback
        _internal_error(e)
    for line in lines:
        click.echo(line, err=code != 0 and not line.startswith(("changed:", "new:", "removed:")))
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
