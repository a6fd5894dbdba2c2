"""discover's folder walk (auditor/discover.py ``_walk``) is ``os.walk(followlinks=False)`` with the
symlinks of each folder told by its directory entries: the same folders, in the same order, the
same names, never into a linked folder, an unreadable folder reported once - and the links it
names are exactly those ``os.path.islink`` sees."""

from __future__ import annotations

import os
import sys

import pytest

from auditor.discover import _walk, discover


def _tree(root, outside):
    (outside / "secret.py").write_text("import openai\n", encoding="utf-8")
    for rel in ("app/a.py", "app/svc/b.py", "app/svc/deep/c.py", "nb/x.ipynb", "z.py"):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x = 1\n", encoding="utf-8")
    os.symlink(outside, root / "app/out")  # a folder link out of the tree
    os.symlink(root / "app/svc", root / "svc_again")  # a folder link inside it
    os.symlink(outside / "secret.py", root / "app/leak.py")  # a file link out of the tree
    os.symlink(root / "app/a.py", root / "app/alias.py")  # a file link inside it
    os.symlink(root / "missing.py", root / "app/dangling.py")
    os.symlink(root / "loop.py", root / "loop.py")


def test_the_walk_is_os_walk_with_the_links_of_each_folder(tmp_path):
    root, outside = tmp_path / "proj", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    _tree(root, outside)
    errors_a: list = []
    errors_b: list = []
    want = [(d, sorted(dn), sorted(fn)) for d, dn, fn in os.walk(root, followlinks=False, onerror=errors_a.append)]
    got = []
    for d, dn, fn, links in _walk(str(root), errors_b.append):
        got.append((d, sorted(dn), sorted(fn)))
        assert links == {n for n in dn + fn if os.path.islink(os.path.join(d, n))}
    assert got == want and not errors_a and not errors_b
    assert any(d.endswith("/app") and "out" in dn for d, dn, _ in got)  # listed, never entered
    assert not any(d.endswith(("/out", "/svc_again")) for d, _, _ in got)


def test_discover_judges_the_links_as_before(tmp_path):
    root, outside = tmp_path / "proj", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    _tree(root, outside)
    files, notes = discover([root], root)
    rels = {f.rel for f in files}
    assert {"app/a.py", "app/svc/b.py", "app/svc/deep/c.py", "nb/x.ipynb", "z.py"} <= rels
    assert not any(r.startswith(("app/out", "svc_again")) or r in ("app/leak.py", "app/dangling.py", "loop.py") for r in rels)
    assert "app/alias.py" not in rels  # the same file as app/a.py: analysed once, under its own name
    assert any("dangling symlink" in n for n in notes) and any("symlink loop" in n for n in notes)


@pytest.mark.skipif(sys.platform.startswith("win") or os.geteuid() == 0, reason="permissions (root reads every folder)")
def test_an_unreadable_folder_is_reported_once(tmp_path):
    root = tmp_path / "proj"
    locked = root / "app/locked"
    locked.mkdir(parents=True)
    (root / "app/a.py").write_text("x = 1\n", encoding="utf-8")
    (locked / "d.py").write_text("y = 2\n", encoding="utf-8")
    locked.chmod(0)
    try:
        errors: list = []
        files, _ = discover([root], root, errors=errors)
    finally:
        locked.chmod(0o755)
    assert [f.rel for f in files] == ["app/a.py"]
    assert errors == [("app/locked", "cannot read folder: Permission denied")]
