"""The composite GitHub Action, run step by step as the runner would (tests/gha.py).

Every ``if:`` is evaluated, ``run:`` steps run with bash against the installed ``llm-audit``,
``uses:`` steps go to stand-ins: the SARIF upload and the artifact upload record what they
were given (or fail, to test that a failed upload fails the job). The README's workflow is
run the same way, with the action taken from this checkout (``uses: ./``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, write_tree
from gha import evaluate, run_composite
from ruamel.yaml import YAML

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")

ACTION = YAML(typ="safe").load((REPO / "action.yml").read_text(encoding="utf-8"))
STEPS = ACTION["runs"]["steps"]
UNCAPPED = """
    from openai import OpenAI
    client = OpenAI()
    client.chat.completions.create(model="gpt-6-luna", messages=[{"role": "user", "content": "hi"}])
"""
APP = {"src/app.py": UNCAPPED}
PUSH = {"event_name": "push", "repository": "acme/app", "action_path": str(REPO), "token": "x", "event": {}}
PR = {"event_name": "pull_request", "repository": "acme/app", "action_path": str(REPO), "token": "x",
      "event": {"pull_request": {"number": 7, "head": {"repo": {"full_name": "acme/app"}}}}}
FORK_PR = PR | {"event": {"pull_request": {"number": 8, "head": {"repo": {"full_name": "someone/app"}}}}}


class Uploads:
    """Stand-ins for the uploads: what they received; ``fail`` makes the SARIF upload fail."""

    def __init__(self, fail_sarif: bool = False):
        self.sarif: list[dict] = []
        self.artifacts: list[dict] = []
        self.comments: list[str] = []
        self.fail_sarif = fail_sarif

    def handlers(self):
        def sarif(with_, cwd):
            self.sarif.append(json.loads((cwd / with_["sarif_file"]).read_text()))
            return not self.fail_sarif

        def artifact(with_, cwd):
            self.artifacts.append({"name": with_["name"], "data": json.loads((cwd / with_["path"]).read_text())})
            return True

        def comment(with_, cwd):
            self.comments.append("called")
            return True

        return {"github/codeql-action/upload-sarif@": sarif, "actions/upload-artifact@": artifact, "actions/github-script@": comment}


def _job(tmp_path: Path, github: dict, uploads: Uploads | None = None, **inputs: str):
    uploads = uploads or Uploads()
    temp = tmp_path / "_runner_temp"
    temp.mkdir(exist_ok=True)
    job = run_composite(ACTION, inputs, github, tmp_path, temp, uploads.handlers(), skip=("Install llm-audit",))
    return job, uploads


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_AUDIT_CACHE_DIR", str(tmp_path / "_cache"))
    write_tree(tmp_path, APP)
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_action_shape():
    assert ACTION["runs"]["using"] == "composite"
    for s in STEPS:  # every run step names its shell, as composite actions require
        assert "run" not in s or s.get("shell") == "bash"
        assert "continue-on-error" not in s, s.get("name")  # a failed upload or report fails the job
    for s in STEPS:  # the shared options reach every llm-audit run
        if re.search(r"^\s*llm-audit (check|report) ", s.get("run", ""), re.MULTILINE):
            assert "$LLM_AUDIT_ARGS" in s["run"] and s["env"]["LLM_AUDIT_ARGS"] == "${{ inputs.args }}", s["name"]


def test_expression_evaluator_matches_the_runner_on_our_conditions(tmp_path):
    ctx = {"inputs": {"upload-sarif": "true"}, "github": {"event_name": "pull_request", "repository": "a/b",
           "event": {"pull_request": {"head": {"repo": {"full_name": "c/b"}}}}}, "steps": {"check": {"outputs": {"exit-code": "2"}}}}
    assert evaluate("${{ inputs.upload-sarif == 'true' && steps.check.outputs.exit-code != '2' }}", ctx, tmp_path) is False
    assert evaluate("!(github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name != github.repository)", ctx, tmp_path) is False
    assert evaluate("always() && steps.report.outputs.file != ''", ctx, tmp_path) is False  # a skipped step's output is empty
    assert evaluate("hashFiles('nothing.sarif') != ''", ctx, tmp_path) is False


def test_push_with_findings_uploads_sarif_keeps_the_report_and_fails(app):
    job, up = _job(app, PUSH, paths="src")
    assert job.failed and job.step("Fail on findings").outcome == "failure", job.log
    assert job.step("check (SARIF)").outputs["exit-code"] == "1"
    (log,) = up.sarif
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["LA101"]
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/app.py"
    assert job.step("annotations").stdout.startswith("::error file=src/app.py,line=4,col=1,")
    (artifact,) = up.artifacts
    assert artifact["name"] == "llm-audit-report" and artifact["data"]["call_sites"]
    assert job.step("report (markdown)").outcome == "skipped" and not up.comments  # not a pull request


def test_a_missing_path_fails_the_job_and_uploads_nothing(app):
    job, up = _job(app, PUSH, paths="srcc", **{"fail-on-findings": "false"})
    assert job.step("check (SARIF)").outputs["exit-code"] == "2"
    assert "::error title=llm-audit::" in job.step("check (SARIF)").stdout
    assert "srcc: no such file or directory" in job.step("check (SARIF)").stderr
    assert not up.sarif  # an empty SARIF would close every open code-scanning alert
    assert job.step("annotations").outcome == "skipped"
    assert job.failed and job.step("Fail on findings").outcome == "failure"  # even with fail-on-findings false


def test_a_stale_sarif_file_is_not_uploaded_after_an_error(app):
    (app / "llm-audit.sarif").write_text('{"version": "2.1.0", "runs": []}')
    job, up = _job(app, PUSH, paths="src", args="--select LA999")
    assert job.step("check (SARIF)").outputs["exit-code"] == "2" and not up.sarif and job.failed


def test_a_failed_sarif_upload_fails_the_job(app):
    (app / "src/app.py").write_text("print('no llm here')\n")
    job, _ = _job(app, PUSH, Uploads(fail_sarif=True), paths="src")
    assert job.step("check (SARIF)").outputs["exit-code"] == "0"
    assert job.step("Upload SARIF").outcome == "failure" and job.failed


def test_args_reach_every_step_and_check_args_only_check(app):
    write_tree(app, {"ci/only-la103.yaml": "select: [LA103]\n", "src/plan.py": """
        from openai import OpenAI
        client = OpenAI()
        client.chat.completions.create(model="o3-mini", messages=[], max_tokens=100)
    """})
    job, up = _job(app, PR, paths="src", args="--policy ci/only-la103.yaml", **{"check-args": "--exit-zero"})
    assert not job.step("check (SARIF)").stderr, job.log
    assert {r["ruleId"] for r in up.sarif[0]["runs"][0]["results"]} == {"LA103"}
    assert "LA101" not in job.step("annotations").stdout and "LA103" in job.step("annotations").stdout
    md = Path(job.step("report (markdown)").outputs["file"]).read_text()
    assert "LA103" in md and "LA101" not in md  # the comment uses the same policy as the check
    assert up.comments == ["called"]
    assert not job.failed, job.log  # --exit-zero went to check only; report accepted --policy


def test_fork_pull_requests_skip_the_upload_and_the_comment(app):
    job, up = _job(app, FORK_PR, paths="src", **{"fail-on-findings": "false"})
    assert job.step("Upload SARIF").outcome == "skipped" and job.step("Comment").outcome == "skipped"
    assert not up.sarif and not up.comments and not job.failed


def test_compare_to_a_missing_base_report_warns(app):
    job, _ = _job(app, PR, paths="src", **{"compare-to": "base-report/llm-audit-report.json", "fail-on-findings": "false"})
    assert "::warning title=llm-audit::compare-to file base-report/llm-audit-report.json not found" in job.step("report (markdown)").stdout
    assert Path(job.step("report (markdown)").outputs["file"]).is_file() and not job.failed


# ---------------------------------------------------------------- the README's workflow
def _readme_workflow() -> dict:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = next(b.split("\n", 1)[1] for b in readme.split("```yaml")[1:] if "runs-on:" in b.split("```")[0])
    return YAML(typ="safe").load(block.split("```")[0])


def test_readme_workflow_keeps_the_base_report_and_compares_pull_requests_to_it(tmp_path, monkeypatch):
    """main pushes keep `llm-audit-report`; a pull request that adds an uncapped call downloads
    it (what the README's `gh run download` step does) and its comment states the increase."""
    monkeypatch.setenv("LLM_AUDIT_CACHE_DIR", str(tmp_path / "_cache"))
    wf = _readme_workflow()
    steps = wf["jobs"]["llm-audit"]["steps"]
    (action_step,) = [s for s in steps if str(s.get("uses", "")).startswith("llm-audit/llm-audit@")]
    inputs = {k: str(v) for k, v in action_step["with"].items()}
    fetch = next(s for s in steps if "gh run download" in s.get("run", ""))
    assert "--name llm-audit-report --dir base-report" in fetch["run"] and inputs["compare-to"] == "base-report/llm-audit-report.json"
    assert {"security-events", "pull-requests", "actions"} <= set(wf["permissions"])

    repo = tmp_path / "repo"
    write_tree(repo, {"src/app.py": UNCAPPED, "notebooks/.keep": "", ".llm-audit.yaml": "fail-on: error\n"})
    (repo / ".git").mkdir()
    bin_dir = str(Path(sys.executable).parent)
    subprocess.run([f"{bin_dir}/llm-audit", "baseline", "src", "notebooks"], cwd=repo, check=True, capture_output=True)
    main, up = _job(repo, PUSH, **inputs)  # uses: ./ - this checkout's action.yml
    assert not main.failed, main.log  # the baseline covers today's findings
    (artifact,) = up.artifacts
    base = repo / "base-report" / "llm-audit-report.json"
    base.parent.mkdir()
    base.write_text(json.dumps(artifact["data"]))  # gh run download

    (repo / "src/extra.py").write_text(UNCAPPED.replace('"hi"', '"summarise this"').replace("\n    ", "\n").lstrip())
    pr, up = _job(repo, PR, **inputs)
    assert pr.step("check (SARIF)").outputs["exit-code"] == "1" and pr.failed  # the new finding is not in the baseline
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in up.sarif[0]["runs"][0]["results"]] == ["src/extra.py"]
    md = Path(pr.step("report (markdown)").outputs["file"]).read_text()
    assert "Monthly estimate increased by $" in md, md
