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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="llm-audit")
def main() -> None:
    """Lint LLM call sites and prompts for token waste and risk; estimate and fix it."""


# ---------------------------------------------------------------- check / fix
@main.command()
@_common
@_lint_options
@click.option("--output-format", "output_format", type=click.Choice(OUTPUT_FORMATS), default="full", show_default=True)
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, allow_dash=True), help="Write the report to FILE.")
@click.option("--fix", "do_fix", is_flag=True, help="Apply safe fixes.")
@click.option("--baseline", type=click.Path(dir_okay=False), help="Report only findings not in this baseline file.")
@click.option("--usage", "usage_file", type=click.Path(dir_okay=False), help="Usage file the savings assume (default: llm-audit-usage.yaml next to the policy), as for `report`.")
@click.option("--usage-log", type=click.Path(dir_okay=False, exists=True), help="Price the savings at the volumes this telemetry measured, as `report --usage-log` does.")
@click.option("--usage-log-period", help="The time the --usage-log stands for (10m, 6h, 1d, 7d).")
@click.option("--unobserved-calls", type=click.Choice(["zero", "usage"]), default="zero", show_default=True, help="With --usage-log: call sites the logs never show make 0 calls, or keep the usage volume.")
@click.option("--statistics", is_flag=True, help="Show counts per rule instead of findings (JSON with --output-format json).")
@click.option("--add-ignore", is_flag=True, help="Add `# llm-audit: ignore[CODE]` comments that silence every finding reported.")
def check(do_fix, output, baseline, statistics, add_ignore, usage_file, usage_log, usage_log_period, unobserved_calls, **kw):
    """Lint PATHS (default: the current folder; `-` reads standard input)."""
    if add_ignore and (kw.get("stdin_filename") or kw["show_diff"] or any(str(p) == "-" for p in kw["paths"])):
        _fail("--add-ignore edits files: it cannot be combined with standard input or --diff")
    kw["_usage"] = (usage_file, usage_log, _period(usage_log_period, usage_log), unobserved_calls)
    _lint(kw, fix=do_fix, output=output, baseline=baseline, statistics=statistics, add_ignore=add_ignore)


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


@main.command()
@_common
@_lint_options
@click.option("--output-format", "output_format", type=click.Choice(OUTPUT_FORMATS), default="concise", show_default=True)
def fix(**kw):
    """Apply safe fixes to PATHS (--unsafe-fixes for the rest); `-` fixes standard input and prints it."""
    _lint(kw, fix=True)


def _lint(kw: dict[str, Any], **request: Any) -> None:
    from auditor.render.lint import LintError, LintRequest, lint

    usage = kw.pop("_usage", None)
    try:
        opts = _options(**kw)
        if usage is not None:
            _usage_for(opts, *usage)
        if kw["show_settings"] or kw["show_files"]:
            sys.exit(_show(opts, kw))
        req = LintRequest(
            opts=opts, output_format=kw["output_format"], unsafe_fixes=kw["unsafe_fixes"], diff=kw["show_diff"], exit_zero=kw["exit_zero"],
            exit_non_zero_on_fix=kw["exit_non_zero_on_fix"], show_fixes=kw["show_fixes"], quiet=kw["quiet"], silent=kw["silent"], color=kw["color"], **request,
        )
        code = lint(req)
    except LintError as e:
        _fail(str(e))
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001 - internal errors exit 2 with a message, not a traceback
        _internal_error(e)
    sys.exit(code)


