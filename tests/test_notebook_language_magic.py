"""Notebook cells whose first line names another language (Databricks `%sql`, `%scala`, `%md`, `%sh`,
ipython-sql's lone `%sql` line) are not Python and are skipped like a `%%sql` cell magic; a committed
0-byte .ipynb is an empty notebook (info), not a broken one (error). Look-alikes: a one-line `%sql`
line magic before Python code, a `%run` line magic, a genuinely broken cell."""

from __future__ import annotations

from conftest import notebook

CALL = """
    from openai import OpenAI
    client = OpenAI()
    r = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
"""


def _codes(result, code):
    return [(f.path, f.cell, f.line, f.severity) for f in result.findings if f.code == code]


def test_databricks_language_magic_cells_are_not_python(project):
    nb = notebook(
        "!pip show weaviate-client\n",
        "%sql\nLIST JAR io_weaviate_spark_connector_2_12_1_3_3.jar\n",
        "%scala\nval df = spark.read.format(\"io.weaviate.spark.Weaviate\").load()\n",
        "%md\n## Load the data into Weaviate\nThe connector writes each row as an object.\n",
        "%sh\nls -la /dbfs/FileStore/jars\n",
        CALL,
    )
    result = project({"databricks-spark-connector.ipynb": nb}, select=["LA000", "LA101"])
    assert _codes(result, "LA000") == []
    assert [c for _, c, _, _ in _codes(result, "LA101")] == [5]


def test_line_magics_and_broken_cells_stay_as_they_were(project):
    nb = notebook(
        "%sql SELECT count(*) FROM documents\nrows = 3\n",  # ipython-sql line magic, then Python
        "%run ./setup_notebook\n",
        "%sql\nprint('the rest of this cell is Python but the first line makes it SQL')\n",
        "def broken(:\n    pass\n",  # a real syntax error is still reported
        CALL,
    )
    result = project({"rag.ipynb": nb}, select=["LA000", "LA101"])
    assert [(c, s) for _, c, _, s in _codes(result, "LA000")] == [(3, "error")]
    assert [c for _, c, _, _ in _codes(result, "LA101")] == [4]


def test_empty_committed_notebook_is_info_not_error(project):
    result = project({"notebooks/intro.ipynb": b"", "notebooks/broken.ipynb": b"{\"cells\": [", "app.py": CALL}, select=["LA000", "LA101"])
    la000 = {p: (s, f.message) for f in result.findings if f.code == "LA000" for p, s in [(f.path, f.severity)]}
    assert la000["notebooks/intro.ipynb"][0] == "info"
    assert "empty notebook" in la000["notebooks/intro.ipynb"][1]
    assert la000["notebooks/broken.ipynb"][0] == "error"
    assert [p for p, _, _, _ in _codes(result, "LA101")] == ["app.py"]
