"""Property-based: generated call shapes and prompt literals.

Every fix re-parses, a second fix is a no-op, and a safe fix changes nothing outside the
argument or literal it edits."""

from __future__ import annotations

import ast
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.fix.edits import fix_text, parses
from conftest import run_engine

MODELS = ["gpt-4o", "gpt-4o-mini", "o3", "claude-haiku-4-5", "gemini-2.5-flash"]
EXTRA = ["temperature=0.2", "n=1", "user='u1'", "seed=7", "stream=False", "top_p=1"]

words = st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd"), whitelist_characters=" ,.:'-é"), max_size=40)


@st.composite
def call_sources(draw):
    model = draw(st.sampled_from(MODELS))
    provider = "anthropic" if model.startswith("claude") else "google" if model.startswith("gemini") else "openai"
    prompt = draw(words)
    if provider == "openai":
        head = "from openai import OpenAI\nclient = OpenAI()\n"
        func = "client.chat.completions.create"
        args = [f"model={model!r}", f"messages=[{{'role': 'user', 'content': {prompt!r}}}]"]
        if draw(st.booleans()):
            args.append(f"max_tokens={draw(st.integers(1, 200000))}")
    elif provider == "anthropic":
        head = "import anthropic\nclient = anthropic.Anthropic()\n"
        func = "client.messages.create"
        args = [f"model={model!r}", f"messages=[{{'role': 'user', 'content': {prompt!r}}}]"]
    else:
        head = "from google import genai\nfrom google.genai import types\nclient = genai.Client()\n"
        func = "client.models.generate_content"
        args = [f"model={model!r}", f"contents={prompt!r}"]
        cfg = draw(st.sampled_from(["", "config={}", "config={'temperature': 0.1}", "config=types.GenerateContentConfig(temperature=0.1)"]))
        if cfg:
            args.append(cfg)
    args += draw(st.lists(st.sampled_from(EXTRA), unique=True, max_size=3))
    args = draw(st.permutations(args))
    layout = draw(st.sampled_from(["one-line", "multi", "multi-trailing", "hanging"]))
    if layout == "one-line":
        call = f"{func}({', '.join(args)})"
    elif layout == "hanging":
        call = f"{func}({args[0]},\n" + "".join(f"    {a},\n" for a in args[1:-1]) + f"    {args[-1]})"
    else:
        trailing = "," if layout == "multi-trailing" else ""
        call = f"{func}(\n" + ",\n".join(f"    {a}" for a in args) + f"{trailing}\n)"
    wrap = draw(st.sampled_from(["plain", "assign", "function", "loop"]))
    if wrap == "assign":
        body = f"resp = {call}\n"
    elif wrap == "function":
        body = "def ask():\n" + "".join(f"    {line}\n" for line in call.splitlines())
    elif wrap == "loop":
        body = "for item in range(3):\n" + "".join(f"    {line}\n" for line in call.splitlines())
    else:
        body = call + "\n"
    return head + body


def _run(text: str, unsafe: bool):
    d = Path(tempfile.mkdtemp())
    try:
        (d / ".git").mkdir()
        (d / "app.py").write_text(text, encoding="utf-8")
        result = run_engine(d, select=["LA1", "LA2", "LA4"])
        return [f for f in result.findings if f.fix and f.fix.edits and (unsafe or f.fix.applicability == "safe")]
    finally:
        shutil.rmtree(d, ignore_errors=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(call_sources())
def test_fixes_reparse_and_are_idempotent(source):
    assert parses(source) is None
    fixable = _run(source, unsafe=True)
    fixed, applied, dropped = fix_text(source, fixable)
    assert parses(fixed) is None
    ast.parse(fixed)
    # a second round (fixes that overlapped the first get applied now), then nothing is left
    for _ in range(3):
        more = _run(fixed, unsafe=True)
        if not more:
            break
        fixed, _, _ = fix_text(fixed, more)
        assert parses(fixed) is None
    assert _run(fixed, unsafe=True) == []


def _keywords(text: str) -> list[tuple[str, str]]:
    calls = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") in ("create", "generate_content")]
    return [(k.arg or "**", ast.dump(k.value)) for c in calls for k in c.keywords]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(call_sources())
def test_safe_fixes_touch_only_their_argument(source):
    before = _keywords(source)
    for f in _run(source, unsafe=False):
        new, applied, _ = fix_text(source, [f])
        assert applied == [f] and parses(new) is None
        after = _keywords(new)
        # exactly one keyword renamed (same value) or removed; everything else identical
        gone = [k for k in before if k not in after]
        added = [k for k in after if k not in before]
        assert len(gone) == 1, (before, after)
        assert added == [] or (len(added) == 1 and added[0][1] == gone[0][1]), (gone, added)
        # and no text outside the call changed
        head_old, head_new = source.split("client", 2)[:2], new.split("client", 2)[:2]
        assert head_old == head_new
