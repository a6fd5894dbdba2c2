"""The composite GitHub Action: its shape, and its shell steps run for real with bash.

The steps that call llm-audit are executed as the runner would: ``${{ ... }}`` expressions in
``env`` are filled from the inputs' defaults (plus overrides), ``GITHUB_OUTPUT`` is a file, and
the installed ``llm-audit`` is on PATH.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import REPO, write_tree

ACTION = YAML(typ="safe").load((REPO / "action.yml").read_text(encoding="utf-8"))
STEPS = ACTION["runs"]["steps"]
APP = {
    "src/app.py": """
        from openai import OpenAI
        client = OpenAI()
        client.chat.completions.create(model="gpt-6-luna", messages=[{"role": "user", "content": "hi"}])
    """,
}


def _step(name_part: str) -> dict:
    return next(s for s in STEPS if name_part in s.get("name", ""))


def _expr(value: str, inputs: dict, ctx: dict) -> str:
    def sub(m: re.Match) -> str:
        expr = m.group(1).strip()
        if expr.startswith("inputs."):
            return str(inputs[expr[len("inputs."):]])
        return str(ctx[expr])

    return re.sub(r"\$\{\{(.*?)\}\}", sub, str(value))


def _run_step(step: dict, cwd: Path, **overrides: str) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    inputs = {k: v.get("default", "") for k, v in ACTION["inputs"].items()} | overrides
    out_file = cwd / "github_output"
    out_file.write_text("")
    ctx = {"github.action_path": str(REPO), "runner.temp": str(cwd), "github.token": "x"}
    env = {k: _expr(v, inputs, ctx) for k, v in (step.get("env") or {}).items()}
    env = {**os.environ, **env, "GITHUB_OUTPUT": str(out_file), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "LLM_AUDIT_CACHE_DIR": str(cwd / ".cache-test")}
    r = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    outputs = dict(line.split("=", 1) for line in out_file.read_text().splitlines() if "=" in line)
    return r, outputs


def test_action_shape():
    assert ACTION["runs"]["using"] == "composite"
    uses = [s.get("uses", "") for s in STEPS]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert any(u.startswith("actions/github-script@") for u in uses)
    check = _step("check (SARIF)")
    assert "--output-format sarif" in check["run"] and '-o "$SARIF_FILE"' in check["run"]
    report = _step("report (markdown)")
    assert "llm-audit report" in report["run"] and "--format markdown" in report["run"] and "--compare-to" in report["run"]
    assert "pull_request" in report["if"]
    upload = next(s for s in STEPS if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}" and "hashFiles" in upload["if"]
    for s in STEPS:  # every run step names its shell, as composite actions require
        assert "run" not in s or s.get("shell") == "bash"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_check_step_writes_sarif_and_records_exit_code(tmp_path):
    write_tree(tmp_path, APP)
    r, outputs = _run_step(_step("check (SARIF)"), tmp_path, paths="src")
    assert r.returncode == 0, r.stderr  # findings do not stop the job here: upload and comment still run
    assert outputs["exit-code"] == "1"
    log = json.loads((tmp_path / "llm-audit.sarif").read_text())
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "LA101"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/app.py"
    # a usage error is flagged as an error annotation, still without failing the step
    r, outputs = _run_step(_step("check (SARIF)"), tmp_path, paths="src", args="--select LA999")
    assert outputs["exit-code"] == "2" and "::error title=llm-audit::" in r.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_annotation_step_and_fail_step(tmp_path):
    write_tree(tmp_path, APP)
    r, _ = _run_step(_step("annotations"), tmp_path, paths="src")
    assert r.returncode == 0
    assert r.stdout.startswith("::error file=src/app.py,line=4,col=1,")
    fail = _step("Fail on findings")
    assert "steps.check.outputs.exit-code != '0'" in fail["if"]
    r = subprocess.run(["bash", "-c", fail["run"]], env={**os.environ, "CODE": "1"}, capture_output=True, text=True)
    assert r.returncode == 1 and "exited with 1" in r.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_report_step_writes_the_markdown_comment(tmp_path):
    write_tree(tmp_path, APP)
    step = _step("report (markdown)")
    r, outputs = _run_step(step, tmp_path, paths="src")
    assert r.returncode == 0, r.stderr
    report = Path(outputs["file"])
    assert report == tmp_path / "llm-audit-report.md"
    text = report.read_text()
    assert "LA101" in text and "Estimated monthly cost" in text
    # with a base report to compare to, the comment states the change
    base = tmp_path / "base.json"
    subprocess.run(["llm-audit", "report", "src", "--format", "json", "-o", str(base)], cwd=tmp_path, check=True,
                   env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"})
    r, outputs = _run_step(step, tmp_path, paths="src", **{"compare-to": str(base)})
    assert r.returncode == 0, r.stderr
    assert "Monthly estimate unchanged" in Path(outputs["file"]).read_text()
