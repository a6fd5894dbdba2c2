"""The sdist notebook corpus of ``benchmarks/run.py``: real projects' docs and example notebooks.

Pinned PyPI source distributions of LLM libraries whose sdist ships the project's documentation
or example notebooks (with their outputs, as committed) beside its ``.py`` files: fetched once
with ``pip download --no-deps --no-binary :all:``, checked against the sha256 recorded here, and
extracted whole (every regular file, as a checkout has them: notebooks, modules, docs, prompt and
config files) under ``.corpus/nb/<name>-<version>/``. ``.corpus/nb/`` is made a project of its own
(a git work tree). Offline and the same bytes on every machine after the one download.

How the projects were picked (session 15, before any timing): LLM SDKs, agent frameworks, RAG and
evaluation libraries whose sdist really contains ``.ipynb`` files that call an LLM (most sdists
carry none: setuptools and poetry package only the code; hatchling and setuptools-scm builds
take the repository's tracked files). Of 37 candidates, 33 had an sdist pip could fetch; the
7 listed here hold notebooks, and all 7 are in: none was left out or trimmed for speed.
Stdlib only.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

NAME = "nb"  # the corpus's label in run.py (--corpora) and findings.json

# (package, version, sha256 of the sdist archive)
SDISTS: list[tuple[str, str, str]] = [
    ("chromadb", "0.4.24", "a5c80b4e4ad9b236ed2d4899a5b9e8002b489293f2881cb2cadab5b199ee1c72"),
    ("instructor", "1.17.0", "aeab1e7f21f5214deedf60e8e264951408057ce21d9589743f533580dc0d6bfb"),
    ("magentic", "0.41.1", "91e9fde3455c53891d43301cc15ca6dfd5bb5670a1e9ebb173c0ec880187fbad"),
    ("nemoguardrails", "0.17.0", "b2531c9be4220cb74b021ce024e70cb67b3d81b75485a39b17213dfb71617dab"),
    ("outlines", "1.3.3", "5dcd1b9d261ced1337042d6b1fd2bb4e706a09a0121957bcd9eb331d1ea6940c"),
    ("ragas", "0.1.21", "4ded52375d3710a2a2dd23d550fd09d0e26485fc435b14a413174f9d7b45d252"),
    ("redisvl", "0.28.0", "851a9528ffefc547263e50db90e5bf9efaeb9f5c91771073705827f294ab02c0"),
]

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".zip")
CODE_SUFFIXES = (".py", ".pyi", ".ipynb")  # what ruff checks, and so counts as a corpus file


def _norm(name: str) -> str:
    return name.replace("-", "_").replace(".", "_").lower()


def find_archive(sdists: Path, name: str, version: str) -> Path | None:
    """The downloaded sdist of ``name==version`` in ``sdists`` (``name-version.tar.gz`` with the
    name spelled as the archive does: ``-``, ``_`` and ``.`` alike, any case)."""
    for p in sorted(sdists.iterdir()) if sdists.is_dir() else []:
        for suffix in ARCHIVE_SUFFIXES:
            if p.name.endswith(suffix):
                stem = p.name[: -len(suffix)]
                base, _, ver = stem.rpartition("-")
                if ver == version and _norm(base) == _norm(name):
                    return p
    return None


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def pip_download(name: str, version: str, dest: Path) -> None:
    """The one network use: the sdist of ``name==version`` into ``dest``."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-d", str(dest), f"{name}=={version}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)


def _members(archive: Path) -> Any:
    """(relative path, bytes reader) of every regular file in a tar or zip archive."""
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    yield info.filename, lambda info=info: zf.read(info)
        return
    with tarfile.open(archive) as tf:
        for m in tf:
            if m.isfile():  # no links, devices or folders
                yield m.name, lambda m=m: tf.extractfile(m).read()  # type: ignore[union-attr]


