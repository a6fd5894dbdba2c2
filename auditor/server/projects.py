"""Projects: which policy and root each open document belongs to, and one engine run per project.

A document belongs to the project ``check`` would put it in (config/scope.py): its git work tree,
else the outermost folder with a policy file up to the workspace folder, else the workspace
folder (else its own folder); within it each file gets its nearest policy file, as ``check``
gives it. Each run analyses the whole project - the
per-file facts cache serves the files that did not change - with the open documents' unsaved
text as overlays, so a prompt constant edited in one open file reaches the call sites of
another. Policies are loaded once and dropped by :meth:`Projects.reload` when a policy, usage
file or lock changes on disk.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.findings import Finding
from auditor.config.policy import Policy, PolicyError, find_policy_file, policy_file_in
from auditor.config.scope import git_root
from auditor.server.documents import Snapshot

if TYPE_CHECKING:  # pragma: no cover
    from auditor.engine import RunResult

# files whose change on disk changes the settings or the lock: policies are reloaded
SETTINGS_FILES = (".llm-audit.yaml", ".llm-audit.yml", "llm-audit.yaml", "pyproject.toml", "llm-audit-usage.yaml", "llm-audit.lock")


@dataclass
class OpenFile:
    snap: Snapshot
    rel: str  # relative to the project root, forward slashes (as findings are)
    kind: str  # python | notebook | promptfile


@dataclass
class Analysis:
    """The last engine run of one project and the open documents it saw."""

    root: Path
    policy: Policy
    result: RunResult
    files: dict[str, OpenFile]  # uri -> open file
    findings: dict[str, list[Finding]] = field(default_factory=dict)  # rel -> findings
    ms: int = 0


class Projects:
    def __init__(self) -> None:
        self.folders: list[Path] = []  # workspace folders
        self._policies: dict[str, Policy] = {}  # project root -> its root policy
        self.analyses: dict[Path, Analysis] = {}
        self.errors: dict[Path, str] = {}  # project root -> policy error
        self._lock = threading.Lock()  # one engine run at a time

    # ---------------------------------------------------------------- where a document belongs
    def _fallback_root(self, path: Path) -> Path:
        holders = [f for f in self.folders if f == path or f in path.parents]
        if holders:
            return max(holders, key=lambda f: len(f.parts))
        return path.parent

    def project_root(self, path: Path) -> Path:
        """The root ``llm-audit check`` would give this document (config/scope.py): its git work
        tree, else the outermost folder holding a policy file up to the workspace folder, else the
        workspace folder. Nested policy files apply below their folders inside that project."""
        found = git_root(path)
        if found is not None:
            return found.resolve()
        stop = self._fallback_root(path)
        outer = None
        for d in path.parents:
            if policy_file_in(d) is not None:
                outer = d
            if d == stop or d == Path.home():
                break
        return (outer or stop).resolve()

    def policy_for(self, path: Path) -> Policy:
        """The root policy of the document's project (raises PolicyError for a broken one)."""
        root = self.project_root(path)
        policy = self._policies.get(str(root))
        if policy is None:
            file = policy_file_in(root)
            policy = Policy.load(file) if file is not None else Policy.load(None, start=root)
            policy.root = root
            self._policies[str(root)] = policy
        return policy

    def reload(self) -> None:
        """Forget loaded policies (a policy, usage file or lock changed)."""
        self._policies.clear()

    def group(self, snaps: list[Snapshot]) -> tuple[dict[Path, tuple[Policy, list[OpenFile]]], dict[Path, str]]:
        """Open documents by project, with their path relative to it and their kind; and the
        projects whose policy is broken (root -> message)."""
        from auditor.discover import file_kind

        projects: dict[Path, tuple[Policy, list[OpenFile]]] = {}
        errors: dict[Path, str] = {}
        for snap in snaps:
            try:
                policy = self.policy_for(snap.path)
            except PolicyError as e:
                errors[(find_policy_file(snap.path) or snap.path).parent] = str(e)
                continue
            try:
                rel = snap.path.relative_to(policy.root).as_posix()
            except ValueError:
                continue  # outside its project's root (a symlink out of the tree)
            if snap.notebook:
                kind: str | None = "notebook"
            else:
                import pathspec

                prompt_paths = policy.get("prompt-paths") or []
                kind = file_kind(rel, pathspec.GitIgnoreSpec.from_lines(prompt_paths) if prompt_paths else None)
            if kind is None or kind == "notebook" and not snap.notebook:
                continue
            projects.setdefault(policy.root, (policy, []))[1].append(OpenFile(snap, rel, kind))
        return projects, errors

    # ---------------------------------------------------------------- one run
    def analyse(self, policy: Policy, files: list[OpenFile], today: date | None = None) -> Analysis:
        """Run the engine on the project with the open files' content; keep the result."""
        from auditor.engine import RunOptions, run

        with self._lock:
            t0 = time.perf_counter()
            overlays = {f.rel: f.snap.overlay() for f in files}
            # jobs=1: no process pool. Forking a process whose other threads hold locks (pygls reads
            # stdin in a thread) deadlocks the children; a cold first run is slower, later runs
            # read unchanged files from the facts cache
            opts = RunOptions(paths=[policy.root], policy=policy, today=today or date.today(), overlays=overlays, jobs=1)
            result = run(opts)
            by_rel: dict[str, list[Finding]] = {}
            for f in result.findings:
                by_rel.setdefault(f.path, []).append(f)
            analysis = Analysis(policy.root, policy, result, {f.snap.uri: f for f in files}, by_rel, int((time.perf_counter() - t0) * 1000))
            self.analyses[policy.root] = analysis
            return analysis

    # ---------------------------------------------------------------- lookups
    def find(self, uri: str) -> tuple[Analysis, OpenFile, int | None] | None:
        """The analysis that saw document ``uri`` (a file, a notebook or one of its cells),
        the open file, and the cell index for a cell URI."""
        for analysis in list(self.analyses.values()):
            hit = analysis.files.get(uri)
            if hit is not None:
                return analysis, hit, None
            for of in analysis.files.values():
                cell = of.snap.cell_of(uri)
                if cell is not None:
                    return analysis, of, cell
        return None
