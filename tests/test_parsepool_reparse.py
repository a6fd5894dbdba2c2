"""The skipped files a flow leads to (unbound SDK imports: a logger, types) are read again by
phase 1's workers, kept alive for it (auditor/parsepool.py ``parse_now``): the same findings as
one process, the pool shut down once the dataflow is done, and a worker crash on such a file
costs that file only."""

from __future__ import annotations

import os
import sys

import pytest
from conftest import write_tree
from test_prescan_unbound import FILES

from auditor import parsepool, phase1
from auditor.config.policy import Policy
from auditor.engine import RunOptions, run

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers")

FILLER = '''\
"""A module with no model in it: enough of them to start the pool."""


def total(rows):
    return sum(r["amount"] for r in rows)
'''


def _tree(root) -> None:
    import textwrap

    write_tree(root, {rel: textwrap.dedent(text) for rel, text in FILES.items()})
    # parsed in phase 1 (an SDK call each): what starts the pool
    write_tree(root, {f"app/svc/s{i}.py": f"import openai\n\n\ndef s{i}(q):\n    return openai.chat.completions.create(model='gpt-4o', messages=[{{'role': 'user', 'content': q}}])\n" for i in range(6)})
    write_tree(root, {f"app/plain/p{i}.py": FILLER for i in range(10)})
    (root / ".git").mkdir()


def _run(root, jobs: int):
    result = run(RunOptions(paths=[root], policy=Policy.load(None, start=root), use_cache=False, jobs=jobs))
    return sorted((f.code, f.path, f.line, f.column, f.message) for f in result.findings), result


def _spy(monkeypatch) -> tuple[list, list]:
    sent: list = []
    pools: list = []
    parse_now, results = parsepool.StreamPool.parse_now, parsepool.StreamPool.results

    def spy_parse(self, jobs):
        sent.append((self.started, sorted(j.sf.rel for j in jobs)))
        return parse_now(self, jobs)

    def spy_results(self, keep=False):
        pools.append(self)
        return results(self, keep)

    monkeypatch.setattr(parsepool.StreamPool, "parse_now", spy_parse)
    monkeypatch.setattr(parsepool.StreamPool, "results", spy_results)
    return sent, pools


def test_the_kept_workers_read_the_unbound_files_a_flow_leads_to(tmp_path, monkeypatch):
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    alone, one = _run(tmp_path, 1)
    assert {(f[0], f[1], f[2]) for f in alone if f[0] == "LA201"} == {("LA201", "app/handlers.py", 11), ("LA201", "app/jobs.py", 10)}
    assert not any(f[1] == "app/lookalike.py" or f[1].startswith("app/plain/") for f in alone)  # look-alikes stay silent
    sent, pools = _spy(monkeypatch)
    monkeypatch.setenv("LLM_AUDIT_PARALLEL_MIN_BYTES", "0")
    pooled, two = _run(tmp_path, 2)
    assert pooled == alone
    # the files the flows lead to went to the workers still running, and only those
    assert sent and all(started for started, _ in sent)
    assert {rel for _, rels in sent for rel in rels} == {"app/jobs.py", "app/handlers.py"}
    now = {f.path: f for f in two.project.facts}
    assert not now["app/jobs.py"].extra.get("skipped") and now["app/lookalike.py"].extra.get("skipped")
    assert pools and all(p.pool is None for p in pools)  # shut down once the dataflow is done


def test_without_a_pool_they_are_read_in_this_process(tmp_path, monkeypatch):
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    sent, pools = _spy(monkeypatch)
    found, _ = _run(tmp_path, 1)
    assert sent == [] and pools and not pools[0].started  # one job at a time: never forked, nothing kept
    assert {(f[1], f[2]) for f in found if f[0] == "LA201"} == {("app/handlers.py", 11), ("app/jobs.py", 10)}


def test_a_worker_crash_on_a_file_read_again_costs_that_file_only(tmp_path, monkeypatch):
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    real = phase1.parse_bytes
    from auditor.analysis import filebytes

    parent = os.getpid()

    def crashing(data, rel, *a, **kw):
        if rel == "app/jobs.py" and os.getpid() != parent:
            os._exit(70)  # a C-level stack overflow, seen from outside: the worker is gone
        return real(data, rel, *a, **kw)

    monkeypatch.setattr(filebytes, "parse_bytes", crashing)  # what the workers call
    monkeypatch.setattr(phase1, "parse_bytes", crashing)  # and the isolated retry
    monkeypatch.setenv("LLM_AUDIT_PARALLEL_MIN_BYTES", "0")
    sent, pools = _spy(monkeypatch)
    found, result = _run(tmp_path, 2)
    assert sent  # it went to the workers
    # the file that crashed stays as phase 1 left it (skipped, no finding); the rest as ever
    assert {(f[1], f[2]) for f in found if f[0] == "LA201"} == {("app/handlers.py", 11)}
    assert {f.path: f for f in result.project.facts}["app/jobs.py"].extra.get("skipped")
    assert all(p.pool is None for p in pools)
