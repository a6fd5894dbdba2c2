"""`llm-audit lock [--check]` and LA603 prompt-drift."""

from __future__ import annotations

import json

from conftest import cli, codes, write_tree

APP = {
    "svc/__init__.py": "",
    "svc/prompts.py": '''
        TRIAGE_PROMPT = """You route customer emails to one queue: billing, shipping, returns or other.
        Answer with the queue name only."""
    ''',
    "svc/triage.py": """
        from openai import OpenAI

        from svc.prompts import TRIAGE_PROMPT

        client = OpenAI(timeout=20)


        def triage(email: str) -> str:
            resp = client.chat.completions.create(
                model="gpt-4o-mini",
                max_tokens=5,
                messages=[{"role": "system", "content": TRIAGE_PROMPT}, {"role": "user", "content": email}],
            )
            return resp.choices[0].message.content


        def summarise(email: str) -> str:
            resp = client.chat.completions.create(
                model="gpt-4o-mini",
                max_tokens=120,
                messages=[{"role": "user", "content": f"Summarise this email in one sentence:\\n\\n{email}"}],
            )
            return resp.choices[0].message.content
    """,
}


def _lock(root):
    return json.loads((root / "llm-audit.lock").read_text())


def test_lock_records_every_prompt_sorted_and_stable(project):
    project(APP)
    root = project.root
    first = cli("lock", cwd=root)
    assert first.returncode == 0, first.stderr
    data = _lock(root)
    assert list(data["prompts"]) == sorted(data["prompts"])
    assert set(data["prompts"]) == {"svc/prompts.py::TRIAGE_PROMPT", "svc/triage.py::summarise#1", "svc/triage.py::triage#1"}
    assert all(v.startswith("sha256:") and len(v) == 71 for v in data["prompts"].values())
    text = (root / "llm-audit.lock").read_text()
    assert "202" not in text.replace(data["prompts"]["svc/triage.py::summarise#1"], "")  # no timestamps
    again = cli("lock", cwd=root)
    assert again.returncode == 0 and (root / "llm-audit.lock").read_text() == text
    ok = cli("lock", "--check", cwd=root)
    assert ok.returncode == 0 and "up to date" in ok.stdout + ok.stderr


def test_whitespace_only_edits_are_not_drift(project):
    project(APP)
    root = project.root
    cli("lock", cwd=root)
    p = root / "svc/prompts.py"
    p.write_text(p.read_text().replace("one queue: billing", "one   queue:\n  billing"))
    assert cli("lock", "--check", cwd=root).returncode == 0


def test_changed_constant_is_reported_once_at_the_constant(project):
    project(APP)
    root = project.root
    cli("lock", cwd=root)
    p = root / "svc/prompts.py"
    p.write_text(p.read_text().replace("billing, shipping", "billing, warranty, shipping"))
    drift = cli("lock", "--check", cwd=root)
    assert drift.returncode == 1
    assert "changed: svc/prompts.py::TRIAGE_PROMPT" in drift.stdout
    assert "triage#1" not in drift.stdout  # the call site sends the constant: reported at the constant only
    result = project({}, select=["LA603"])
    assert codes(result) == ["LA603"]
    f = result.findings[0]
    assert (f.path, f.line) == ("svc/prompts.py", 2) and "TRIAGE_PROMPT" in f.message and "llm-audit lock" in f.message
    assert cli("lock", cwd=root).returncode == 0
    assert codes(project({}, select=["LA603"])) == []


def test_changed_inline_prompt_and_new_prompt(project):
    project(APP)
    root = project.root
    cli("lock", cwd=root)
    p = root / "svc/triage.py"
    p.write_text(
        p.read_text().replace("in one sentence", "in two sentences")
        + '\n\ndef tone(email):\n    return client.chat.completions.create(model="gpt-4o-mini", max_tokens=3, messages=[{"role": "user", "content": "Is this email angry? " + email}])\n'
    )
    result = project({}, select=["LA603"])
    got = sorted((f.line, f.message.split(" since ")[0].split(" is not ")[0]) for f in result.findings)
    assert got == [(19, "the prompt of chat.completions.create() changed"), (28, "the prompt of chat.completions.create()")]
    assert "not recorded in llm-audit.lock" in next(f for f in result.findings if f.line == 28).message
    drift = cli("lock", "--check", cwd=root)
    assert drift.returncode == 1 and "changed: svc/triage.py::summarise#1" in drift.stdout and "new: svc/triage.py::tone#1" in drift.stdout


