"""Paths -> the files to analyse.

Walks the given paths, honouring ``.gitignore`` files (pathspec's gitwildmatch), the
policy's ``include`` / ``exclude`` globs and the usual tool folders. Explicitly named files
are always analysed unless ``--force-exclude`` (what pre-commit passes) is set. Symlinks
are followed only when they stay inside the root.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from auditor.reads import read_text

DEFAULT_EXCLUDES = [
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    "__pycache__", "node_modules", "site-packages", "build", "dist", ".eggs", "*.egg-info", ".llm_audit_cache",
    ".ipynb_checkpoints",
]
PYTHON_EXT = {".py"}
NOTEBOOK_EXT = {".ipynb"}
PROMPT_EXT = {".prompty", ".prompt", ".j2", ".jinja", ".jinja2"}
# configuration files whose model ids are checked (policy `model-config-paths` adds to these)
DEFAULT_CONFIG_GLOBS = [".env", ".env.*", "*.env", "*.yaml", "*.yml", "*.json", "*.toml"]
# files that are never model configuration: lock files, llm-audit's own policy and usage files
NOT_CONFIG = {
    "package-lock.json", "composer.lock", "pnpm-lock.yaml", "yarn.lock", "poetry.lock", "pipfile.lock",
    ".llm-audit.yaml", ".llm-audit.yml", "llm-audit-usage.yaml", "llm-audit-usage.yml", ".pre-commit-config.yaml",
    ".pre-commit-hooks.yaml", "tsconfig.json", "package.json", ".eslintrc.json",
}


class _LazyPathspec:
    """:mod:`pathspec`, imported when a glob is first matched: a warm run reuses the cached walk
    (config/scope.py) and matches none (the import is ~10 ms of a ~0.3 s warm run)."""

    def __getattr__(self, name: str):
        import pathspec as module

        globals()["pathspec"] = module
        return getattr(module, name)


pathspec = _LazyPathspec()


class _LazySpec:
    """A gitignore-style spec of ``lines``, compiled on its first match."""

    def __init__(self, lines: list[str]) -> None:
        self.lines, self._spec = lines, None

    @property
    def spec(self):
        if self._spec is None:
            self._spec = pathspec.GitIgnoreSpec.from_lines(self.lines)
        return self._spec

    def match_file(self, rel: str) -> bool:
        return self.spec.match_file(rel)


def normalise_config_paths(items: list[Any] | None) -> list[dict[str, Any]]:
    """Policy ``model-config-paths`` -> ``[{path, keys, policy}]`` plus the defaults."""
    out: list[dict[str, Any]] = []
    for item in items or []:
        if isinstance(item, str):
            out.append({"path": item, "keys": [], "policy": True})
        elif isinstance(item, dict) and item.get("path"):
            out.append({"path": str(item["path"]), "keys": [str(k) for k in item.get("keys") or []], "policy": True})
    if items is None or out:
        out += [{"path": g, "keys": [], "policy": False} for g in DEFAULT_CONFIG_GLOBS]
    return out


@lru_cache(maxsize=256)
def _config_spec(pattern: str) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines([pattern])  # the same glob dialect as prompt-paths


def config_matches(rel: str, paths: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``model-config-paths`` entries that choose this file (none: not a config file)."""
    if rel.rsplit("/", 1)[-1].lower() in NOT_CONFIG:
        return []
    return [p for p in paths if _config_spec(p["path"]).match_file(rel)]


# names of files that may hold a policy (config/policy.py decides; a pyproject.toml only with [tool.llm-audit])
POLICY_NAMES = frozenset({".llm-audit.yaml", ".llm-audit.yml", "llm-audit.yaml", "pyproject.toml"})


@dataclass
class Walk:
    """What a :func:`discover` walk looked at: the folders listed (absolute), those holding a
    policy file (relative to the root), the .gitignore files read. A later run may reuse the
    walk's result while none of them changed (config/scope.py)."""

    dirs: list[str] = field(default_factory=list)
    policy_dirs: list[str] = field(default_factory=list)
    ignore_files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute
    rel: str  # relative to the root, forward slashes
    kind: str  # python | notebook | promptfile | config
    explicit: bool = False


