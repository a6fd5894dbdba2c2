"""Shared fixtures: write a small project into tmp_path and run llm-audit on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 21)
# a policy that asks LA403 for every name the catalog lacks, not only typos (the rule's `uncatalogued` param)
LA403_GAPS = "params:\n  LA403:\n    uncatalogued: report\n"


def write_tree(root: Path, files: dict[str, str | bytes | dict]) -> None:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        elif isinstance(content, dict):
            p.write_text(json.dumps(content, indent=1), encoding="utf-8")
        else:
            p.write_text(textwrap.dedent(content), encoding="utf-8")


def notebook(*cells: str, markdown_first: bool = True) -> dict:
    """An nbformat 4.5 notebook with these code cells."""
    out = []
    if markdown_first:
        out.append({"cell_type": "markdown", "id": "md0", "metadata": {}, "source": ["# Notes\n"]})
    for i, src in enumerate(cells):
        src = textwrap.dedent(src)
        out.append({
            "cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None, "outputs": [],
            "source": src.splitlines(keepends=True),
        })
    return {
        "cells": out,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    }


def run_engine(root: Path, paths: list[str] | None = None, select: list[str] | None = None, policy_file: Path | None = None, today: date = TODAY):
    from auditor.engine import RunOptions, run
    from auditor.config.policy import Policy

    policy = Policy.load(policy_file, start=root)
    if select is not None:
        policy.cli_select = select
    opts = RunOptions(paths=[root / p for p in (paths or ["."])], policy=policy, use_cache=False, jobs=1, today=today)
    return run(opts)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """project(files, select=None) -> RunResult for a tree written into tmp_path."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # stop policy search at the project root

    def make(files: dict, select: list[str] | None = None, policy: str | None = None, today: date = TODAY):
        write_tree(tmp_path, files)
        if policy is not None:
            (tmp_path / ".llm-audit.yaml").write_text(textwrap.dedent(policy), encoding="utf-8")
        return run_engine(tmp_path, select=select, today=today)

    make.root = tmp_path
    return make


def codes(result) -> list[str]:
    return [f.code for f in result.findings]


def cli(*args: str, cwd: Path, input: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the installed command the way a user does."""
    exe = Path(sys.executable).parent / "llm-audit"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "auditor"]
    full_env = {**os.environ, "LLM_AUDIT_CACHE_DIR": str(cwd / ".cache-test"), **(env or {})}
    return subprocess.run(cmd + list(args), cwd=cwd, input=input, capture_output=True, text=True, env=full_env, timeout=300)
