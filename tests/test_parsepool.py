"""Phase 1's parsing streamed to forked workers while the pre-scan runs (auditor/parsepool.py):
the same findings as an in-process run (notebooks sent without their outputs, files under a
nested policy with their own settings), a worker crash costs one file, and under the threshold
nothing is forked."""

from __future__ import annotations

import base64
import os
import random
import sys

import pytest
from conftest import notebook, write_tree

from auditor import parsepool, phase1
from auditor.config.policy import Policy
from auditor.engine import RunOptions, run

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers")

CLIENT = '''\
"""The app's one wrapper around the SDK."""
from openai import OpenAI

from app.prompts import SYSTEM_PROMPT

client = OpenAI()


def ask(question: str, **params) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": question}],
        **params,
    )
    return resp.choices[0].message.content
'''

PROMPTS = '''\
SYSTEM_PROMPT = """You are a helpful assistant. Please make sure to answer in a concise way.
It is very important that you only use the data you are given."""
'''

SERVICE = '''\
import litellm


async def triage_{i}(ticket: str) -> str:
    resp = await litellm.acompletion(model="gpt-4o-mini", messages=[{{"role": "user", "content": "Classify: " + ticket}}])
    return resp.choices[0].message.content
'''

PLAIN = '''\
"""Nothing to do with a model: a look-alike that names `completion` and `prompt`."""


def completion(prompt: str) -> str:
    return prompt.strip()
'''


def _png(n: int) -> str:
    return base64.b64encode(b"\x89PNG\r\n\x1a\n" + random.Random(n).randbytes(n)).decode()


def _explore(i: int) -> dict:
    nb = notebook(
        "import pandas as pd\nfrom openai import OpenAI\nclient = OpenAI()\ndf = pd.read_csv('sales.csv')",
        f"resp = client.chat.completions.create(model='gpt-4o', messages=[{{'role': 'user', 'content': 'Summarise: ' + df.to_csv()}}])  # cell {i}",
        "df.plot()",
    )
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    code[0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["client.chat.completions.create(model='gpt-4o')\n"]}]
    code[2]["outputs"] = [{"output_type": "display_data", "metadata": {}, "data": {"image/png": _png(40_000), "text/plain": ["<Figure>"]}}]
    return nb


def _tree(root) -> None:
    files: dict = {"app/__init__.py": "", "app/client.py": CLIENT, "app/prompts.py": PROMPTS}
    files.update({f"app/services/s{i}.py": SERVICE.format(i=i) for i in range(12)})
    files.update({f"app/plain/p{i}.py": PLAIN for i in range(20)})
    files.update({f"notebooks/explore_{i}.ipynb": _explore(i) for i in range(6)})
    files["notebooks/uses_wrapper.ipynb"] = notebook("from app.client import ask", "ask('What sold best?', temperature=0)")
    # a nested policy: its files are parsed under their own settings, sent with their jobs
    files["legacy/.llm-audit.yaml"] = "prompt-names: ['*TEMPLATE*']\n"
    files["legacy/old.py"] = "import openai\nGREETING_TEMPLATE = 'Please kindly say hello to {name} in a very concise way.'\nopenai.chat.completions.create(model='gpt-4o', messages=[{'role': 'user', 'content': GREETING_TEMPLATE}])\n"
    write_tree(root, files)
    (root / ".git").mkdir()


def _run(root, jobs: int):
    result = run(RunOptions(paths=[root], policy=Policy.load(None, start=root), use_cache=False, jobs=jobs))
    return sorted((f.code, f.path, f.cell, f.line, f.column, f.message) for f in result.findings), result


def test_the_streamed_pool_finds_what_one_process_finds(tmp_path, monkeypatch):
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    alone, one = _run(tmp_path, 1)
    started = []
    start = parsepool.StreamPool._start
    monkeypatch.setattr(parsepool.StreamPool, "_start", lambda self: (started.append(len(self.waiting)), start(self))[1])
    monkeypatch.setenv("LLM_AUDIT_PARALLEL_MIN_BYTES", "2000")  # forked after a few files, the rest streamed
    pooled, two = _run(tmp_path, 2)
    assert started and started[0] < two.stats["parsed"]  # jobs were sent after the workers started
    assert pooled == alone
    # the wrapper's finding at its caller in a notebook, the notebooks' own calls, the nested policy's prompt name
    assert {f[1] for f in alone if f[0] == "LA101"} >= {"notebooks/uses_wrapper.ipynb", "notebooks/explore_0.ipynb", "legacy/old.py"}
    assert ("LA201", "legacy/old.py", None, 2) in {f[:4] for f in pooled}
    assert not any(f[1].startswith("app/plain/") for f in alone)  # the look-alikes stay silent
    # the notebooks' cells and lines survive the trip without their outputs
    assert {(f[1], f[2]) for f in pooled if f[1] == "notebooks/explore_3.ipynb" and f[0] == "LA101"} == {("notebooks/explore_3.ipynb", 1)}
    assert {k: v for k, v in one.stats.items() if k != "ms"} == {k: v for k, v in two.stats.items() if k != "ms"}


