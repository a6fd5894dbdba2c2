"""Project.replace re-indexes only the replaced files (Project._reindex): the module lookups it
leaves are exactly those a full index of the new facts gives - duplicate module names, packages'
``__init__``, unique and shared suffixes, files without a module, and a changed module name."""

from __future__ import annotations

import random

from auditor.analysis.project import Project
from auditor.facts import FileFacts
from auditor.sources.python import module_name

PATHS = [
    "app/__init__.py",
    "app/llm/__init__.py",
    "app/llm/client.py",
    "app/services/client.py",  # suffix "client" shared: never indexed alone
    "app/services/summary.py",  # suffix "services.summary" and "summary": unique
    "lib/services/summary.py",  # ... until this one shares them
    "tools/prompts.py",
    "src/pkg/prompts.py",
    "notebooks/explore.ipynb",
    "prompts/system.prompt",  # no module
    "dup/a.py",
    "dup/a/__init__.py",  # the same module name twice: the later file wins
]


def _facts(path: str) -> FileFacts:
    kind = "promptfile" if path.endswith(".prompt") else "notebook" if path.endswith(".ipynb") else "python"
    return FileFacts(path=path, module=module_name(path) if kind != "promptfile" else "", kind=kind)


def _bare(facts: list[FileFacts]) -> Project:
    p = Project.__new__(Project)
    p.facts = list(facts)
    p._index()
    return p


def _same(a: Project, b: Project) -> None:
    assert set(a.by_module) == set(b.by_module)
    for key, f in b.by_module.items():
        assert a.by_module[key] is f, key
    assert a.by_path.keys() == b.by_path.keys()
    assert all(a.by_path[k] is v for k, v in b.by_path.items())


def test_reindex_equals_a_full_index() -> None:
    rng = random.Random(7)
    for _ in range(40):
        facts = [_facts(p) for p in rng.sample(PATHS, len(PATHS))]
        project = _bare(facts)
        new = [_facts(p) for p in rng.sample(PATHS, rng.randint(1, len(PATHS)))]
        by_path = {f.path: f for f in new}
        project.facts = [by_path.get(f.path, f) for f in project.facts]
        project._reindex(new)
        _same(project, _bare(project.facts))
        assert all(project.by_module[m] is by_path[m_f.path] for m, m_f in project.by_module.items() if m_f.path in by_path)


def test_new_facts_point_to_the_new_objects() -> None:
    facts = [_facts(p) for p in PATHS]
    project = _bare(facts)
    old = project.by_module["app.llm.client"]
    assert project.by_module["llm.client"] is old
    fresh = _facts("app/llm/client.py")
    fresh.constants["MODEL"] = "gpt-4o"  # type: ignore[assignment]
    project.facts = [fresh if f.path == fresh.path else f for f in project.facts]
    project._reindex([fresh])
    assert project.by_module["app.llm.client"] is fresh
    assert project.by_module["llm.client"] is fresh
    assert "client" not in project.by_module  # still shared with app/services/client.py
    assert project.by_path["app/llm/client.py"] is fresh


def test_a_changed_module_name_or_an_unknown_path_reindexes_everything() -> None:
    facts = [_facts(p) for p in PATHS]
    project = _bare(facts)
    moved = FileFacts(path="tools/prompts.py", module="renamed.prompts", kind="python")
    project.facts = [moved if f.path == moved.path else f for f in project.facts]
    project._reindex([moved])
    _same(project, _bare(project.facts))
    assert project.by_module["renamed.prompts"] is moved
    assert "tools.prompts" not in project.by_module
    stray = _facts("elsewhere/new.py")  # not one of the project's files: nothing indexes it
    project._reindex([stray])
    _same(project, _bare(project.facts))
    assert "elsewhere.new" not in project.by_module
