"""The worker pool starts before ``min_bytes`` are found when the bytes found so far, scaled to
all the run's files, reach it (StreamPool._on_course): a large run forks after its first ~200
files instead of after most of its pre-scan; a small run, or one whose share of code to parse
is small, never forks for that."""

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
