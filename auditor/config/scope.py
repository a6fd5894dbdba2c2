"""Which project a run is about, and which policy applies to each of its files.

**The project root** is what the analysis sees whatever paths are given (``check F`` gives the
findings of ``check .`` that lie in F), what reported paths are relative to, and where the
cache and ``llm-audit.lock`` live. For the given paths (in any order):

1. with ``--policy FILE``: FILE's folder (and that one policy applies to every file);
2. inside a git work tree: its top folder, the tree pre-commit runs in and passes paths
   relative to;
3. otherwise the outermost folder holding a policy file between the path and the current
   folder (when the path is inside it; else up to, not including, the home folder); with
   no policy file there, the folder marking a project (``pyproject.toml``, ``setup.cfg``,
   ``setup.py``, ``llm-audit-usage.yaml``): the outermost one between the path and the current
   folder when the path is inside it (a monorepo's ``svc/pyproject.toml`` does not make
   ``check svc/app.py`` another project than ``check .``), else the nearest above the path;
   with none, the current folder (the path's own folder when it lies outside).

Paths with different roots (two repositories in one call) are analysed under their common
folder.

**Each file gets the nearest policy file** above it, up to the root, like Ruff's hierarchical
configuration: a nested ``sub/.llm-audit.yaml`` applies to ``sub/**`` instead of the root's. It
stands alone (the built-in ``default`` pack under it, unless it says
``extends: ../.llm-audit.yaml``), and its globs (``include``, ``exclude``, ``prompt-paths``,
``per-file-ignores``) are relative to its own folder. Nested policy files are found during the
project walk; ``--select``/``--ignore`` given on the command line apply under every policy.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from auditor.config.policy import Policy, marked_root, policy_file_in


def git_root(start: Path) -> Path | None:
    """The top folder of the git work tree holding ``start`` (a ``.git`` folder or file), or None."""
    d = start if start.is_dir() else start.parent
    for folder in (d, *d.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _walk_root(start: Path, cwd: Path) -> Path:
    d = start if start.is_dir() else start.parent
    inside = d == cwd or cwd in d.parents
    home = Path.home().resolve() if "HOME" in os.environ or os.name != "nt" else None
    found = None
    for folder in (d, *d.parents):
        if not inside and (folder == home or folder == folder.parent):
            break
        if policy_file_in(folder) is not None:
            found = folder  # keep walking: the outermost one is the root
        if inside and folder == cwd:
            break
    if found is not None:
        return found
    # no policy file: a folder marking a project (pyproject.toml, setup.py, a usage file, ...),
    # so call-site ids do not change with the path given or the folder run from. Inside the
    # current folder the outermost one up to it, as for policy files: `check .` in a monorepo
    # and `check svc/app.py` (svc/ with a pyproject.toml of its own) see the same project
    marked = marked_root(d, home)
    while inside and marked is not None and marked != cwd:
        outer = marked_root(marked.parent, home)
        if outer is None or not (outer == cwd or cwd in outer.parents):
            break
        marked = outer
    if marked is not None:
        return marked
    return cwd if inside else d


def project_root(paths: list[Path], policy_file: Path | None = None) -> Path:
    """The project root for these paths (see the module docs); order never matters."""
    if policy_file is not None:
        return policy_file.resolve().parent
    cwd = Path.cwd().resolve()
    roots = set()
    for p in paths or [cwd]:
        # where the path is written, not where a symlink leads: a link out of the project must
        # not move the project there (discover then refuses to follow it)
        p = Path(os.path.abspath(p if p.is_absolute() else cwd / p))
        if not p.exists():
            p = p.parent if p.parent.exists() else cwd
        roots.add((git_root(p) or _walk_root(p, cwd)).resolve())
    if len(roots) == 1:
        return roots.pop()
    return Path(os.path.commonpath([str(r) for r in roots]))


@dataclass
class Scope:
    """The policies of one run: the root's, and the nested ones by folder (relative to the root)."""

    root_policy: Policy
    nested: dict[str, Policy] = field(default_factory=dict)
    hierarchical: bool = True
    _memo: dict[str, Policy] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.root_policy.root

    def add_folders(self, folders: list[str]) -> None:
        """Load the policy files in these folders (relative to the root; found by the walk)."""
        if not self.hierarchical:
            return
        for folder in sorted(set(folders)):
            if folder in ("", ".") or folder in self.nested:
                continue
            path = policy_file_in(self.root / folder)
            if path is None or (self.root_policy.path is not None and path.resolve() == self.root_policy.path.resolve()):
                continue
            nested = Policy.load(path)
            nested.root = self.root  # paths stay relative to the project root
            nested.cli_select = self.root_policy.cli_select
            nested.cli_extend_select = list(self.root_policy.cli_extend_select)
            nested.cli_ignore = list(self.root_policy.cli_ignore)
            self.nested[folder] = nested
        self._memo.clear()

    def policy_for(self, rel: str) -> Policy:
        """The nearest policy of the file ``rel`` (relative to the root, forward slashes)."""
        folder = rel.rpartition("/")[0]
        hit = self._memo.get(folder)
        if hit is None:
            hit = self._memo[folder] = self._nearest(folder)
        return hit

    def _nearest(self, folder: str) -> Policy:
        while folder:
            if folder in self.nested:
                return self.nested[folder]
            folder = folder.rpartition("/")[0]
        return self.root_policy

    def base_of(self, policy: Policy) -> str:
        """The folder a policy's globs are relative to ("" for the root's)."""
        for folder, p in self.nested.items():
            if p is policy:
                return folder
        return ""

    def policies(self) -> list[Policy]:
        return [self.root_policy, *(self.nested[k] for k in sorted(self.nested))]

    def local(self, rel: str, policy: Policy) -> str:
        """``rel`` relative to the folder of ``policy`` (for its globs)."""
        base = self.base_of(policy)
        return rel[len(base) + 1 :] if base and rel.startswith(base + "/") else rel


