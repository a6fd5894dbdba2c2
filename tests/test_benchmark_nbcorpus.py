"""benchmarks/nbcorpus.py: the sdist notebook corpus is built from pinned, hash-checked archives,
offline once they are there, and wired into benchmarks/run.py as a third corpus. No network: a
tiny sdist made here stands in for PyPI's."""

from __future__ import annotations

import hashlib
import io
import json
import sys
import tarfile
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import nbcorpus
import run

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Summarise\n"]},
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": 1,
            "source": ["from openai import OpenAI\n", "client = OpenAI()\n",
                       "r = client.chat.completions.create(model='gpt-4o', messages=[])"],
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["ok\n"] * 50}],
        },
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def _tar(path: Path, members: dict[str, bytes], symlink: str | None = None) -> str:
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        if symlink:
            info = tarfile.TarInfo(symlink)
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            tf.addfile(info)
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def fake_index(tmp_path):
    """A folder standing in for the registry: one sdist, and a download() that copies it."""
    index = tmp_path / "index"
    index.mkdir()
    members = {
        "demo_pkg-1.2.0/demo_pkg/__init__.py": b"from openai import OpenAI\n\nclient = OpenAI()\n",
        "demo_pkg-1.2.0/docs/examples/summarise.ipynb": json.dumps(NOTEBOOK).encode(),
        "demo_pkg-1.2.0/docs/prompts/system.txt": b"You are terse.\n",
        "demo_pkg-1.2.0/PKG-INFO": b"Name: demo-pkg\n",
        "../escaped.py": b"print('outside')\n",
        "/abs/escaped.py": b"print('outside')\n",
    }
    digest = _tar(index / "demo_pkg-1.2.0.tar.gz", members, symlink="demo_pkg-1.2.0/link.py")
    calls: list[tuple[str, str]] = []

    def download(name: str, version: str, dest: Path) -> None:
        calls.append((name, version))
        src = index / f"demo_pkg-{version}.tar.gz"
        if src.exists():
            (dest / src.name).write_bytes(src.read_bytes())

    return {"digest": digest, "download": download, "calls": calls, "pins": [("demo-pkg", "1.2.0", digest)]}


def test_builds_from_a_verified_sdist_and_reuses_it_offline(tmp_path, fake_index):
    corpus = tmp_path / "corpus"
    marked: list[Path] = []
    info = nbcorpus.build_nb_corpus(corpus, sdists=fake_index["pins"], download=fake_index["download"],
                                    mark_project=marked.append)
    root = corpus / "nb" / "demo_pkg-1.2.0"
    assert (root / "docs/examples/summarise.ipynb").is_file()
    assert (root / "docs/prompts/system.txt").read_text() == "You are terse.\n"  # the whole sdist, not only code
    assert (root / "demo_pkg/__init__.py").is_file()
    assert not (tmp_path / "escaped.py").exists() and not (corpus / "escaped.py").exists()
    assert not Path("/abs/escaped.py").exists()
    assert not (root / "link.py").exists()  # links are not followed or made
    assert marked == [corpus / "nb"]
    assert info["files"] == 2 and info["notebooks"] == 1 and info["py"] == 1 and info["all_files"] == 4
    assert info["lines"] == 3 + 3  # the module's lines, the notebook's code-cell lines (not its outputs)
    assert info["packages"]["demo-pkg"]["archive"] == "demo_pkg-1.2.0.tar.gz"
    assert fake_index["calls"] == [("demo-pkg", "1.2.0")]

    again = nbcorpus.build_nb_corpus(corpus, sdists=fake_index["pins"], download=fake_index["download"])
    assert again == info and fake_index["calls"] == [("demo-pkg", "1.2.0")]  # no second download

    (root / "docs/examples/summarise.ipynb").unlink()
    nbcorpus.build_nb_corpus(corpus, rebuild=True, sdists=fake_index["pins"], download=fake_index["download"])
    assert (root / "docs/examples/summarise.ipynb").is_file()  # extracted again from the kept archive
    assert fake_index["calls"] == [("demo-pkg", "1.2.0")]


def test_an_archive_whose_hash_differs_from_the_pin_is_refused(tmp_path, fake_index):
    pins = [("demo-pkg", "1.2.0", "0" * 64)]
    with pytest.raises(SystemExit, match="sha256"):
        nbcorpus.build_nb_corpus(tmp_path / "corpus", sdists=pins, download=fake_index["download"])
    assert not (tmp_path / "corpus" / "nb").exists()


def test_a_pin_that_cannot_be_downloaded_stops_the_build(tmp_path, fake_index):
    pins = [("demo-pkg", "9.9.9", fake_index["digest"])]
    with pytest.raises(SystemExit, match="could not download"):
        nbcorpus.build_nb_corpus(tmp_path / "corpus", sdists=pins, download=fake_index["download"])


def test_archives_are_found_by_normalised_name_and_exact_version(tmp_path):
    for name in ("haystack_ai-3.4.1.tar.gz", "Foo.Bar-1.0.zip", "haystack_ai-3.4.10.tar.gz", "other-3.4.1.tar.gz"):
        (tmp_path / name).write_bytes(b"")
    assert nbcorpus.find_archive(tmp_path, "haystack-ai", "3.4.1").name == "haystack_ai-3.4.1.tar.gz"
    assert nbcorpus.find_archive(tmp_path, "foo-bar", "1.0").name == "Foo.Bar-1.0.zip"
    assert nbcorpus.find_archive(tmp_path, "haystack-ai", "3.4") is None


def test_the_pins_are_exact_versions_with_sha256_digests():
    names = [nbcorpus._norm(n) for n, _, _ in nbcorpus.SDISTS]
    assert len(names) == len(set(names)) >= 5
    for _, version, digest in nbcorpus.SDISTS:
        assert all(part.isdigit() for part in version.split(".")), version  # ==, never a range
        assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")


def test_run_measures_the_three_corpora_by_default_with_the_app_targets_for_nb():
    args = run.parse_args([])
    assert args.corpora == ["sdk", "app", "nb"]
    assert run.parse_args(["--corpora", "nb"]).corpora == ["nb"]
    assert run.TARGETS["nb"] == run.TARGETS["app"] == (3.0, 0.3)
    with pytest.raises(SystemExit):
        run.parse_args(["--corpora", "notebooks"])
