"""Notebooks found once phase 1's workers run are sent by path (auditor/parsepool.read_notebook_job):
a worker reads the file, parses its JSON, pre-scans the code cells and parses them - the main
process never loads the outputs. The run must find what one process finds: notebooks with LLM
calls, a notebook without any that a flow leads to (its code cells searched by the dataflow), look-alikes
that stay silent, and notebooks that are broken, empty, too large or of another language."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import notebook, write_tree
from test_parsepool import _explore, _tree

from auditor import parsepool, phase1
from auditor.config.policy import Policy
from auditor.engine import RunOptions, run

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers")


def _more(root) -> None:
    big = _explore(99)
    big["cells"][1]["source"] = ["x = 1\n"] * 60_000  # code cells over `limits.max-file-bytes` (set below)
    write_tree(root, {
        "notebooks/zz_broken.ipynb": '{"cells": [ {"cell_type": "code", "source": "x = 1"',
        "notebooks/zz_empty.ipynb": "",
        "notebooks/zz_big.ipynb": big,
        "notebooks/zz_plain.ipynb": notebook("def completion(prompt):\n    return prompt.strip()", "completion('hi')"),
        "notebooks/zz_swap.ipynb": notebook("MODEL = 'gpt-4o'", "if MODEL == 'gpt-4o':\n    print('compare')"),
        "notebooks/zz_r.ipynb": {**notebook("library(openai)"), "metadata": {"kernelspec": {"language": "R", "name": "ir"}}},
    })
    (root / ".llm-audit.yaml").write_text("limits:\n  max-file-bytes: 200000\n")


def _run(root, jobs: int):
    result = run(RunOptions(paths=[root], policy=Policy.load(None, start=root), use_cache=False, jobs=jobs))
    return sorted((f.code, f.path, f.cell, f.line, f.column, f.message) for f in result.findings), result


def test_notebooks_sent_by_path_find_what_one_process_finds(tmp_path, monkeypatch):
    _tree(tmp_path)
    _more(tmp_path)
    monkeypatch.chdir(tmp_path)
    codes: list[dict] = []
    real_loaded = phase1.Loaded

    def keep(*a, **kw):
        loaded = real_loaded(*a, **kw)
        codes.append(dict(loaded.codes))
        return loaded

    monkeypatch.setattr(phase1, "Loaded", keep)
    alone, one = _run(tmp_path, 1)
    sent: list[str] = []
    add = parsepool.StreamPool.add
    monkeypatch.setattr(parsepool.StreamPool, "add", lambda self, job, *a: (sent.append(job.raw), add(self, job, *a))[1])
    monkeypatch.setenv("LLM_AUDIT_PARALLEL_MIN_BYTES", "2000")
    pooled, two = _run(tmp_path, 2)
    by_path = [r for r in sent if r]
    assert len(by_path) >= 10 and all(r.endswith(".ipynb") for r in by_path)  # the notebooks went by path
    assert pooled == alone
    assert {k: v for k, v in one.stats.items() if k != "ms"} == {k: v for k, v in two.stats.items() if k != "ms"}
    assert codes[0] == codes[1]  # the code cells the dataflow and the swap scan search, for the same notebooks
    assert "notebooks/zz_swap.ipynb" in codes[1] and b"MODEL == 'gpt-4o'" in codes[1]["notebooks/zz_swap.ipynb"]
    assert b"outputs" not in b"".join(codes[1].values()) and b"image/png" not in b"".join(codes[1].values())
    la000 = {f[1]: f[5] for f in pooled if f[0] == "LA000"}
    assert "broken notebook JSON" in la000["notebooks/zz_broken.ipynb"]
    assert "empty notebook" in la000["notebooks/zz_empty.ipynb"]
    assert "too large" in la000["notebooks/zz_big.ipynb"]
    assert ("LA101", "notebooks/uses_wrapper.ipynb") in {f[:2] for f in pooled}  # a flow into a notebook without an SDK
    assert not any(f[1] == "notebooks/zz_plain.ipynb" for f in pooled)  # the look-alike stays silent


def test_a_notebook_job_read_in_process_when_the_pool_is_gone(tmp_path):
    from auditor.discover import SourceFile
    from auditor.engine import source_options

    path = tmp_path / "explore.ipynb"
    path.write_text(json.dumps(_explore(1)))
    opts = source_options(Policy.load(None, start=tmp_path))
    job = phase1._Job(SourceFile(path, "explore.ipynb", "notebook"), b"", "0" * 64, "s", opts, None, 0, None, 100, raw=str(path))
    facts = phase1._parse_job(job)  # what a broken pool's leftovers get
    assert [s.provider for s in facts.call_sites] == ["openai"] and facts.call_sites[0].cell == 1
    code = facts.__dict__.pop("_code")
    assert b"client.chat.completions.create" in code and b"image/png" not in code
    path.unlink()
    gone = phase1._parse_job(job)
    assert [f.code for f in gone.findings] == ["LA000"] and "cannot read" in gone.findings[0].message
