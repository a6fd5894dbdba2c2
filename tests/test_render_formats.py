"""CI output formats on a realistic app: SARIF (validated against the OASIS schema), GitHub
workflow commands, GitLab Code Quality, JUnit, and the terminal formats; ``-o FILE`` for each."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest

from auditor.findings import Finding, Fix, Savings
from conftest import REPO, cli, notebook, write_tree

SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

APP = {
    "helpdesk/__init__.py": "",
    "helpdesk/settings.py": """
        import os
        TRIAGE_MODEL = "gpt-4o-mini"
        PLANNER_MODEL = os.getenv("PLANNER_MODEL", "o3-mini")
    """,
    "helpdesk/assistant.py": """
        from openai import AsyncOpenAI, OpenAI

        from .settings import PLANNER_MODEL, TRIAGE_MODEL


        class Assistant:
            def __init__(self):
                self.client = OpenAI(timeout=30)
                self.aclient = AsyncOpenAI()

            def triage(self, ticket: str) -> str:
                resp = self.client.chat.completions.create(
                    model=TRIAGE_MODEL,
                    messages=[{"role": "user", "content": f"Triage: {ticket}"}],
                )
                return resp.choices[0].message.content

            async def plan(self, goal: str) -> str:
                resp = await self.aclient.chat.completions.create(
                    model=PLANNER_MODEL,
                    messages=[{"role": "user", "content": goal}],
                    max_tokens=800,
                )
                return resp.choices[0].message.content
    """,
    # a path with a comma and a colon: GitHub property escaping must keep it one value
    "helpdesk/odd,name:v2.py": """
        import anthropic
        claude = anthropic.Anthropic()
        claude.messages.create(model="claude-haiku-4-5", messages=[{"role": "user", "content": "hi"}])
    """,
    "notebooks/explore.ipynb": notebook(
        "%matplotlib inline\nfrom openai import OpenAI\nclient = OpenAI()\n",
        "resp = client.chat.completions.create(\n    model='gpt-4o',\n    messages=[{'role': 'user', 'content': 'Summarise the tickets'}],\n)\n",
    ),
}


def _line_of(path: Path, needle: str, nth: int = 0) -> int:
    hits = [i for i, line in enumerate(path.read_text().splitlines(), start=1) if needle in line]
    return hits[nth]


def _findings(root: Path) -> list[dict]:
    r = cli("check", "helpdesk", "notebooks", "--output-format", "json", "--select", "LA1", cwd=root)
    assert r.returncode == 1, r.stderr
    return json.loads(r.stdout)


@pytest.fixture
def app(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, APP)
    return tmp_path


def _sarif(root: Path, *args: str) -> dict:
    out = root / "out" / "llm-audit.sarif"
    r = cli("check", "helpdesk", "notebooks", "--select", "LA1", "--output-format", "sarif", "-o", str(out), *args, cwd=root)
    assert r.returncode == 1, r.stderr
    assert r.stdout == ""  # -o: the report goes to the file only
    return json.loads(out.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- SARIF
def test_sarif_validates_against_oasis_schema_with_relative_uris(app):
    log = _sarif(app)
    jsonschema.Draft7Validator(SCHEMA).validate(log)
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == app.resolve().as_uri() + "/"
    results = run["results"]
    assert {r["ruleId"] for r in results} == {"LA101", "LA103"}
    for r in results:
        loc = r["locations"][0]["physicalLocation"]["artifactLocation"]
        assert loc["uriBaseId"] == "%SRCROOT%"
        parsed = urlparse(loc["uri"])
        assert not parsed.scheme and not loc["uri"].startswith("/")  # relative URI reference
        assert (app / loc["uri"]).is_file()
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results)
    assert uris == sorted(["helpdesk/assistant.py", "helpdesk/assistant.py", "helpdesk/odd,name:v2.py", "notebooks/explore.ipynb"])


def test_sarif_rules_carry_docs_and_results_point_at_them(app):
    from auditor.config.catalog import load_rule_entries
    from auditor.config.ruledocs import rule_sections

    run = _sarif(app)["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "llm-audit" and driver["version"] and driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    by_id = {r["id"]: r for r in rules}
    la101 = next(r for r in load_rule_entries() if r.code == "LA101")
    d = by_id["LA101"]
    assert d["name"] == "missing-output-cap"
    assert d["fullDescription"]["text"] == " ".join(rule_sections(la101)["what"].split())
    assert d["shortDescription"]["text"].startswith("Flags a generation call")
    assert "Why it matters" in d["help"]["text"] and "### Fix safety" in d["help"]["markdown"]
    assert la101.docs["why"].split()[0] in d["help"]["text"]
    assert d["helpUri"].startswith("https://") and d["defaultConfiguration"]["level"] == "error"
    assert by_id["LA001"]["defaultConfiguration"]["level"] == "note"
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["level"] == {"LA101": "error", "LA103": "warning"}[r["ruleId"]]


def test_sarif_regions_notebook_cells_and_savings(app):
    results = _sarif(app)["runs"][0]["results"]
    py = app / "helpdesk/assistant.py"
    la101 = next(r for r in results if r["ruleId"] == "LA101" and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "helpdesk/assistant.py")
    region = la101["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == _line_of(py, "self.client.chat.completions.create(")
    assert region["startColumn"] == py.read_text().splitlines()[region["startLine"] - 1].index("self.client") + 1
    assert region["endLine"] == region["startLine"] + 3  # the closing parenthesis
    sav = la101["properties"]["savings"]
    # a cap removes worst-case exposure; the typical answer stays what it was
    assert sav["worstCaseUsdPerMonth"] > 0 and sav["usdPerMonth"] == 0 and sav["basis"] and sav["monthlyCalls"] and sav["callsSource"]
    nb = next(r for r in results if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "notebooks/explore.ipynb")
    assert nb["properties"]["cell"] == 1 and nb["properties"]["cellNumber"] == 2
    assert nb["message"]["text"].startswith("cell 2, line 1:")
    # the region is in the .ipynb text: the line of the cell's source element, its column
    ipynb = (app / "notebooks/explore.ipynb").read_text().splitlines()
    region = nb["locations"][0]["physicalLocation"]["region"]
    (line,) = [i for i, text in enumerate(ipynb, start=1) if '"resp = client.chat.completions.create(\\n"' in text]
    assert (region["startLine"], region["startColumn"]) == (line, ipynb[line - 1].index("client.chat") + 1)  # the call, as in the cell
    assert region["endLine"] == line + 3 and ipynb[region["endLine"] - 1].strip() == '")\\n"'
    assert region["endColumn"] == ipynb[line + 2].index(")") + 2  # just after the closing parenthesis
    assert nb["properties"]["cellLine"] == 1 and region["message"]["text"] == "code cell 2, line 1"
    assert "fixes" not in nb  # edits of cell text are not edits of the JSON text


def _apply_replacements(text: str, replacements: list[dict]) -> str:
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, col: int) -> int:
        return starts[line - 1] + col - 1

    for rep in sorted(replacements, key=lambda r: (r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]), reverse=True):
        reg = rep["deletedRegion"]
        a, b = offset(reg["startLine"], reg["startColumn"]), offset(reg["endLine"], reg["endColumn"])
        text = text[:a] + rep["insertedContent"]["text"] + text[b:]
    return text


def test_sarif_fix_is_what_llm_audit_fix_writes(app):
    results = _sarif(app)["runs"][0]["results"]
    la103 = next(r for r in results if r["ruleId"] == "LA103")
    (fix,) = la103["fixes"]
    assert fix["properties"]["applicability"] == "safe"
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "helpdesk/assistant.py", "uriBaseId": "%SRCROOT%"}
    path = app / "helpdesk/assistant.py"
    via_sarif = _apply_replacements(path.read_text(), change["replacements"])
    cli("fix", "helpdesk", "--select", "LA103", cwd=app)
    assert via_sarif == path.read_text() and "max_completion_tokens=800" in via_sarif


def test_sarif_fingerprints_survive_line_shifts(app):
    before = {r["ruleId"] + r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in _sarif(app)["runs"][0]["results"]}
    path = app / "helpdesk/assistant.py"
    path.write_text('"""Ticket assistant."""\nimport logging\n\nlog = logging.getLogger(__name__)\n' + path.read_text())
    after = {r["ruleId"] + r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in _sarif(app)["runs"][0]["results"]}
    key = "LA101helpdesk/assistant.py"
    def line(r):
        return r["locations"][0]["physicalLocation"]["region"]["startLine"]

    assert line(after[key]) == line(before[key]) + 4
    assert after[key]["partialFingerprints"] == before[key]["partialFingerprints"]
    prints = [r["partialFingerprints"]["llmAudit/v1"] for r in after.values()]
    assert len(set(prints)) == len(prints)


def test_sarif_paths_are_relative_to_the_current_folder_when_run_on_a_subfolder(app):
    # no policy file: the run root is the path given; CI wants paths from the repository root
    out = app / "sub.sarif"
    r = cli("check", "helpdesk", "--select", "LA101", "--output-format", "sarif", "-o", str(out), cwd=app)
    assert r.returncode == 1
    log = json.loads(out.read_text())
    jsonschema.Draft7Validator(SCHEMA).validate(log)
    uris = {res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for res in log["runs"][0]["results"]}
    assert uris == {"helpdesk/assistant.py", "helpdesk/odd,name:v2.py"}


def test_sarif_with_no_findings_is_valid(tmp_path):
    write_tree(tmp_path, {"ok.py": "from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o-mini', messages=[], max_tokens=50)\n"})
    r = cli("check", ".", "--select", "LA1", "--output-format", "sarif", cwd=tmp_path)
    assert r.returncode == 0
    log = json.loads(r.stdout)
    jsonschema.Draft7Validator(SCHEMA).validate(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"]


# ---------------------------------------------------------------- GitHub
_CMD = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def _unescape(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def _parse_command(line: str) -> tuple[str, dict[str, str], str]:
    m = _CMD.match(line)
    assert m, line
    props = dict(p.split("=", 1) for p in m.group(2).split(","))
    return m.group(1), {k: _unescape(v) for k, v in props.items()}, _unescape(m.group(3))


def test_github_annotations(app):
    r = cli("check", "helpdesk", "notebooks", "--select", "LA1", "--output-format", "github", cwd=app)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    commands = [_parse_command(line) for line in lines if line.startswith("::") and "title=llm-audit summary" not in line]
    assert len(commands) == 4
    levels = [c[0] for c in commands]
    assert levels == ["error", "error", "error", "warning"]  # errors first: GitHub shows ~10 per level
    by_file = {(c[1]["file"], c[1]["title"].split()[0]): c for c in commands}
    _, props, msg = by_file[("helpdesk/assistant.py", "LA101")]
    py = app / "helpdesk/assistant.py"
    assert int(props["line"]) == _line_of(py, "self.client.chat.completions.create(") and int(props["endLine"]) == int(props["line"]) + 3
    assert props["col"] and props["endColumn"] and props["title"] == "LA101 missing-output-cap"
    assert "no output-token cap" in msg
    # the comma and colon in the file name survived as one escaped property value
    odd = next(line for line in lines if "odd" in line)
    assert "file=helpdesk/odd%2Cname%3Av2.py," in odd
    assert ("helpdesk/odd,name:v2.py", "LA101") in by_file
    _, nbprops, nbmsg = by_file[("notebooks/explore.ipynb", "LA101")]
    assert "line" not in nbprops and nbmsg.startswith("cell 2, line 1:")
    assert by_file[("helpdesk/assistant.py", "LA103")][0] == "warning"
    summary = [line for line in lines if "title=llm-audit summary" in line]
    assert len(summary) == 1 and "4 findings (3 errors, 1 warning) in 3 files" in _unescape(summary[0])
    assert lines[-1].startswith("llm-audit: 4 findings")


def test_github_escaping_and_notice_level():
    from auditor.render.github import annotation, escape_data, escape_property, render_github

    tricky = "100% of calls\r\nuse: a, b"
    assert escape_data(tricky) == "100%25 of calls%0D%0Ause: a, b"
    assert escape_property(tricky) == "100%25 of calls%0D%0Ause%3A a%2C b"
    assert _unescape(escape_property(tricky)) == tricky
    f = Finding("LA001", "unused-suppression", "info", "unused suppression: no LA101 finding\nhere", "a.py", 3, 1, 3, 1)
    line = annotation(f, "a.py")
    assert line.startswith("::notice file=a.py,line=3,col=1,title=LA001 unused-suppression::")
    assert "\n" not in line and line.endswith("finding%0Ahere")
    many = [Finding("LA101", "missing-output-cap", "error", "m", f"f{i}.py", 1, 1, 1, 5) for i in range(12)]
    out = render_github(many, root=Path.cwd())
    assert "2 more are in this log" in out


# ---------------------------------------------------------------- GitLab
def test_gitlab_code_quality(app):
    out = app / "gl-code-quality.json"
    r = cli("check", "helpdesk", "notebooks", "--select", "LA1", "--output-format", "gitlab", "-o", str(out), cwd=app)
    assert r.returncode == 1
    issues = json.loads(out.read_text())
    assert len(issues) == 4
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert (app / issue["location"]["path"]).is_file()
    prints = [i["fingerprint"] for i in issues]
    assert len(set(prints)) == 4
    la101 = next(i for i in issues if i["check_name"] == "LA101" and i["location"]["path"] == "helpdesk/assistant.py")
    assert la101["severity"] == "major" and la101["location"]["lines"]["begin"] == _line_of(app / "helpdesk/assistant.py", "self.client.chat")
    assert la101["description"].startswith("LA101 missing-output-cap: ")
    assert next(i for i in issues if i["check_name"] == "LA103")["severity"] == "minor"
    nb = next(i for i in issues if i["location"]["path"].endswith(".ipynb"))
    assert nb["description"].startswith("cell 2, line 1:")
    # stable when code moves: same fingerprints after lines are inserted above
    path = app / "helpdesk/assistant.py"
    path.write_text("# Ticket assistant\n\n" + path.read_text())
    cli("check", "helpdesk", "notebooks", "--select", "LA1", "--output-format", "gitlab", "-o", str(out), cwd=app)
    moved = json.loads(out.read_text())
    assert sorted(i["fingerprint"] for i in moved) == sorted(prints)
    assert next(i for i in moved if i["fingerprint"] == la101["fingerprint"])["location"]["lines"]["begin"] == la101["location"]["lines"]["begin"] + 2


# ---------------------------------------------------------------- JUnit
def test_junit_report(app):
    out = app / "junit.xml"
    r = cli("check", "helpdesk", "notebooks", "--select", "LA1", "--output-format", "junit", "-o", str(out), cwd=app)
    assert r.returncode == 1
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites" and root.get("failures") == "4"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"helpdesk/assistant.py", "helpdesk/odd,name:v2.py", "notebooks/explore.ipynb"}
    cases = suites["helpdesk/assistant.py"].findall("testcase")
    assert len(cases) == 2 and suites["helpdesk/assistant.py"].get("failures") == "2"
    failure = cases[0].find("failure")
    assert failure.get("type") == "LA101" and "no output-token cap" in failure.get("message")
    assert "unsafe fix: Add `max_tokens=1024`" in failure.text
    assert "cell 2" in suites["notebooks/explore.ipynb"].find("testcase").get("name")


def test_junit_escapes_markup_and_control_characters_and_reports_a_clean_run():
    from auditor.render.junit import render_junit

    nasty = Finding("LA201", "verbose-instruction", "warning", 'Prompt says <b>"Please" & thanks</b>\x1b[0m', "p&q.py", 2, 1, 2, 4,
                    fix=Fix("safe", "Rewrite to <short>", []), savings=Savings(10, 0.1, 5.0, "a < b"))
    xml = render_junit([nasty], root=Path.cwd())
    root = ET.fromstring(xml.split("\n", 1)[1])
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("message") == 'Prompt says <b>"Please" & thanks</b>[0m'
    assert root.find("testsuite").get("name") == "p&q.py"
    clean = ET.fromstring(render_junit([], root=Path.cwd()).split("\n", 1)[1])
    assert clean.get("failures") == "0" and clean.find("testsuite/testcase").get("name").startswith("no findings")


# ---------------------------------------------------------------- terminal formats
def test_full_shows_a_snippet_and_concise_one_line_each(app):
    full = cli("check", "helpdesk", "--select", "LA103", cwd=app)
    py = app / "helpdesk/assistant.py"
    n = _line_of(py, "max_tokens=800")
    assert f"{n} |             max_tokens=800," in full.stdout
    assert "^^^^^^^^^^^^^^" in full.stdout and "= fix: Rename to `max_completion_tokens`" in full.stdout
    concise = cli("check", "helpdesk", "notebooks", "--select", "LA1", "--output-format", "concise", cwd=app).stdout.splitlines()
    assert len([line for line in concise if ": LA1" in line]) == 4
    assert any(line.startswith("notebooks/explore.ipynb:cell 2:1:") for line in concise)


@pytest.mark.parametrize("fmt", ["full", "concise", "json", "jsonl", "sarif", "github", "gitlab", "junit"])
def test_every_format_writes_to_output_file(app, fmt):
    out = app / f"report.{fmt}"
    r = cli("check", "helpdesk", "--select", "LA101", "--output-format", fmt, "-o", str(out), cwd=app)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    text = out.read_text(encoding="utf-8")
    assert "LA101" in text and "LA101" not in r.stdout
