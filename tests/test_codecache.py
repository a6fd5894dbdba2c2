"""The compiled code kept between command-line runs (auditor/codecache.py): the next run compiles
nothing, its dataclasses behave exactly as freshly made ones (annotations, repr, equality,
frozen, defaults, ``__post_init__``) and its regular expressions match exactly as ``re``'s own
(groups, names, flags, str and bytes, inline flags, errors); a file that is not ours (tampered,
truncated, signed with another key, of another Python) is never loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = r'''
import json, sys, dataclasses
from auditor import codecache
if sys.argv[1] == "on":
    codecache.install()
from dataclasses import dataclass, field
from typing import Optional

@dataclass
class Site:
    path: str
    line: int = 0
    tags: list = field(default_factory=list)
    model: Optional[str] = None

    def __post_init__(self):
        self.path = self.path.strip()

@dataclass(frozen=True)
class Key:
    rel: str
    n: int = 1

@dataclass(order=True, eq=True)
class Ranked:
    score: float
    name: str = ""

import re
TEXT = "Model: GPT-4o said\nmodel=claude-3 (temp 0.2) #tag café"
PATTERNS = [
    (r"(?P<key>[Mm]odel)\s*[:=]\s*(?P<val>[\w.-]+)", 0), (r"^model", re.M | re.I), (r"(?x) \( temp \s+ ([0-9.]+) \)", 0),
    (r"(?<=#)\w+", 0), (r"caf\xe9|CAFÉ", re.I), (r"[^\W\d]+", re.A), (r"(a)|(b)", 0),
]
found = []
for pat, flags in PATTERNS:
    rx = re.compile(pat, flags)
    found.append([rx.pattern, rx.flags, rx.groups, dict(rx.groupindex), [m.span() for m in rx.finditer(TEXT)], [m.groups() for m in rx.finditer(TEXT)]])
rb = re.compile(rb"model=([a-z0-9-]+)")
found.append([rb.flags, [x.decode() for x in rb.findall(TEXT.encode())]])
try:
    re.compile(r"(unclosed")
    found.append("no error")
except re.error as e:
    found.append(str(e))
s = Site(" a.py ", 3)
out = {"regexes": found,
    "new": codecache._state.get("new"),
    "loaded": len(codecache._state.get("codes") or {}) + len(codecache._state.get("regexes") or {}),
    "regexes_kept": len(codecache._state.get("regexes") or {}),
    "repr": repr(s), "eq": s == Site("a.py", 3), "ne": s == Site("a.py", 4),
    "init_ann": {k: str(v) for k, v in Site.__init__.__annotations__.items()},
    "doc": Site.__doc__, "hash": hash(Key("x")) == hash(Key("x")), "sorted": [r.name for r in sorted([Ranked(2, "b"), Ranked(1, "a")])],
    "defaults": Site.__init__.__defaults__ is not None and len(Site.__init__.__defaults__),
}
try:
    Key("x").rel = "y"
    out["frozen"] = False
except dataclasses.FrozenInstanceError:
    out["frozen"] = True
codecache.save()
print(json.dumps(out, sort_keys=True))
'''


def _run(home: Path, mode: str = "on") -> dict:
    env = dict(os.environ, XDG_CACHE_HOME=str(home))
    r = subprocess.run([sys.executable, "-c", SCRIPT, mode], env=env, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(r.stdout)


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    (tmp_path / "llm-audit").mkdir()
    (tmp_path / "llm-audit" / "cache.key").write_bytes(os.urandom(32))
    return tmp_path


def _file(home: Path) -> Path:
    [f] = (home / "llm-audit").glob("compiled-code-*.bin")
    return f


def test_the_second_run_compiles_nothing_and_behaves_the_same(home: Path) -> None:
    plain = _run(home, "off")
    first = _run(home)
    second = _run(home)
    assert first["new"] > 0 and first["loaded"] == first["new"]
    assert second["new"] == 0 and second["loaded"] >= first["new"]
    assert second["regexes_kept"] >= len("0123456") + 1  # this script's patterns (and those of what it imports)
    for k in ("new", "loaded", "regexes_kept"):
        plain.pop(k), first.pop(k), second.pop(k)
    assert plain == first == second
    assert plain["init_ann"]["line"] == "<class 'int'>"  # the type, not a string: no __future__ flags inherited
    assert plain["frozen"] and plain["eq"] and not plain["ne"] and plain["sorted"] == ["a", "b"]


@pytest.mark.parametrize("damage", ["flip", "truncate", "other-key", "other-python"])
def test_a_file_that_is_not_ours_is_never_loaded(home: Path, damage: str) -> None:
    _run(home)
    f = _file(home)
    data = bytearray(f.read_bytes())
    if damage == "flip":
        data[-5] ^= 0xFF
    elif damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "other-key":
        (home / "llm-audit" / "cache.key").write_bytes(os.urandom(32))
    else:
        head = len(b"LLMAUDIT-CODE-4\n")
        data[head] ^= 0xFF  # the bytecode magic number of another interpreter
    f.write_bytes(bytes(data))
    again = _run(home)
    assert again["loaded"] == again["new"] > 0  # everything compiled again, then rewritten
    assert _run(home)["new"] == 0


def test_no_key_no_load(home: Path) -> None:
    _run(home)
    (home / "llm-audit" / "cache.key").unlink()
    assert _run(home)["new"] > 0  # a key is made again on save; the old file's signature no longer holds


def test_only_the_command_line_installs_it() -> None:
    import dataclasses

    import re._compiler

    import auditor.cli  # noqa: F401 - imported in-process, as a program or the tests do

    assert "exec" not in vars(dataclasses)
    assert re._compiler.compile.__module__ == "re._compiler"


def test_engine_code_the_regex_engine_refuses_is_compiled_again(home: Path) -> None:
    """A signed file whose kept engine code no longer suits the engine (a format change the keys missed):
    the pattern is compiled by re itself and matches as before; the run never fails."""
    import hashlib
    import hmac
    import marshal

    plain = _run(home, "off")
    _run(home)
    f = _file(home)
    data = f.read_bytes()
    secret = (home / "llm-audit" / "cache.key").read_bytes()
    head = b""
    # the header is MAGIC + bytecode magic + engine magic line; the 32-byte signature follows it
    for cut in range(len(b"LLMAUDIT-CODE-4\n"), min(len(data), 200)):
        try:
            codes, regexes = marshal.loads(data[cut + 32 :])
        except Exception:  # noqa: BLE001
            continue
        if hmac.compare_digest(data[cut : cut + 32], hmac.new(secret, data[cut + 32 :], hashlib.sha256).digest()):
            head = data[:cut]
            break
    assert head, "signed payload not found"
    assert regexes
    bad = {k: (v[0], b"\xff\xff\xff\x7f" * 3, v[2], v[3], v[4]) for k, v in regexes.items()}
    payload = marshal.dumps((codes, bad))
    f.write_bytes(head + hmac.new(secret, payload, hashlib.sha256).digest() + payload)
    again = _run(home)
    for k in ("new", "loaded", "regexes_kept"):
        plain.pop(k), again.pop(k)
    assert again == plain
