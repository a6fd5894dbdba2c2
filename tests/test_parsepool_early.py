"""The worker pool starts before ``min_bytes`` are found when the bytes found so far, scaled to
all the run's files, reach it (StreamPool._on_course): a large run forks after its first ~200
files instead of after most of its pre-scan; a small run, or one whose share of code to parse
is small, never forks for that. And a cl100k_base model seen in a batch that came back has
that encoding loaded while the rest is awaited."""

from __future__ import annotations

import sys

import pytest
from test_parsepool import _job

from auditor import parsepool

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers")


def test_a_large_run_forks_on_course(tmp_path):
    (tmp_path / ".git").mkdir()
    pool = parsepool.StreamPool(2, 100_000, files=2_000)
    pool.add(_job(tmp_path, "a.py", 12_000), scanned=150)  # too few files scanned to speak for the rest
    assert not pool.started
    pool.add(_job(tmp_path, "b.py", 12_000), scanned=240)  # ~24 KB in 240 files: ~200 KB in 2,000
    assert pool.started and not pool.waiting
    pool.add(_job(tmp_path, "c.py", 1_000), scanned=300)
    facts = pool.results()
    assert sorted(f.path for f in facts) == ["a.py", "b.py", "c.py"] and all(len(f.call_sites) == 1 for f in facts)


def test_a_small_share_or_an_unknown_run_waits_for_min_bytes(tmp_path):
    (tmp_path / ".git").mkdir()
    sparse = parsepool.StreamPool(2, 100_000, files=2_000)
    sparse.add(_job(tmp_path, "a.py", 21_000), scanned=1_000)  # ~21 KB in 1,000 files: ~42 KB in 2,000
    assert not sparse.started
    few = parsepool.StreamPool(2, 100_000, files=2_000)
    few.add(_job(tmp_path, "b.py", 10_000), scanned=200)  # on course, but under 1/5 of min_bytes found
    assert not few.started
    unknown = parsepool.StreamPool(2, 100_000)  # no file count: only min_bytes starts it
    unknown.add(_job(tmp_path, "c.py", 50_000), scanned=400)
    assert not unknown.started
    unknown.add(_job(tmp_path, "d.py", 60_000), scanned=401)
    assert unknown.started
    one = parsepool.StreamPool(1, 0, files=2_000)  # one job at a time: never a pool
    one.add(_job(tmp_path, "e.py", 200_000), scanned=300)
    assert not one.started
    for p in (sparse, few, unknown, one):
        assert len(p.results()) >= 1


def _model_job(tmp_path, rel: str, model: str):
    job = _job(tmp_path, rel, 10)
    job.data = job.data.replace(b"'gpt-4o'", repr(model).encode())
    job.size = len(job.data)
    return job


@pytest.mark.parametrize(("models", "cl100k"), [(["gpt-4o", "gpt-4"], True), (["gpt-4o", "o3-mini"], False)])
def test_cl100k_is_loaded_while_the_results_are_awaited(tmp_path, monkeypatch, models, cl100k):
    """A gpt-4 site (counted with cl100k_base) in a batch that came back starts that encoding's
    load then - in the wait for the other batches - not later while the dataflow runs."""
    from auditor import phase1

    (tmp_path / ".git").mkdir()
    loads: list[str] = []
    monkeypatch.setattr(phase1, "_prefetch_encoding", lambda name="o200k_base": loads.append(name))
    pool = parsepool.StreamPool(2, 0)
    pool.BATCH_BYTES = 1  # each job its own batch
    for i, model in enumerate(models):
        pool.add(_model_job(tmp_path, f"m{i}.py", model))
    facts = pool.results()
    assert sorted(s.model_name for f in facts for s in f.call_sites) == sorted(models)
    assert loads == (["o200k_base", "cl100k_base"] if cl100k else ["o200k_base"])
