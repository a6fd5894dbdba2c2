"""The command line's shared parts: the options every command takes (paths, policy, rule
selection, cache, jobs, date), loading the policy they name, turning them into the engine's
``RunOptions``, writing ``-o`` outputs, and the usage-file / telemetry options of ``check`` and
``report``; errors as exit 2 with a message. The commands themselves are in
:mod:`auditor.cli` (its ``__init__``).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

OUTPUT_FORMATS = ["full", "concise", "json", "jsonl", "sarif", "github", "gitlab", "junit"]


def _split(values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for v in values:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def _fail(message: str) -> None:
    click.echo(f"llm-audit: error: {message}", err=True)
    sys.exit(2)


def _load_policy(policy_file: str | None, paths: list[Path], select=(), extend_select=(), ignore=()):
    from auditor.config.policy import Policy, PolicyError, selector_matches
    from auditor.config.validate import selector_problem

    import os

    for p in paths:  # a typo in a path must never pass as "nothing to report"
        if str(p) == "-":
            continue
        try:
            os.stat(p)
        except PermissionError:  # a file inside a folder we may not enter
            _fail(f"{p}: cannot read: permission denied")
        except (OSError, ValueError):
            _fail(f"{p}: {'a symlink loop or a dangling symlink' if os.path.islink(p) else 'no such file or directory'}")
    try:
        # the project root of all the paths, whatever their order (config/scope.py)
        starts = [p for p in paths if str(p) != "-"] or [Path.cwd()]
        policy = Policy.load(Path(policy_file) if policy_file else None, start=starts)
    except PolicyError as e:
        _fail(str(e))
    sel = _split(select)
    policy.cli_select = sel or None
    policy.cli_extend_select = _split(extend_select)
    policy.cli_ignore = _split(ignore)
    for s in sel + policy.cli_extend_select + policy.cli_ignore:
        problem = selector_problem(s, policy.all_rules(), selector_matches)
        if problem:
            _fail(f"--select/--extend-select/--ignore: {problem}")
    return policy


def _today(value: str | None) -> date:
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"--today expects YYYY-MM-DD, got {value!r}")
        raise


def _write_output(text: str, output: str | None, json_text: bool = False) -> None:
    from auditor.writes import clean_text

    text = clean_text(text, json_text)  # non-UTF-8 file names, lone surrogates: valid UTF-8 out
    if output:
        from auditor.writes import OutputError, write_output

        try:
            write_output(output, text.encode("utf-8"))
        except OutputError as e:
            _fail(str(e))
    else:
        from auditor.render.output import console

        console.say(text)


# ---------------------------------------------------------------- common options
def _common(f):
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path, allow_dash=True)),
        click.option("--policy", "policy_file", type=click.Path(dir_okay=False), help="Policy file (default: .llm-audit.yaml or [tool.llm-audit] found upward)."),
        click.option("--select", multiple=True, help="Only these rules (codes, prefixes or names; comma-separated)."),
        click.option("--extend-select", multiple=True, help="Add rules to the policy's selection."),
        click.option("--ignore", multiple=True, help="Rules to skip."),
        click.option("--force-exclude", is_flag=True, help="Apply exclude globs to explicitly passed paths too (pre-commit)."),
        click.option("--no-cache", is_flag=True, help="Do not read or write the per-file cache."),
        click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: CPU count)."),
        click.option("--today", help="Date for retirement checks (YYYY-MM-DD; default today)."),
        click.option("--stdin-filename", help="Read the source from standard input (also: a path of `-`), reported under this name."),
        click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True, help="Colour the output (auto: on a terminal, honouring NO_COLOR and FORCE_COLOR)."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def _lint_options(f):
    """Options check and fix share (Ruff's names)."""
    options = [
        click.option("--unsafe-fixes", is_flag=True, help="Also apply unsafe fixes (with --fix / fix), or show them as available."),
        click.option("--diff", "show_diff", is_flag=True, help="Print the fixes as a patch (`git apply` accepts it); write nothing."),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings are reported."),
        click.option("--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when anything was fixed, even if no findings remain."),
        click.option("--show-fixes", is_flag=True, help="List the findings that were fixed."),
        click.option("--show-settings", is_flag=True, help="Print the policy file and the resolved settings for PATH, then exit."),
        click.option("--show-files", is_flag=True, help="Print the files that would be checked, then exit."),
        click.option("-q", "--quiet", is_flag=True, help="Print findings and errors only (no summary or warnings)."),
        click.option("-s", "--silent", is_flag=True, help="Print nothing but errors (and what --show-fixes asks for); the exit code still tells."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def _inputs(paths, stdin_filename) -> tuple[list[Path], tuple[str, str] | None]:
    """The paths to walk and, with `-` or --stdin-filename, (name, text) read from stdin."""
    paths = list(paths)
    if not any(str(p) == "-" for p in paths) and not stdin_filename:
        return paths or [Path(".")], None
    data = click.get_binary_stream("stdin").read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        _fail(f"standard input is not UTF-8: {e}")
    name = Path(stdin_filename).as_posix() if stdin_filename else "-"
    return [p for p in paths if str(p) != "-"], (name, text)


def _options(paths, policy_file, select, extend_select, ignore, force_exclude, no_cache, jobs, today, stdin_filename, **_: Any):
    from auditor.engine import RunOptions

    paths, stdin = _inputs(paths, stdin_filename)
    policy = _load_policy(policy_file, paths or [Path(stdin[0]).parent if stdin else Path(".")], select, extend_select, ignore)
    return RunOptions(
        paths=paths, policy=policy, force_exclude=force_exclude, use_cache=not no_cache, jobs=jobs, today=_today(today), stdin=stdin,
        hierarchical=policy_file is None,
    )


def _run(**kw: Any):
    from auditor.engine import run

    opts = _options(**kw)
    return opts.policy, opts, run(opts)


def _period(text: str | None, usage_log: str | None) -> float | None:
    if not text:
        return None
    from auditor.cost.calibrate import PeriodError, parse_period

    if not usage_log:
        _fail("--usage-log-period needs --usage-log FILE")
    try:
        return parse_period(text)
    except PeriodError as e:
        _fail(str(e))
        raise


def _usage_for(opts, usage_file: str | None, usage_log: str | None, period: float | None, unobserved_calls: str) -> None:
    """``check --usage/--usage-log``: the same volumes ``report`` would price with."""
    from auditor.cost.model import Usage
    from auditor.cost.usage import UsageError

    if not usage_file and not usage_log:
        return
    try:
        opts.usage = Usage.from_policy(opts.policy, path=Path(usage_file) if usage_file else None, strict=True)
    except UsageError as e:
        _fail(str(e))
    if usage_log:
        from auditor.engine import run
        from auditor.render.report_run import apply_calibration

        notes: list[str] = []
        apply_calibration(run(opts), opts.usage, Path(usage_log), period, unobserved_calls, notes)
        for n in notes:
            click.echo(f"llm-audit: {n}", err=True)


def _debug() -> bool:
    import os

    return bool(os.environ.get("LLM_AUDIT_DEBUG"))


def _internal_error(e: Exception) -> None:
    """A bug of ours: exit 2 with one line (the traceback with LLM_AUDIT_DEBUG=1). A reader
    that closed our output (`| head`) is not one: the run ends quietly."""
    if isinstance(e, BrokenPipeError):
        from auditor.render.output import quiet_broken_pipe

        quiet_broken_pipe()
        sys.exit(1)
    if _debug():
        raise e
    _fail(f"internal error: {e.__class__.__name__}: {e} (set LLM_AUDIT_DEBUG=1 for a traceback)")


def _fail_if(error: str | None) -> None:
    if error:
        _fail(error)