def test_a_crashed_worker_costs_its_file_only(tmp_path, monkeypatch):
    _tree(tmp_path)
    write_tree(tmp_path, {"app/aaa_crash.py": "import openai\nopenai.chat.completions.create(model='gpt-4o', messages=[])\n"})
    monkeypatch.chdir(tmp_path)
    real = phase1.parse_bytes
    from auditor.analysis import filebytes

    def crashing(data, rel, *a, **kw):
        if rel == "app/aaa_crash.py" and os.getpid() != parent:
            os._exit(70)  # what a C-level stack overflow looks like from outside: the worker is gone
        return real(data, rel, *a, **kw)

    parent = os.getpid()
    monkeypatch.setattr(filebytes, "parse_bytes", crashing)  # what the forked workers call
    monkeypatch.setattr(phase1, "parse_bytes", crashing)  # and the isolated retry
    monkeypatch.setenv("LLM_AUDIT_PARALLEL_MIN_BYTES", "0")
    found, result = _run(tmp_path, 2)
    crashed = [f for f in found if f[1] == "app/aaa_crash.py"]
    assert [f[0] for f in crashed] == ["LA000"] and "crashed" in crashed[0][5]
    monkeypatch.setattr(filebytes, "parse_bytes", real)
    monkeypatch.setattr(phase1, "parse_bytes", real)
    (tmp_path / "app/aaa_crash.py").unlink()
    monkeypatch.delenv("LLM_AUDIT_PARALLEL_MIN_BYTES")
    alone, _ = _run(tmp_path, 1)
    assert [f for f in found if f[1] != "app/aaa_crash.py"] == alone  # every other file as without it


def _job(tmp_path, rel: str, size: int) -> phase1._Job:
    from auditor.discover import SourceFile
    from auditor.engine import source_options

    opts = source_options(Policy.load(None, start=tmp_path))
    data = b"import openai\nopenai.chat.completions.create(model='gpt-4o', messages=[])\n" + b"#" * size
    return phase1._Job(SourceFile(tmp_path / rel, rel, "python"), data, "0" * 64, "s", opts, None, 0, None, len(data))


def test_under_the_threshold_nothing_is_forked(tmp_path):
    (tmp_path / ".git").mkdir()
    pool = parsepool.StreamPool(2, 50_000)
    for i in range(4):
        pool.add(_job(tmp_path, f"m{i}.py", 10_000))
    assert not pool.started
    facts = pool.results()
    assert sorted(f.path for f in facts) == [f"m{i}.py" for i in range(4)] and all(len(f.call_sites) == 1 for f in facts)
    one = parsepool.StreamPool(1, 0)  # one job at a time: never a pool, whatever the bytes
    one.add(_job(tmp_path, "big.py", 200_000))
    assert not one.started and len(one.results()) == 1


def test_crossing_the_threshold_forks_and_streams_the_rest(tmp_path):
    (tmp_path / ".git").mkdir()
    pool = parsepool.StreamPool(2, 25_000)
    pool.BATCH_BYTES = 1  # each job its own batch
    pool.add(_job(tmp_path, "a.py", 10_000))
    pool.add(_job(tmp_path, "b.py", 10_000))
    assert not pool.started
    pool.add(_job(tmp_path, "c.py", 10_000))
    assert pool.started and not pool.waiting and len(pool.sent) == 3
    pool.add(_job(tmp_path, "d.py", 10_000))
    assert len(pool.sent) == 4  # sent as soon as it is found
    facts = pool.results()
    assert sorted(f.path for f in facts) == ["a.py", "b.py", "c.py", "d.py"] and all(len(f.call_sites) == 1 for f in facts)


def test_a_notebook_travels_without_its_outputs():
    nb = _explore(0)
    slim = parsepool.slim_notebook(nb)
    assert [c.get("source") for c in slim["cells"]] == [c.get("source") for c in nb["cells"]]
    assert [c["cell_type"] for c in slim["cells"]] == [c["cell_type"] for c in nb["cells"]]
    assert slim["metadata"] == nb["metadata"] and not any("outputs" in c for c in slim["cells"])
    assert any("outputs" in c for c in nb["cells"])  # the notebook read is left as it was


def test_small_jobs_travel_together(tmp_path):
    (tmp_path / ".git").mkdir()
    pool = parsepool.StreamPool(2, 0)
    for i in range(5):
        pool.add(_job(tmp_path, f"m{i}.py", 20_000))  # ~100 KB in all: under one batch
    pool.add(_job(tmp_path, "big.py", 300_000))  # over a batch on its own: sent with those before it
    pool.add(_job(tmp_path, "last.py", 1_000))
    assert pool.started and len(pool.sent) == 1 and [j.sf.rel for j in pool.batch] == ["last.py"]
    facts = pool.results()  # the last, partial batch is sent too
    assert sorted(f.path for f in facts) == sorted([f"m{i}.py" for i in range(5)] + ["big.py", "last.py"])
    assert len(pool.sent) == 2
