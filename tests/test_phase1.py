"""Phase 1's speed mechanisms keep the answers: the pre-scan (notebooks on code cells only,
unrelated files not parsed), the per-file cache's stat check, and the fast form of the BPE
ranks (accepted only when it verifies)."""

from __future__ import annotations

import base64
import json
import os
import random

import pytest
from conftest import cli, notebook, run_engine, write_tree

from auditor.config.catalog import load_catalog
from auditor.sources.prescan import Prescan

OPENAI_IMPORT = "from openai import OpenAI"


def _with_outputs(nb: dict, cell: int, outputs: list) -> dict:
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    code[cell]["outputs"] = outputs
    return nb


def _png(n: int) -> str:
    return base64.b64encode(b"\x89PNG\r\n\x1a\n" + random.Random(n).randbytes(n)).decode()


# ---------------------------------------------------------------- the pre-scan
def test_a_notebook_whose_only_openai_is_in_an_output_is_not_parsed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    quiet = _with_outputs(notebook("import pandas as pd\ndf = pd.read_csv('x.csv')\ndf.head()"), 0, [
        {"output_type": "stream", "name": "stdout", "text": [f"{OPENAI_IMPORT}\nclient.chat.completions.create(model='gpt-4o')\n"]},
        {"output_type": "display_data", "metadata": {}, "data": {"image/png": _png(60_000), "text/plain": ["SYSTEM_PROMPT = 'x'"]}},
    ])
    loud = notebook(f"{OPENAI_IMPORT}\nclient = OpenAI()\nclient.chat.completions.create(model='gpt-4o', messages=[])")
    write_tree(tmp_path, {"quiet.ipynb": quiet, "loud.ipynb": loud})
    result = run_engine(tmp_path, select=["LA000", "LA101"])
    facts = {f.path: f for f in result.facts}
    assert facts["quiet.ipynb"].extra.get("skipped") and not facts["quiet.ipynb"].call_sites
    assert not facts["loud.ipynb"].extra.get("skipped") and len(facts["loud.ipynb"].call_sites) == 1
    assert [f.path for f in result.findings if f.code == "LA101"] == ["loud.ipynb"]


def test_notebook_outputs_do_not_count_against_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".llm-audit.yaml").write_text("limits: {max-file-bytes: 50000}\n")
    big = _with_outputs(notebook(f"{OPENAI_IMPORT}\nclient = OpenAI()\nclient.chat.completions.create(model='gpt-4o', messages=[])"), 0, [
        {"output_type": "display_data", "metadata": {}, "data": {"image/png": _png(300_000)}},
    ])
    write_tree(tmp_path, {"plots.ipynb": big, "huge_code.ipynb": notebook(f"{OPENAI_IMPORT}\n" + "x = 1\n" * 10000)})
    result = run_engine(tmp_path, select=["LA000", "LA101"])
    assert [f.code for f in result.findings if f.path == "plots.ipynb"] == ["LA101"]
    [err] = [f for f in result.findings if f.path == "huge_code.ipynb"]
    assert err.code == "LA000" and "code cells" in err.message


def test_unrelated_broken_files_get_no_la000_related_ones_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {
        "tools/broken.py": "def f(:\n    return 1\n",
        "tools/latin1.py": b"# -*- coding: ascii -*-\nname = '\xe9'\n",
        "tools/broken.ipynb": notebook("def f(:\n    pass"),
        "app/broken_llm.py": f"{OPENAI_IMPORT}\ndef ask(:\n    pass\n",
        "app/broken_prompt.py": 'SYSTEM_PROMPT = "Answer briefly.\n',
        "app/broken.ipynb": notebook(f"{OPENAI_IMPORT}\nclient = OpenAI(", "x = 1"),
    })
    result = run_engine(tmp_path, select=["LA000", "LA101"])
    errors = sorted(f.path for f in result.findings if f.code == "LA000")
    assert errors == ["app/broken.ipynb", "app/broken_llm.py", "app/broken_prompt.py"]


@pytest.mark.parametrize("source", [
    "import os, openai\n",
    "  from openai import OpenAI\n",
    "ollama = __import__('ollama')\n",
    "client.chat.completions.create(model=m)\n",
    "SYSTEM_PROMPT: str = 'x'\n",
    "reviewInstructions = 'x'\n",
])
def test_prescan_lets_through_what_can_hold_a_call_or_a_prompt(source):
    scan = Prescan(load_catalog().providers([]), [], ["*PROMPT*", "*INSTRUCTION*", "SYSTEM*"])
    assert scan.matches(source.encode())


@pytest.mark.parametrize("source", [
    "# we used to call openai here\n",
    "import myopenai\n",
    "from .openai import shim\n",
    "x = 'see https://platform.openai.com'\n",
    "    SYSTEM_PROMPT = 'indented: not module level'\n",
    "SYSTEM_PROMPT == other\n",
    "SYSTEMD_UNIT = 'x'\n",
    "!pip install openai\n",
])
def test_prescan_skips_look_alikes(source):
    scan = Prescan(load_catalog().providers([]), [], ["*PROMPT*", "*INSTRUCTION*", "SYSTEM*"])
    assert not scan.matches(source.encode())


