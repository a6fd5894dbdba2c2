"""The per-file cache: reused when nothing changed, never trusted when it is not ours."""

from __future__ import annotations

import json
import re

from conftest import cli, write_tree

APP = {
    "app/llm.py": "import litellm\n\ndef ask(q):\n    return litellm.completion(model='gpt-4o-mini', messages=[{'role': 'user', 'content': q}])\n",
    "app/other.py": "import litellm\nlitellm.completion(model='gpt-4o', messages=[], max_tokens=10)\n",
}


def _stats(r) -> dict[str, int]:
    m = re.search(r"files=(\d+) parsed=(\d+) skipped=(\d+) cached=(\d+)", r.stderr)
    assert m, r.stderr
    return dict(zip(("files", "parsed", "skipped", "cached"), map(int, m.groups())))


def _run(tmp_path, *extra):
    cache = tmp_path / "cachedir"
    return cli("check", ".", "--output-format", "json", *extra, cwd=tmp_path, env={"LLM_AUDIT_STATS": "1", "LLM_AUDIT_CACHE_DIR": str(cache)})


def test_warm_run_reuses_results_and_changed_file_is_reanalysed(tmp_path):
    write_tree(tmp_path, APP)
    first = _run(tmp_path)
    assert _stats(first)["cached"] == 0
    cache_dir = tmp_path / "cachedir"
    assert (cache_dir / ".gitignore").read_text().strip().endswith("*")
    second = _run(tmp_path)
    assert _stats(second)["cached"] == 2 and json.loads(second.stdout) == json.loads(first.stdout)
    (tmp_path / "app/other.py").write_text("import litellm\nlitellm.completion(model='gpt-4o', messages=[])\n")
    third = _run(tmp_path)
    assert _stats(third)["cached"] == 1
    assert sorted(f["path"] for f in json.loads(third.stdout) if f["code"] == "LA101") == ["app/llm.py", "app/other.py"]


def test_corrupt_and_foreign_cache_files_are_ignored_and_rewritten(tmp_path):
    write_tree(tmp_path, APP)
    _run(tmp_path)
    [blob] = list((tmp_path / "cachedir").glob("facts-*.bin"))
    good = blob.read_bytes()
    # truncated / garbage
    blob.write_bytes(good[: len(good) // 2])
    r = _run(tmp_path)
    assert r.returncode == 1 and _stats(r)["cached"] == 0 and "Traceback" not in r.stderr
    assert blob.read_bytes() != good[: len(good) // 2]  # rewritten
    # a cache signed with another key (copied from another machine or committed to a repo)
    tampered = bytearray(blob.read_bytes())
    tampered[20] ^= 0xFF  # inside the signature
    blob.write_bytes(bytes(tampered))
    r = _run(tmp_path)
    assert _stats(r)["cached"] == 0
    assert _stats(_run(tmp_path))["cached"] == 2  # and the rewritten file is trusted again


def test_no_cache_neither_reads_nor_writes(tmp_path):
    write_tree(tmp_path, APP)
    r = _run(tmp_path, "--no-cache")
    assert _stats(r)["cached"] == 0
    assert not (tmp_path / "cachedir").exists()


def test_settings_change_invalidates(tmp_path):
    write_tree(tmp_path, APP)
    _run(tmp_path)
    (tmp_path / ".llm-audit.yaml").write_text("prompt-names: ['*TEMPLATE*']\n")
    assert _stats(_run(tmp_path))["cached"] == 0