def nearest_policy(root_policy: Policy, path: Path) -> Policy:
    """The policy that applies to ``path`` in the project of ``root_policy`` (its nearest policy
    file, up to the root): what ``--show-settings FILE`` prints."""
    p = (path if path.is_absolute() else Path.cwd() / path).resolve()
    try:
        rel = p.relative_to(root_policy.root.resolve()).as_posix()
    except ValueError:
        return root_policy
    rel = "" if rel == "." else rel
    parts = rel.split("/") if rel else []
    folder_parts = parts if p.is_dir() else parts[:-1]
    scope = Scope(root_policy)
    scope.add_folders(["/".join(folder_parts[:i]) for i in range(1, len(folder_parts) + 1)])
    return scope.policy_for("/".join([*folder_parts, "x"]))


def policy_for_path(path: Path, policy_file: Path | None = None) -> tuple[Policy, Path]:
    """The policy that applies to ``path`` and the project root, loaded from scratch."""
    root_policy = Policy.load(policy_file, start=[path])
    if policy_file is not None:
        return root_policy, root_policy.root
    return nearest_policy(root_policy, path), root_policy.root


# ---------------------------------------------------------------- the files of a run
def anchored(patterns: list[str], base: str) -> list[str]:
    """gitwildmatch ``patterns`` written relative to the folder ``base`` (relative to the root),
    rewritten relative to the root: a pattern with an inner slash stays anchored at ``base``,
    one without matches at any depth below it."""
    if not base:
        return list(patterns)
    out = []
    for pat in patterns:
        neg = pat.startswith("!")
        p = pat[1:] if neg else pat
        p = f"{base}/{p.lstrip('/')}" if "/" in p.rstrip("/") else f"{base}/**/{p}"
        out.append(("!" if neg else "") + p)
    return out


def walk_settings(policy: Policy, base: str = "") -> dict:
    """The discovery settings of ``policy``, its globs made relative to the root."""
    from auditor.discover import normalise_config_paths

    exclude = list(policy.get("exclude", []) or []) + list(policy.get("extend-exclude", []) or [])
    include = policy.get("include") or None
    prompts = policy.get("prompt-paths") or None
    configs = normalise_config_paths(policy.get("model-config-paths"))
    return {
        "include": anchored(include, base) if include else None,
        "exclude": anchored(exclude, base),
        "prompt_paths": anchored(prompts, base) if prompts else None,
        "config_paths": [{**c, "path": anchored([c["path"]], base)[0]} for c in configs],
    }


def _under(rel: str, folder: str) -> bool:
    return not folder or rel == folder or rel.startswith(folder + "/")


@dataclass
class Targets:
    """What a run reports on: the given files, and everything under the given folders (a lock
    or configuration finding of the project lies under ``.``)."""

    files: set[str] = field(default_factory=set)
    folders: list[str] = field(default_factory=list)  # relative to the root; "" is the root

    def __contains__(self, rel: str) -> bool:
        return rel in self.files or any(_under(rel, d) for d in self.folders)

    def add(self, rel: str) -> None:
        self.files.add(rel)


