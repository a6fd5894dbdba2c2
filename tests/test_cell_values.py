"""One cell of a column is not a DataFrame (auditor/analysis/frames.py ``one_cell``). Shaped like
defog's sql-eval correct_sql_instructions.ipynb (fresh set 7: LA301 at `rewrite_inacc_sql(model, sql,
question, ...)` where `question = inacc_eg['question'].values[0]` and `sql_list = inacc_eg['sql_list'].values[0]`),
beside look-alikes that stay reported: the column itself, its values array, a slice of them."""

from __future__ import annotations

import ast

import pytest

from auditor.analysis.frames import FrameInference
from auditor.analysis.resolve import Resolver
from auditor.config.catalog import load_catalog
from conftest import notebook, run_engine, write_tree

LOAD = "import pandas as pd\ndf = pd.read_csv('results.csv')\n"


@pytest.mark.parametrize("expr,state", [
    ("df['question'].values[0]", None),
    ("df['sql_list'].values[-1]", None),
    ("df['question'].tolist()[0]", None),
    ("df['question'].to_numpy()[3]", None),
    ("df['question'].iat[0]", None),
    ("df.at[0, 'question']", None),
    ("df['question'].item()", None),
    ("df['question'].values", "whole"),  # look-alikes: every row still there
    ("df['question'].values[mask]", "whole"),
    ("df['question']", "whole"),
    ("df['question'].values[:5]", "bounded"),
])
def test_one_cell_of_a_column_is_no_frame(expr, state):
    src = LOAD + "mask = df['ok']\n" + expr + "\n"
    tree = ast.parse(src)
    r = Resolver(tree, "m", load_catalog().providers(), src.splitlines())
    fi = FrameInference(r)
    assert fi.state(tree.body[-1].value, r.module_scope) == state  # type: ignore[attr-defined]


HELPERS = '''
from openai import OpenAI

client = OpenAI()


def rewrite_inacc_sql(question, sql, rows):
    prompt = f"Question: {question}\\nSQL: {sql}\\nRows of the table:\\n{rows}\\nRewrite the SQL so that it answers the question."
    r = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}], max_tokens=300)
    return r.choices[0].message.content
'''

NB = notebook(
    "import pandas as pd\nfrom helpers import rewrite_inacc_sql\ndf = pd.read_csv('results/eval.csv')\n",
    "inacc_eg = df[df['question_id'] == 17]\nquestion = inacc_eg['question'].values[0]\nsql_list = inacc_eg['sql_list'].values[0]\n",
    "out = rewrite_inacc_sql(question, sql_list[0], 'none')\n",
    "out = rewrite_inacc_sql('q', 'select 1', df)\n",  # the whole frame: reported
)


def test_a_cell_in_a_prompt_is_not_reported_but_the_frame_is(tmp_path):
    write_tree(tmp_path, {"helpers.py": HELPERS, "correct_sql.ipynb": NB})
    (tmp_path / ".git").mkdir()
    found = [f for f in run_engine(tmp_path, select=["LA301"]).findings if f.code == "LA301"]
    assert len(found) == 1 and found[0].cell is not None and "`df`" in found[0].message, [(f.cell, f.message) for f in found]
