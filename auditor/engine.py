"""Orchestration: discover -> load sources -> find call sites and prompts -> run checks.

Phase 1 runs per file (a byte pre-scan first, then parsing only files that can hold a call
site or prompt constant), in a process pool for large runs, with results cached per file.
Phase 2 resolves references across files (:mod:`auditor.analysis.project`) and runs the checks.
A file that cannot be read or parsed, or that crashes a worker, becomes one LA000.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from auditor.analysis.project import Project
from auditor.analysis.roles import assign_roles
from auditor.cache import FactsCache
from auditor.checks import load_all
from auditor.checks.context import RuleContext
from auditor.checks.limits import run_rule
from auditor.checks.rootcause import group_root_causes, settle_savings
from auditor.config.catalog import load_catalog
from auditor.config.globs import glob_match
from auditor.config.policy import Policy, selector_matches
from auditor.config.scope import Scope, Targets, run_files
from auditor.cost.model import CostModel, Usage
from auditor.discover import SourceFile, normalise_config_paths
from auditor.facts import FileFacts, Suppressions
from auditor.findings import Finding
from auditor.fix.swapsafety import SwapScan
from auditor.phase1 import Loaded, load_facts
from auditor.sources.python import SourceOptions, file_error


@dataclass
class RunOptions:
    paths: list[Path]
    policy: Policy
    force_exclude: bool = False
    use_cache: bool = True
    jobs: int | None = None
    today: date = field(default_factory=date.today)
    stdin: tuple[str, str] | None = None  # (filename, text)
    usage: Usage | None = None
    hierarchical: bool = True  # nested policy files apply below their folders (not with --policy FILE)
    # relative path -> content read instead of the file (the language server's unsaved buffers);
    # a path not on disk is analysed as a new file
    overlays: dict[str, bytes] = field(default_factory=dict)


@dataclass
class RunResult:
    findings: list[Finding]
    facts: list[FileFacts]
    project: Project
    cost: CostModel
    files: list[SourceFile]
    notes: list[str]
    stats: dict[str, int]
    digests: dict[str, str] = field(default_factory=dict)  # rel -> sha256 of the bytes analysed
    targets: Targets = field(default_factory=Targets)  # what is reported on: the given paths
    scope: Scope | None = None
    # the findings before grouping by root cause: one per call site (the report's inventory)
    site_findings: list[Finding] = field(default_factory=list)

    def policy_for(self, rel: str) -> Policy:
        """The policy that applies to the file ``rel`` (its nearest; see config/scope.py)."""
        assert self.scope is not None
        return self.scope.policy_for(rel)


# ---------------------------------------------------------------- phase 1: one file
def source_options(policy: Policy) -> SourceOptions:
    catalog = load_catalog()
    return SourceOptions(
        providers_data=catalog.providers_data,
        extra_apis=list(policy.get("call-sites", []) or []),
        prompt_names=list(policy.get("prompt-names", ["*PROMPT*", "*INSTRUCTION*", "SYSTEM*"])),
        frame_patterns=list(policy.get("dataframe-names", ["df", "*_df", "df_*"])),
        max_file_bytes=policy.max_file_bytes,
        max_file_seconds=policy.max_file_seconds,
        prompt_paths=list(policy.get("prompt-paths", []) or []),
        prompt_keys=list(policy.get("prompt-keys", ["template", "prompt", "system", "messages[].content", "prompts[]"])),
        config_paths=normalise_config_paths(policy.get("model-config-paths")),
    )


def _add_new_overlays(files: list[SourceFile], overlays: dict[str, bytes], root: Path) -> None:
    """Overlays of files not yet on disk join the run; an existing file discovery left out
    (excluded by policy or .gitignore) stays out, as in ``check``."""
    from auditor.discover import file_kind

    known = {f.rel for f in files}
    for rel in overlays:
        path = root / rel
        kind = file_kind(rel, None)
        if rel not in known and kind is not None and not path.exists():
            files.append(SourceFile(path, rel, kind, explicit=True))


# ---------------------------------------------------------------- phase 2: checks
def run_checks(project: Project, cost: CostModel, policy: Policy, today: date, notes: list[str] | None = None) -> list[Finding]:
    registry = load_all()
    providers = load_catalog().providers(list(policy.get("call-sites", []) or []))
    findings: list[Finding] = []
    rules = policy.selected_rules()
    for rule in rules:
        if rule.code == "LA000":
            continue
        entry = registry.get(rule.check)
        if entry is None:
            continue
        on, fn = entry
        ctx = RuleContext(rule, policy.params_of(rule), policy, providers, project, cost, today)
        if on == "call_site":
            subjects: list[Any] = project.checked_sites()  # the requests and the sites derived ones stand on
        elif on == "model_ref":  # call sites and the model ids of configuration files
            subjects = project.checked_sites() + [s for f in project.facts for s in f.extra.get("model_refs", [])]
        elif on == "prompt_constant":
            subjects = [pc for f in project.facts for pc in f.prompt_constants]
        elif on == "file":
            subjects = list(project.facts)
        else:
            subjects = [project]
        severity = policy.severity_of(rule)
        overridden = severity != rule.severity  # a policy override applies to every finding of the rule
        run_rule(rule, fn, subjects, ctx, severity, overridden, policy.max_check_seconds, findings, notes)
    from auditor.checks.chains import settle

    return settle(findings, project)  # findings of derived call sites: at the caller or once at the wrapper


def _suppressed(f: Finding, sup: Suppressions, used: set[tuple[str, str]], path: str) -> bool:
    def matches(codes: list[str]) -> bool:
        return any(c == "*" or c == f.code or c == f.name or (c.startswith("LA") and f.code.startswith(c) and len(c) < 5) for c in codes)

    if matches(sup.file):
        used.add((path, "file"))
        return True
    key = Suppressions.key(f.cell, f.line)
    codes = sup.lines.get(key)
    if codes and matches(codes):
        used.add((path, key))
        return True
    return False


def filter_findings(
    findings: list[Finding],
    facts: list[FileFacts],
    policy: Policy,
    base: str = "",
    project: Project | None = None,
    per_call: list[Finding] | None = None,
    priced: Callable[[list[Finding]], None] | None = None,
) -> list[Finding]:
    """Selection, severity, ``per-file-ignores`` (globs relative to the policy's folder ``base``)
    and suppression comments; ``priced`` then gives the kept findings their savings (each its
    share of its sites' apply-all saving, :func:`auditor.cost.savings.attribute`); then, with
    ``project``, one finding per root cause (:mod:`auditor.checks.rootcause`: a group's savings
    are its members' shares, each site once; ``per_call`` receives the findings before that step). A
    finding moved to its cause is checked again where it now points. Last, unused suppressions
    (LA001) of ``facts``."""
    by_path = {f.path: f for f in facts}
    selected = policy.selected_rules()
    selected_codes = {r.code for r in selected}
    per_file = policy.get("per-file-ignores") or {}
    used: set[tuple[str, str]] = set()
    out: list[Finding] = []
    rules = {r.code: r for r in policy.all_rules()}

    def kept(f: Finding) -> bool:
        local = f.path[len(base) + 1 :] if base and f.path.startswith(base + "/") else f.path
        for pattern, selectors in per_file.items():
            if glob_match(local, [pattern]) and any(selector_matches(s, rules[f.code]) for s in selectors if f.code in rules):
                return False
        ff = by_path.get(f.path)
        return not (ff is not None and f.code != "LA000" and _suppressed(f, ff.suppressions, used, f.path))

    for f in findings:
        if f.code not in selected_codes:
            continue
        if f.code == "LA000" and "LA000" in rules and f.severity != "info":  # info: newer syntax, see sources/grammar.py
            f.severity = policy.severity_of(rules["LA000"])
        if kept(f):
            out.append(f)
    if priced is not None:
        priced(out)
    if project is not None:
        before = {id(f): (f.path, f.cell, f.line, f.column) for f in out}
        members: dict[int, list[Finding]] = {}
        grouped = group_root_causes(out, project, lambda code: rules[code].group_by if code in rules else "", members)
        calls = out
        out = [g for g in grouped if before.get(id(g)) == (g.path, g.cell, g.line, g.column) or kept(g)]
        if priced is not None:
            calls = settle_savings(out, calls, members, priced)
        if per_call is not None:
            per_call.extend(sorted(calls, key=lambda x: x.sort_key()))
    if "LA001" in selected_codes:
        out.extend(_unused_suppressions(facts, used, policy, rules, selected))
    out.sort(key=lambda x: x.sort_key())
    return out


def _unused_suppressions(facts: list[FileFacts], used: set[tuple[str, str]], policy: Policy, rules: dict, selected: list) -> list[Finding]:
    """Suppressions that silenced nothing; only codes of rules that ran can be called unused."""
    out = []
    rule = rules.get("LA001")
    if rule is None:
        return out
    severity = policy.severity_of(rule)
    for ff in facts:
        for key, codes in ff.suppressions.lines.items():
            if (ff.path, key) in used:
                continue
            if not any(c == "*" or any(selector_matches(c, r) for r in selected if r.code not in ("LA000", "LA001")) for c in codes):
                continue
            cell_s, line_s = key.split(":")
            cell = None if cell_s == "-1" else int(cell_s)
            line = int(line_s) - (1 if key in ff.suppressions.own_line else 0)
            out.append(
                Finding("LA001", rule.name, severity, f"unused suppression: no {', '.join(codes)} finding on this line or the next", ff.path, line, 1, line, 1, cell=cell)
            )
    return out


# ---------------------------------------------------------------- the whole run
def run(opts: RunOptions) -> RunResult:
    """One whole run; the cyclic GC is paused meanwhile (see _worker_init) and restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(opts)
    finally:
        if was_enabled:
            gc.enable()


def discover_files(opts: RunOptions) -> tuple[list[SourceFile], list[str], list[tuple[str, str]]]:
    """The files a run reports on (``--show-files``), notes, and the paths that could not be
    read (missing paths, folders we may not list): those are errors, never a pass."""
    unreadable: list[tuple[str, str]] = []
    scope = Scope(opts.policy, hierarchical=opts.hierarchical)
    files, targets, notes = run_files(scope, opts.paths, opts.force_exclude, None, unreadable)
    return [f for f in files if f.rel in targets.files], notes, unreadable


def open_cache(root: Path, enabled: bool = True) -> FactsCache:
    """The run's per-file cache (one per project root; entries carry their policy's settings)."""
    return FactsCache(root, load_catalog().digest, enabled=enabled)


def _stdin_name(name: str, root: Path) -> str:
    p = Path(name)
    try:
        return (p if p.is_absolute() else Path.cwd() / p).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return p.as_posix()


def _run(opts: RunOptions) -> RunResult:
    t0 = time.perf_counter()
    policy = opts.policy
    scope = Scope(policy, hierarchical=opts.hierarchical)
    cache = open_cache(policy.root, enabled=opts.use_cache)
    unreadable: list[tuple[str, str]] = []
    files, targets, notes = run_files(scope, opts.paths, opts.force_exclude, cache, unreadable)
    stdin = None
    if opts.stdin is not None:
        from auditor.discover import file_kind

        name = _stdin_name(opts.stdin[0], policy.root)
        stdin = (name, opts.stdin[1])
        targets.add(name)
        if not any(f.rel == name for f in files):
            kind = file_kind(name, None) or "python"
            files.append(SourceFile(policy.root / name, name, kind, explicit=True))
    _add_new_overlays(files, opts.overlays, policy.root)
    options = {id(p): source_options(p) for p in scope.policies()}
    loaded: list[Loaded] = []
    only = options[id(policy)] if len(options) == 1 else None  # one policy: no lookup per file (3,600 on a pre-commit run)
    facts, stats = load_facts(
        files, options[id(policy)], cache, opts.jobs, stdin, opts.overlays,
        options_for=(lambda rel: only) if only is not None else lambda rel: options[id(scope.policy_for(rel))], loaded=loaded,
    )
    notes.extend(n for ff in facts for n in (ff.extra.get("notes") or []))  # e.g. a notebook of another language, skipped
    from auditor.cost import tokenmemo

    memo = cache.dir / "tokens.json" if cache.enabled else None
    if memo is not None:
        tokenmemo.load_memo(memo)  # exact counts of unchanged prompts: no encoding load
    from auditor.analysis import phrasememo

    if cache.enabled:
        phrasememo.begin(cache.meta.get("phrases"))  # phrases found in unchanged prompts: no regex compiled
    else:
        phrasememo.end()
    try:  # phase 1's workers, kept while it reads skipped files again (auditor/parsepool.py)
        project = Project(
            facts,
            loader=loaded[0].summary_loader(),
            root=policy.root,
            providers=load_catalog().providers(list(policy.get("call-sites", []) or [])),
            # every file from the cache: the run that cached them read further what the flows needed
            reanalyse=loaded[0].reanalyser() if stats["parsed"] + stats["skipped"] else None,
            reparse=loaded[0].reanalyser(deep=False) if stats["skipped"] else None,
            mentions=loaded[0].mentions(),
            reads_done=loaded[0].close,
        )
    finally:
        loaded[0].close()
    assign_roles(project, policy.get("prompt-roles") or {})
    digests = loaded[0].digests
    swaps = SwapScan(policy.root, digests, loaded[0].texts, cache.meta.get("swap-scan") if cache.enabled else None, loaded[0].codes)
    project.memo["swap"] = {"scan": swaps}
    site_findings: list[Finding] = []
    findings, cost = _phase2(project, facts, scope, opts, notes, site_findings)
    findings = [f for f in findings if f.path in targets]
    # the inventory of the given files' call sites: their findings wherever written (a prompt
    # constant in another module whose text they send), so each site's shares add up to its saving
    given_sites = {s.id for s in project.call_sites() if s.path in targets}
    site_findings = sorted((f for f in site_findings if f.path in targets or _touches(f, given_sites)), key=lambda x: x.sort_key())
    # paths that could not be read are errors whatever was selected or given (never a pass)
    findings += filter_findings([file_error(path, reason) for path, reason in unreadable], [], policy)
    findings.sort(key=lambda x: x.sort_key())
    if swaps.changed:
        cache.set_meta("swap-scan", swaps.keep(set(digests)))
    if phrasememo.changed():
        cache.set_meta("phrases", phrasememo.snapshot())
    phrasememo.end()
    loaded[0].save()
    cache.save()
    if memo is not None:
        tokenmemo.save_memo(memo)
    stats["ms"] = int((time.perf_counter() - t0) * 1000)
    if os.environ.get("LLM_AUDIT_STATS"):
        print(
            f"llm-audit: files={stats['files']} parsed={stats['parsed']} skipped={stats['skipped']} cached={stats['cached']} ms={stats['ms']}",
            file=sys.stderr,
        )
    given = [f for f in files if f.rel in targets.files]
    return RunResult(findings, facts, project, cost, given, notes, stats, digests, targets, scope, site_findings)


def _touches(f: Finding, site_ids: set[str]) -> bool:
    return f.call_site_id in site_ids or (f.savings is not None and any(x.site_id in site_ids for x in f.savings.sites))


def _phase2(
    project: Project, facts: list[FileFacts], scope: Scope, opts: RunOptions, notes: list[str], per_call: list[Finding] | None = None
) -> tuple[list[Finding], CostModel]:
    """The checks under each policy of the run; a finding is kept under the policy of its file."""
    from auditor.checks.traits import site_traits
    from auditor.cost.savings import attribute

    policies = scope.policies()
    out: list[Finding] = []
    root_cost = None
    nested: list[CostModel] = []
    for policy in policies:
        usage = opts.usage if (opts.usage is not None and policy is scope.root_policy) else Usage.from_policy(policy)
        notes.extend(f"usage file ignored: {e}" for e in usage.errors)
        cost = CostModel(policy.models, usage, root=scope.root)
        cost.traits = site_traits(policy, load_catalog().providers(list(policy.get("call-sites", []) or [])), project, cost, opts.today)
        if policy is scope.root_policy:
            root_cost = cost
        else:
            nested.append(cost)
        mine = facts if len(policies) == 1 else [f for f in facts if scope.policy_for(f.path) is policy]
        sites = project.call_sites() if len(policies) == 1 else [s for s in project.call_sites() if scope.policy_for(s.path) is policy]
        raw = [f for ff in mine for f in ff.findings] + run_checks(project, cost, policy, opts.today, notes)
        if len(policies) > 1:
            raw = [f for f in raw if scope.policy_for(f.path) is policy]

        def priced(found: list[Finding], sites: list = sites, cost: CostModel = cost) -> None:
            attribute(found, sites, cost)  # each finding's share of its sites' apply-all saving

        out.extend(filter_findings(raw, mine, policy, scope.base_of(policy), project, per_call, priced))
    assert root_cost is not None
    for cost in nested:
        root_cost.adopt(cost)  # each site priced under its own policy, one cost model for the report
    return out, root_cost
