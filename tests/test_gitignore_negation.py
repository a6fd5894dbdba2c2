"""Folders re-included by a negated .gitignore pattern are walked, as git walks them.

Found on NirDiamant/RAG_Techniques (recall held-out-4): its .gitignore is "ignore everything, then
allow some file types and some folders" (``*``, ``!*.py``, ``!*.ipynb``, ``!all_rag_techniques``,
...). git tracks the notebooks of ``all_rag_techniques/``; the discovery asked pathspec's
GitIgnoreSpec about ``all_rag_techniques/``, which lets ``*`` outrank the later negation, and
skipped every folder: 75 generation call sites were never read.
"""

import pathspec

from auditor.discover import discover, folder_ignored


def _tree(tmp_path, files):
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def _found(tmp_path):
    files, _ = discover([tmp_path], tmp_path)
    return sorted(f.rel for f in files)


CALL = "from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o', messages=[])\n"


def test_allow_list_gitignore_keeps_reincluded_folders(tmp_path):
    _tree(tmp_path, {
        ".gitignore": "# Ignore everything by default\n*\n\n!*.py\n!*.ipynb\n!*.md\n!techniques\n!evaluation\n",
        "helper.py": CALL,
        "techniques/rag.py": CALL,
        "evaluation/judge.py": CALL,
        "scripts/run.py": CALL,  # a folder the allow-list does not name: git ignores it
        "techniques/notes.txt": "not a source file type the list allows",
    })
    assert _found(tmp_path) == ["evaluation/judge.py", "helper.py", "techniques/rag.py"]


def test_reinclude_every_folder_with_trailing_slash(tmp_path):
    # git's documented idiom: ignore all, re-include folders, then the file types wanted
    _tree(tmp_path, {
        ".gitignore": "*\n!*/\n!*.py\n",
        "a/b/c.py": CALL,
        "a/b/data.csv": "x,y\n",
    })
    assert _found(tmp_path) == ["a/b/c.py"]


def test_patterns_without_negation_unchanged(tmp_path):
    _tree(tmp_path, {
        ".gitignore": "build/\n*.generated.py\n",
        "build/out.py": CALL,
        "src/app.py": CALL,
        "src/x.generated.py": CALL,
    })
    assert _found(tmp_path) == ["src/app.py"]


def test_negated_file_inside_ignored_folder_stays_ignored(tmp_path):
    # git cannot re-include a file whose folder is excluded
    _tree(tmp_path, {
        ".gitignore": "vendor/\n!vendor/keep.py\n",
        "vendor/keep.py": CALL,
        "main.py": CALL,
    })
    assert _found(tmp_path) == ["main.py"]


def test_folder_ignored_reads_the_last_matching_pattern():
    spec = pathspec.GitIgnoreSpec.from_lines(["*", "!src", "src/"])
    assert folder_ignored(spec, "src") is True  # the later folder pattern wins again
    spec = pathspec.GitIgnoreSpec.from_lines(["out/*", "!out/keep"])
    assert folder_ignored(spec, "out") is False  # out/* matches what is inside out, not out
    assert folder_ignored(spec, "out/other") is True
    assert folder_ignored(spec, "out/keep") is False
