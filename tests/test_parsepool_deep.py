"""Two more kinds of work for phase 1's kept workers (auditor/parsepool.py): the dataflow's deep
re-reads of notebooks whose calls reach a request (``Loaded.reanalyser`` ``many``, before in the
main process only), and YAML configuration files that mention a model (``StreamPool.takes_file``,
read by path like notebooks). The run must find what one process finds: a wrapper's finding at its
caller in a notebook, a retired model in a LiteLLM proxy config; a notebook that calls nothing
reaching a request is not read again, and a VCR cassette's request body stays silent."""

from __future__ import annotations

import sys
from datetime import date

import pytest
from conftest import notebook, write_tree
from test_parsepool import _tree

from auditor import parsepool
from auditor.config.policy import Policy
from auditor.engine import RunOptions, run

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers")

PROXY = (
    "model_list:\n"
    "  - model_name: fast\n"
    "    litellm_params:\n"
    "      model: gpt-4\n"
    "      api_key: os.environ/OPENAI_API_KEY\n"
    "  - model_name: smart\n"
    "    litellm_params:\n"
    "      model: openai/gpt-4o-mini\n"
    "litellm_settings:\n"
    + "".join(f"  # team {i}: limits agreed with finance\n  team_{i}_max_budget: {100 + i}\n  team_{i}_budget_duration: 30d\n" for i in range(60))
)  # over StreamPool.CONFIG_BYTES

CASSETTE = "interactions:\n" + "".join(
    f"- request:\n    body: '{{\"messages\": [{{\"role\": \"user\", \"content\": \"q{i}\"}}], \"model\": \"gpt-4-0613\"}}'\n    method: POST\n    uri: https://api.openai.com/v1/chat/completions\n  response:\n    status:\n      code: 200\n"
    for i in range(40)
)


def _more(root) -> None:
    write_tree(root, {
        "notebooks/report.ipynb": notebook("from app.client import ask\nrows = open('sales.csv').read()", "summary = ask('Summarise these sales: ' + rows)"),
        "notebooks/plots.ipynb": notebook("import pandas as pd\ndf = pd.read_csv('sales.csv')", "df.plot()"),
        "deploy/proxy_config.yaml": PROXY,
        "tests/cassettes/test_chat.yaml": CASSETTE,
    })


def _run(root, jobs: int):
    result = run(RunOptions(paths=[root], policy=Policy.load(None, start=root), use_cache=False, jobs=jobs, today=date(2026, 12, 1)))
    return sorted((f.code, f.path, f.cell, f.line, f.column, f.message) for f in result.findings), result


def test_notebooks_read_again_and_yaml_configs_go_to_the_workers(tmp_path, monkeypatch):
    _tree(tmp_path)
    _more(tmp_path)
    monkeypatch.chdir(tmp_path)
    alone, _ = _run(tmp_path, 1)
    by_path: list[str] = []
    deep: list[str] = []
    add, parse_now = parsepool.StreamPool.add, parsepool.StreamPool.parse_now
    monkeypatch.setattr(parsepool.StreamPool, "add", lambda self, job, *a: (by_path.append(job.raw), add(self, job, *a))[1])
    monkeypatch.setattr(parsepool.StreamPool, "parse_now", lambda self, jobs: (deep.extend(j.sf.rel for j in jobs if self.started), parse_now(self, jobs))[1])
    monkeypatch.setenv("LLM_AUDIT_PARALLEL_MIN_BYTES", "2000")
    pooled, _ = _run(tmp_path, 2)
    assert pooled == alone
    # the notebook whose call reaches a request was read again by a worker; the one that reaches none was not
    assert "notebooks/report.ipynb" in deep and "notebooks/plots.ipynb" not in deep
    assert ("LA101", "notebooks/report.ipynb") in {f[:2] for f in pooled}
    # both YAML files went by path; the proxy's retired model is reported there, the cassette stays silent
    assert {r.rsplit("/", 2)[-1] for r in by_path if r.endswith(".yaml")} == {"proxy_config.yaml", "test_chat.yaml"}
    assert {(f[0], f[1], f[3]) for f in pooled if f[1].endswith(".yaml")} == {("LA402", "deploy/proxy_config.yaml", 4), ("LA402", "deploy/proxy_config.yaml", 8)}


def test_the_workers_exit_before_the_deriver_runs_with_the_same_findings(tmp_path, monkeypatch):
    _tree(tmp_path)
    _more(tmp_path)
    monkeypatch.chdir(tmp_path)
    alone, _ = _run(tmp_path, 1)
    from auditor.analysis import reach

    events: list[str] = []
    close, derive = parsepool.StreamPool.close, reach.Deriver.run
    monkeypatch.setattr(parsepool.StreamPool, "close", lambda self: (events.append("close" if self.pool is not None else "idle"), close(self))[1])
    monkeypatch.setattr(reach.Deriver, "run", lambda self: (events.append("derive"), derive(self))[1])
    monkeypatch.setenv("LLM_AUDIT_PARALLEL_MIN_BYTES", "2000")
    pooled, _ = _run(tmp_path, 2)
    assert pooled == alone
    assert "close" in events and events.index("close") < events.index("derive")  # no worker alive while the Deriver runs
