"""LA301 raw-dataframe-in-prompt and LA302 identifier-columns-in-prompt on scripts, wrappers and notebooks."""

from __future__ import annotations

import json
import shutil

import pytest

from auditor.fix.apply import FixReport, fix_file
from auditor.fix.edits import parses
from auditor.cost.tokens import count_tokens
from conftest import REPO, codes, notebook, run_engine

CSV = "review_id,customer_email,product,rating,text\n" + "".join(
    f"R-{1000 + i},user{i}@example.com,Kettle {i % 4},{i % 5 + 1},Arrived on day {i % 9 + 1}; works as described.\n" for i in range(120)
)


def script(render: str, pre: str = "") -> str:
    return f"""\
import json

import pandas as pd
import polars as pl
from openai import OpenAI

client = OpenAI()
df = pd.read_csv("data/reviews.csv")
{pre}

resp = client.chat.completions.create(
    model="gpt-4o-mini",
    messages=[{{"role": "user", "content": f"Summarize these reviews:\\n{{{render}}}"}}],
    max_tokens=300,
)
"""


@pytest.mark.parametrize(
    "render",
    ["df.to_csv(index=False)", "df.to_string()", "df", "str(df)", "json.dumps(df.to_dict(orient='records'))", "df.to_markdown()", "df['text'].to_list()", "df.dropna().to_json()"],
)
def test_la301_whole_frame_renders(project, render):
    r = project({"app.py": script(render)}, select=["LA301"])
    [f] = r.findings
    assert f.line == 13 and f.fix is not None and f.fix.applicability == "unsafe"


@pytest.mark.parametrize(
    "render",
    [
        "df.head(20).to_csv()", "df.dtypes", "df.describe()", "df.sample(5).to_string()", "df.columns.tolist()", "df.shape",
        "df.iloc[:10].to_markdown()", "df.nlargest(5, 'rating').to_string()", "by_product.to_string()", "df['rating'].mean()",
        "df.groupby('product').size().to_string()", "len(df)",
    ],
)
def test_la301_bounded_forms_do_not_fire(project, render):
    pre = 'by_product = df.groupby("product")["rating"].agg(["mean", "count"]).round(2)'
    assert codes(project({"app.py": script(render, pre)}, select=["LA301"])) == []


def test_la301_fix_bounds_the_frame_and_parses(project):
    r = project({"app.py": script("df.to_csv(index=False)")}, select=["LA301"])
    fix_file(project.root, "app.py", "python", r.findings, write=True, report=FixReport())
    text = (project.root / "app.py").read_text()
    assert "{df.head(20).to_csv(index=False)}" in text and parses(text) is None
    assert codes(project({}, select=["LA301"])) == []


def test_la301_savings_from_the_literal_csv_in_the_tree(project):
    r = project({"app.py": script("df.to_csv(index=False)"), "data/reviews.csv": CSV}, select=["LA301"])
    [f] = r.findings
    whole = count_tokens(CSV).tokens
    head = count_tokens("\n".join(CSV.splitlines()[:21])).tokens
    # the frame model: the file's own rows as to_csv(index=False) writes them (per-value tokens
    # measured per column), within a few percent of the exact count
    assert f.savings.tokens_per_call == pytest.approx(whole - head, rel=0.1)
    assert "data/reviews.csv" in f.savings.basis and "120 rows" in f.message


def test_la301_savings_from_policy_when_no_file(project):
    r = project(
        {"app.py": script("df[['product', 'text']].to_csv()")},
        select=["LA301"],
        policy="params:\n  LA301:\n    head: 10\n    assumed-rows: 500\n    tokens-per-cell: 5\n",
    )
    [f] = r.findings
    # 500 assumed rows x the 2 selected columns x (5 tokens a value + to_csv's 1.1 per cell), minus 10 rows
    assert f.savings.tokens_per_call == pytest.approx((500 - 10) * 2 * (5 + 1.1), abs=1)
    assert ".head(10)" in f.fix.edits[0].content


def test_la301_frames_by_annotation_return_type_and_polars(project):
    src = """\
import pandas as pd
import polars as pl
from openai import OpenAI

from app.prompts import REPORT_TEMPLATE


def load() -> pd.DataFrame:
    return pd.read_parquet("events.parquet")


class Reporter:
    def __init__(self):
        self.client = OpenAI()

    def weekly(self, events: pl.DataFrame) -> str:
        frame = load().merge(events.to_pandas(), on="id")
        prompt = REPORT_TEMPLATE.format(table=frame.to_markdown(), raw=events.write_csv())
        return self.client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}], max_tokens=500)
"""
    files = {"app/__init__.py": "", "app/prompts.py": 'REPORT_TEMPLATE = "Weekly report.\\n{table}\\nRaw:\\n{raw}"\n', "app/report.py": src}
    r = project(files, select=["LA301"])
    assert sorted((f.path, f.line, f.column) for f in r.findings) == [("app/report.py", 18, 47), ("app/report.py", 18, 72)]
    fixes = {f.fix.edits[0].column: f.fix.edits[0].content for f in r.findings}
    assert set(fixes.values()) == {".head(20)"}