def test_renumbered_call_with_unchanged_text_is_not_drift(project):
    app = dict(APP)
    app["svc/triage.py"] = APP["svc/triage.py"]
    project(app)
    root = project.root
    cli("lock", cwd=root)
    p = root / "svc/triage.py"
    text = p.read_text()
    # a second call added *above* the summary call in the same function renumbers it to #2
    text = text.replace(
        "def summarise(email: str) -> str:\n",
        'def summarise(email: str) -> str:\n    client.chat.completions.create(model="gpt-4o-mini", max_tokens=1, messages=[{"role": "user", "content": "Ping"}])\n',
    )
    p.write_text(text)
    drift = cli("lock", "--check", cwd=root)
    assert drift.stdout.splitlines()[:1] == ["new: svc/triage.py::summarise#1"], drift.stdout
    assert "changed:" not in drift.stdout


def test_removed_prompt_fails_the_ci_check(project):
    project(APP)
    root = project.root
    cli("lock", cwd=root)
    p = root / "svc/triage.py"
    p.write_text(p.read_text().split("def summarise")[0])
    drift = cli("lock", "--check", cwd=root)
    assert drift.returncode == 1 and "removed: svc/triage.py::summarise#1" in drift.stdout
    assert codes(project({}, select=["LA603"])) == []  # nothing to point at in `check`


def test_no_lock_file_means_no_findings_and_a_failing_ci_check(project):
    result = project(APP, select=["LA603"])
    assert codes(result) == []
    drift = cli("lock", "--check", cwd=project.root)
    assert drift.returncode == 1 and "no llm-audit.lock" in drift.stderr


def test_locking_a_subset_keeps_the_other_entries(project):
    # the policy file fixes the root (and the lock's place) whichever paths are passed
    files = dict(APP, **{"other/__init__.py": "", "other/jobs.py": "import litellm\n\ndef go(x):\n    return litellm.completion(model='gpt-4o-mini', max_tokens=5, messages=[{'role': 'user', 'content': 'Say hi to ' + x}])\n"})
    project(files, policy="fail-on: error\n")
    root = project.root
    cli("lock", cwd=root)
    before = _lock(root)["prompts"]
    (root / "svc/triage.py").write_text((root / "svc/triage.py").read_text().replace("one sentence", "a sentence"))
    cli("lock", "svc", cwd=root)
    after = _lock(root)["prompts"]
    assert after["other/jobs.py::go#1"] == before["other/jobs.py::go#1"]
    assert after["svc/triage.py::summarise#1"] != before["svc/triage.py::summarise#1"]
    assert cli("lock", "--check", "other", cwd=root).returncode == 0


def test_yaml_lock_is_read_too(project, tmp_path):
    project(APP)
    root = project.root
    cli("lock", cwd=root)
    data = _lock(root)
    yaml_text = "version: 1\nprompts:\n" + "".join(f"  {k}: {v}\n" for k, v in data["prompts"].items())
    write_tree(root, {"llm-audit.lock": yaml_text})
    assert cli("lock", "--check", cwd=root).returncode == 0
    (root / "llm-audit.lock").write_text(yaml_text.replace("sha256:", "sha256:0", 1))
    assert codes(project({}, select=["LA603"])) == ["LA603"]


def test_broken_lock_is_reported_not_a_crash(project):
    project(dict(APP, **{"llm-audit.lock": "[1, 2"}))
    result = project({}, select=["LA603"])
    assert [(f.code, f.path) for f in result.findings] == [("LA603", "llm-audit.lock")]
    assert "cannot read" in result.findings[0].message
