"""The ``llm-audit`` command line: its commands (click), each parsing its options, calling the
engine or the report and picking a renderer; the options they share are in :mod:`auditor.cli.options`.

Exit codes: 0 clean (or everything fixed), 1 findings at or above ``fail-on``, 2 usage,
policy or internal error.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

from auditor import replay as _replay

_replay.at_entry()  # the real command line: an unchanged `check` replays here, before click and the engine load
_gc_was_on = gc.isenabled()
if _replay.command_line():
    gc.disable()  # the imports allocate objects that live to the end: no cyclic GC passes over them
    from auditor import codecache

    codecache.install()  # dataclass methods and regexes compiled once per installation, not on every run (auditor/codecache.py)

import click

from auditor import __version__
from auditor.cli.options import (
    OUTPUT_FORMATS,
    _common,
    _fail,
    _fail_if,
    _internal_error,
    _lint_options,
    _load_policy,
    _options,
    _period,
    _run,
    _today,
    _usage_for,
    _write_output,
)
from auditor.cli.fastexit import FastExitGroup, finished, lint_command_started


@click.group(cls=FastExitGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


@main.command()
@_common
@_lint_options
@click.option("--output-format", "output_format", type=click.Choice(OUTPUT_FORMATS), default="concise", show_default=True)
def fix(**kw):
    """Apply safe fixes to PATHS (--unsafe-fixes for the rest); `-` fixes standard input and prints it."""
    _lint(kw, fix=True)


def _lint(kw: dict[str, Any], **request: Any) -> None:
    lint_command_started(fixing=bool(request.get("fix") or kw.get("show_diff") or request.get("add_ignore")))
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
    finished()
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


if _gc_was_on:
    gc.enable()  # the commands as usual: check turns it off again for its run (cli/fastexit.py)

if __name__ == "__main__":  # pragma: no cover
    main()
