"""Orchestration: discover -> load sources -> find call sites and prompts -> run checks.

Phase 1 runs per file (a byte pre-scan first, then parsing only files that can hold a call
site or prompt constant), in a process pool for large runs, with results cached per file.
Phase 2 resolves references across files (:mod:`auditor.analysis.project`) and runs the checks.
A file that cannot be read or parsed, or that crashes a worker, becomes one LA000.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import stat
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from auditor.cache import FactsCache
from auditor.facts import FileFacts, Suppressions
from auditor.config.catalog import glob_match, load_catalog
from auditor.checks import load_all
from auditor.checks.context import RuleContext
from auditor.cost.model import CostModel, Usage
from auditor.discover import SourceFile, discover
from auditor.findings import Finding
from auditor.config.policy import Policy, selector_matches
from auditor.analysis.project import Project
from auditor.analysis.module import analyse_python_text, summarise_module
from auditor.sources.python import SourceOptions, decode_source, file_error, module_name, parse_python, scan_suppressions

PARALLEL_THRESHOLD = 24  # fewer files to parse than this: stay in-process


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


# ---------------------------------------------------------------- phase 1: one file
def source_options(policy: Policy) -> SourceOptions:
    catalog = load_catalog()
    return SourceOptions(
        providers_data=catalog.providers_data,
        extra_apis=list(policy.get("call-sites", []) or []),
        prompt_names=list(policy.get("prompt-names", ["*PROMPT*", "*INSTRUCTION*", "SYSTEM*"])),
        frame_patterns=list(policy.get("dataframe-names", ["df", "*_df", "df_*"])),
        max_file_bytes=policy.max_file_bytes,
        prompt_paths=list(policy.get("prompt-paths", []) or []),
        prompt_keys=list(policy.get("prompt-keys", ["template", "prompt", "system", "messages[].content"])),
    )


def settings_digest(opts: SourceOptions) -> str:
    payload = json.dumps(
        [opts.extra_apis, opts.prompt_names, opts.frame_patterns, opts.max_file_bytes, opts.prompt_paths, opts.prompt_keys, load_catalog().digest],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


NOTEBOOK_OUTPUT_FACTOR = 20  # a notebook's outputs (embedded images, tables) may make its file this much larger


def _notebook_code_fits(data: bytes, kind: str, limit: int) -> bool:
    """A notebook is large because of its outputs, which are never analysed: the size limit applies to its
    code cells (with the raw file still bounded)."""
    if kind != "notebook" or len(data) > NOTEBOOK_OUTPUT_FACTOR * limit:
        return False
    try:
        nb = json.loads(data)
        cells = nb.get("cells") if isinstance(nb, dict) else None
        code = sum(len(json.dumps(c.get("source", ""))) for c in cells or [] if isinstance(c, dict) and c.get("cell_type") == "code")
    except (ValueError, RecursionError, AttributeError):
        return False
    return code <= limit


def analyse_bytes(data: bytes, rel: str, kind: str, opts: SourceOptions) -> FileFacts:
    """Phase 1 for one file. Never raises: problems become LA000 findings."""
    module = module_name(rel) if kind in ("python", "notebook") else ""
    facts = FileFacts(path=rel, module=module, kind=kind)
    try:
        if len(data) > opts.max_file_bytes and not _notebook_code_fits(data, kind, opts.max_file_bytes):
            facts.findings.append(file_error(rel, f"file is too large ({len(data):,} bytes; limit {opts.max_file_bytes:,}, policy `limits.max-file-bytes`)"))
            return facts
        if b"\x00" in data[:8192]:
            facts.findings.append(file_error(rel, "binary file (contains NUL bytes)"))
            return facts
        if kind == "python":
            try:
                text = decode_source(data)
            except (UnicodeDecodeError, SyntaxError, LookupError) as e:
                facts.findings.append(file_error(rel, f"not valid UTF-8 (or its declared encoding): {e}"))
                return facts
            if opts.prescan and not opts.prescan_re.search(data):
                # nothing an LLM call could hang on: syntax-check only (LA000, like any linter)
                facts.extra["skipped"] = True
                facts.suppressions = scan_suppressions(text)
                tree, err = parse_python(text, rel)
                if err is not None:
                    facts.findings.append(err)
                else:
                    summarise_module(tree, text, facts, opts)
                return facts
            return analyse_python_text(text, rel, module, opts)
        if kind == "notebook":
            from auditor.analysis.notebook import analyse_notebook

            return analyse_notebook(data, rel, module, opts)
        if kind == "promptfile":
            try:
                from auditor.analysis.promptfile import analyse_promptfile
            except ImportError:  # prompt-file support not installed in this build
                return facts
            return analyse_promptfile(data, rel, opts)
    except RecursionError:
        facts.findings.append(file_error(rel, "too deeply nested to analyse"))
    except Exception as e:  # noqa: BLE001 - one bad file must not take the run down
        facts.findings.append(file_error(rel, f"internal error while analysing this file: {e.__class__.__name__}: {e}"))
    return facts


def _worker_init() -> None:
    # ASTs are large graphs of GC-tracked objects with no cycles to collect: the cyclic GC only
    # rescans them (measured: parsing the bench corpus takes 2.17 s with it, 1.66 s without)
    gc.disable()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 4000))


def _analyse_job(args: tuple[bytes, str, str, SourceOptions]) -> FileFacts:
    return analyse_bytes(*args)


def _analyse_many(jobs: list[tuple[bytes, str, str, SourceOptions]], workers: int) -> list[FileFacts]:
    if workers <= 1 or len(jobs) < PARALLEL_THRESHOLD:
        return [analyse_bytes(*j) for j in jobs]
    from concurrent.futures import ProcessPoolExecutor  # only runs that parse many files pay for it
    from concurrent.futures.process import BrokenProcessPool
    results: list[FileFacts | None] = [None] * len(jobs)
    try:
        import multiprocessing

        ctx = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init) as pool:
            chunk = max(1, min(64, len(jobs) // (workers * 8) or 1))
            results_iter = pool.map(_analyse_job, jobs, chunksize=chunk)
            _prefetch_encoding()  # workers are forked by now: safe to start a thread
            for i, facts in enumerate(results_iter):
                results[i] = facts
    except BrokenProcessPool:
        # a file crashed its worker: redo the rest one by one, each in its own process
        for i, job in enumerate(jobs):
            if results[i] is None:
                results[i] = _isolated(job)
    return [r for r in results if r is not None]


def _prefetch_encoding() -> None:
    """Load o200k_base in a thread while the workers parse: phase 2 needs it on a cold run,
    and the main process is otherwise idle until their results arrive."""
    import threading

    from auditor.cost import tokens

    threading.Thread(target=tokens.get_encoding, args=(tokens.O200K,), daemon=True).start()


def _isolated(job: tuple[bytes, str, str, SourceOptions]) -> FileFacts:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(max_workers=1, initializer=_worker_init) as pool:
            return pool.submit(_analyse_job, job).result()
    except BrokenProcessPool:
        facts = FileFacts(path=job[1], module="", kind=job[2])
        facts.findings.append(file_error(job[1], "the parser crashed on this file (too deeply nested?)"))
        return facts


def load_facts(files: list[SourceFile], opts: SourceOptions, cache: FactsCache, jobs: int | None, stdin: tuple[str, str] | None, overlays: dict[str, bytes] | None = None) -> tuple[list[FileFacts], dict[str, int]]:
    out: dict[str, FileFacts] = {}
    todo: list[tuple[bytes, str, str, SourceOptions]] = []
    digests: dict[str, str] = {}
    stats = {"files": len(files), "parsed": 0, "skipped": 0, "cached": 0}
    for sf in files:
        if stdin is not None and sf.rel == stdin[0]:
            data = stdin[1].encode("utf-8")
        elif overlays and sf.rel in overlays:
            data = overlays[sf.rel]
        else:
            try:
                if not stat.S_ISREG(os.stat(sf.path).st_mode):  # a FIFO would block, a socket cannot be read
                    raise OSError(0, "not a regular file")
                data = sf.path.read_bytes()
            except OSError as e:
                facts = FileFacts(path=sf.rel, module="", kind=sf.kind)
                facts.findings.append(file_error(sf.rel, f"cannot read file: {e.strerror or e}"))
                out[sf.rel] = facts
                continue
        digest = hashlib.sha256(data).hexdigest()
        digests[sf.rel] = digest
        hit = cache.get(sf.rel, digest)
        if hit is not None:
            out[sf.rel] = hit
            stats["cached"] += 1
            continue
        todo.append((data, sf.rel, sf.kind, opts))
    workers = jobs or os.cpu_count() or 1
    todo.sort(key=lambda j: -len(j[0]))  # largest first: no big file left alone at the end
    for facts in _analyse_many(todo, workers):
        out[facts.path] = facts
        cache.put(facts.path, digests.get(facts.path, ""), facts)
        stats["skipped" if facts.extra.get("skipped") else "parsed"] += 1
    cache.prune(set(digests))
    return [out[sf.rel] for sf in files if sf.rel in out], stats


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
def run_checks(project: Project, cost: CostModel, policy: Policy, today: date) -> list[Finding]:
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
            subjects: list[Any] = project.call_sites()
        elif on == "prompt_constant":
            subjects = [pc for f in project.facts for pc in f.prompt_constants]
        elif on == "file":
            subjects = list(project.facts)
        else:
            subjects = [project]
        severity = policy.severity_of(rule)
        for subject in subjects:
            try:
                for f in fn(subject, ctx):
                    if f.severity == rule.severity:
                        f.severity = severity
                    findings.append(f)
            except Exception as e:  # noqa: BLE001 - a check bug must not take the run down
                path = getattr(subject, "path", "") or "<project>"
                findings.append(file_error(path, f"internal error in {rule.code} {rule.name}: {e.__class__.__name__}: {e}"))
    return findings


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


def filter_findings(findings: list[Finding], facts: list[FileFacts], policy: Policy) -> list[Finding]:
    by_path = {f.path: f for f in facts}
    selected = policy.selected_rules()
    selected_codes = {r.code for r in selected}
    per_file = policy.get("per-file-ignores") or {}
    used: set[tuple[str, str]] = set()
    out: list[Finding] = []
    rules = {r.code: r for r in policy.all_rules()}
    for f in findings:
        if f.code not in selected_codes:
            continue
        if f.code == "LA000" and "LA000" in rules:
            f.severity = policy.severity_of(rules["LA000"])
        ignored = False
        for pattern, selectors in per_file.items():
            if glob_match(f.path, [pattern]) and any(selector_matches(s, rules[f.code]) for s in selectors if f.code in rules):
                ignored = True
                break
        if ignored:
            continue
        ff = by_path.get(f.path)
        if ff is not None and f.code != "LA000" and _suppressed(f, ff.suppressions, used, f.path):
            continue
        out.append(f)
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
    """The files of a run, notes, and the paths that could not be read (missing paths,
    folders we may not list): those are errors, never a pass."""
    policy = opts.policy
    unreadable: list[tuple[str, str]] = []
    files, notes = discover(
        opts.paths,
        policy.root,
        include=policy.get("include"),
        exclude=list(policy.get("exclude", []) or []) + list(policy.get("extend-exclude", []) or []),
        prompt_paths=policy.get("prompt-paths"),
        force_exclude=opts.force_exclude,
        errors=unreadable,
    )
    return files, notes, unreadable


def _run(opts: RunOptions) -> RunResult:
    t0 = time.perf_counter()
    policy = opts.policy
    files, notes, unreadable = discover_files(opts)
    if opts.stdin is not None:
        from auditor.discover import file_kind

        name = opts.stdin[0]
        if not any(f.rel == name for f in files):
            kind = file_kind(name, None) or "python"
            files.append(SourceFile(Path(name).resolve(), name, kind, explicit=True))
    _add_new_overlays(files, opts.overlays, policy.root)
    sopts = source_options(policy)
    cache = FactsCache(policy.root, settings_digest(sopts), enabled=opts.use_cache and opts.stdin is None)
    facts, stats = load_facts(files, sopts, cache, opts.jobs, opts.stdin, opts.overlays)
    cache.save()
    notes.extend(n for ff in facts for n in (ff.extra.get("notes") or []))  # e.g. a notebook of another language, skipped
    usage = opts.usage or Usage.from_policy(policy)  # policy defaults + llm-audit-usage.yaml if present
    notes.extend(f"usage file ignored: {e}" for e in usage.errors)
    from auditor.cost import tokens

    memo = cache.dir / "tokens.json" if cache.enabled else None
    if memo is not None:
        tokens.load_memo(memo)  # exact counts of unchanged prompts: no encoding load
    project = Project(facts)
    cost = CostModel(policy.models, usage)
    raw = [f for ff in facts for f in ff.findings] + run_checks(project, cost, policy, opts.today)
    raw += [file_error(path, reason) for path, reason in unreadable]
    if memo is not None:
        tokens.save_memo(memo)
    findings = filter_findings(raw, facts, policy)
    stats["ms"] = int((time.perf_counter() - t0) * 1000)
    if os.environ.get("LLM_AUDIT_STATS"):
        print(
            f"llm-audit: files={stats['files']} parsed={stats['parsed']} skipped={stats['skipped']} cached={stats['cached']} ms={stats['ms']}",
            file=sys.stderr,
        )
    return RunResult(findings, facts, project, cost, files, notes, stats)
