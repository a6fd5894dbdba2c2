"""Notebooks are analysed by content: whatever the kernel is called, code cells that parse as Python are
Python; only notebooks whose declared language is a known non-Python one (R, Julia, Scala, ...) are skipped,
and the skip is reported as a note, never silently."""

from __future__ import annotations

from conftest import notebook

CELL = """
    from openai import OpenAI
    client = OpenAI()
    r = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
"""


def _nb(metadata):
    nb = notebook(CELL)
    nb["metadata"] = metadata
    return nb


def _la101(result):
    return [(f.path, f.cell, f.line) for f in result.findings if f.code == "LA101"]


def test_python_code_is_analysed_whatever_the_kernel_is_called(project):
    kernels = {
        "conda.ipynb": {"kernelspec": {"name": "conda-env-ml-py", "display_name": "Python [conda env:ml]", "language": "python"}},
        "venv.ipynb": {"kernelspec": {"name": "myenv", "display_name": "My env"}, "language_info": {"name": "python", "version": "3.11.4"}},
        "bare.ipynb": {},
        "spark.ipynb": {"kernelspec": {"name": "synapse_pyspark", "display_name": "Synapse PySpark", "language": "Python"}},
        "ipy.ipynb": {"kernelspec": {"name": "xpython", "display_name": "Python 3.11 (XPython)", "language": "ipython"}},
        "sos.ipynb": {"kernelspec": {"name": "sos", "display_name": "SoS", "language": "sos"}},
    }
    result = project({name: _nb(meta) for name, meta in kernels.items()}, select=["LA101"])
    assert sorted(p for p, _, _ in _la101(result)) == sorted(kernels)
    assert all(cell == 0 and line == 4 for _, cell, line in _la101(result))
    assert result.notes == []


def test_notebooks_of_other_languages_are_skipped_with_a_note(project):
    r_nb = _nb({"kernelspec": {"name": "ir", "display_name": "R", "language": "R"}, "language_info": {"name": "R"}})
    r_nb["cells"][1]["source"] = ['library(httr)\n', 'resp <- POST("https://api.openai.com/v1/chat/completions")\n']
    julia = _nb({"kernelspec": {"name": "julia-1.10", "display_name": "Julia 1.10", "language": "julia"}})
    result = project({"analysis.ipynb": r_nb, "model.ipynb": julia, "ok.ipynb": _nb({})}, select=["LA000", "LA101"])
    assert [(p, c) for p, c, _ in _la101(result)] == [("ok.ipynb", 0)]
    assert not [f for f in result.findings if f.code == "LA000"]  # R code is not a Python syntax error
    assert any("analysis.ipynb" in n and "r notebook" in n for n in result.notes)
    assert any("model.ipynb" in n and "julia" in n for n in result.notes)


def test_unknown_language_that_is_not_python_is_skipped_with_a_note(project):
    nb = _nb({"kernelspec": {"name": "kdb", "display_name": "Q (kdb+)", "language": "q"}})
    nb["cells"][1]["source"] = ["t:([] a:1 2 3)\n", "select from t where a>1\n"]
    result = project({"q.ipynb": nb}, select=["LA000", "LA101"])
    assert result.findings == []
    assert any("q.ipynb" in n and "'q'" in n for n in result.notes)


def test_a_notebook_large_only_because_of_its_outputs_is_analysed(project):
    nb = _nb({"kernelspec": {"name": "python3", "language": "python"}})
    nb["cells"][1]["outputs"] = [{"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo" * 300_000}}]
    huge_code = _nb({})
    huge_code["cells"][1]["source"] = ["x = 1\n"] * 400_000
    result = project({"plots.ipynb": nb, "generated.ipynb": huge_code}, select=["LA000", "LA101"])
    assert [(f.code, f.path) for f in sorted(result.findings, key=lambda f: f.path)] == [("LA000", "generated.ipynb"), ("LA101", "plots.ipynb")]
