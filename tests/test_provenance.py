"""Values typed by provenance (DataFrames), notebooks whose automagic lines are valid, and the loop
and parse facts behind LA503/LA601/LA602."""

from __future__ import annotations

import ast

import pytest

from auditor.analysis.frames import FrameInference
from auditor.analysis.resolve import Resolver
from auditor.config.catalog import load_catalog
from auditor.sources.notebook import neutralise
from conftest import codes, notebook


def _frames(src: str, returns: dict | None = None):
    tree = ast.parse(src)
    r = Resolver(tree, "m", load_catalog().providers(), src.splitlines())
    return FrameInference(r, returns=returns), r, tree


def _state_of_last(src: str, returns: dict | None = None):
    fi, r, tree = _frames(src, returns)
    expr = tree.body[-1].value  # type: ignore[attr-defined]
    return fi.state(expr, r.module_scope), fi.render(expr, r.module_scope)


@pytest.mark.parametrize("src,state", [
    ("import pandas as pd\ndf = pd.read_csv('x.csv')\ndf", "whole"),
    ("import pandas as pd\ndf = pd.read_csv('x.csv').head(5)\ndf", "bounded"),
    ("import pandas as pd\nd = pd.read_csv('x.csv')\ndf_context = d.head().to_csv()\ndf_context", None),
    ("df_text = 'a,b\\n1,2'\ndf_text", None),
    ("df_rows = [1, 2]\ndf_rows", None),
    ("import polars as pl\nframe = pl.scan_csv('x.csv').collect()\nframe", "whole"),
])
def test_frame_state_follows_provenance(src, state):
    assert _state_of_last(src)[0] == state


def test_serialised_text_keeps_its_render():
    _, render = _state_of_last("import pandas as pd\nd = pd.read_csv('x.csv')\ntext = d.to_markdown()\ntext")
    assert render is not None and render.mode == "whole" and render.method == "to_markdown" and render.evidence == "provenance"
    _, bounded = _state_of_last("import pandas as pd\nd = pd.read_csv('x.csv')\ntext = d.head().to_csv()\ntext")
    assert bounded is not None and bounded.mode == "bounded"


def test_a_name_alone_is_only_a_hint():
    fi, r, tree = _frames("def f(df):\n    return df.to_string()\n")
    fn = tree.body[0]
    expr = fn.body[0].value  # type: ignore[attr-defined]
    render = fi.render(expr, r.scope_of[fn])
    assert render is not None and render.evidence == "name"
    fi, r, tree = _frames("def f(df: str):\n    return df\n")
    fn = tree.body[0]
    assert fi.render(fn.body[0].value, r.scope_of[fn]) is None  # type: ignore[attr-defined]


def test_function_summaries_hook_types_calls():
    src = "from app.data import load_sales\nsales = load_sales()\nsales"
    assert _state_of_last(src)[0] is None
    assert _state_of_last(src, returns={"app.data.load_sales": "whole"})[0] == "whole"
    assert _state_of_last(src, returns={"app.data.load_sales": "text"})[0] is None


def test_local_function_returning_a_frame():
    src = "import pandas as pd\ndef load():\n    return pd.read_json('e.json')\nevents = load()\nevents"
    assert _state_of_last(src)[0] == "whole"
    guess = "def load(df):\n    return df\nevents = load(1)\nevents"
    assert _state_of_last(guess)[0] is None  # a name guess inside does not type the function


def test_name_hint_findings_are_info_without_fix(project):
    result = project({"a.py": '''
        from openai import OpenAI
        client = OpenAI()


        def describe(df):
            df_context = df.head().to_csv()
            whole = df.to_string()
            return client.chat.completions.create(model="gpt-4o-mini", max_tokens=100, messages=[{"role": "user", "content": f"{df_context}\\n{whole}"}])
    '''}, select=["LA301"])
    [f] = result.findings
    assert f.severity == "info" and f.fix is None and "by its name only" in f.message


@pytest.mark.parametrize("src,expected", [
    ("pip install langchain openai\nimport os", "pass\nimport os"),
    ("  cd data\nx = 1", "  pass\nx = 1"),
    ("ls = [1, 2]\nls", "ls = [1, 2]\nls"),
    ("time.sleep(1)", "time.sleep(1)"),
    ('t = """Summary\n% CONCISE SUMMARY:\n"""\n%time x = 1', 't = """Summary\n% CONCISE SUMMARY:\n"""\npass'),
    ("%%bash\necho hi", "\n"),
])
def test_neutralise_automagic_and_strings(src, expected):
    assert neutralise(src) == expected


def test_valid_notebook_with_automagic_is_analysed(project):
    result = project({"nb.ipynb": notebook(
        "pip install openai\n",
        "from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model='gpt-4o-mini', messages=[])\n",
    )}, select=["LA000", "LA101"])
    assert codes(result) == ["LA101"]


def test_notebook_over_the_size_limit_only_because_of_outputs(project, tmp_path):
    import json

    nb = notebook("from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o-mini', messages=[])\n")
    nb["cells"][-1]["outputs"] = [{"output_type": "display_data", "data": {"image/png": "A" * 5000}, "metadata": {}}]
    result = project({"nb.ipynb": nb}, select=["LA000", "LA101"], policy="limits:\n  max-file-bytes: 2000\n")
    assert codes(result) == ["LA101"]
    nb["cells"][-1]["source"] = ["x = 1\n"] * 1000
    assert "LA000" in codes(project({"nb.ipynb": nb}, select=["LA000"], policy="limits:\n  max-file-bytes: 2000\n"))


def test_unique_values_of_a_column_are_bounded():
    assert _state_of_last("import pandas as pd\ndf = pd.read_csv('x.csv')\ncol = 'city'\ndf[col].unique()")[0] == "bounded"
    assert _state_of_last("import pandas as pd\ndf = pd.read_csv('x.csv')\ndf[df.a > 1].drop_duplicates()")[0] == "whole"
