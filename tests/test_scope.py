"""Which project a run is about and which policy applies to each file (config/scope.py), and how
`prompt-names` and `prompt-paths` match (config/names.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import cli, write_tree

from auditor.config.names import name_matches
from auditor.config.scope import policy_for_path, project_root

DEFAULT_NAMES = ["*PROMPT*", "*INSTRUCTION*", "SYSTEM*", "*TEMPLATE*"]


# ---------------------------------------------------------------- the project root
def test_root_is_the_git_work_tree_whatever_the_paths(tmp_path, monkeypatch):
    write_tree(tmp_path, {"repo/svc/a.py": "", "repo/svc/.llm-audit.yaml": "fail-on: error\n", "repo/b.py": ""})
    (tmp_path / "repo/.git").mkdir()
    monkeypatch.chdir(tmp_path / "repo/svc")
    root = tmp_path / "repo"
    assert project_root([Path("a.py")]) == root
    assert project_root([Path("a.py"), Path("../b.py")]) == project_root([Path("../b.py"), Path("a.py")]) == root


def test_outside_git_the_outermost_policy_below_the_current_folder(tmp_path, monkeypatch):
    write_tree(tmp_path, {"proj/.llm-audit.yaml": "", "proj/sub/.llm-audit.yaml": "", "proj/sub/c.py": "", "proj/b.py": "", "plain/x.py": ""})
    monkeypatch.chdir(tmp_path)
    assert project_root([Path("proj/sub/c.py")]) == tmp_path / "proj"
    assert project_root([Path("proj/b.py"), Path("proj/sub/c.py")]) == tmp_path / "proj"
    assert project_root([Path("plain/x.py")]) == tmp_path  # no policy: the current folder
    monkeypatch.chdir(tmp_path / "plain")
    assert project_root([tmp_path / "proj/sub/c.py"]) == tmp_path / "proj"  # outside the current folder


def test_outside_git_a_nested_project_marker_does_not_split_the_project(tmp_path, monkeypatch):
    """A monorepo copied without .git (a release tarball, a CI artefact): the top has a
    pyproject.toml and so has a service folder. From the top, `check svc/.env.example` must see
    the project `check .` sees (the finding's path stays `svc/.env.example`, not `.env.example`),
    while from inside the service its own marker still makes it the project."""
    write_tree(tmp_path, {
        "repo/pyproject.toml": "[project]\nname = 'graph'\n",
        "repo/.env.example": "NEO4J_URI=bolt://localhost:7687\n",
        "repo/svc/pyproject.toml": "[project]\nname = 'svc'\n",
        "repo/svc/.env.example": "OPENAI_API_KEY=sk-placeholder\nMODEL_NAME=gpt-4.1-mini\n",
        "repo/svc/main.py": "import os\nMODEL = os.environ.get('MODEL_NAME', 'gpt-4o-mini')\n",
        "elsewhere/x.py": "",
    })
    repo = tmp_path / "repo"
    monkeypatch.chdir(repo)
    assert project_root([Path("svc/.env.example")]) == project_root([Path(".")]) == repo
    assert project_root([Path("svc/main.py"), Path(".env.example")]) == repo
    args = ("check", "--output-format", "json", "--exit-zero", "--no-cache", "--today", "2026-12-01")
    whole, one = cli(*args, ".", cwd=repo), cli(*args, "svc/.env.example", cwd=repo)
    want = [f for f in json.loads(whole.stdout) if f["path"] == "svc/.env.example"]
    assert want and json.loads(one.stdout) == want  # LA402 on MODEL_NAME, under its full path
    monkeypatch.chdir(repo / "svc")
    assert project_root([Path("main.py")]) == repo / "svc"  # run from the service: its own project
    monkeypatch.chdir(tmp_path)
    assert project_root([Path("repo/svc/main.py")]) == repo  # the outermost marker up to the current folder
    assert project_root([tmp_path / "repo/svc/main.py"]) == repo
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert project_root([repo / "svc/main.py"]) == repo / "svc"  # outside the current folder: the nearest, as before


def test_policy_for_path_is_the_nearest(tmp_path, monkeypatch):
    write_tree(tmp_path, {".llm-audit.yaml": "fail-on: warning\n", "nb/.llm-audit.yaml": "fail-on: error\n", "nb/x.ipynb": "{}", "app/a.py": ""})
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    nested, root = policy_for_path(Path("nb/x.ipynb"))
    assert root == tmp_path and nested.path == tmp_path / "nb/.llm-audit.yaml" and nested.fail_on == "error"
    top, _ = policy_for_path(Path("app/a.py"))
    assert top.path == tmp_path / ".llm-audit.yaml" and top.fail_on == "warning"
    given, _ = policy_for_path(Path("nb/x.ipynb"), Path(".llm-audit.yaml"))
    assert given.path.resolve() == (tmp_path / ".llm-audit.yaml").resolve()  # --policy FILE wins


UNCAPPED = "import litellm\nlitellm.completion(model='gpt-4o-mini', messages=[{'role': 'user', 'content': 'In order to help, list the steps.'}])\n"


def test_nested_policy_applies_below_its_folder_in_any_argument_order(tmp_path):
    write_tree(tmp_path, {
        ".llm-audit.yaml": "severity: {LA101: warning}\n",
        "b.py": UNCAPPED,
        "sub/.llm-audit.yaml": "ignore: [LA201]\nseverity: {LA101: info}\nper-file-ignores: {'legacy_*.py': [LA101]}\n",
        "sub/c.py": UNCAPPED,
        "sub/legacy_d.py": UNCAPPED,
    })
    (tmp_path / ".git").mkdir()

    def run(*paths):
        r = cli("check", *paths, "--select", "LA101,LA201", "--output-format", "json", "--exit-zero", "--no-cache", cwd=tmp_path)
        return sorted((f["path"], f["code"], f["severity"]) for f in json.loads(r.stdout))

    one, other = run("b.py", "sub/c.py"), run("sub/c.py", "b.py")
    assert one == other == [("b.py", "LA101", "warning"), ("b.py", "LA201", "warning"), ("sub/c.py", "LA101", "info")]
    # per-file-ignores of the nested policy are relative to its folder
    assert run("sub/legacy_d.py") == []
    assert run(".") == sorted(one)


# ---------------------------------------------------------------- prompt-names
@pytest.mark.parametrize("name", ["SYSTEM_PROMPT", "prompt_template", "instructions", "SYSTEM_MSG", "systemPrompt", "FEW_SHOT_PROMPTS", "HTTPPromptBuilder", "reportTemplate", "system"])
def test_prompt_names_match_identifier_words_in_any_case(name):
    assert name_matches(name, DEFAULT_NAMES)


@pytest.mark.parametrize("name", ["SYSTEMD_UNIT", "promptly", "filesystem", "subsystem", "ANSWER_FMT", "REPORTTEMPLATE", "prompter"])
def test_prompt_names_do_not_match_inside_other_words(name):
    assert not name_matches(name, DEFAULT_NAMES)


def test_a_glob_with_a_question_mark_and_several_words():
    assert name_matches("GUIDE_V2", ["GUIDE_V?"]) and not name_matches("GUIDE_V22", ["GUIDE_V?"])
    assert name_matches("answer_format_text", ["ANSWER_*_TEXT"]) and name_matches("ANSWER_TEXT", ["ANSWER_*_TEXT"])
    assert not name_matches("ANSWERTEXT", ["ANSWER_*_TEXT"])


def test_lower_case_prompt_constants_are_linted_and_look_alikes_are_not(tmp_path):
    write_tree(tmp_path, {
        "prompts.py": 'systemPrompt = "I would like you to answer briefly."\ninstructions = "In order to help, be short."\n',
        "units.py": 'SYSTEMD_UNIT = "I would like you to restart the service."\nfilesystem_note = "In order to help, mount it."\n',
    })
    r = cli("check", ".", "--output-format", "json", "--exit-zero", "--no-cache", "--select", "LA201", cwd=tmp_path)
    found = sorted((f["path"], f["line"]) for f in json.loads(r.stdout))
    assert found == [("prompts.py", 1), ("prompts.py", 2)]


# ---------------------------------------------------------------- prompt-paths
def test_prompt_paths_are_anchored_at_their_policy_and_match_at_any_depth(tmp_path):
    text = "I would like you to answer in one sentence.\n"
    write_tree(tmp_path, {
        ".llm-audit.yaml": "prompt-paths: ['prompts/*.txt', '*.prompt.md']\n",
        "prompts/a.txt": text,  # anchored at the root: yes
        "app/prompts/b.txt": text,  # `prompts/*.txt` has a slash: anchored, so not here
        "app/deep/c.prompt.md": text,  # no slash: any depth
        "docs/.llm-audit.yaml": "prompt-paths: ['prompts/*.txt']\n",
        "docs/prompts/d.txt": text,  # anchored at docs/ (its policy's folder)
        "docs/other/prompts/e.txt": text,
    })
    (tmp_path / ".git").mkdir()
    r = cli("check", ".", "--output-format", "json", "--exit-zero", "--no-cache", "--select", "LA201", cwd=tmp_path)
    assert sorted({f["path"] for f in json.loads(r.stdout)}) == ["app/deep/c.prompt.md", "docs/prompts/d.txt", "prompts/a.txt"]
    alone = cli("check", "docs/prompts/d.txt", "--output-format", "json", "--exit-zero", "--no-cache", "--select", "LA201", cwd=tmp_path)
    assert [f["path"] for f in json.loads(alone.stdout)] == ["docs/prompts/d.txt"]
