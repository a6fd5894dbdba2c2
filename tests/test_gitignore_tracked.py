"""Files git tracks inside a folder the repository's own .gitignore excludes (recall held-out-4:
RAG_Techniques' ``all_rag_techniques_runnable_scripts/``, 23 generation call sites, under an allow-list
``*`` / ``!*.py`` / ``!all_rag_techniques``).

Decided as Ruff decides (``respect-gitignore``, on by default: "exclude files that are ignored by
``.ignore``, ``.gitignore``, ``.git/info/exclude`` and global gitignore files"; README "Which files are
read"): a folder walk reads the ignore files, not git's index, so such files are not analysed; a path
given explicitly (a file or the folder) is analysed; ``--force-exclude`` applies .gitignore to explicit
paths too.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from auditor.discover import discover

CALL = "from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='gpt-4o-mini')\n"
GITIGNORE = "# Ignore everything by default\n*\n\n!*.py\n!*.ipynb\n!*.md\n!all_rag_techniques\n!data\n"


def _repo(tmp_path):
    files = {
        ".gitignore": GITIGNORE,
        "helper_functions.py": CALL,
        "all_rag_techniques/crag.py": CALL,
        "all_rag_techniques_runnable_scripts/crag.py": CALL,
    }
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    if shutil.which("git"):
        env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(tmp_path)}
        subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, env=env)
        subprocess.run(["git", "add", "-f", "."], cwd=tmp_path, check=True, env=env)  # tracked all the same
        subprocess.run(["git", "commit", "-qm", "init"], cwd=tmp_path, check=True, env=env)
        tracked = subprocess.run(["git", "ls-files"], cwd=tmp_path, check=True, capture_output=True, text=True, env=env).stdout
        assert "all_rag_techniques_runnable_scripts/crag.py" in tracked
    else:
        (tmp_path / ".git").mkdir()


def _rels(files):
    return sorted(f.rel for f in files)


def test_a_walk_skips_tracked_files_in_a_folder_gitignore_excludes(tmp_path):
    _repo(tmp_path)
    files, _ = discover([tmp_path], tmp_path)
    assert _rels(files) == ["all_rag_techniques/crag.py", "helper_functions.py"]


def test_explicit_paths_are_analysed_unless_force_exclude(tmp_path):
    _repo(tmp_path)
    script = tmp_path / "all_rag_techniques_runnable_scripts" / "crag.py"
    files, _ = discover([script], tmp_path)
    assert _rels(files) == ["all_rag_techniques_runnable_scripts/crag.py"]
    folder, _ = discover([script.parent], tmp_path)
    assert _rels(folder) == ["all_rag_techniques_runnable_scripts/crag.py"]
    forced, _ = discover([script], tmp_path, force_exclude=True)
    assert forced == []


@pytest.mark.parametrize("respect", [False])
def test_without_respecting_gitignore_everything_is_walked(tmp_path, respect):
    _repo(tmp_path)
    files, _ = discover([tmp_path], tmp_path, respect_gitignore=respect)
    assert "all_rag_techniques_runnable_scripts/crag.py" in _rels(files)
