"""Policy: discovery, extends, selection, severity, params, per-file-ignores, and errors with file:line:col."""

from __future__ import annotations

import json

from conftest import cli, codes, write_tree

APP = {
    "app/llm.py": """
        from openai import OpenAI

        client = OpenAI()

        def label(text: str) -> str:
            resp = client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": text}],
            )
            return resp.choices[0].message.content
    """,
    "app/reasoning.py": """
        from openai import OpenAI

        client = OpenAI()
        client.chat.completions.create(model="o3", messages=[], max_tokens=100)
    """,
}


def test_default_policy_finds_uncapped_call(project):
    result = project(APP)
    assert "LA101" in codes(result) and "LA103" in codes(result)


def test_select_ignore_and_prefix(project):
    assert set(codes(project(APP, policy="select: [LA103]\n"))) == {"LA103"}
    assert "LA101" not in codes(project(APP, policy="ignore: [missing-output-cap]\n"))
    assert set(codes(project(APP, policy="select: [LA1]\nignore: [LA103]\n"))) == {"LA101"}


def test_severity_override_and_fail_on(project, tmp_path):
    write_tree(tmp_path, APP)
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / ".llm-audit.yaml").write_text("severity:\n  LA101: info\n  LA103: info\n  LA402: info\nfail-on: warning\n")  # LA402: gpt-4o-mini and o3 are deprecated
    r = cli("check", ".", "--output-format", "json", cwd=tmp_path)
    data = json.loads(r.stdout)
    assert {f["severity"] for f in data} == {"info"}
    assert r.returncode == 0, r.stderr  # info is below fail-on
    (tmp_path / ".llm-audit.yaml").write_text("fail-on: info\nseverity: {LA1: info}\n")
    assert cli("check", ".", cwd=tmp_path).returncode == 1


def test_params_change_the_fix(project):
    result = project(APP, policy="params:\n  LA101:\n    default-cap: 256\n")
    fix = next(f for f in result.findings if f.code == "LA101").fix
    assert fix is not None and "max_tokens=256" in fix.edits[0].content


def test_per_file_ignores(project):
    result = project(APP, policy='per-file-ignores:\n  "app/reasoning.py": [LA103]\n')
    assert "LA103" not in codes(result) and "LA101" in codes(result)


def test_pyproject_table_is_used(tmp_path):
    write_tree(tmp_path, APP)
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.llm-audit]\nselect = ["LA103"]\n')
    data = json.loads(cli("check", ".", "--output-format", "json", cwd=tmp_path).stdout)
    assert {f["code"] for f in data} == {"LA103"}


def test_policy_found_upward_from_subfolder(tmp_path):
    write_tree(tmp_path, APP)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".llm-audit.yaml").write_text("select: [LA103]\n")
    data = json.loads(cli("check", "app", "--output-format", "json", cwd=tmp_path).stdout)
    assert {f["code"] for f in data} == {"LA103"}
    assert all(f["path"].startswith("app/") for f in data)


def test_extends_relative_file_and_strict_pack(project):
    files = dict(APP)
    files["app/kw.py"] = """
        from openai import OpenAI
        client = OpenAI()
        def ask(**kwargs):
            return client.chat.completions.create(model="gpt-4o-mini", messages=[], **kwargs)
    """
    files["team/base.yaml"] = "select: [LA101]\n"
    result = project(files, policy="extends: [team/base.yaml]\n")
    assert set(codes(result)) == {"LA101"}
    assert not any(f.path == "app/kw.py" for f in result.findings)  # unknown **kwargs: not missing
    strict = project(files, policy="extends: [strict]\nselect: [LA101]\n")
    assert any(f.path == "app/kw.py" for f in strict.findings)


def test_wrong_type_exits_2_with_line_and_column(tmp_path):
    write_tree(tmp_path, APP)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".llm-audit.yaml").write_text("select: [LA101]\nparams:\n  LA101:\n    default-cap: 512\nfail-on: 3\n")
    r = cli("check", ".", cwd=tmp_path)
    assert r.returncode == 2
    assert ".llm-audit.yaml:5:1" in r.stderr and "fail-on" in r.stderr
    assert "Traceback" not in r.stderr


def test_unknown_key_and_bad_yaml_exit_2(tmp_path):
    write_tree(tmp_path, APP)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".llm-audit.yaml").write_text("select: [LA101]\nselekt: [LA102]\n")
    r = cli("check", ".", cwd=tmp_path)
    assert r.returncode == 2 and ".llm-audit.yaml:2:1" in r.stderr and "selekt" in r.stderr
    (tmp_path / ".llm-audit.yaml").write_text("select: [LA101\n")
    r = cli("check", ".", cwd=tmp_path)
    assert r.returncode == 2 and ".llm-audit.yaml:" in r.stderr and "Traceback" not in r.stderr


def test_nested_error_position(tmp_path):
    write_tree(tmp_path, APP)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".llm-audit.yaml").write_text("models:\n  my-model:\n    provider: openai\n    tier: huge\n")
    r = cli("check", ".", cwd=tmp_path)
    assert r.returncode == 2 and ".llm-audit.yaml:4:5" in r.stderr and "models.my-model.tier" in r.stderr


def test_call_site_wrappers_from_policy(project):
    files = {
        "svc/llm.py": """
            from openai import OpenAI
            _client = OpenAI()

            def ask_llm(prompt, model="gpt-4o-mini", budget=None):
                return _client.chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}], max_tokens=budget or 200)
        """,
        "svc/jobs.py": """
            from svc.llm import ask_llm

            def run(texts):
                return [ask_llm(t, model="gpt-4o") for t in texts]

            def one(text):
                return ask_llm(text, budget=50)
        """,
    }
    policy = """
call-sites:
  - id: svc.ask_llm
    provider: openai
    match: {callables: [svc.llm.ask_llm]}
    signature: [prompt, model]
    model: [model]
    prompt: {prompt: prompt}
    cap: [budget]
"""
    result = project(files, policy=policy, select=["LA101"])
    hits = [f for f in result.findings if f.path == "svc/jobs.py"]
    assert [f.line for f in hits] == [5], [f.message for f in result.findings]
    sites = [s for s in result.project.call_sites() if s.api == "svc.ask_llm"]
    assert {s.model_name for s in sites} == {"gpt-4o", None}


def test_builtin_packs_are_valid_policies():
    """Packs are loaded without runtime validation, so the suite validates them."""
    from auditor.config.catalog import rules_dir
    from auditor.config.policy import read_policy_file

    for name in ("default", "strict"):
        read_policy_file(rules_dir() / f"{name}.yaml")  # raises PolicyError if invalid
