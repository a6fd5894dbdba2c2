"""Time budgets hold in every thread and in phase 2: a file or a rule that runs past its budget
is stopped and named in an LA000, the run goes on, and nothing is left behind in the thread.

The language server runs the engine in a worker thread, where no signal can be used; these
tests go through that code path (``Projects.analyse`` from an executor, as ``server/app.py``
calls it, and the real server over stdio)."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import TODAY, run_engine, write_tree  # noqa: E402

from auditor.sources.budget import FileBudgetExceeded, run_within  # noqa: E402

CALLS = "\n".join(f"r{i} = client.chat.completions.create(model='gpt-4o', messages=[])" for i in range(6000))
BIG = "from openai import OpenAI\nclient = OpenAI()\n" + CALLS + "\n"
SMALL = "import litellm\nlitellm.completion(model='gpt-4o', messages=[])\n"


def spin(seconds: float) -> int:
    """Pure-Python work for ``seconds`` (a hang, when long enough)."""
    end, n = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        n += 1
    return n


def in_thread(fn, *args):
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine") as pool:
        return pool.submit(fn, *args).result(timeout=120)


# ---------------------------------------------------------------- the mechanism
@pytest.mark.parametrize("where", ["main", "thread"])
def test_a_busy_loop_is_stopped_and_the_thread_goes_on(where):
    def scenario():
        t0 = time.monotonic()
        done, value = run_within(0.1, spin, 60)
        stopped_after = time.monotonic() - t0
        for _ in range(200):  # budgets that end before their deadline leave nothing pending
            assert run_within(0.05, spin, 0.0005)[0]
        finished = spin(0.3)  # no stray exception afterwards
        return done, value, stopped_after, finished, threading.current_thread() is threading.main_thread()

    done, value, stopped_after, finished, on_main = scenario() if where == "main" else in_thread(scenario)
    assert on_main == (where == "main")
    assert (done, value) == (False, None) and stopped_after < 5 and finished > 0


@pytest.mark.parametrize("where", ["main", "thread"])
def test_budgets_nest(where):
    def scenario():
        inner_first = run_within(5, run_within, 0.05, spin, 60)  # the inner one runs out: the outer goes on
        try:
            run_within(0.05, run_within, 30, spin, 60)  # the outer one runs out inside the inner
            outer = "not stopped"
        except FileBudgetExceeded:
            outer = "raised past the outer budget"
        outer_first = run_within(0.05, lambda: (run_within(30, spin, 60), spin(60)))
        return inner_first, outer, outer_first

    inner_first, outer, outer_first = scenario() if where == "main" else in_thread(scenario)
    assert inner_first == (True, (False, None))
    assert outer == "not stopped"
    assert outer_first == (False, None)


def test_many_threads_with_short_budgets_leak_nothing():
    def worker(k):
        stopped = 0
        for i in range(300):
            done, _ = run_within(0.002, spin, 0.004 if (i + k) % 3 == 0 else 0.0)
            stopped += not done
        spin(0.2)  # raises if an exception were still pending
        return stopped

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(worker, range(3)))
    assert all(r > 0 for r in results)


# ---------------------------------------------------------------- phase 1 off the main thread
def _project(tmp_path: Path, policy: str) -> Path:
    write_tree(tmp_path, {"big.py": BIG, "small.py": SMALL, ".llm-audit.yaml": policy})
    (tmp_path / ".git").mkdir()
    return tmp_path


def _analyse_as_the_server_does(root: Path):
    from auditor.config.policy import Policy
    from auditor.server.projects import Projects

    policy = Policy.load(None, start=root)
    return in_thread(Projects().analyse, policy, [], TODAY)  # no unsaved buffers: the files on disk


def test_file_budget_holds_in_the_servers_engine_thread(tmp_path):
    root = _project(tmp_path, "limits:\n  max-file-seconds: 0.5\n")
    t0 = time.monotonic()
    analysis = _analyse_as_the_server_does(root)
    assert time.monotonic() - t0 < 60
    big = analysis.findings.get("big.py", [])
    assert [f.code for f in big] == ["LA000"] and "max-file-seconds" in big[0].message
    assert "LA101" in [f.code for f in analysis.findings.get("small.py", [])]


def test_the_real_server_reports_a_file_over_its_budget(tmp_path):
    from lsp_editor import Editor, codes

    root = _project(tmp_path, "limits:\n  max-file-seconds: 0.5\n")

    async def scenario():
        async with Editor(root) as ed:
            big = ed.open("big.py")
            diags = await ed.diagnostics(big, lambda ds: "LA000" in codes(ds), timeout=60)
            assert any("max-file-seconds" in d.message for d in diags)
            small = ed.open("small.py")
            assert "LA101" in codes(await ed.diagnostics(small, lambda ds: "LA101" in codes(ds), timeout=60))
            assert ed.alive

    asyncio.run(asyncio.wait_for(scenario(), 120))


# ---------------------------------------------------------------- phase 2
class _Rule:
    code, name, severity = "LA999", "endless-check", "warning"


class _Subject:
    def __init__(self, path: str):
        self.path = path


@pytest.mark.parametrize("where", ["main", "thread"])
def test_a_rule_that_never_ends_is_stopped_naming_it_and_the_file(where):
    from auditor.checks.limits import run_rule
    from auditor.findings import Finding

    def check(subject, ctx):
        if subject.path == "b.py":
            spin(600)  # a pathological input: this would hang the run
        yield Finding("LA999", "endless-check", "warning", "seen", subject.path, 1, 1, 1, 1)

    def scenario():
        findings, notes = [], []
        done = run_rule(_Rule, check, [_Subject("a.py"), _Subject("b.py"), _Subject("c.py")], None, "warning", False, 0.2, findings, notes)
        return done, findings, notes

    t0 = time.monotonic()
    done, findings, notes = scenario() if where == "main" else in_thread(scenario)
    assert time.monotonic() - t0 < 30
    assert done is False
    assert [(f.code, f.path) for f in findings] == [("LA999", "a.py"), ("LA000", "b.py")]  # kept up to the cut
    assert "LA999 endless-check" in findings[1].message and "max-check-seconds" in findings[1].message and "b.py" in findings[1].message
    assert notes == [findings[1].message]


def _many_sites(tmp_path: Path, policy: str) -> Path:
    files = {f"svc/m{i}.py": "import litellm\n" + "".join(f"litellm.completion(model='gpt-4o', messages=[{{'role': 'user', 'content': 'q{j}'}}])\n" for j in range(100)) for i in range(20)}
    write_tree(tmp_path, {**files, ".llm-audit.yaml": policy})
    (tmp_path / ".git").mkdir()
    return tmp_path


@pytest.mark.parametrize("where", ["main", "thread"])
def test_phase2_rules_over_their_budget_are_cut_and_the_run_ends(tmp_path, where):
    root = _many_sites(tmp_path, "limits:\n  max-check-seconds: 0.001\n")
    result = run_engine(root) if where == "main" else in_thread(run_engine, root)
    cut = [f for f in result.findings if f.code == "LA000" and "max-check-seconds" in f.message]
    assert cut, "2,000 call sites: some rule takes over 1 ms"
    assert all(f.path.startswith("svc/") or f.path == "<project>" for f in cut)
    assert {n for n in result.notes if "max-check-seconds" in n} == {f.message for f in cut}
    # with the default budget, no rule is cut and every call site gets its LA101
    full = _many_sites(tmp_path / "full", "limits:\n  max-check-seconds: 60\n")
    whole = run_engine(full)
    assert not [f for f in whole.findings if f.code == "LA000"]
    assert len([f for f in whole.findings if f.code == "LA101"]) == 2000


def test_check_budget_is_a_policy_value():
    from auditor.config.policy import PolicyError, validate

    with pytest.raises(PolicyError, match="must be more than 0"):
        validate({"limits": {"max-check-seconds": 0}}, None, "p.yaml")
    with pytest.raises(PolicyError):
        validate({"limits": {"max-check-seconds": "soon"}}, None, "p.yaml")
    validate({"limits": {"max-check-seconds": 2.5}}, None, "p.yaml")