def file_kind(rel: str, prompt_spec: pathspec.PathSpec | None, config_paths: list[dict] | None = None) -> str | None:
    suffix = os.path.splitext(rel)[1].lower()
    if suffix in PYTHON_EXT:
        return "python"
    if suffix in NOTEBOOK_EXT:
        return "notebook"
    if suffix in PROMPT_EXT:
        return "promptfile"
    if prompt_spec is not None and prompt_spec.match_file(rel):
        return "promptfile"
    if config_paths and config_matches(rel, config_paths):
        return "config"  # model ids in .env / YAML / JSON / TOML
    return None


class _Ignores:
    """.gitignore files from the root down, each applying below its own folder."""

    def __init__(self, root: Path):
        self.root = root
        self.specs: dict[str, pathspec.PathSpec | None] = {}
        self.matchers: dict[int, object] = {}
        self.depths: dict[str, list[int]] = {}

    def _spec(self, folder_rel: str) -> pathspec.PathSpec | None:
        if folder_rel not in self.specs:
            f = self.root / folder_rel / ".gitignore"
            spec = None
            if f.is_file():
                try:
                    spec = pathspec.GitIgnoreSpec.from_lines(read_text(f, encoding="utf-8", errors="replace").splitlines())
                except Exception:  # noqa: BLE001 - an odd .gitignore must not stop the run
                    spec = None
            self.specs[folder_rel] = spec
        return self.specs[folder_rel]

    def _with_specs(self, parent: str) -> list[int]:
        """Depths of the folders above (and at) ``parent`` that hold a .gitignore, memoised
        per folder: a tree without .gitignore files costs one lookup per file."""
        hit = self.depths.get(parent)
        if hit is None:
            parts = parent.split("/") if parent else []
            hit = [i for i in range(len(parts) + 1) if self._spec("/".join(parts[:i])) is not None]
            self.depths[parent] = hit
        return hit

    def ignored(self, rel: str, is_dir: bool, given: str = "") -> bool:
        """Is ``rel`` ignored? Patterns that ignore the explicitly ``given`` folder itself (or a
        folder above it) do not count: a folder named on the command line is always walked."""
        depths = self._with_specs(rel.rpartition("/")[0])
        if not depths:
            return False
        parts = rel.split("/")
        for i in depths:
            folder = "/".join(parts[:i])
            spec = self._spec(folder)
            if spec is None:
                continue
            if given:
                inside = given[len(folder) + 1 :] if folder else given
                if folder == "" or given.startswith(folder + "/"):
                    spec = self._exempt(folder, spec, inside)
            sub = "/".join(parts[i:]) + ("/" if is_dir else "")
            if is_dir and self._negates(spec):
                if folder_ignored(spec, sub[:-1]):
                    return True
            elif self._matcher(spec)(sub):
                return True
        return False

    def _negates(self, spec: pathspec.PathSpec) -> bool:
        key = -id(spec)
        hit = self.matchers.get(key)
        if hit is None:
            hit = self.matchers[key] = any(p.include is False for p in spec.patterns)
        return bool(hit)

    def _matcher(self, spec: pathspec.PathSpec):
        m = self.matchers.get(id(spec))
        if m is None:
            m = self.matchers[id(spec)] = fast_match(spec)
        return m

    def _exempt(self, folder: str, spec: pathspec.PathSpec, given: str) -> pathspec.PathSpec:
        key = f"{folder}\0{given}"
        if key not in self.specs:
            self.specs[key] = without_matches(spec, given)
        return self.specs[key]  # type: ignore[return-value]


def folder_ignored(spec: pathspec.PathSpec, sub: str) -> bool:
    """git's answer for the folder ``sub`` (no trailing slash) under patterns that negate: the last
    pattern matching the folder itself decides, a pattern written with a trailing slash being
    tried on ``sub/``. (pathspec's GitIgnoreSpec, asked about ``sub/``, lets ``*`` outrank a later
    ``!sub``: ``*`` then ``!src`` and ``!*.py``, which git reads as "only src and Python files",
    hid every folder; a pattern such as ``sub/*`` matches what is inside, not the folder.)"""
    verdict = False
    for p in spec.patterns:
        if p.include is None:
            continue
        probe = sub + "/" if str(p.pattern).rstrip().endswith("/") else sub
        if p.match_file(probe):
            verdict = bool(p.include)
    return verdict


