"""SARIF artifact URIs are RFC 3986 URI references (SARIF 2.1.0 §3.10): spaces, ``#``, ``%``,
``:``, non-ASCII and non-UTF-8 file names percent-encoded, and every one resolves back, through
``originalUriBaseIds``, to the file the finding is in."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import cli  # noqa: E402

CALL = "import litellm\nlitellm.completion(model='gpt-4o', messages=[{'role': 'user', 'content': 'hi'}])\n"
NAMES = [
    "my dir/a b.py",  # spaces
    "hash#frag.py",  # would start a fragment
    "100%.py",  # would start an escape
    "a:b.py",  # a colon in the first segment would read as a scheme
    "dir/caf\u00e9.py",  # non-ASCII: its UTF-8 bytes
    "\u65e5\u672c/\u30c6\u30b9\u30c8.py",
    os.fsdecode(b"raw\xe9.py"),  # not UTF-8: its own byte
    "q?x=1.py",  # would start a query
    "ok.py",
]
# RFC 3986 URI reference characters: unreserved, sub-delims, ":", "@", "/" and %HH escapes only
URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-F]{2})*$")


@pytest.fixture
def odd_names(tmp_path):
    (tmp_path / ".git").mkdir()
    for rel in NAMES:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(CALL, encoding="utf-8")
    return tmp_path


def _file_of(uri: str, base: str) -> Path:
    absolute = urljoin(base, uri)
    parts = urlsplit(absolute)
    assert parts.scheme == "file" and not parts.query and not parts.fragment, absolute
    return Path(os.fsdecode(unquote_to_bytes(parts.path)))


def test_sarif_uris_are_percent_encoded_and_parse_back_to_the_files(odd_names):
    r = cli("check", ".", "--no-cache", "--select", "LA101", "--output-format", "sarif", cwd=odd_names)
    assert r.returncode == 1, r.stderr
    log = json.loads(r.stdout)
    run = log["runs"][0]
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert URI_CHARS.match(base[len("file://") :]) and base.endswith("/"), base
    assert _file_of("", base) == odd_names.resolve()
    seen = set()
    for res in run["results"]:
        loc = res["locations"][0]["physicalLocation"]["artifactLocation"]
        uri = loc["uri"]
        assert URI_CHARS.match(uri), uri
        assert loc["uriBaseId"] == "%SRCROOT%"
        path = _file_of(uri, base)
        assert path.is_file(), (uri, path)
        seen.add(path.relative_to(odd_names.resolve()).as_posix())
    assert seen == set(NAMES)
    uris = {res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for res in run["results"]}
    assert {"my%20dir/a%20b.py", "hash%23frag.py", "100%25.py", "a%3Ab.py", "dir/caf%C3%A9.py", "raw%E9.py", "q%3Fx=1.py", "ok.py"} <= uris


def test_sarif_base_uri_of_a_folder_with_spaces_and_non_ascii(tmp_path):
    root = tmp_path / "my project #1 \u00e9"
    root.mkdir()
    (root / ".git").mkdir()
    (root / "app.py").write_text(CALL, encoding="utf-8")
    r = cli("check", ".", "--no-cache", "--select", "LA101", "--output-format", "sarif", cwd=root)
    run = json.loads(r.stdout)["runs"][0]
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert " " not in base and "#" not in base and URI_CHARS.match(base[len("file://") :]), base
    (res,) = run["results"]
    assert _file_of(res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], base) == (root / "app.py").resolve()


def test_path_uri_round_trips():
    from auditor.render.sarif import path_uri

    for name in NAMES + ["a\\b.py", "x%20y.py", " lead.py"]:
        uri = path_uri(name)
        assert URI_CHARS.match(uri), uri
        assert os.fsdecode(unquote_to_bytes(uri)) == name
