"""The ``llm-audit report`` command after option parsing: run the engine, calibrate from a
telemetry log (:func:`apply_calibration`, shared with ``check --usage-log``), sync the usage
file, assemble the report (:func:`auditor.report.build_report`), compare it with a saved one,
apply the gate and render it in the asked format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.cost.compare import compare, load_base, usd
from auditor.cost.model import Usage
from auditor.report import Report, build_report, head_sites

if TYPE_CHECKING:  # pragma: no cover
    from auditor.config.policy import Policy
    from auditor.cost.calibrate import Calibration
    from auditor.engine import RunResult


@dataclass
class ReportRequest:
    """What ``llm-audit report`` was asked for (the CLI fills it from its options)."""

    paths: list[Path]
    policy: Policy
    fmt: str = "table"
    today: date = field(default_factory=date.today)
    usage_file: Path | None = None
    sync_usage: bool = False
    usage_log: Path | None = None
    usage_log_period: float | None = None  # seconds the log represents (--usage-log-period)
    unobserved_calls: str = "zero"  # zero | usage: call sites the logs never show
    compare_to: Path | None = None
    fail_on_increase: float | None = None
    force_exclude: bool = False
    use_cache: bool = True
    jobs: int | None = None
    color: bool = False
    progress: bool = False  # draw a progress bar on stderr


@dataclass
class ReportOutcome:
    text: str
    exit_code: int
    messages: list[str]  # for stderr
    report: Report


RENDERERS = {
    "json": ("auditor.render.report_json", "render_json"),
    "table": ("auditor.render.report_table", "render_table"),
    "markdown": ("auditor.render.report_markdown", "render_markdown"),
    "html": ("auditor.render.report_html", "render_html"),
}


PROGRESS_MIN_FILES = 200  # analysing fewer files is quick: no bar
PROGRESS_MIN_SITES = 100


def warm_cache_with_progress(req: ReportRequest) -> None:
    """Analyse the files in chunks with a progress bar on stderr, filling the per-file cache,
    so the engine run that follows reads every file's facts from the cache.

    Only for long runs (many files) with the cache on; anything unexpected just skips the bar."""
    import sys

    import click

    from auditor.config.scope import Scope, run_files
    from auditor.engine import load_facts, open_cache, source_options

    policy = req.policy
    try:
        scope = Scope(policy)
        files, _, _ = run_files(scope, req.paths, req.force_exclude)  # the whole project, as the run
        if len(files) < PROGRESS_MIN_FILES:
            return
        options = {id(p): source_options(p) for p in scope.policies()}

        def pick(rel: str):
            return options[id(scope.policy_for(rel))]

        cache = open_cache(policy.root)
        cache.prune = lambda keep: None  # a chunk must not drop the other chunks
        step = max(100, len(files) // 25)
        with click.progressbar(length=len(files), label="Analysing files", file=sys.stderr) as progress:
            for i in range(0, len(files), step):
                chunk = files[i : i + step]
                load_facts(chunk, pick(chunk[0].rel), cache, req.jobs, None, options_for=pick)
                progress.update(len(chunk))
        cache.save()
    except Exception:  # noqa: BLE001 - the bar is a courtesy; the real run reports problems
        return


def apply_calibration(result: RunResult, usage: Usage, log: Path, period: float | None, unobserved_calls: str, messages: list[str]) -> Calibration:
    """Map the telemetry ``log`` onto the run's call sites and put the measured values into
    ``usage`` (the next run prices them); ``check`` and ``report`` share this."""
    from auditor.cost.calibrate import calibrate

    calibration = calibrate(log, result.project.call_sites(), result.cost.models, result.cost, period=period)
    usage.calibrated = calibration.usage_values()
    usage.unobserved = {s.id for s in result.project.call_sites()} - set(calibration.sites)
    usage.unobserved_calls = unobserved_calls
    messages.append(f"calibrated {len(calibration.sites)} call site(s) from {log} ({calibration.records:,} records, {calibration.unmatched:,} unmatched)")
    messages.extend(f"warning: {w}" for w in calibration.warnings)
    return calibration


def produce(req: ReportRequest) -> ReportOutcome:
    """Run the engine, calibrate and sync usage, price, compare and render.

    Raises :class:`auditor.cost.usage.UsageError` / :class:`CompareError` for bad inputs."""
    import importlib

    from auditor.engine import RunOptions, run

    messages: list[str] = []
    usage = Usage.from_policy(req.policy, path=req.usage_file, strict=True, missing_ok=req.sync_usage)
    if req.progress and req.use_cache:
        warm_cache_with_progress(req)
    opts = RunOptions(paths=req.paths, policy=req.policy, force_exclude=req.force_exclude, use_cache=req.use_cache, jobs=req.jobs, today=req.today, usage=usage)
    result = run(opts)
    messages.extend(f"warning: {n}" for n in result.notes)
    calibration = None
    if req.usage_log is not None:
        calibration = apply_calibration(result, usage, req.usage_log, req.usage_log_period, req.unobserved_calls, messages)
        result = run(opts)  # again, so every finding's savings use the measured volumes
    if req.sync_usage:
        from auditor.cost.usage import default_usage_path, sync_usage

        target = req.usage_file or default_usage_path(req.policy)
        added = sync_usage(target, result.project.call_sites(), usage.defaults.get("monthly-calls", 10_000))
        messages.append(f"{'added ' + str(len(added)) + ' call-site stub(s) to' if added else 'no new call sites for'} {target}")
    bar = None
    if req.progress and len(result.project.call_sites()) >= PROGRESS_MIN_SITES:
        import sys

        import click

        def bar(items):
            with click.progressbar(list(items), label="Pricing call sites", file=sys.stderr) as it:
                yield from it

    report = build_report(result, req.policy, usage, req.today, calibration, progress=bar)
    exit_code = 0
    if req.compare_to is not None:
        report.comparison = compare(head_sites(report), (report.total_monthly_cost, report.total_worst_case), load_base(req.compare_to), str(req.compare_to))
    budgets = req.policy.get("budgets") or {}
    limit = req.fail_on_increase if req.fail_on_increase is not None else budgets.get("max-increase-usd")
    if limit is not None and report.comparison is not None:
        rose = report.comparison.over(float(limit))
        if rose:
            messages.append(f"{report.comparison.headline}. The gate fails: the {'; and the '.join(rose)} - more than the allowed increase of {usd(float(limit))} (--fail-on-increase / budgets.max-increase-usd)")
            exit_code = 1
    ceiling = budgets.get("max-monthly-usd")
    if ceiling is not None and report.total_monthly_cost > float(ceiling):
        messages.append(f"monthly estimate {usd(report.total_monthly_cost)} is over the budget of {usd(float(ceiling))} (policy budgets.max-monthly-usd)")
        exit_code = 1
    module, func = RENDERERS[req.fmt]
    text = getattr(importlib.import_module(module), func)(report, color=req.color)
    return ReportOutcome(text, exit_code, messages, report)