def fast_match(spec: pathspec.PathSpec):
    """A ``path -> bool`` matcher for ``spec``: one combined regex when no pattern negates
    (then "any pattern matches" is gitignore's answer), else pathspec's own loop."""
    patterns = [p for p in spec.patterns if p.include is not None]
    if any(not p.include for p in patterns) or any(getattr(p, "regex", None) is None for p in patterns):
        return spec.match_file
    if not patterns:
        return lambda path: False
    combined = re.compile("|".join(f"(?:{p.regex.pattern.replace('(?P<ps_d>', '(?:')})" for p in patterns))
    return lambda path: combined.match(path) is not None


def without_matches(spec: pathspec.PathSpec, folder: str) -> pathspec.PathSpec:
    """``spec`` minus the ignore patterns that match ``folder`` or a folder above it."""
    if not folder or folder == ".":
        return spec
    parts = folder.split("/")
    ancestors = ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    kept = [p for p in spec.patterns if not (p.include and any(p.match_file(a) for a in ancestors))]
    return pathspec.GitIgnoreSpec(kept) if len(kept) != len(spec.patterns) else spec


def _in_excluded_folder(rel: str, excluded) -> bool:
    parts = rel.split("/")[:-1]
    return any(excluded("/".join(parts[: i + 1]), True) for i in range(len(parts)))


def discover(
    paths: list[Path],
    root: Path,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    prompt_paths: list[str] | None = None,
    force_exclude: bool = False,
    respect_gitignore: bool = True,
    walk: Walk | None = None,
    errors: list[tuple[str, str]] | None = None,
    config_paths: list[dict] | None = None,
) -> tuple[list[SourceFile], list[str]]:
    """The files to analyse, and messages about paths that were skipped (missing, outside).
    ``walk`` receives what the walk looked at (see :class:`Walk`).

    With ``errors`` given, a missing path or a folder that cannot be read is added there as
    ``(path, reason)`` instead of a message: the caller reports it as an error."""
    root = root.resolve()
    # each built when first matched: a given .py file without --force-exclude needs none (pre-commit)
    excl = _LazySpec(DEFAULT_EXCLUDES + list(exclude or []))
    incl = _LazySpec(include) if include else None
    prompts = _LazySpec(prompt_paths) if prompt_paths else None
    ignores = _Ignores(root) if respect_gitignore else None
    out: dict[str, SourceFile] = {}
    notes: list[str] = []

    def rel_of(p: Path) -> str | None:
        try:
            return p.resolve().relative_to(root).as_posix()
        except (ValueError, OSError, RuntimeError):  # outside the root, or a symlink loop
            return None

    exempted: dict[str, object] = {}

    def excluded(rel: str, is_dir: bool, given: str = "") -> bool:
        if given not in exempted:
            exempted[given] = fast_match(without_matches(excl.spec, given))
        if exempted[given](rel + ("/" if is_dir else "")):  # type: ignore[operator]
            return True
        return bool(ignores and ignores.ignored(rel, is_dir, given))

    for given in paths:
        p = given if given.is_absolute() else (Path.cwd() / given)
        if not p.exists():
            if os.path.islink(p):
                notes.append(f"{given}: symlink loop or dangling symlink, skipped")
                continue
            if errors is not None:
                errors.append((given.as_posix(), "no such file or directory"))
            else:
                notes.append(f"{given}: no such file or directory")
            continue
        rel = rel_of(p)
        if rel is None and _inside(Path(os.path.abspath(p)), root):
            # written inside the project, resolving outside it: a symlink out of the tree
            notes.append(f"{given}: a symlink that leaves the project; not followed")
            continue
        if rel is None:
            # outside the policy root: analyse relative to the path itself
            rel = os.path.relpath(p.resolve(), Path.cwd()).replace(os.sep, "/")
        if not p.is_dir():  # a file, or something that is not one (reported when read)
            kind = file_kind(rel, prompts, config_paths)
            if kind is None:
                continue
            if force_exclude and (excluded(rel, False) or (incl and not incl.match_file(rel)) or _in_excluded_folder(rel, excluded)):
                continue  # as a walk would: a file in a folder .gitignore excludes is skipped even if `!*.py` matches it
            out[rel] = SourceFile(p.resolve(), rel, kind, explicit=True)
            continue
        base = p.resolve()
        base_rel = rel  # the walk below builds relative paths by joining, without resolving each file
        def unreadable(e: OSError, base_rel: str = base_rel, base: Path = base) -> None:
            where = os.path.relpath(e.filename, base).replace(os.sep, "/") if e.filename else "."
            where = base_rel if where == "." else (f"{base_rel}/{where}" if base_rel not in ("", ".") else where)
            if errors is not None:
                errors.append((where, f"cannot read folder: {e.strerror or e}"))
            else:
                notes.append(f"{where}: cannot read folder: {e.strerror or e}")

        for dirpath, dirnames, filenames, links in _walk(str(base), unreadable):
            sub_dir = os.path.relpath(dirpath, base).replace(os.sep, "/")
            drel = base_rel if sub_dir == "." else (f"{base_rel}/{sub_dir}" if base_rel not in ("", ".") else sub_dir)
            keep = []
            for name in sorted(dirnames):
                sub = f"{drel}/{name}" if drel not in ("", ".") else name
                full = os.path.join(dirpath, name)
                if name in links and rel_of(Path(full)) is None:
                    continue  # a link out of the tree
                if excluded(sub, True, base_rel):
                    continue
                keep.append(name)
            dirnames[:] = keep
            if walk is not None:
                walk.dirs.append(dirpath)
                if not POLICY_NAMES.isdisjoint(filenames):
                    walk.policy_dirs.append("" if drel == "." else drel)
            for name in filenames:
                sub = f"{drel}/{name}" if drel not in ("", ".") else name
                kind = file_kind(sub, prompts, config_paths)
                if kind is None or sub.endswith(".pyi"):
                    continue
                full = os.path.join(dirpath, name)
                if name in links and rel_of(Path(full)) is None:
                    if _is_loop(full):
                        notes.append(f"{sub}: symlink loop, skipped")
                    continue  # never follow a symlink out of the tree
                if name in links and not os.path.exists(full):
                    notes.append(f"{sub}: dangling symlink, skipped")
                    continue
                if excluded(sub, False, base_rel) or (incl and not incl.match_file(sub)):
                    continue
                out.setdefault(sub, SourceFile(Path(full), sub, kind))
    if walk is not None and ignores is not None:
        walk.ignore_files.extend(str(root / folder / ".gitignore") for folder, spec in ignores.specs.items() if spec is not None and "\0" not in folder)
    return _unique_files(sorted(out.values(), key=lambda f: f.rel)), notes


