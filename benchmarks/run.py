#!/usr/bin/env python3
"""Benchmark ``llm-audit check`` against ``ruff check`` on pinned corpora of real code.

Builds (once) the SDK corpus from the ``.py`` files of pinned PyPI wheels and, from it, the
notebook-heavy application corpus (``appcorpus.py``), then, for each, measures:

* cold runs, alternating ``ruff check --no-cache --isolated --exit-zero`` and
  ``llm-audit check --no-cache --exit-zero --output-format json`` (``--rounds`` rounds,
  after one untimed warm-up of each so both read from the OS page cache);
* warm runs: ``llm-audit check --exit-zero --output-format json`` with an empty dedicated
  cache (``LLM_AUDIT_CACHE_DIR``): one run to fill it (not timed), then ``--warm-runs`` timed
  runs with nothing changed;
* wall time and CPU seconds of every run, and peak memory of the llm-audit process tree
  (see ``Watcher``);
* files parsed / skipped / served from cache, from the stats line llm-audit prints to
  stderr when ``LLM_AUDIT_STATS=1`` (``n/a`` when it prints none);
* the findings of the cold run against ``findings.json`` (no regression);
* on the SDK corpus, the pre-commit scenario: one changed file, cache warm, the whole project
  as context (``scenarios.py``);

and checks the targets (``TARGETS``, ``TARGET_PEAK_RSS_MIB``, ``TARGET_PRECOMMIT_S``).

``--scaling`` instead measures how cold-run time grows with the number of files that hold
call sites (1x, 2x, 4x copies of them).

Stdlib only; Python 3.10+. Exit status: 0, or with ``--enforce`` 1 when a target fails or
cannot be measured; 2 when the corpus cannot be built or ruff cannot run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import appcorpus
import nbcorpus
import scenarios

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS_DIR = HERE / ".corpus"

PACKAGES: list[tuple[str, str]] = [
    ("django", "5.2.8"),
    ("openai", "2.8.1"),
    ("anthropic", "0.75.0"),
    ("langchain-core", "0.3.79"),
    ("litellm", "1.79.3"),
]

# per corpus: (cold ratio, warm ratio) to ruff's cold median in the same run (issue 18)
TARGETS = {"sdk": (2.5, 0.3), "app": (3.0, 0.3), nbcorpus.NAME: (3.0, 0.3)}
CORPORA = list(TARGETS)
TARGET_COLD_RATIO, TARGET_WARM_RATIO = TARGETS["sdk"]
TARGET_PEAK_RSS_MIB = 300.0
TARGET_PRECOMMIT_S = 0.5  # one changed file, cache warm, the whole project as context
# --scaling: the per-file cost from 2x to 4x may be at most this much above that from 1x to 2x
SCALING_MAX_SLOPE_GROWTH = 1.5

RUFF_ARGS = "check --no-cache --isolated --exit-zero"
# a fixed date: retirement findings (LA402) depend on it, and the stored finding sets must not drift
COLD_ARGS = "check --no-cache --exit-zero --output-format json --today 2026-12-01"
WARM_ARGS = "check --exit-zero --output-format json --today 2026-12-01"

STATS_RE = re.compile(r"llm-audit: files=(\d+) parsed=(\d+) skipped=(\d+) cached=(\d+)")
CALLSITE_IMPORT_RE = re.compile(rb"^[ \t]*(?:import|from)[ \t]+(openai|anthropic|litellm)\b", re.MULTILINE)


def log(msg: str = "") -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------------------------
# corpus


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _find_wheel(wheels: Path, name: str, version: str) -> Path | None:
    for whl in sorted(wheels.glob("*.whl")):
        parts = whl.name.split("-")
        if len(parts) >= 2 and _norm(parts[0]) == _norm(name) and parts[1] == version:
            return whl
    return None


def _count_lines(data: bytes) -> int:
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def build_corpus(corpus_dir: Path, rebuild: bool) -> dict[str, Any]:
    """Download the pinned wheels and extract their ``.py`` files; reuse a complete corpus."""
    wheels = corpus_dir / "wheels"
    src = corpus_dir / "src"
    marker = corpus_dir / "corpus.json"
    pins = [f"{n}=={v}" for n, v in PACKAGES]
    if rebuild:
        for p in (src, wheels, marker):
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
    if marker.is_file() and src.is_dir():
        try:
            info = json.loads(marker.read_text())
        except (OSError, ValueError):
            info = {}
        if info.get("pins") == pins:
            log(f"corpus: reusing {src} (--rebuild to rebuild)")
            return info

    wheels.mkdir(parents=True, exist_ok=True)
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    per_package: dict[str, dict[str, int]] = {}
    for name, version in PACKAGES:
        whl = _find_wheel(wheels, name, version)
        if whl is None:
            log(f"corpus: downloading {name}=={version}")
            cmd = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "-d",
                str(wheels),
                f"{name}=={version}",
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            whl = _find_wheel(wheels, name, version)
            if proc.returncode != 0 or whl is None:
                sys.stderr.write(proc.stdout + proc.stderr)
                raise SystemExit(f"error: could not download {name}=={version}")
        files = lines = 0
        dest_root = (src / name).resolve()
        with zipfile.ZipFile(whl) as zf:
            for info in zf.infolist():
                if info.is_dir() or not info.filename.endswith(".py"):
                    continue
                dest = (dest_root / info.filename).resolve()
                if dest_root not in dest.parents:  # absolute or ``..`` member: skip
                    continue
                data = zf.read(info)
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
                files += 1
                lines += _count_lines(data)
        per_package[name] = {"files": files, "lines": lines}
        log(f"corpus: {whl.name}: {files} files, {lines} lines")
    info = {
        "pins": pins,
        "packages": per_package,
        "files": sum(p["files"] for p in per_package.values()),
        "lines": sum(p["lines"] for p in per_package.values()),
    }
    marker.write_text(json.dumps(info, indent=2) + "\n")
    return info


def build_app(corpus_dir: Path, src: Path, rebuild: bool) -> dict[str, Any]:
    """The notebook-heavy application corpus (benchmarks/appcorpus.py), rebuilt when missing or
    when its generator changed."""
    marker = corpus_dir / "app.json"
    try:
        info = json.loads(marker.read_text())
    except (OSError, ValueError):
        info = {}
    if rebuild or info.get("generator") != appcorpus.GENERATOR_VERSION or not (corpus_dir / "app").is_dir():
        log("app corpus: generating (offline, from the SDK corpus)")
        info = appcorpus.build_app_corpus(src, corpus_dir / "app")
        marker.write_text(json.dumps(info, indent=2) + "\n")
    return info


def corpus_files(src: Path) -> list[Path]:
    return sorted(p for p in src.rglob("*.py") if p.is_file())


# --------------------------------------------------------------------------------------------
# running and measuring one command


def _rusage_maxrss_kib(ru: Any) -> int:
    # Linux reports KiB, macOS bytes
    return ru.ru_maxrss // 1024 if sys.platform == "darwin" else ru.ru_maxrss


class Watcher(threading.Thread):
    """Samples the memory of a process and all its descendants from ``/proc``.

    Per sample: the sum of ``VmRSS`` over the live tree (and the sum of ``Pss`` from
    ``smaps_rollup``, which shares pages out fairly between forked workers, for information);
    the peaks of those sums are kept. Also the largest ``VmHWM`` seen for any one process.
    Descendants are found through ``/proc/<pid>/task/<tid>/children``, falling back to a scan
    of ``/proc/*/stat`` when the kernel lacks that file.
    """

    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.stop_event = threading.Event()
        self.peak_rss_kib = 0
        self.peak_pss_kib = 0
        self.max_hwm_kib = 0
        self.max_procs = 0
        self.samples = 0
        self._children_file = Path(f"/proc/{pid}/task/{pid}/children").exists()

    @staticmethod
    def _read(path: str) -> str:
        try:
            with open(path) as f:
                return f.read()
        except OSError:
            return ""

    def _tree(self) -> list[int]:
        if self._children_file:
            seen, todo = [], [self.pid]
            while todo:
                pid = todo.pop()
                seen.append(pid)
                try:
                    tids = os.listdir(f"/proc/{pid}/task")
                except OSError:
                    continue
                for tid in tids:
                    todo.extend(int(c) for c in self._read(f"/proc/{pid}/task/{tid}/children").split())
            return seen
        parents: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                stat = self._read(f"/proc/{entry}/stat")
                if stat:
                    ppid = int(stat.rpartition(")")[2].split()[1])
                    parents.setdefault(ppid, []).append(int(entry))
        seen, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            seen.append(pid)
            todo.extend(parents.get(pid, []))
        return seen

    def sample(self) -> None:
        rss = pss = procs = 0
        for pid in self._tree():
            status = self._read(f"/proc/{pid}/status")
            if not status:
                continue
            procs += 1
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    self.max_hwm_kib = max(self.max_hwm_kib, int(line.split()[1]))
            for line in self._read(f"/proc/{pid}/smaps_rollup").splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                    break
        self.samples += 1
        self.max_procs = max(self.max_procs, procs)
        self.peak_rss_kib = max(self.peak_rss_kib, rss)
        self.peak_pss_kib = max(self.peak_pss_kib, pss)

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.sample()
            self.stop_event.wait(self.interval)


REPLAY_RACY_S = 2.1  # auditor.replay.RACY_NS, and a margin


def run_measured(
    cmd: list[str], env: dict[str, str], cwd: Path, interval: float, keep_stdout: bool = False
) -> dict[str, Any]:
    """Run ``cmd`` once: wall time, exit status, stderr, memory of its process tree."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, cwd=cwd)
        except OSError as exc:
            return {"cmd": cmd, "ok": False, "error": str(exc), "rc": None, "stderr": ""}
        watcher = None
        if interval > 0 and Path("/proc/self/status").exists():
            watcher = Watcher(proc.pid, interval)
            watcher.start()
        # wait4 (not Popen.wait) to get the rusage: its ru_maxrss is the peak RSS of the
        # largest single process among the child and the descendants it waited for.
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if watcher is not None:
            watcher.stop_event.set()
            watcher.join()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
        stdout = None
        if keep_stdout:
            out.seek(0)
            stdout = out.read().decode("utf-8", "replace")
    max_proc = _rusage_maxrss_kib(ru)
    result: dict[str, Any] = {
        "cmd": cmd,
        "ok": proc.returncode == 0,
        "rc": proc.returncode,
        "wall_s": wall,
        # CPU seconds of the process and the children it waited for (all threads): steadier
        # than wall time on a machine other work keeps busy
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "max_process_rss_kib": max(max_proc, watcher.max_hwm_kib if watcher else 0),
        # a short-lived peak can fall between samples; the largest single process bounds it below
        "peak_tree_rss_kib": max(max_proc, watcher.peak_rss_kib if watcher else 0),
        "peak_tree_pss_kib": watcher.peak_pss_kib if watcher else None,
        "max_processes": watcher.max_procs if watcher else None,
        "rss_samples": watcher.samples if watcher else 0,
        "stderr": stderr,
    }
    m = None
    for m in STATS_RE.finditer(stderr):
        pass
    result["stats"] = dict(zip(("files", "parsed", "skipped", "cached"), map(int, m.groups()))) if m else None
    if keep_stdout:
        result["stdout"] = stdout
    return result


def fail_text(r: dict[str, Any]) -> str:
    tail = "\n".join(r.get("stderr", "").strip().splitlines()[-15:])
    return f"`{shlex.join(r['cmd'])}` exited {r.get('rc')}: {r.get('error') or ''}\n{tail}".rstrip()


# --------------------------------------------------------------------------------------------
# helpers


def default_cmd(name: str, module: str) -> list[str]:
    exe = shutil.which(name)
    if exe:
        return [exe]
    scripts = Path(sysconfig.get_path("scripts")) / name
    if scripts.is_file() and os.access(scripts, os.X_OK):
        return [str(scripts)]
    return [sys.executable, "-m", module]


def version_of(cmd: list[str]) -> str:
    try:
        p = subprocess.run(cmd + ["--version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "n/a"
    return (
        (p.stdout.strip() or p.stderr.strip()).splitlines()[0]
        if p.returncode == 0 and (p.stdout or p.stderr)
        else "n/a"
    )


def median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def fmt_s(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f} s"


def fmt_mib(kib: float | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def fmt_stats(s: dict[str, int] | None) -> str:
    if not s:
        return "n/a"
    return f"files={s['files']} parsed={s['parsed']} skipped={s['skipped']} cached={s['cached']}"


def verdict(ok: bool | None) -> str:
    return "n/a " if ok is None else ("PASS" if ok else "FAIL")


def clear_dir(p: Path) -> None:
    if p.exists():
        shutil.rmtree(p)
    p.mkdir(parents=True)


class Tools:
    def __init__(self, args: argparse.Namespace, corpus_dir: Path) -> None:
        self.ruff = shlex.split(args.ruff) if args.ruff else default_cmd("ruff", "ruff")
        self.llm = shlex.split(args.llm_audit) if args.llm_audit else default_cmd("llm-audit", "auditor")
        jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        self.ruff_args = shlex.split(args.ruff_args)
        self.cold_args = shlex.split(args.cold_args) + jobs
        self.warm_args = shlex.split(args.warm_args) + jobs
        self.cache_dir = corpus_dir / "cache"
        self.cwd = corpus_dir
        self.interval = args.rss_interval
        self.ruff_env = dict(os.environ)
        self.llm_env = dict(os.environ, LLM_AUDIT_STATS="1", LLM_AUDIT_CACHE_DIR=str(self.cache_dir))
        # an installed llm-audit has its bytecode compiled; a shell that forbids writing it
        # would make every run compile ~100 modules again (~0.1 s) and measure that instead
        self.llm_env.pop("PYTHONDONTWRITEBYTECODE", None)

    def ruff_cold(self, target: Path) -> dict[str, Any]:
        return run_measured(self.ruff + self.ruff_args + [str(target)], self.ruff_env, self.cwd, self.interval)

    def llm_cold(self, target: Path, keep_stdout: bool = False) -> dict[str, Any]:
        return run_measured(
            self.llm + self.cold_args + [str(target)], self.llm_env, self.cwd, self.interval, keep_stdout
        )

    def llm_warm(self, target: Path) -> dict[str, Any]:
        return run_measured(self.llm + self.warm_args + [str(target)], self.llm_env, self.cwd, self.interval)


def ruff_file_count(tools: Tools, target: Path) -> int | None:
    """How many files ruff checks under ``target`` (it honours .gitignore and default excludes)."""
    try:
        p = subprocess.run(
            tools.ruff + ["check", "--isolated", "--show-files", str(target)],
            capture_output=True,
            text=True,
            cwd=tools.cwd,
            timeout=300,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if p.returncode not in (0, 1):
        return None
    return sum(1 for line in p.stdout.splitlines() if line.strip().endswith((".py", ".pyi", ".ipynb")))


def strip_for_json(r: dict[str, Any]) -> dict[str, Any]:
    r = {k: v for k, v in r.items() if k not in ("stdout",)}
    r["stderr"] = "\n".join(r.get("stderr", "").splitlines()[-5:])
    r["cmd"] = shlex.join(r["cmd"])
    return r


# --------------------------------------------------------------------------------------------
# main benchmark


def bench(args: argparse.Namespace, tools: Tools, corpus: dict[str, Any], src: Path, label: str = "sdk") -> tuple[dict[str, Any], bool]:
    results: dict[str, Any] = {"ruff_cold": [], "llm_cold": [], "llm_warm": [], "llm_warm_fill": None}
    llm_ok = True
    cold_limit, warm_limit = TARGETS[label]
    log(f"\n===== corpus {label}: {src}")

    n_ruff = ruff_file_count(tools, src)
    if n_ruff is not None and n_ruff != corpus["files"]:
        log(
            f"warning: ruff checks {n_ruff} of the {corpus['files']} corpus files "
            "(.gitignore / default excludes); timings are still of the same directory"
        )
    results["ruff_files"] = n_ruff

    log("\nwarm-up (untimed): ruff, llm-audit")
    r = tools.ruff_cold(src)
    if not r["ok"]:
        log("error: ruff failed:\n" + fail_text(r))
        raise SystemExit(2)
    r = tools.llm_cold(src)
    if not r["ok"]:
        llm_ok = False
        log("warning: llm-audit cannot be measured; only ruff will be timed:\n" + fail_text(r))

    for i in range(1, args.rounds + 1):
        r = tools.ruff_cold(src)
        results["ruff_cold"].append(r)
        line = f"round {i}/{args.rounds}: ruff cold {fmt_s(r['wall_s'])}"
        if llm_ok:
            r = tools.llm_cold(src, keep_stdout=i == args.rounds)  # the last report: the finding set
            if not r["ok"]:
                log("error: llm-audit failed:\n" + fail_text(r))
                llm_ok = False
            else:
                results["llm_cold"].append(r)
                line += (
                    f"   llm-audit cold {fmt_s(r['wall_s'])} "
                    f"(peak RSS {fmt_mib(r['peak_tree_rss_kib'])}, {fmt_stats(r['stats'])})"
                )
        log(line)

    if llm_ok:
        clear_dir(tools.cache_dir)
        # Emptying the cache folder changes its parent, which a run of a corpus that is not its own
        # project reads (the app corpus: its ancestors are probed for policies). A file changed less
        # than 2 s before a run is never trusted by the run record (auditor/replay.py, RACY_NS, as
        # the facts cache), so without this pause the warm runs would measure the seconds right
        # after a change rather than "nothing changed".
        time.sleep(REPLAY_RACY_S)
        r = tools.llm_warm(src)
        if not r["ok"]:
            log("error: llm-audit (cache fill) failed:\n" + fail_text(r))
            llm_ok = False
        else:
            results["llm_warm_fill"] = r
            log(f"warm: cache fill {fmt_s(r['wall_s'])} (untimed; {fmt_stats(r['stats'])})")
            for i in range(1, args.warm_runs + 1):
                r = tools.llm_warm(src)
                if not r["ok"]:
                    log("error: llm-audit (warm) failed:\n" + fail_text(r))
                    llm_ok = False
                    break
                results["llm_warm"].append(r)
                log(
                    f"warm {i}/{args.warm_runs}: llm-audit {fmt_s(r['wall_s'])} "
                    f"(peak RSS {fmt_mib(r['peak_tree_rss_kib'])}, {fmt_stats(r['stats'])})"
                )

    ruff_med = median([r["wall_s"] for r in results["ruff_cold"]])
    cold_med = median([r["wall_s"] for r in results["llm_cold"]]) if results["llm_cold"] else None
    warm_med = median([r["wall_s"] for r in results["llm_warm"]]) if llm_ok and results["llm_warm"] else None
    if not llm_ok:
        cold_med = warm_med = None
    cold_ratio = cold_med / ruff_med if cold_med is not None and ruff_med else None
    warm_ratio = warm_med / ruff_med if warm_med is not None and ruff_med else None
    llm_runs = (
        results["llm_cold"] + results["llm_warm"] + ([results["llm_warm_fill"]] if results["llm_warm_fill"] else [])
    )
    peak_kib = max((r["peak_tree_rss_kib"] for r in llm_runs), default=None) if llm_ok else None
    peak_pss = max((r["peak_tree_pss_kib"] or 0 for r in llm_runs), default=None) if llm_ok else None
    max_proc = max((r["max_process_rss_kib"] for r in llm_runs), default=None) if llm_ok else None
    max_procs = max((r["max_processes"] or 0 for r in llm_runs), default=None) if llm_ok else None
    ruff_peak = max((r["peak_tree_rss_kib"] for r in results["ruff_cold"]), default=None)
    cold_stats = results["llm_cold"][-1]["stats"] if llm_ok and results["llm_cold"] else None
    warm_stats = results["llm_warm"][-1]["stats"] if llm_ok and results["llm_warm"] else None

    targets = {
        "cold_ratio": {
            "value": cold_ratio,
            "limit": cold_limit,
            "pass": None if cold_ratio is None else cold_ratio <= cold_limit,
        },
        "warm_ratio": {
            "value": warm_ratio,
            "limit": warm_limit,
            "pass": None if warm_ratio is None else warm_ratio <= warm_limit,
        },
        "peak_rss_mib": {
            "value": None if peak_kib is None else peak_kib / 1024,
            "limit": TARGET_PEAK_RSS_MIB,
            "pass": None if peak_kib is None else peak_kib / 1024 <= TARGET_PEAK_RSS_MIB,
        },
    }

    def ratio(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.2f}x"

    log("\n== results ==")
    log(f"corpus:                 {corpus['files']} files, {corpus['lines']} lines ({src})")
    log(f"cpus:                   {os.cpu_count()}   jobs: {args.jobs or 'default'}   rounds: {args.rounds}")
    ruff_runs = ", ".join(f"{r['wall_s']:.3f}" for r in results["ruff_cold"])
    log(f"ruff cold median:       {fmt_s(ruff_med)}   (runs: {ruff_runs}; peak RSS {fmt_mib(ruff_peak)})")
    log(f"llm-audit cold median:  {fmt_s(cold_med)}   ratio to ruff cold: {ratio(cold_ratio)}")
    ruff_cpu = median([r["cpu_s"] for r in results["ruff_cold"]])
    cold_cpu = median([r["cpu_s"] for r in results["llm_cold"]]) if results["llm_cold"] else None
    warm_cpu = median([r["cpu_s"] for r in results["llm_warm"]]) if results["llm_warm"] else None
    log(
        f"CPU seconds (median):   ruff {fmt_s(ruff_cpu)}, llm-audit cold {fmt_s(cold_cpu)} "
        f"({ratio(cold_cpu / ruff_cpu if cold_cpu and ruff_cpu else None)}), warm {fmt_s(warm_cpu)} "
        f"({ratio(warm_cpu / ruff_cpu if warm_cpu and ruff_cpu else None)})"
    )
    log(f"llm-audit warm median:  {fmt_s(warm_med)}   ratio to ruff cold: {ratio(warm_ratio)}")
    log(
        f"llm-audit peak RSS:     {fmt_mib(peak_kib)} (process tree, sum of RSS); "
        f"PSS {fmt_mib(peak_pss)}; largest single process {fmt_mib(max_proc)}; up to {max_procs if max_procs is not None else 'n/a'} processes"
    )
    log(f"files (cold run):       {fmt_stats(cold_stats)}")
    log(f"files (warm run):       {fmt_stats(warm_stats)}")
    log("\n== targets ==")
    log(
        f"{verdict(targets['cold_ratio']['pass'])}  [{label}] cold llm-audit <= {cold_limit}x ruff cold   ({ratio(cold_ratio)})"
    )
    log(
        f"{verdict(targets['warm_ratio']['pass'])}  [{label}] warm llm-audit <= {warm_limit}x ruff cold   ({ratio(warm_ratio)})"
    )
    log(
        f"{verdict(targets['peak_rss_mib']['pass'])}  [{label}] peak RSS <= {TARGET_PEAK_RSS_MIB:.0f} MiB          ({fmt_mib(peak_kib)})"
    )

    out = {
        "mode": "targets",
        "label": label,
        "corpus": corpus,
        "ruff_cold_cpu_median_s": ruff_cpu,
        "llm_audit_cold_cpu_median_s": cold_cpu,
        "llm_audit_warm_cpu_median_s": warm_cpu,
        "ruff_files": results["ruff_files"],
        "ruff_cold_median_s": ruff_med,
        "llm_audit_cold_median_s": cold_med,
        "llm_audit_warm_median_s": warm_med,
        "cold_ratio": cold_ratio,
        "warm_ratio": warm_ratio,
        "peak_rss_kib": peak_kib,
        "peak_pss_kib": peak_pss,
        "max_single_process_rss_kib": max_proc,
        "ruff_peak_rss_kib": ruff_peak,
        "stats_cold": cold_stats,
        "stats_warm": warm_stats,
        "targets": targets,
        "runs": {
            "ruff_cold": [strip_for_json(r) for r in results["ruff_cold"]],
            "llm_audit_cold": [strip_for_json(r) for r in results["llm_cold"]],
            "llm_audit_warm_fill": strip_for_json(results["llm_warm_fill"]) if results["llm_warm_fill"] else None,
            "llm_audit_warm": [strip_for_json(r) for r in results["llm_warm"]],
        },
    }
    out["_cold_stdout"] = results["llm_cold"][-1].get("stdout") if llm_ok and results["llm_cold"] else None
    all_pass = all(t["pass"] is True for t in targets.values())
    return out, all_pass


def precommit_scenario(args: argparse.Namespace, tools: Tools, src: Path, keys: list[str]) -> tuple[dict[str, Any], bool]:
    """One changed file in the SDK corpus, cache warm (bench() just filled it), the whole
    project as context: `llm-audit check FILE` run from the project root, as pre-commit does."""
    rel = scenarios.pick_precommit_file(keys)
    if rel is None:
        log("pre-commit: n/a (no finding to pick a file by)")
        return {"pass": None}, False

    def run(rels: list[str], root: Path) -> dict[str, Any]:
        return run_measured(tools.llm + tools.warm_args + rels, tools.llm_env, root, tools.interval, keep_stdout=True)

    # reported paths are relative to the project root llm-audit chose (the corpus's own
    # repository; an older llm-audit: the folder it ran in)
    root = next((d for d in (src, tools.cwd) if (d / rel).is_file()), src)
    res = scenarios.precommit(run, root, rel, keys, args.precommit_rounds)
    med = res["median_s"]
    ok = med is not None and med <= TARGET_PRECOMMIT_S and res["same_as_whole_run"]
    cpu = median([r["cpu_s"] for r in res["runs"] if r["ok"]])
    log(f"\npre-commit: `check {rel}` ({res['findings']} findings there), cache warm: median {fmt_s(med)} (CPU {fmt_s(cpu)}), stats {fmt_stats(res['runs'][-1]['stats'] if res['runs'] else None)}")
    log(f"{verdict(None if med is None else ok)}  pre-commit run <= {TARGET_PRECOMMIT_S} s and the same findings as the whole run ({fmt_s(med)}; same: {res['same_as_whole_run']})")
    res["runs"] = [strip_for_json(r) for r in res["runs"]]
    res["pass"] = ok
    return res, ok


# --------------------------------------------------------------------------------------------
# scaling mode


def _collect_report_paths(node: Any, acc: set[str]) -> None:
    if isinstance(node, dict):
        csid = node.get("call_site_id")
        if isinstance(csid, str) and "::" in csid:
            acc.add(csid.split("::", 1)[0])
            if isinstance(node.get("path"), str):
                acc.add(node["path"])
        for v in node.values():
            _collect_report_paths(v, acc)
    elif isinstance(node, list):
        for v in node:
            _collect_report_paths(v, acc)


def callsite_files(tools: Tools, src: Path, use_report: bool) -> tuple[list[Path], str]:
    """Files holding call sites: those llm-audit reports one in, else those importing an SDK."""
    if use_report:
        r = tools.llm_cold(src, keep_stdout=True)
        if r["ok"]:
            acc: set[str] = set()
            try:
                _collect_report_paths(json.loads(r["stdout"] or "null"), acc)
            except ValueError:
                pass
            found: set[Path] = set()
            for p in acc:
                for base in (tools.cwd, src, Path.cwd()):
                    cand = (base / p).resolve()
                    if cand.is_file() and src.resolve() in cand.parents:
                        found.add(cand)
                        break
            if found:
                return sorted(found), "files llm-audit reports a call site in"
        else:
            log("warning: llm-audit failed; choosing files by imports:\n" + fail_text(r))
    # a package importing itself (litellm's own modules) is not a call site of that SDK
    files = [
        p
        for p in corpus_files(src)
        if {m.decode() for m in CALLSITE_IMPORT_RE.findall(p.read_bytes())} - {p.relative_to(src).parts[0]}
    ]
    return files, "files importing openai / anthropic / litellm (other than the package itself)"


def scaling(args: argparse.Namespace, tools: Tools, corpus_dir: Path, src: Path) -> tuple[dict[str, Any], bool]:
    files, how = callsite_files(tools, src, not args.scaling_by_imports)
    if not files:
        log("error: no call-site files found")
        raise SystemExit(2)
    log(f"\nscaling: {len(files)} {how}")
    src_root = src.resolve()
    points = []
    for factor in args.scaling_factors:
        tmp = corpus_dir / f"scaling-{factor}x"
        clear_dir(tmp)
        lines = 0
        for i in range(factor):
            for f in files:
                dest = tmp / f"copy{i}" / f.relative_to(src_root)
                dest.parent.mkdir(parents=True, exist_ok=True)
                data = f.read_bytes()
                dest.write_bytes(data)
                lines += _count_lines(data)
        n = len(files) * factor
        tools.llm_cold(tmp)  # warm-up: page cache
        runs = []
        for _ in range(args.rounds):
            r = tools.llm_cold(tmp)
            if not r["ok"]:
                log("error: llm-audit failed:\n" + fail_text(r))
                raise SystemExit(2)
            runs.append(r)
        med = median([r["wall_s"] for r in runs])
        peak = max(r["peak_tree_rss_kib"] for r in runs)
        points.append(
            {
                "factor": factor,
                "files": n,
                "lines": lines,
                "median_s": med,
                "ms_per_file": 1000 * med / n,
                "peak_rss_kib": peak,
                "stats": runs[-1]["stats"],
                "runs": [strip_for_json(r) for r in runs],
            }
        )
        log(
            f"{factor}x: {n} files, {lines} lines: median {fmt_s(med)}, {1000 * med / n:.2f} ms/file, "
            f"peak RSS {fmt_mib(peak)}, {fmt_stats(runs[-1]['stats'])}"
        )
        if not args.keep_scaling_corpus:
            shutil.rmtree(tmp)

    # marginal cost per added file between consecutive sizes: the fixed start-up cost cancels
    slopes = []
    for a, b in itertools.pairwise(points):
        slopes.append(
            {
                "from": a["factor"],
                "to": b["factor"],
                "ms_per_file": 1000 * (b["median_s"] - a["median_s"]) / (b["files"] - a["files"]),
            }
        )
    xs = [p["files"] for p in points]
    ys = [p["median_s"] for p in points]
    fit = None
    if len(points) >= 2:
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
        fit = {"ms_per_file": 1000 * slope, "intercept_s": my - slope * mx}
    log("\n== scaling ==")
    for s in slopes:
        log(f"marginal cost {s['from']}x -> {s['to']}x: {s['ms_per_file']:.2f} ms per added file")
    if fit:
        log(f"least-squares fit: {fit['intercept_s']:.3f} s + {fit['ms_per_file']:.2f} ms/file")
    linear = None
    if len(slopes) >= 2 and slopes[0]["ms_per_file"] > 0:
        growth = slopes[-1]["ms_per_file"] / slopes[0]["ms_per_file"]
        linear = growth <= SCALING_MAX_SLOPE_GROWTH
        log(
            f"{verdict(linear)}  roughly linear: last marginal cost / first = {growth:.2f} "
            f"(<= {SCALING_MAX_SLOPE_GROWTH})"
        )
    else:
        log(f"{verdict(None)}  roughly linear: not enough points or no measurable growth")
    out = {
        "mode": "scaling",
        "selection": how,
        "base_files": len(files),
        "points": points,
        "marginal": slopes,
        "fit": fit,
        "linear": linear,
    }
    return out, linear is True


# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--rounds", type=int, default=3, help="timed cold rounds per tool (default 3, at least 1)")
    p.add_argument("--warm-runs", type=int, default=2, help="timed warm runs after the cache fill (default 2)")
    p.add_argument("--jobs", type=int, default=None, help="pass --jobs N to llm-audit")
    p.add_argument(
        "--llm-audit", metavar="CMD", help="llm-audit command (default: llm-audit on PATH, else `python -m auditor`)"
    )
    p.add_argument("--ruff", metavar="CMD", help="ruff command (default: ruff on PATH, else `python -m ruff`)")
    p.add_argument(
        "--cold-args",
        default=COLD_ARGS,
        metavar="ARGS",
        help=f"arguments of a cold llm-audit run, before the path (default: {COLD_ARGS!r})",
    )
    p.add_argument(
        "--warm-args",
        default=WARM_ARGS,
        metavar="ARGS",
        help=f"arguments of a warm llm-audit run, before the path (default: {WARM_ARGS!r})",
    )
    p.add_argument(
        "--ruff-args",
        default=RUFF_ARGS,
        metavar="ARGS",
        help=f"arguments of a ruff run, before the path (default: {RUFF_ARGS!r})",
    )
    p.add_argument("--json", metavar="FILE", help="write the results as JSON to FILE")
    p.add_argument("--enforce", action="store_true", help="exit 1 when a target fails or cannot be measured")
    p.add_argument("--rebuild", action="store_true", help="download and extract the corpus again")
    p.add_argument(
        "--corpus-dir",
        type=Path,
        default=DEFAULT_CORPUS_DIR,
        help="where wheels, sources and the cache live (default: benchmarks/.corpus)",
    )
    p.add_argument(
        "--rss-interval",
        type=float,
        default=0.05,
        metavar="SECONDS",
        help="memory sampling period (default 0.05; 0 = only the wait4 peak of the largest process)",
    )
    p.add_argument(
        "--corpora", nargs="+", choices=CORPORA, default=CORPORA,
        help="which corpora to measure (default: all; sdk = SDK sources, app = the generated notebook-heavy "
        "application, nb = real projects' notebooks and modules from pinned sdists)",
    )
    p.add_argument("--precommit-rounds", type=int, default=3, metavar="N", help="timed pre-commit runs on the SDK corpus (default 3; 0 = skip)")
    p.add_argument("--update-findings", action="store_true", help="store the findings of this run in the findings file")
    p.add_argument("--findings-file", type=Path, default=scenarios.FINDINGS_FILE, help="the stored finding sets (default: benchmarks/findings.json)")
    p.add_argument("--scaling", action="store_true", help="measure growth with the number of call-site files")
    p.add_argument(
        "--scaling-factors",
        type=int,
        nargs="+",
        default=[1, 2, 4],
        metavar="K",
        help="copies of the call-site files per step (default: 1 2 4)",
    )
    p.add_argument(
        "--scaling-by-imports",
        action="store_true",
        help="choose call-site files by SDK imports instead of by llm-audit's report",
    )
    p.add_argument("--keep-scaling-corpus", action="store_true", help="keep benchmarks/.corpus/scaling-*x")
    args = p.parse_args(argv)
    if args.rounds < 1 or args.warm_runs < 1:
        p.error("--rounds and --warm-runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    corpus_dir = args.corpus_dir.resolve()
    corpus_dir.mkdir(parents=True, exist_ok=True)
    corpus = build_corpus(corpus_dir, args.rebuild)
    src = corpus_dir / "src"
    appcorpus.mark_project(src)  # a repository of its own: its root is the project root
    log(f"corpus: {corpus['files']} files, {corpus['lines']} lines")
    for name, c in corpus["packages"].items():
        log(f"  {name:<16} {c['files']:>5} files {c['lines']:>8} lines")
    app_dir = corpus_dir / "app"
    app_info = build_app(corpus_dir, src, args.rebuild) if "app" in args.corpora and not args.scaling else {}
    if app_info:
        log(f"app corpus: {appcorpus.describe(app_info)} ({app_dir})")
    nb_dir = corpus_dir / nbcorpus.NAME
    nb_info: dict[str, Any] = {}
    if nbcorpus.NAME in args.corpora and not args.scaling:
        nb_info = nbcorpus.build_nb_corpus(corpus_dir, args.rebuild, mark_project=appcorpus.mark_project)
        log(f"nb corpus: {nbcorpus.describe(nb_info)} ({nb_dir})")

    tools = Tools(args, corpus_dir)
    env_info = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "ruff_cmd": shlex.join(tools.ruff),
        "llm_audit_cmd": shlex.join(tools.llm),
        "ruff_version": version_of(tools.ruff),
        "llm_audit_version": version_of(tools.llm),
    }
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()[0]
        env_info["load_avg_1min_at_start"] = load
        if load > 0.5:
            log(f"warning: 1-minute load average is {load:.2f}; other work on this machine skews the timings")
    log(f"ruff:      {env_info['ruff_cmd']} ({env_info['ruff_version']})")
    log(f"llm-audit: {env_info['llm_audit_cmd']} ({env_info['llm_audit_version']})")

    if args.scaling:
        out, ok = scaling(args, tools, corpus_dir, src)
    else:
        out, ok = {"mode": "targets"}, True
        for label in args.corpora:
            target, info = {"sdk": (src, corpus), "app": (app_dir, app_info), nbcorpus.NAME: (nb_dir, nb_info)}[label]
            res, passed = bench(args, tools, info, target, label)
            keys = scenarios.finding_keys(res.pop("_cold_stdout", None))
            cmp = scenarios.compare_findings(label, keys, args.update_findings, args.findings_file)
            res["findings"] = {k: v for k, v in cmp.items() if k not in ("missing", "new")} | {"missing": cmp["missing"][:50], "new": cmp["new"][:50]}
            if cmp["stored"]:
                log(f"findings [{label}]: {cmp['findings']} stored in {args.findings_file}")
            else:
                log(f"{verdict(cmp['pass'])}  [{label}] the same {cmp['findings']} findings as {args.findings_file.name} (missing {len(cmp['missing'])}, new {len(cmp['new'])})")
                for k in cmp["missing"][:10]:
                    log(f"      missing: {k}")
                for k in cmp["new"][:10]:
                    log(f"      new:     {k}")
            ok = ok and passed and cmp["pass"]
            if label == "sdk" and args.precommit_rounds > 0:
                res["precommit"], pc_ok = precommit_scenario(args, tools, target, keys)
                ok = ok and pc_ok
            out[label] = res
    out["environment"] = env_info
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
        log(f"\nresults written to {args.json}")
    return 1 if args.enforce and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
