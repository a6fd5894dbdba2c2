"""Paths -> the files to analyse.

Walks the given paths, honouring ``.gitignore`` files (pathspec's gitwildmatch), the
policy's ``include`` / ``exclude`` globs and the usual tool folders. Explicitly named files
are always analysed unless ``--force-exclude`` (what pre-commit passes) is set. Symlinks
are followed only when they stay inside the root.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pathspec

DEFAULT_EXCLUDES = [
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    "__pycache__", "node_modules", "site-packages", "build", "dist", ".eggs", "*.egg-info", ".llm_audit_cache",
    ".ipynb_checkpoints",
]
PYTHON_EXT = {".py"}
NOTEBOOK_EXT = {".ipynb"}
PROMPT_EXT = {".prompty", ".prompt", ".j2", ".jinja", ".jinja2"}


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute
    rel: str  # relative to the root, forward slashes
    kind: str  # python | notebook | promptfile
    explicit: bool = False


def file_kind(rel: str, prompt_spec: pathspec.PathSpec | None) -> str | None:
    suffix = os.path.splitext(rel)[1].lower()
    if suffix in PYTHON_EXT:
        return "python"
    if suffix in NOTEBOOK_EXT:
        return "notebook"
    if suffix in PROMPT_EXT:
        return "promptfile"
    if prompt_spec is not None and prompt_spec.match_file(rel):
        return "promptfile"
    return None


class _Ignores:
    """.gitignore files from the root down, each applying below its own folder."""

    def __init__(self, root: Path):
        self.root = root
        self.specs: dict[str, pathspec.PathSpec | None] = {}
        self.matchers: dict[int, object] = {}

    def _spec(self, folder_rel: str) -> pathspec.PathSpec | None:
        if folder_rel not in self.specs:
            f = self.root / folder_rel / ".gitignore"
            spec = None
            if f.is_file():
                try:
                    spec = pathspec.GitIgnoreSpec.from_lines(f.read_text(encoding="utf-8", errors="replace").splitlines())
                except Exception:  # noqa: BLE001 - an odd .gitignore must not stop the run
                    spec = None
            self.specs[folder_rel] = spec
        return self.specs[folder_rel]

    def ignored(self, rel: str, is_dir: bool, given: str = "") -> bool:
        """Is ``rel`` ignored? Patterns that ignore the explicitly ``given`` folder itself (or a
        folder above it) do not count: a folder named on the command line is always walked."""
        parts = rel.split("/")
        for i in range(len(parts)):
            folder = "/".join(parts[:i])
            spec = self._spec(folder)
            if spec is None:
                continue
            if given:
                inside = given[len(folder) + 1 :] if folder else given
                if folder == "" or given.startswith(folder + "/"):
                    spec = self._exempt(folder, spec, inside)
            sub = "/".join(parts[i:]) + ("/" if is_dir else "")
            if self._matcher(spec)(sub):
                return True
        return False

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


def discover(
    paths: list[Path],
    root: Path,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    prompt_paths: list[str] | None = None,
    force_exclude: bool = False,
    respect_gitignore: bool = True,
    errors: list[tuple[str, str]] | None = None,
) -> tuple[list[SourceFile], list[str]]:
    """The files to analyse, and messages about paths that were skipped (missing, outside).

    With ``errors`` given, a missing path or a folder that cannot be read is added there as
    ``(path, reason)`` instead of a message: the caller reports it as an error."""
    root = root.resolve()
    excl = pathspec.GitIgnoreSpec.from_lines(DEFAULT_EXCLUDES + list(exclude or []))
    incl = pathspec.GitIgnoreSpec.from_lines(include) if include else None
    prompts = pathspec.GitIgnoreSpec.from_lines(prompt_paths) if prompt_paths else None
    ignores = _Ignores(root) if respect_gitignore else None
    out: dict[str, SourceFile] = {}
    notes: list[str] = []

    def rel_of(p: Path) -> str | None:
        try:
            return p.resolve().relative_to(root).as_posix()
        except ValueError:
            return None

    exempted: dict[str, object] = {}

    def excluded(rel: str, is_dir: bool, given: str = "") -> bool:
        if given not in exempted:
            exempted[given] = fast_match(without_matches(excl, given))
        if exempted[given](rel + ("/" if is_dir else "")):  # type: ignore[operator]
            return True
        return bool(ignores and ignores.ignored(rel, is_dir, given))

    for given in paths:
        p = given if given.is_absolute() else (Path.cwd() / given)
        if not p.exists():
            if errors is not None:
                errors.append((given.as_posix(), "no such file or directory"))
            else:
                notes.append(f"{given}: no such file or directory")
            continue
        rel = rel_of(p)
        if rel is None:
            # outside the policy root: analyse relative to the path itself
            rel = os.path.relpath(p.resolve(), Path.cwd()).replace(os.sep, "/")
        if not p.is_dir():  # a file, or something that is not one (reported when read)
            kind = file_kind(rel, prompts)
            if kind is None:
                continue
            if force_exclude and (excluded(rel, False) or (incl and not incl.match_file(rel))):
                continue
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

        for dirpath, dirnames, filenames in os.walk(base, followlinks=False, onerror=unreadable):
            sub_dir = os.path.relpath(dirpath, base).replace(os.sep, "/")
            drel = base_rel if sub_dir == "." else (f"{base_rel}/{sub_dir}" if base_rel not in ("", ".") else sub_dir)
            keep = []
            for name in sorted(dirnames):
                sub = f"{drel}/{name}" if drel not in ("", ".") else name
                full = os.path.join(dirpath, name)
                if os.path.islink(full) and rel_of(Path(full)) is None:
                    continue  # a link out of the tree
                if excluded(sub, True, base_rel):
                    continue
                keep.append(name)
            dirnames[:] = keep
            for name in filenames:
                sub = f"{drel}/{name}" if drel not in ("", ".") else name
                kind = file_kind(sub, prompts)
                if kind is None or sub.endswith(".pyi"):
                    continue
                full = os.path.join(dirpath, name)
                if os.path.islink(full) and rel_of(Path(full)) is None:
                    continue  # never follow a symlink out of the tree
                if excluded(sub, False, base_rel) or (incl and not incl.match_file(sub)):
                    continue
                out.setdefault(sub, SourceFile(Path(full), sub, kind))
    return sorted(out.values(), key=lambda f: f.rel), notes
