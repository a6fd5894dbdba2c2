"""The command line ends without interpreter teardown after check / fix (cli/fastexit.py): the
report is complete and the exit code right; a program that calls the command group with its
own arguments gets click's ordinary SystemExit, and its GC back."""

from __future__ import annotations

import gc
import json

import pytest

from conftest import cli, write_tree

FILES = {
    "svc/prompts.py": 'SYSTEM_PROMPT = "Please make sure to answer in one word: the label."\n',
    "svc/client.py": (
        "import openai\n"
        "from svc.prompts import SYSTEM_PROMPT\n\n"
        "class Client:\n"
        "    def __init__(self):\n"
        "        self.c = openai.OpenAI()\n\n"
        "    def label(self, text, **params):\n"
        "        return self.c.chat.completions.create(model='gpt-4o-mini', messages=[\n"
        "            {'role': 'system', 'content': SYSTEM_PROMPT}, {'role': 'user', 'content': text}], **params)\n"
    ),
}


def test_report_is_whole_and_exit_code_kept(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, FILES)
    # many findings: a report larger than a pipe buffer must arrive whole before the exit
    for i in range(60):
        write_tree(tmp_path, {f"svc/copy{i}.py": FILES["svc/client.py"]})
    r = cli("check", ".", "--output-format", "json", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    findings = json.loads(r.stdout)
    assert {f["path"] for f in findings} >= {f"svc/copy{i}.py" for i in range(60)}
    zero = cli("check", ".", "--output-format", "json", "--exit-zero", cwd=tmp_path)
    assert zero.returncode == 0 and json.loads(zero.stdout) == findings
    bad = cli("check", "--no-such-option", cwd=tmp_path)
    assert bad.returncode == 2 and "no-such-option" in bad.stderr


def test_called_with_arguments_it_exits_as_click_does(tmp_path, monkeypatch):
    from auditor.cli import main

    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, FILES)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LLM_AUDIT_CACHE_DIR", str(tmp_path / "_cache"))
    assert gc.isenabled()
    with pytest.raises(SystemExit) as e:
        main(["check", str(tmp_path), "--output-format", "json"])
    assert e.value.code == 1  # the finding in svc/client.py; and this process is still here
    assert gc.isenabled()
