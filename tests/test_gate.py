"""The gate cannot go green by accident: missing and unreadable inputs, standard input, `-o`
like a normal program, colour, closed pipes - each tried as a user runs the command."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import cli, notebook, run_engine, write_tree

UNCAPPED = 'import litellm\nlitellm.completion(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])\n'
RENAME = 'from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model="gpt-6-luna", messages=[], max_tokens=50)\n'
EXE = str(Path(sys.executable).parent / "llm-audit")


@pytest.fixture
def proj(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {"app/llm.py": UNCAPPED, "app/plan.py": RENAME})
    return tmp_path


# ---------------------------------------------------------------- missing and unreadable inputs
@pytest.mark.parametrize("command", [["check"], ["fix"], ["report"], ["baseline"], ["lock", "--check"]])
def test_a_missing_path_is_an_error_never_a_pass(proj, command):
    r = cli(*command, "app", "app/nope.py", cwd=proj)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "app/nope.py: no such file or directory" in r.stderr and "All checks passed" not in r.stdout + r.stderr


def test_a_missing_path_alone_and_in_every_format(proj):
    for fmt in ("full", "json", "sarif", "github"):
        r = cli("check", "/nonexistent/path", "--output-format", fmt, cwd=proj)
        assert r.returncode == 2 and r.stdout == "" and "/nonexistent/path: no such file or directory" in r.stderr


def test_an_unreadable_file_is_reported_whatever_is_selected(proj):
    sock = socket.socket(socket.AF_UNIX)  # opening a socket file fails, even for root
    sock.bind(str(proj / "app" / "listener.py"))
    try:
        for args in (["."], ["app/listener.py"], [".", "--select", "LA103"]):
            r = cli("check", *args, "--output-format", "json", cwd=proj)
            errors = [f for f in json.loads(r.stdout) if f["code"] == "LA000"]
            assert r.returncode == 1 and [e["path"] for e in errors] == ["app/listener.py"], (args, r.stdout, r.stderr)
            assert errors[0]["message"] == "cannot read file: not a regular file"
        assert cli("check", ".", "--select", "LA103", "--ignore", "LA000", cwd=proj).returncode == 1  # LA103 still fails
    finally:
        sock.close()


def test_an_unreadable_folder_is_an_error(proj, monkeypatch):
    real = os.scandir

    def scandir(path="."):
        if os.fspath(path).endswith("secret"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    write_tree(proj, {"app/secret/x.py": UNCAPPED})
    monkeypatch.chdir(proj)
    monkeypatch.setattr(os, "scandir", scandir)
    result = run_engine(proj, select=["LA103"])
    errors = [(f.path, f.message) for f in result.findings if f.code == "LA000"]
    assert errors == [("app/secret", "cannot read folder: Permission denied")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_an_unreadable_folder_for_real(proj):
    write_tree(proj, {"app/secret/x.py": UNCAPPED})
    os.chmod(proj / "app/secret", 0)
    try:
        r = cli("check", ".", "--output-format", "json", cwd=proj)
        assert r.returncode == 1 and any(f["code"] == "LA000" and f["path"] == "app/secret" for f in json.loads(r.stdout))
    finally:
        os.chmod(proj / "app/secret", 0o755)


def test_no_files_to_check_says_so(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/readme.txt").write_text("nothing here\n")
    r = cli("check", "docs", cwd=tmp_path)
    assert r.returncode == 0 and "no files to check" in r.stderr


# ---------------------------------------------------------------- standard input
def test_dash_reads_standard_input_like_ruff(proj):
    r = cli("check", "-", "--output-format", "concise", cwd=proj, input=UNCAPPED)
    assert r.returncode == 1 and r.stdout.startswith("-:2:1: LA101")
    named = cli("check", "-", "--stdin-filename", "app/llm.py", "--output-format", "json", cwd=proj, input=RENAME)
    assert [(f["code"], f["path"], f["line"]) for f in json.loads(named.stdout)] == [("LA103", "app/llm.py", 3)]


def test_snippets_show_standard_input_not_the_file_on_disk(proj):
    r = cli("check", "--stdin-filename", "app/llm.py", "--select", "LA103", cwd=proj, input=RENAME)
    assert '3 | client.chat.completions.create(model="gpt-6-luna", messages=[], max_tokens=50)' in r.stdout


def test_fix_stdin_prints_the_fixed_source_and_leaves_the_file_alone(proj):
    before = (proj / "app/plan.py").read_text()
    r = cli("fix", "--stdin-filename", "app/plan.py", cwd=proj, input=RENAME)
    assert r.returncode == 0, r.stderr
    assert r.stdout == RENAME.replace("max_tokens=50", "max_completion_tokens=50")  # only the source on stdout
    assert "Fixed 1 finding" in r.stderr and (proj / "app/plan.py").read_text() == before
    r = cli("check", "-", "--fix", "--unsafe-fixes", "--stdin-filename", "x.py", cwd=proj, input=UNCAPPED)
    compile(r.stdout, "x.py", "exec")
    # gpt-4o-mini is deprecated: the unsafe swap to gpt-6-luna brings its cap parameter
    assert 'model="gpt-6-luna"' in r.stdout and "max_completion_tokens=1024" in r.stdout and r.returncode == 0
    diff = cli("fix", "-", "--diff", "--stdin-filename", "app/plan.py", cwd=proj, input=RENAME)
    assert diff.returncode == 1 and diff.stdout.startswith("--- a/app/plan.py\n+++ b/app/plan.py\n")


def test_fix_stdin_notebook(proj):
    nb = json.dumps(notebook("import litellm\n", "litellm.completion(model='gpt-4o', messages=[])\n"), indent=1)
    r = cli("fix", "--unsafe-fixes", "--stdin-filename", "nb.ipynb", cwd=proj, input=nb)
    fixed = json.loads(r.stdout)
    assert "max_completion_tokens=1024" in "".join(fixed["cells"][2]["source"]) and not (proj / "nb.ipynb").exists()  # gpt-4o -> gpt-6-luna


# ---------------------------------------------------------------- -o like a normal program
def _json_out(proj, target, *extra, env=None):
    return cli("check", ".", "--output-format", "json", "-o", str(target), *extra, cwd=proj, env=env)


def test_output_to_an_existing_file_keeps_its_mode_links_and_symlinks(proj):
    out = proj / "out.json"
    out.write_text("old")
    os.chmod(out, 0o640)
    assert _json_out(proj, out).returncode == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o640 and json.loads(out.read_text())
    link = proj / "link.json"
    link.symlink_to(out)
    out.write_text("old")
    _json_out(proj, link)
    assert link.is_symlink() and json.loads(out.read_text())
    hard = proj / "hard.json"
    os.link(out, hard)
    out.write_text("old")
    _json_out(proj, hard)
    assert os.path.samefile(out, hard) and json.loads(out.read_text())
    assert not [p.name for p in proj.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_a_new_output_file_honours_the_umask(proj, umask, mode):
    target = proj / "reports" / "new.sarif"
    r = subprocess.run(["bash", "-c", f'umask {umask:03o}; exec "$@"', "_", EXE, "check", ".", "--output-format", "sarif", "-o", str(target)],
                       cwd=proj, capture_output=True, text=True, env={**os.environ, "LLM_AUDIT_CACHE_DIR": str(proj / ".c")})
    assert r.returncode == 1, r.stderr
    assert stat.S_IMODE(target.stat().st_mode) == mode and json.loads(target.read_text())["version"] == "2.1.0"


def test_output_to_a_fifo_is_written_not_replaced(proj):
    fifo = proj / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    def read() -> None:
        with open(fifo, "rb") as fh:
            got.append(fh.read())

    reader = threading.Thread(target=read)
    reader.start()
    r = _json_out(proj, fifo)
    reader.join(60)
    assert r.returncode == 1, r.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and json.loads(got[0])


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_output_to_a_device_is_written_not_replaced(proj):
    null = proj / "null"  # our own /dev/null: the shared one must never be at risk in a test
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    r = _json_out(proj, null)
    assert r.returncode == 1, r.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode) and os.lstat(null).st_rdev == os.makedev(1, 3)


@pytest.mark.parametrize("target", ["/dev/stdout", "-"])
def test_output_to_dev_stdout(proj, target):
    r = _json_out(proj, target)
    assert r.returncode == 1 and "internal error" not in r.stderr
    assert {f["code"] for f in json.loads(r.stdout)} >= {"LA101", "LA103"}
    with open(proj / "captured.json", "w") as fh:  # stdout redirected to a file, as `> out.json` does
        p = subprocess.run([EXE, "check", ".", "--output-format", "json", "-o", target], cwd=proj, stdout=fh, stderr=subprocess.PIPE,
                           env={**os.environ, "LLM_AUDIT_CACHE_DIR": str(proj / ".c")})
    assert p.returncode == 1 and json.loads((proj / "captured.json").read_text())


def test_an_unwritable_output_is_a_clear_error(proj):
    (proj / "afile").write_text("x")
    r = _json_out(proj, proj / "afile" / "out.json")
    assert r.returncode == 2 and "cannot write" in r.stderr and "internal error" not in r.stderr


# ---------------------------------------------------------------- colour and pipes
def _full(proj, *args, env=None):
    return cli("check", "app/llm.py", *args, cwd=proj, env=env).stdout


def test_colour_follows_the_flag_then_no_color_then_force_color(proj):
    esc = "\x1b["
    assert esc not in _full(proj)  # not a terminal
    assert esc in _full(proj, env={"FORCE_COLOR": "1"})
    assert esc not in _full(proj, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert esc in _full(proj, "--color", "always", env={"NO_COLOR": "1"})
    assert esc not in _full(proj, "--color", "never", env={"FORCE_COLOR": "1"})
    assert esc not in _full(proj, env={"FORCE_COLOR": ""})  # set but empty: not forced
    out = proj / "report.txt"
    cli("check", "app/llm.py", "-o", str(out), cwd=proj, env={"FORCE_COLOR": "1"})
    assert esc not in out.read_text() and "LA101" in out.read_text()
    assert esc in cli("report", "app", "--color", "always", cwd=proj).stdout


@pytest.mark.parametrize("args", [["check", "."], ["check", ".", "--output-format", "json"], ["report", "."], ["rule", "--all"], ["models"]])
def test_a_closed_pipe_ends_quietly(tmp_path, args):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {f"m{i}.py": UNCAPPED for i in range(40)})
    cmd = " ".join([EXE, *args])
    r = subprocess.run(["bash", "-c", f"set -o pipefail; {cmd} 2>err.txt | head -1"], cwd=tmp_path, capture_output=True, text=True,
                       env={**os.environ, "LLM_AUDIT_CACHE_DIR": str(tmp_path / ".c")}, timeout=300)
    err = (tmp_path / "err.txt").read_text()
    assert len(r.stdout.splitlines()) == 1
    assert "Traceback" not in err and "internal error" not in err and "Exception ignored" not in err and "BrokenPipe" not in err, err
    assert r.returncode in (0, 1), (r.returncode, err)


def test_output_closed_before_the_first_write(proj):
    p = subprocess.Popen([EXE, "check", "."], cwd=proj, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env={**os.environ, "LLM_AUDIT_CACHE_DIR": str(proj / ".c")})
    p.stdout.close()
    _, err = p.communicate(timeout=300)
    assert p.returncode == 1 and b"Traceback" not in err and b"internal error" not in err, err  # the exit code of the findings


@pytest.mark.skipif(shutil.which("script") is None, reason="needs script(1) for a terminal")
def test_colour_on_a_terminal(proj):
    r = subprocess.run(["script", "-qec", f"{EXE} check app/llm.py", "/dev/null"], cwd=proj, capture_output=True, text=True,
                       env={**os.environ, "LLM_AUDIT_CACHE_DIR": str(proj / ".c"), "TERM": "xterm", "NO_COLOR": ""}, timeout=300)
    assert "\x1b[" in r.stdout


def test_baseline_output_to_dev_stdout(proj):
    r = cli("baseline", ".", "-o", "/dev/stdout", cwd=proj)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["tool"] == "llm-audit" and not (proj / "stdout").exists()


def test_atomic_write_keeps_the_mode_and_writes_a_fifo_in_place(tmp_path):
    from auditor.writes import atomic_write

    kept = tmp_path / "kept.json"
    kept.write_text("old")
    os.chmod(kept, 0o604)
    atomic_write(kept, b"new")
    assert kept.read_bytes() == b"new" and stat.S_IMODE(kept.stat().st_mode) == 0o604
    atomic_write(kept, b"newer", mode=0o640)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    def read() -> None:
        with open(fifo, "rb") as fh:
            got.append(fh.read())

    reader = threading.Thread(target=read)
    reader.start()
    atomic_write(fifo, b"through the pipe")
    reader.join(30)
    assert got == [b"through the pipe"] and stat.S_ISFIFO(os.lstat(fifo).st_mode)
