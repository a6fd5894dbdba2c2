#!/usr/bin/env python3
"""Where does the worker pool start to pay? (``auditor.phase1.PARALLEL_MIN_BYTES``)

Copies growing sets of the SDK corpus files that llm-audit parses (those its pre-scan lets
through) into ``benchmarks/.corpus/threshold/`` and times ``llm-audit check --no-cache -j2`` on
each, once forced in-process and once forced onto the pool (``LLM_AUDIT_PARALLEL_MIN_BYTES``).
Prints bytes to parse, the median wall time of each, and which is faster. Run
``benchmarks/run.py`` once first (it builds the corpus). Stdlib only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def parsed_files(src: Path) -> list[Path]:
    """The corpus files the pre-scan lets through (what phase 1 parses), smallest first."""
    from auditor.config.policy import Policy
    from auditor.engine import source_options

    scan = source_options(Policy.load(None, start=src)).prescanner
    return sorted((p for p in src.rglob("*.py") if scan.matches(p.read_bytes())), key=lambda p: p.stat().st_size)


def timed(cmd: list[str], env: dict[str, str], cwd: Path, rounds: int) -> tuple[float, float]:
    """Median (wall seconds, CPU seconds of the process tree)."""
    walls, cpus = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, ru = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - t)
        cpus.append(ru.ru_utime + ru.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[0.25, 0.5, 1, 1.5, 2, 4, 8], help="MB to parse per step")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--latency", type=float, default=0.05, help="pool start-up and drain latency assumed for the idle estimate (s)")
    ap.add_argument("--llm-audit", default=shutil.which("llm-audit") or f"{sys.executable} -m auditor")
    args = ap.parse_args()
    src = HERE / ".corpus" / "src"
    files = parsed_files(src)
    work = HERE / ".corpus" / "threshold"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # `idle estimate`: which wins on an idle two-core machine, from CPU seconds (which other work
    # on a busy machine inflates far less than wall time). In-process wall = F + P; pool wall =
    # F + (P + O) / 2 + L, with F the serial rest of a run (the CPU of a run with nothing to
    # parse), P = in-process CPU - F, O = pool CPU - in-process CPU, L the pool's latency.
    print(f"{'MB to parse':>12} {'files':>6} {'in-process':>18} {'pool':>18}  faster here  idle estimate")
    fixed = None
    for mb in [0.0, *args.sizes]:
        if work.exists():
            shutil.rmtree(work)
        total, n = 0, 0
        for p in files:
            if total >= mb * 1e6 and (n or mb == 0):
                break
            dest = work / p.relative_to(src)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(p.read_bytes())
            total += p.stat().st_size
            n += 1
        (work / ".git").mkdir(parents=True, exist_ok=True)
        cmd = args.llm_audit.split() + ["check", "--no-cache", "--exit-zero", "-j", "2", "--output-format", "json", "."]
        (iw, ic) = timed(cmd, {**env, "LLM_AUDIT_PARALLEL_MIN_BYTES": str(10**12)}, work, args.rounds)
        (pw, pc) = timed(cmd, {**env, "LLM_AUDIT_PARALLEL_MIN_BYTES": "0"}, work, args.rounds)
        if fixed is None:
            fixed = ic
        parse, overhead = ic - fixed, pc - ic
        idle = "pool" if parse > overhead + 2 * args.latency else "in-process"
        print(f"{total / 1e6:12.2f} {n:6d} {iw:7.3f}s/{ic:6.3f}cpu {pw:7.3f}s/{pc:6.3f}cpu  {'pool' if pw < iw else 'in-process':11}  {idle}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