def test_policy_wrappers_are_words_for_the_prescan():
    scan = Prescan(load_catalog().providers([]), [{"match": {"callables": ["app.llm.ask_llm"]}}], [])
    assert scan.matches(b"from app.llm import ask_llm\n") and not scan.matches(b"def ask_llmish(): pass\n")


# ---------------------------------------------------------------- the per-file cache
def test_a_change_that_keeps_size_and_mtime_is_still_seen(tmp_path):
    src = "import litellm\nlitellm.completion(model='gpt-4o', messages=[], max_tokens=10)\n"
    (tmp_path / "a.py").write_text(src)
    (tmp_path / ".git").mkdir()
    env = {"LLM_AUDIT_CACHE_DIR": str(tmp_path / ".c"), "LLM_AUDIT_STATS": "1"}
    old = os.stat(tmp_path / "a.py")
    os.utime(tmp_path / "a.py", ns=(old.st_atime_ns, old.st_mtime_ns - 10_000_000_000))  # long before the run
    first = cli("check", ".", "--select", "LA101", "--output-format", "json", cwd=tmp_path, env=env)
    assert json.loads(first.stdout) == [] and "cached=0" in first.stderr
    assert "cached=1" in cli("check", ".", "--select", "LA101", "--output-format", "json", cwd=tmp_path, env=env).stderr  # not even read
    before = os.stat(tmp_path / "a.py")
    (tmp_path / "a.py").write_text(src.replace("max_tokens=10", "temperature=1"))  # same size
    os.utime(tmp_path / "a.py", ns=(before.st_atime_ns, before.st_mtime_ns))  # same mtime: ctime tells
    third = cli("check", ".", "--select", "LA101", "--output-format", "json", cwd=tmp_path, env=env)
    assert [f["code"] for f in json.loads(third.stdout)] == ["LA101"]


# ---------------------------------------------------------------- the fast form of the ranks
@pytest.fixture
def rank_dir(tmp_path, monkeypatch):
    """An empty tiktoken cache (a fresh machine) and no encoding loaded in this process."""
    from auditor.cost import encodings, tokenmemo

    cache = tmp_path / "tiktoken"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    monkeypatch.setattr(encodings, "_encodings", {})
    monkeypatch.setattr(tokenmemo, "_memo", {})  # counts of texts seen before would load nothing
    import tiktoken.registry

    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    return cache


def test_fast_ranks_are_written_then_used_without_decoding_the_text(rank_dir, monkeypatch):
    from auditor.cost import encodings, rankcache, tokens

    n = tokens.count_tokens("Summarise the ticket in one sentence.", "gpt-4o")
    assert n.exact
    path = rankcache.rank_path(tokens.O200K, rank_dir)
    assert path.is_file()
    monkeypatch.setattr(encodings, "_encodings", {})

    def no_text(*a, **k):
        raise AssertionError("the rank text was decoded again")

    import tiktoken.load

    monkeypatch.setattr(tiktoken.load, "load_tiktoken_bpe", no_text)
    monkeypatch.setattr(encodings, "_decode_ranks", no_text)
    again = tokens.count_tokens("Summarise the ticket in one sentence, please.", "gpt-4o")
    assert again.exact and again.tokens == n.tokens + 2


def test_a_tampered_rank_file_is_rejected_and_rewritten(rank_dir, monkeypatch):
    import tiktoken.registry

    from auditor.cost import encodings, rankcache, tokenmemo, tokens

    text = "Reply with yes or no."
    want = tokens.count_tokens(text, "gpt-4o").tokens
    path = rankcache.rank_path(tokens.O200K, rank_dir)
    good = path.read_bytes()
    expected = encodings._BLOBS[tokens.O200K][1]
    assert rankcache.load_ranks(tokens.O200K, expected, rank_dir) is not None
    # one byte of the payload changed: a different tokenizer that still has a valid shape
    forged = bytearray(good)
    forged[-40] ^= 0x01
    path.write_bytes(bytes(forged))
    assert rankcache.load_ranks(tokens.O200K, expected, rank_dir) is None
    path.write_bytes(good[: len(good) // 2])  # truncated
    assert rankcache.load_ranks(tokens.O200K, expected, rank_dir) is None
    path.write_bytes(good.replace(expected.encode(), b"0" * 64, 1))  # made from another rank file
    assert rankcache.load_ranks(tokens.O200K, expected, rank_dir) is None
    path.write_bytes(good[: len(rankcache.MAGIC) + 64] + b"\xff" * 64 + good[len(rankcache.MAGIC) + 128 :])  # garbage signature
    assert rankcache.load_ranks(tokens.O200K, expected, rank_dir) is None
    monkeypatch.setattr(encodings, "_encodings", {})
    monkeypatch.setattr(tokenmemo, "_memo", {})
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    assert tokens.count_tokens(text, "gpt-4o").tokens == want  # from the verified text again
    assert path.read_bytes() == good and rankcache.load_ranks(tokens.O200K, expected, rank_dir) is not None
