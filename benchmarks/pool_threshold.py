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


def timed(cmd: list[str], env: dict[str, str], cwd: Path, rounds: int) -> float:
    walls = []
    for _ in range(rounds):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        walls.append(time.perf_counter() - t)
    return statistics.median(walls)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[0.25, 0.5, 1, 1.5, 2, 4, 8], help="MB to parse per step")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--llm-audit", default=shutil.which("llm-audit") or f"{sys.executable} -m auditor")
    args = ap.parse_args()
    src = HERE / ".corpus" / "src"
    files = parsed_files(src)
    work = HERE / ".corpus" / "threshold"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    print(f"{'MB to parse':>12} {'files':>6} {'in-process':>11} {'pool':>8}  faster")
    for mb in args.sizes:
        if work.exists():
            shutil.rmtree(work)
        total, n = 0, 0
        for p in files:
            if total >= mb * 1e6:
                break
            dest = work / p.relative_to(src)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(p.read_bytes())
            total += p.stat().st_size
            n += 1
        (work / ".git").mkdir(exist_ok=True)
        cmd = args.llm_audit.split() + ["check", "--no-cache", "--exit-zero", "-j", "2", "--output-format", "json", "."]
        inproc = timed(cmd, {**env, "LLM_AUDIT_PARALLEL_MIN_BYTES": str(10**12)}, work, args.rounds)
        pool = timed(cmd, {**env, "LLM_AUDIT_PARALLEL_MIN_BYTES": "0"}, work, args.rounds)
        print(f"{total / 1e6:12.2f} {n:6d} {inproc:10.3f}s {pool:7.3f}s  {'pool' if pool < inproc else 'in-process'}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
