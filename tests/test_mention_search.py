"""The dataflow's question "does this skipped file name what reaches a request?" asked of every
skipped file at once and answered by phase 1's kept workers (auditor/parsepool.py ``found_now``,
``Loaded.mentions().many``): the same findings as one process, only the files the main process
has no bytes of are sent, an unreadable file is left to the main process, and the answers land
in the memo a pre-commit run reads."""

from __future__ import annotations

import sys
import textwrap

import pytest
from conftest import write_tree
from test_reach_skipped_files import FILES

from auditor import parsepool
from auditor.config.policy import Policy
from auditor.engine import RunOptions, run

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers")

# parsed in phase 1 (an SDK call each): enough to start the pool with the threshold at 0
SERVICE = "import openai\n\n\ndef s{i}(q):\n    return openai.chat.completions.create(model='gpt-4o', messages=[{{'role': 'user', 'content': q}}])\n"
# skipped look-alikes: `ask` only inside longer names, or as an attribute never called
LOOKALIKE = '''\
from app.tasks import task_ask


def flask_ask_view(request):
    return task_ask(request.args) or request.ask
'''


def _tree(root) -> None:
    write_tree(root, {rel: textwrap.dedent(text) for rel, text in FILES.items()})
    write_tree(root, {f"app/svc/s{i}.py": SERVICE.format(i=i) for i in range(6)})
    write_tree(root, {f"app/views/v{i}.py": LOOKALIKE for i in range(8)})
    (root / ".git").mkdir()


def _run(root, jobs: int):
    result = run(RunOptions(paths=[root], policy=Policy.load(None, start=root), use_cache=False, jobs=jobs))
    return sorted((f.code, f.path, f.line, f.column, f.message) for f in result.findings), result


def test_the_kept_workers_search_the_skipped_files_with_the_same_findings(tmp_path, monkeypatch):
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    alone, _ = _run(tmp_path, 1)
    assert ("LA201", "app/jobs.py", 7) in {(f[0], f[1], f[2]) for f in alone}  # through the skipped helper
    assert not any(f[1].startswith(("app/views/", "app/other.py")) for f in alone)  # look-alikes stay silent
    asked: list[list[str]] = []
    answered: list[dict] = []
    real = parsepool.StreamPool.found_now

    def spy(self, items):
        asked.append(sorted(item[0] for item in items))
        got = real(self, items)
        answered.append(got)
        return got

    monkeypatch.setattr(parsepool.StreamPool, "found_now", spy)
    monkeypatch.setenv("LLM_AUDIT_PARALLEL_MIN_BYTES", "0")
    pooled, two = _run(tmp_path, 2)
    assert pooled == alone
    assert asked and "app/jobs.py" in asked[0] and "app/views/v0.py" in asked[0]
    assert not any(rel.startswith("app/svc/") for rels in asked for rel in rels)  # parsed in phase 1: never asked
    assert "llm" in answered[0]["app/helpers.py"]  # the first pass asks what calls the client's wrapper
    assert any("ask" in got.get("app/jobs.py", ()) for got in answered)  # a later one the helper's callers
    assert all(got[rel] == set() for got in answered for rel in got if rel.startswith("app/views/"))  # whole names only
    assert all(set(got) == set(rels) for got, rels in zip(answered, asked))  # every file answered by the workers


def test_found_now_leaves_out_what_it_cannot_read_and_answers_nothing_without_workers(tmp_path):
    good = tmp_path / "helpers.py"
    good.write_text("class Bot(Base):\n    def go(self):\n        return ask(self.q)\n", encoding="utf-8")
    items = [
        ("helpers.py", str(good), frozenset({"ask", "tell"}), frozenset({"Base", "Bot2"}), 60),
        ("gone.py", str(tmp_path / "gone.py"), frozenset({"ask"}), frozenset(), 10),
    ]
    pool = parsepool.StreamPool(2, 0)
    assert pool.found_now(items) == {}  # no workers: the caller searches
    assert parsepool._found_batch([item[:4] for item in items]) == [("helpers.py", {"ask", "w:Base"}), ("gone.py", None)]


AGENT = """\
from openai import OpenAI

from app.core import Base

client = OpenAI()


class Agent(Base):
    def run(self, q):
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])
"""
CORE = {
    "app/core/__init__.py": "from app.core.base import Base\n",  # a re-export: skipped
    "app/core/base.py": "class Base:\n    def ask(self, q):\n        return self.run(q)\n",  # skipped
    "app/use.py": "from app.agent import Agent\n\n\ndef go(t):\n    return Agent().ask(f'Please analyze the following data carefully: {t}')\n",
    "app/unrelated.py": "class Table:\n    def rows(self):\n        return []\n",  # referred to by nothing
}


def test_the_summaries_the_class_index_reads_are_parsed_ahead_by_the_workers(tmp_path, monkeypatch):
    write_tree(tmp_path, {"app/__init__.py": "", "app/agent.py": AGENT, **CORE})
    write_tree(tmp_path, {f"app/svc/s{i}.py": SERVICE.format(i=i) for i in range(6)})
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    alone, _ = _run(tmp_path, 1)
    ahead: list[str] = []
    real = parsepool.StreamPool.summarise_now

    def spy(self, items):
        ahead.extend(item[0] for item in items)
        return real(self, items)

    from auditor import phase1

    in_main: list[str] = []
    summarise = phase1.summarise_bytes
    monkeypatch.setattr(parsepool.StreamPool, "summarise_now", spy)
    monkeypatch.setattr(phase1, "summarise_bytes", lambda data, rel, opts: in_main.append(rel) or summarise(data, rel, opts))
    monkeypatch.setenv("LLM_AUDIT_PARALLEL_MIN_BYTES", "0")
    pooled, two = _run(tmp_path, 2)
    assert pooled == alone
    # the base's package, ahead; the module it re-exports from is known from its summary only: read when asked
    assert "app/core/__init__.py" in ahead and "app/core/__init__.py" not in in_main
    assert ahead.count("app/core/__init__.py") == 1 and in_main.count("app/core/base.py") == 1, (ahead, in_main)
    assert "app/unrelated.py" not in ahead  # nothing leads to it
    core = {f.path: f for f in two.project.facts}["app/core/__init__.py"]
    assert core.extra.get("imports", {}).get("Base") == "app.core.base.Base"  # the summary is the one read ahead


@pytest.mark.parametrize(("model", "wanted"), [("gpt-4", True), ("gpt-3.5-turbo", True), ("gpt-4o", False), ("claude-3-5-sonnet-latest", False)])
def test_a_cl100k_site_has_its_encoding_loaded_while_the_dataflow_runs(tmp_path, monkeypatch, model, wanted):
    from auditor import phase1

    write_tree(tmp_path, {f"app/svc/s{i}.py": SERVICE.format(i=i).replace("gpt-4o", model if i == 3 else "gpt-4o") for i in range(6)})
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    asked: list[str] = []
    real = phase1._prefetch_encoding
    monkeypatch.setattr(phase1, "_prefetch_encoding", lambda *name: asked.append(name[0] if name else "o200k_base") or real(*name))
    monkeypatch.setenv("LLM_AUDIT_PARALLEL_MIN_BYTES", "0")
    _run(tmp_path, 2)
    assert asked[0] == "o200k_base"  # while the workers parse
    assert ("cl100k_base" in asked) is wanted