def _safe_rel(name: str) -> PurePosixPath | None:
    rel = PurePosixPath(name)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts or ":" in rel.parts[0]:
        return None
    return rel


def _code_lines(rel: str, data: bytes) -> int:
    """Lines of a module, or of a notebook's code cells."""
    if rel.endswith(".ipynb"):
        try:
            cells = json.loads(data).get("cells", [])
        except (ValueError, AttributeError):
            return 0
        n = 0
        for c in cells if isinstance(cells, list) else []:
            if isinstance(c, dict) and c.get("cell_type") == "code":
                src = c.get("source", "")
                n += len(src) if isinstance(src, list) else len(str(src).splitlines())
        return n
    return data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)


def extract(archive: Path, dest: Path) -> dict[str, int]:
    """Every regular file of ``archive`` under ``dest`` (members outside it are skipped)."""
    root = dest.resolve()
    counts = {"files": 0, "lines": 0, "py": 0, "notebooks": 0, "notebook_bytes": 0, "all_files": 0}
    for name, read in _members(archive):
        rel = _safe_rel(name)
        if rel is None:
            continue
        target = (root / rel).resolve()
        if root not in target.parents:
            continue
        data = read()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        counts["all_files"] += 1
        if rel.suffix in CODE_SUFFIXES:
            counts["files"] += 1
            counts["lines"] += _code_lines(rel.name, data)
            if rel.suffix == ".ipynb":
                counts["notebooks"] += 1
                counts["notebook_bytes"] += len(data)
            else:
                counts["py"] += 1
    return counts


def build_nb_corpus(
    corpus_dir: Path,
    rebuild: bool = False,
    sdists: list[tuple[str, str, str]] = SDISTS,
    download: Callable[[str, str, Path], None] = pip_download,
    mark_project: Callable[[Path], None] | None = None,
) -> dict[str, Any]:
    """Download (once), verify and extract the pinned sdists into ``corpus_dir/nb``; a complete
    corpus built from the same pins is reused. Raises SystemExit when an archive cannot be had or
    its hash differs from the pinned one."""
    archives, dest, marker = corpus_dir / "sdists", corpus_dir / NAME, corpus_dir / f"{NAME}.json"
    pins = [f"{n}=={v} sha256:{h}" for n, v, h in sdists]
    if rebuild and marker.exists():
        marker.unlink()
    try:
        info = json.loads(marker.read_text())
    except (OSError, ValueError):
        info = {}
    if info.get("pins") == pins and dest.is_dir():
        return info
    archives.mkdir(parents=True, exist_ok=True)
    found: list[tuple[str, str, Path]] = []
    for name, version, digest in sdists:
        archive = find_archive(archives, name, version)
        if archive is None:
            print(f"nb corpus: downloading the sdist of {name}=={version}", flush=True)
            download(name, version, archives)
            archive = find_archive(archives, name, version)
        if archive is None:
            raise SystemExit(f"error: could not download the sdist of {name}=={version}")
        actual = sha256_of(archive)
        if actual != digest:
            raise SystemExit(f"error: {archive} has sha256 {actual}, pinned {digest} (delete it to download again)")
        found.append((name, version, archive))
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    packages: dict[str, dict[str, Any]] = {}
    for name, version, archive in found:
        packages[name] = {"version": version, "archive": archive.name} | extract(archive, dest)
    if mark_project is not None:
        mark_project(dest)
    keys = ("files", "lines", "py", "notebooks", "notebook_bytes", "all_files")
    info = {"pins": pins, "packages": packages} | {k: sum(p[k] for p in packages.values()) for k in keys}
    marker.write_text(json.dumps(info, indent=2) + "\n")
    return info


def describe(info: dict[str, Any]) -> str:
    return (
        f"{len(info['packages'])} sdists, {info['notebooks']} notebooks "
        f"({info['notebook_bytes'] / 1e6:.1f} MB), {info['py']} .py, {info['files']} files ruff checks, "
        f"{info['lines']} lines of code"
    )