def _walk(top: str, onerror) -> Iterator[tuple[str, list[str], list[str], set[str]]]:
    """``os.walk(top, followlinks=False, onerror=onerror)`` (top-down), each folder with the names
    in it that are symlinks: told by its directory entries (no ``lstat`` per file or folder)."""
    try:
        with os.scandir(top) as it:
            entries = list(it)
    except OSError as e:
        onerror(e)
        return
    dirs: list[str] = []
    files: list[str] = []
    links: set[str] = set()
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        (dirs if is_dir else files).append(entry.name)
        try:
            if entry.is_symlink():
                links.add(entry.name)
        except OSError:
            pass
    yield top, dirs, files, links
    for name in dirs:  # as the caller left them
        path = os.path.join(top, name)
        if not os.path.islink(path):  # never into a linked folder (asked now, as os.walk does: per folder)
            yield from _walk(path, onerror)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def _is_loop(path: str) -> bool:
    try:
        os.stat(path)
        return False
    except OSError as e:
        import errno

        return e.errno == errno.ELOOP


def _unique_files(files: list[SourceFile]) -> list[SourceFile]:
    """One entry per file on disk: a file reached through in-tree symlinks (or hard links) is
    analysed, reported and fixed once, under its own path rather than a symlink's."""
    by_id: dict[tuple[int, int], SourceFile] = {}
    for n, sf in enumerate(files):
        try:
            st = os.stat(sf.path)
            key = (st.st_dev, st.st_ino)
        except OSError:
            key = (-1, n)  # unreadable: reported (LA000) under the name given
        kept = by_id.get(key)
        if kept is None:
            by_id[key] = sf
        elif os.path.islink(kept.path) and not os.path.islink(sf.path):
            by_id[key] = SourceFile(sf.path, sf.rel, sf.kind, explicit=kept.explicit or sf.explicit)
        elif sf.explicit and not kept.explicit:
            by_id[key] = SourceFile(kept.path, kept.rel, kept.kind, explicit=True)
    return sorted(by_id.values(), key=lambda f: f.rel)