def _show(opts, kw) -> int:
    from auditor.engine import discover_files
    from auditor.render.settings import render_files, render_settings

    fmt = "json" if kw["output_format"] == "json" else "full"
    if kw["show_settings"]:
        from auditor.config.scope import nearest_policy

        target = opts.paths[0] if opts.paths else Path(opts.stdin[0] if opts.stdin else ".")
        policy = nearest_policy(opts.policy, target) if opts.hierarchical else opts.policy  # each file: its nearest policy
        _write_output(render_settings(policy, target, fmt), None)
        return 0
    files, _, unreadable = discover_files(opts)
    _write_output(render_files([f.rel for f in files], fmt), None)
    for path, reason in unreadable:
        click.echo(f"llm-audit: error: {path}: {reason}", err=True)
    return 2 if unreadable else 0


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
@click.option("--in-place", is_flag=True, help="Maintainers: rules/models.yaml is generated; use `python scripts/gen_models.py --refresh` instead.")
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
@click.option("--usage-log", type=click.Path(dir_okay=False, exists=True), help="Calibrate from OpenTelemetry GenAI spans (OTLP JSON, console/file exports, Langfuse, Phoenix) or LiteLLM spend logs.")
@click.option("--usage-log-period", help="The time the --usage-log stands for (10m, 6h, 1d, 7d); default: its first to last timestamp.")
@click.option("--unobserved-calls", type=click.Choice(["zero", "usage"]), default="zero", show_default=True, help="With --usage-log: price call sites the logs never show at 0 calls, or at the usage file's / policy's volume.")
@click.option("--compare-to", type=click.Path(dir_okay=False, exists=True), help="A saved `report --format json`: show how the typical and worst-case monthly estimates changed.")
@click.option("--fail-on-increase", type=click.FloatRange(min=0), help="Exit 1 when the typical or the worst-case monthly estimate grew by more than USD (needs --compare-to).")
def report(fmt, output, usage_file, sync_usage, usage_log, usage_log_period, unobserved_calls, compare_to, fail_on_increase, **kw):
    """Inventory of call sites with estimated cost per call and per month, and savings."""
    from auditor.cost.usage import UsageError
    from auditor.render.output import use_color
    from auditor.render.report_run import ReportRequest, produce
    from auditor.report import CompareError

    if fail_on_increase is not None and not compare_to:
        _fail("--fail-on-increase needs --compare-to BASE.json (a saved `llm-audit report --format json`)")
    if kw.get("stdin_filename") or any(str(p) == "-" for p in kw["paths"]):
        _fail("report reads files, not standard input; drop `-` / --stdin-filename")
    period = _period(usage_log_period, usage_log)
    paths = list(kw["paths"]) or [Path(".")]
    policy = _load_policy(kw["policy_file"], paths, kw["select"], kw["extend_select"], kw["ignore"])
    req = ReportRequest(
        usage_log_period=period, unobserved_calls=unobserved_calls,
        paths=paths, policy=policy, fmt=fmt, today=_today(kw["today"]), usage_file=Path(usage_file) if usage_file else None,
        sync_usage=sync_usage, usage_log=Path(usage_log) if usage_log else None, compare_to=Path(compare_to) if compare_to else None,
        fail_on_increase=fail_on_increase, force_exclude=kw["force_exclude"], use_cache=not kw["no_cache"], jobs=kw["jobs"],
        color=use_color(kw["color"], to_file=output is not None), progress=sys.stderr.isatty(),
    )
    try:
        outcome = produce(req)
    except (UsageError, CompareError) as e:
        _fail(str(e))
    except Exception as e:  # noqa: BLE001 - internal errors exit 2 with a message, not a traceback
        _internal_error(e)
    _write_output(outcome.text, output, json_text=fmt == "json")
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
    from auditor.writes import OutputError

    try:
        policy, _, result = _run(**kw)
        for note in result.notes:
            click.echo(f"llm-audit: warning: {note}", err=True)
        n = write_baseline(result.findings, Path(output), policy.root)
    except OutputError as e:
        _fail(str(e))
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


# ---------------------------------------------------------------- editors
@main.command()
def server():
    """Run the language server for editors (LSP over stdio): diagnostics, fixes, hover with cost."""
    import importlib.util

    if importlib.util.find_spec("pygls") is None:
        _fail('the language server needs pygls: pip install "llm-audit[server]"')
    from auditor.server.app import serve

    serve()


if __name__ == "__main__":  # pragma: no cover
    main()
