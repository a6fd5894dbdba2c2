"""The README's rule table is generated from rules/ and must not drift; `llm-audit rule` prints the docs."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

from auditor.config.catalog import load_rule_entries
from auditor.config.ruledocs import rule_sections, rule_table
from conftest import REPO, cli

SCRIPT = REPO / "scripts" / "gen_rule_table.py"


def _script():
    spec = importlib.util.spec_from_file_location("gen_rule_table", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_rule_table_matches_rules_folder():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    gen = _script()
    assert readme.count(gen.START) == 1 and readme.count(gen.END) == 1
    current = readme.split(gen.START, 1)[1].split(gen.END, 1)[0].strip("\n") + "\n"
    assert current == rule_table(load_rule_entries()), "README rule table drifted from rules/: run `python scripts/gen_rule_table.py`"


def test_table_lists_every_rule_with_its_first_docs_sentence():
    rules = load_rule_entries()
    table = rule_table(rules).splitlines()
    assert len(table) == 2 + len(rules)
    la101 = next(line for line in table if line.startswith("| LA101 |"))
    assert "`missing-output-cap`" in la101 and "| error | unsafe |" in la101
    assert "Flags a generation call (or prompt-file front matter) that sets no output-token cap for its API." in la101


def test_check_mode_fails_on_drift_and_rewrite_fixes_it(tmp_path):
    gen = _script()
    readme = tmp_path / "README.md"
    stale = f"# x\n\n{gen.START}\n| Code | Name |\n|---|---|\n| LA999 | `gone` |\n{gen.END}\n\n## After\n"
    readme.write_text(stale)
    r = subprocess.run([sys.executable, str(SCRIPT), "--check", "--readme", str(readme)], capture_output=True, text=True)
    assert r.returncode == 1 and "out of date" in r.stderr
    assert readme.read_text() == stale
    r = subprocess.run([sys.executable, str(SCRIPT), "--readme", str(readme)], capture_output=True, text=True)
    assert r.returncode == 0
    text = readme.read_text()
    assert "LA999" not in text and "| LA101 |" in text and text.startswith("# x\n\n") and text.endswith(f"{gen.END}\n\n## After\n")
    assert subprocess.run([sys.executable, str(SCRIPT), "--check", "--readme", str(readme)]).returncode == 0
    readme.write_text("# no markers\n")
    assert subprocess.run([sys.executable, str(SCRIPT), "--check", "--readme", str(readme)], capture_output=True).returncode == 2


def test_rule_command_prints_docs_from_rules(tmp_path):
    la101 = next(r for r in load_rule_entries() if r.code == "LA101")
    sections = rule_sections(la101)
    r = cli("rule", "LA101", cwd=tmp_path)
    assert r.returncode == 0
    out = r.stdout
    assert out.startswith("LA101 missing-output-cap\n")
    for heading in ("What it does", "Why it matters", "Example", "Use instead", "Fix safety", "Savings model"):
        assert f"\n{heading}\n" in out
    assert " ".join(sections["why"].split())[:60] in " ".join(out.split())
    assert "max_tokens=1024" in out  # Use instead: the example's fixed form
    by_name = cli("rule", "missing-output-cap", cwd=tmp_path)
    assert by_name.stdout == out
    unknown = cli("rule", "LA999", cwd=tmp_path)
    assert unknown.returncode == 2 and "no rule" in unknown.stderr


def test_rule_all_json_and_markdown_table(tmp_path):
    data = json.loads(cli("rule", "--all", "--output-format", "json", cwd=tmp_path).stdout)
    assert [d["code"] for d in data] == [r.code for r in load_rule_entries()]
    assert all(d["docs"]["what"] and d["help_uri"].startswith("https://") for d in data)
    table = cli("rule", "--all", "--output-format", "markdown-table", cwd=tmp_path).stdout
    assert table == rule_table(load_rule_entries())


def test_quick_start_commands_work_as_written_in_a_fresh_venv(tmp_path):
    """The README's first command, verbatim, in a new virtualenv on a copy of this tree."""
    import os
    import shutil
    import venv

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0].strip()
    assert quick == "pip install . && llm-audit check examples/ ; llm-audit report examples/"
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns(".git", "__pycache__", ".llm_audit_cache", "*.egg-info", "build", "dist", ".corpus", ".pytest_cache", ".cache-test")
    shutil.copytree(REPO, src, ignore=ignore)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}"
    env["LLM_AUDIT_CACHE_DIR"] = str(tmp_path / "cache")
    r = subprocess.run(["bash", "-c", quick], cwd=src, env=env, capture_output=True, text=True, timeout=1500)
    assert "Successfully installed" in r.stdout or "llm-audit" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]
    assert "examples/insights_app/llm.py:" in r.stdout and "Found " in r.stdout, r.stdout[-3000:]
    assert "LLM call sites: " in r.stdout and "$/month" in r.stdout, r.stdout[-2000:]  # the report ran too
    assert r.returncode == 0, r.stderr[-2000:]  # the report's exit code: it ran
    assert "Traceback" not in r.stderr