def run_files(scope: Scope, paths: list[Path], force_exclude: bool = False, cache=None, errors: list[tuple[str, str]] | None = None):
    """(every file the run analyses - the whole project and the given paths -, the
    :class:`Targets`, notes). The project is walked with the root policy's globs (or its last
    walk reused from ``cache``, see :func:`_project_walk`); a folder with a nested policy is
    walked again with that policy's. ``errors`` receives the given paths that do not exist and
    the folders that cannot be listed (see :func:`auditor.discover.discover`)."""
    from auditor.discover import Walk, discover

    root = scope.root
    cwd = Path.cwd()
    whole = any((p if p.is_absolute() else cwd / p).resolve() == root for p in paths)
    settings = walk_settings(scope.root_policy)
    walk = Walk()
    rest = [p for p in paths if (p if p.is_absolute() else cwd / p).resolve() != root]
    context, folders, walk_notes = _project_walk(root, settings, cache, errors if whole else None)
    given, notes = discover(rest, root, force_exclude=force_exclude, walk=walk, errors=errors, **settings) if rest else ([], [])
    if whole:
        notes = walk_notes + notes  # what the walk skipped (symlink loops, ...) is said for `check .`
    if whole:
        given = sorted({f.rel: f for f in [*context, *given]}.values(), key=lambda f: f.rel)
    folders = folders + walk.policy_dirs
    scope.add_folders(folders)
    if scope.nested:
        given = _rewalk(scope, given, paths, force_exclude)
        context = given if whole else _rewalk(scope, context, [root], False)
    merged = {f.rel: f for f in context}
    merged.update({f.rel: f for f in given})
    targets = Targets({f.rel for f in given})
    for p in paths:
        full = (p if p.is_absolute() else cwd / p).resolve()
        if full.is_dir():
            try:
                rel = full.relative_to(root).as_posix()
            except ValueError:
                continue
            targets.folders.append("" if rel == "." else rel)
    return sorted(merged.values(), key=lambda f: f.rel), targets, notes


RACY_NS = 2_000_000_000  # a folder changed less than this before the walk began is walked again


def _walk_key(root: Path, settings: dict) -> str:
    return json.dumps([str(root), settings], sort_keys=True)


def _store_walk(cache, root: Path, settings: dict, walk, started: int, files: list, notes: list[str]) -> None:
    if cache is None or not cache.enabled:
        return
    sigs = []
    for path in [*walk.dirs, *walk.ignore_files]:
        try:
            st = os.stat(path)
        except OSError:
            return
        sigs.append((path, st.st_mtime_ns, st.st_size, st.st_ino))
    record = {
        "key": _walk_key(root, settings), "started": started, "sigs": sigs,
        "files": [(f.rel, f.kind) for f in files], "policy_dirs": list(walk.policy_dirs), "notes": list(notes),
    }
    cache.set_meta("walk", record)


def _project_walk(root: Path, settings: dict, cache, errors: list[tuple[str, str]] | None = None) -> tuple[list, list[str], list[str]]:
    """The project's files and policy folders: the last walk's, kept in the cache, while none
    of the folders it listed and none of the .gitignore files it read changed since (their
    mtimes: a file added, removed or renamed changes its folder's), else a new walk. Folders
    changed within :data:`RACY_NS` before that walk began are never trusted."""
    from auditor.discover import SourceFile, Walk, discover

    hit = cache.meta.get("walk") if cache is not None and cache.enabled else None
    if hit is not None and hit.get("key") == _walk_key(root, settings) and _unchanged(hit):
        prefix = os.path.join(os.fspath(root), "")
        return [SourceFile.walked(root, prefix, rel, kind) for rel, kind in hit["files"]], list(hit["policy_dirs"]), list(hit["notes"])
    walk, started, unreadable = Walk(), time.time_ns(), []
    files, notes = discover([root], root, walk=walk, errors=unreadable, **settings)
    if unreadable:  # a folder could not be listed: report it, and walk again next time
        if errors is not None:
            errors.extend(unreadable)
    else:
        _store_walk(cache, root, settings, walk, started, files, notes)
    return files, walk.policy_dirs, notes


def _unchanged(record: dict) -> bool:
    limit = record["started"] - RACY_NS
    for path, mtime, size, ino in record["sigs"]:
        try:
            st = os.stat(path)
        except OSError:
            return False
        if st.st_mtime_ns != mtime or st.st_size != size or st.st_ino != ino or mtime >= limit:
            return False
    return True


def _rewalk(scope: Scope, files: list, paths: list[Path], force_exclude: bool) -> list:
    """Files under nested policies found again with their own globs."""
    from auditor.discover import discover

    root = scope.root
    out = [f for f in files if scope.policy_for(f.rel) is scope.root_policy]  # the rest: found again below
    cwd = Path.cwd()
    rels = []
    for p in paths:
        try:
            r = (p if p.is_absolute() else cwd / p).resolve().relative_to(root).as_posix()
        except ValueError:
            continue
        rels.append("" if r == "." else r)
    for base, policy in scope.nested.items():
        sub = [root / r for r in rels if _under(r, base)] + ([root / base] if any(_under(base, r) and r != base for r in rels) else [])
        if not sub:
            continue
        found, _ = discover(sub, root, force_exclude=force_exclude, **walk_settings(policy, base))
        out.extend(f for f in found if scope.policy_for(f.rel) is policy)
    seen: dict[str, object] = {}
    for f in out:
        seen.setdefault(f.rel, f)
    return list(seen.values())