def test_la301_render_passed_to_an_unknown_template_or_helper(project):
    src = """\
import pandas as pd
from openai import OpenAI

from helpers import build_prompt

client = OpenAI()


def run(df: pd.DataFrame, tpl):
    client.chat.completions.create(model="gpt-4o-mini", max_tokens=100, messages=[{"role": "user", "content": build_prompt(df.to_csv())}])
    client.chat.completions.create(model="gpt-4o-mini", max_tokens=100, messages=[{"role": "user", "content": tpl.format(table=df.head().to_csv(), frame=df)}])
"""
    r = project({"b.py": src}, select=["LA301"])
    assert [(f.line, f.message.split("via ")[1][:11]) for f in r.findings] == [(10, "`.to_csv()`")]


def test_la301_in_a_notebook_cell_and_fix(project):
    nb = notebook(
        "%matplotlib inline\nimport pandas as pd\nfrom openai import OpenAI\n\ndf = pd.read_csv('../data/reviews.csv')\n",
        "client = OpenAI()\n\nresp = client.chat.completions.create(\n    model='gpt-4o',\n    messages=[{'role': 'user', 'content': f'Summarize these reviews: {df.to_string()}'}],\n    max_tokens=300,\n)\n",
        "resp = client.chat.completions.create(\n    model='gpt-4o-mini',\n    messages=[{'role': 'user', 'content': f\"Summarize:\\n{df[['product', 'text']].head(20).to_string(index=False)}\"}],\n    max_tokens=300,\n)\n",
    )
    r = project({"notebooks/explore.ipynb": nb, "data/reviews.csv": CSV}, select=["LA301"])
    [f] = r.findings
    assert (f.cell, f.line) == (1, 5) and f.location.startswith("notebooks/explore.ipynb:cell 2:5:")
    assert "data/reviews.csv" in f.savings.basis
    fix_file(project.root, "notebooks/explore.ipynb", "notebook", r.findings, write=True, report=FixReport())
    cells = [c for c in json.loads((project.root / "notebooks/explore.ipynb").read_text())["cells"] if c["cell_type"] == "code"]
    assert "{df.head(20).to_string()}" in "".join(cells[1]["source"])
    assert "".join(cells[0]["source"]).startswith("%matplotlib inline\n")
    assert codes(project({}, select=["LA301"])) == []


def test_la302_identifier_columns_from_loc_selection(project):
    src = """\
import pandas as pd
from openai import OpenAI

client = OpenAI()


def complaints(reviews: pd.DataFrame):
    negative = reviews.loc[reviews["rating"] <= 2, ["review_id", "customerEmail", "product", "text"]]
    return client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"Group these complaints:\\n{negative.to_json(orient='records')}"}],
        max_tokens=300,
    )
"""
    r = project({"a.py": src}, select=["LA301", "LA302"])
    assert sorted(codes(r)) == ["LA301", "LA302"]
    la302 = next(f for f in r.findings if f.code == "LA302")
    assert "`review_id`, `customerEmail`" in la302.message and la302.fix is None
    # records orient: each of the 1,000 assumed rows repeats the column name with the value
    names = sum(count_tokens(c).tokens for c in ["review_id", "customerEmail", "product", "text"]) / 4
    assert la302.savings.tokens_per_call == pytest.approx(1000 * 2 * (12 + 2.0 + names) + 0.4 * 2 * names, abs=2)


def test_la302_not_without_identifier_columns_or_selection(project):
    src = script("df[['product', 'rating', 'text']].head(20).to_string()")
    assert codes(project({"a.py": src}, select=["LA302"])) == []
    assert codes(project({"a.py": script("df.head(5).to_string()")}, select=["LA302"])) == []


def test_examples_folder_shows_the_intended_findings(tmp_path, monkeypatch):
    root = tmp_path / "examples"
    shutil.copytree(REPO / "examples", root)
    (root / ".git").mkdir()
    monkeypatch.chdir(root)
    r = run_engine(root, select=["LA104", "LA201", "LA301", "LA302"])
    got = sorted((f.code, f.path, f.cell) for f in r.findings)
    assert ("LA201", "insights_app/prompts.py", None) in got
    assert ("LA201", "prompts/triage.prompty", None) in got
    assert ("LA301", "insights_app/llm.py", None) in got
    assert ("LA301", "insights_app/pipeline.py", None) in got
    assert ("LA301", "notebooks/explore_reviews.ipynb", 2) in got  # cell 3 in human output
    assert ("LA302", "insights_app/pipeline.py", None) in got
    la104 = [f for f in r.findings if f.code == "LA104"]
    assert [(f.path, f.call_site_id) for f in la104] == [("insights_app/llm.py", "insights_app/llm.py::LLMClient.classify_sentiment#1")]
    la301 = [f for f in r.findings if f.code == "LA301"]
    assert len(la301) == 3  # not the groupby-agg digest nor the head(20) cell
