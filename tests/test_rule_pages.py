"""Rule pages in docs/rules/ are generated from the rule entries and must not drift; SARIF links
to them and carries their markdown; notebook results point at the .ipynb line and column."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys

import jsonschema
from conftest import REPO, cli, notebook, write_tree
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.config.rules import PROJECT_URL, load_rule_entries
from auditor.config.ruledocs import render_rules
from auditor.sources.nbjson import notebook_text

SCRIPT = REPO / "scripts" / "gen_rule_docs.py"
SARIF_SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))  # = shared/schemas/


def _script():
    spec = importlib.util.spec_from_file_location("gen_rule_docs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rule_pages_match_the_rule_entries():
    gen = _script()
    stale, extra = gen.drift(REPO / "docs" / "rules", gen.wanted_pages())
    assert not stale and not extra, f"docs/rules/ drifted ({stale + extra}): run `python scripts/gen_rule_docs.py`"
    for rule in load_rule_entries():
        page = (REPO / "docs" / "rules" / f"{rule.code}.md").read_text(encoding="utf-8")
        assert page.startswith(f"# {rule.code} `{rule.name}`\n")
        assert " ".join(rule.docs["what"].split())[:80] in " ".join(page.split())
        assert f"[{rule.code}]({rule.code}.md)" in (REPO / "docs" / "rules" / "README.md").read_text(encoding="utf-8")


def test_check_mode_fails_on_drift_and_a_run_repairs_it(tmp_path):
    pages = tmp_path / "rules"
    assert subprocess.run([sys.executable, str(SCRIPT), "--check", "--dir", str(pages)], capture_output=True).returncode == 1
    assert subprocess.run([sys.executable, str(SCRIPT), "--dir", str(pages)], capture_output=True).returncode == 0
    (pages / "LA101.md").write_text("# stale\n")
    (pages / "LA999.md").write_text("# a rule that is gone\n")
    r = subprocess.run([sys.executable, str(SCRIPT), "--check", "--dir", str(pages)], capture_output=True, text=True)
    assert r.returncode == 1 and "LA101.md" in r.stderr and "LA999.md" in r.stderr
    subprocess.run([sys.executable, str(SCRIPT), "--dir", str(pages)], check=True, capture_output=True)
    assert not (pages / "LA999.md").exists() and (pages / "LA101.md").read_text().startswith("# LA101")
    assert subprocess.run([sys.executable, str(SCRIPT), "--check", "--dir", str(pages)], capture_output=True).returncode == 0


def test_sarif_help_uris_point_at_pages_that_exist(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {
        "app.py": 'import litellm\nlitellm.completion(model="gpt-4o", messages=[])\n',
        ".llm-audit.yaml": "rules:\n  - code: TEAM001\n    name: team-rule\n    check: required_argument\n",
    })
    r = cli("check", ".", "--output-format", "sarif", cwd=tmp_path)
    log = json.loads(r.stdout)
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)
    rules = {d["id"]: d for d in log["runs"][0]["tool"]["driver"]["rules"]}
    for rule in load_rule_entries():
        uri = rules[rule.code]["helpUri"]
        assert uri == f"{PROJECT_URL}/blob/main/docs/rules/{rule.code}.md"
        assert (REPO / uri.split("/blob/main/", 1)[1]).is_file()
        assert rules[rule.code]["help"]["markdown"] == render_rules([rule], "markdown")
    assert "helpUri" not in rules["TEAM001"]  # no page for a policy's own rule


# ---------------------------------------------------------------- notebooks in SARIF
def _nb_sarif(tmp_path, nb_text: str) -> list[dict]:
    (tmp_path / ".git").mkdir(parents=True, exist_ok=True)
    (tmp_path / "nb.ipynb").write_text(nb_text, encoding="utf-8")
    r = cli("check", "nb.ipynb", "--select", "LA101,LA201", "--output-format", "sarif", cwd=tmp_path)
    log = json.loads(r.stdout)
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)
    return log["runs"][0]["results"]


CELLS = (
    "import litellm\nPROMPT = 'I would like you to tag \u00e9t\u00e9 \"tickets\" \U0001F600 now.'\n",
    "# second code cell\nresp = litellm.completion(\n    model='gpt-4o', messages=[{'role': 'user', 'content': PROMPT}])\n",
)


def _where(text: str, line: int, column: int) -> str:
    return text.splitlines()[line - 1][column - 1 :]


def test_notebook_results_point_at_the_ipynb_text_in_every_layout(tmp_path):
    nb = notebook(*CELLS)
    layouts = {
        "nbformat": json.dumps(nb, indent=1, ensure_ascii=False) + "\n",
        "escaped": json.dumps(nb, indent=2, ensure_ascii=True),
        "minified": json.dumps(nb, separators=(",", ":")),
        "crlf": json.dumps(nb, indent=1).replace("\n", "\r\n"),
        "string-sources": json.dumps({**nb, "cells": [{**c, "source": "".join(c["source"])} for c in nb["cells"]]}, indent=1),
    }
    for name, text in layouts.items():
        results = {r["ruleId"]: r for r in _nb_sarif(tmp_path / name, text)}
        la101 = results["LA101"]["locations"][0]["physicalLocation"]["region"]
        assert _where(text.replace("\r\n", "\n"), la101["startLine"], la101["startColumn"]).startswith("litellm.completion("), name
        props = results["LA101"]["properties"]
        assert (props["cell"], props["cellNumber"], props["cellLine"]) == (1, 2, 2)
        la201 = results["LA201"]["locations"][0]["physicalLocation"]["region"]
        assert _where(text.replace("\r\n", "\n"), la201["startLine"], la201["startColumn"]).startswith("I would like you to"), name


def test_notebook_result_without_a_readable_file_names_the_file_only(tmp_path):
    text = json.dumps(notebook(*CELLS))
    r = cli("check", "--stdin-filename", "nb.ipynb", "--select", "LA101", "--output-format", "sarif", cwd=tmp_path, input=text)
    (result,) = json.loads(r.stdout)["runs"][0]["results"]
    assert "region" not in result["locations"][0]["physicalLocation"] and result["properties"]["cellLine"] == 2


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), max_size=12),
                            min_size=1, max_size=4), min_size=1, max_size=3),
    indent=st.sampled_from([None, 1, 2, "\t"]),
    ascii_only=st.booleans(),
    as_string=st.booleans(),
)
def test_every_source_character_maps_to_its_json_escape(cells, indent, ascii_only, as_string):
    """Whatever the escapes and layout, the mapped position starts the JSON spelling of that character."""
    sources = ["\n".join(lines) + "\n" for lines in cells]
    doc = {"cells": [{"cell_type": "markdown", "source": "x"}] + [
        {"cell_type": "code", "source": src if as_string else src.splitlines(keepends=True)} for src in sources]}
    text = json.dumps(doc, indent=indent, ensure_ascii=ascii_only)
    mapper = notebook_text(text)
    lines = text.split("\n")
    for c, src in enumerate(sources):
        for ln, line in enumerate(src.split("\n")[:-1], start=1):
            for col, ch in enumerate(line, start=1):
                fl, fc = mapper.locate(c, ln, col)
                rest = lines[fl - 1][fc - 1 :]
                spelled = re.match(r'(?:[^"\\]|\\.)*"', rest).group(0)[:-1]  # up to the end of the string token
                assert json.loads(f'"{spelled}"').startswith(line[col - 1 :]), (c, ln, col, ch)


def test_related_locations_in_notebooks_point_at_the_ipynb_text(tmp_path):
    from auditor.findings import Finding, Related
    from auditor.render.sarif import sarif_log

    text = json.dumps(notebook(*CELLS), indent=1)
    (tmp_path / "nb.ipynb").write_text(text)
    f = Finding("LA201", "verbose-instruction", "warning", "filler", "nb.ipynb", 2, 11, 2, 30, cell=0,
                related=[Related("nb.ipynb", 2, 8, cell=1, message="sent here"), Related("gone.ipynb", 1, 1, cell=0)])
    log = sarif_log([f], rules=load_rule_entries(), root=tmp_path)
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)
    first, missing = log["runs"][0]["results"][0]["relatedLocations"]
    region = first["physicalLocation"]["region"]
    assert _where(text, region["startLine"], region["startColumn"]).startswith("litellm.completion(") and first["message"]["text"] == "sent here"
    assert "region" not in missing["physicalLocation"]
