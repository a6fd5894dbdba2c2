"""One sizing model: LA301, LA302 and the cost model price a DataFrame hole the same way (with
pandas' display truncation for str(df)); prompt text counted as the SDKs build the request
(Prompty's role text, google-genai parts)."""

from __future__ import annotations

import re

import pytest
from conftest import codes

from auditor.cost.frames import FrameState, rendering

CSV = "review_id,email,product,rating,text\n" + "\n".join(
    f"R-{10000 + i},user{i}@example.com,{['AeroBlend 500', 'CrispAir 4L', 'BrewMate'][i % 3]},{i % 5 + 1},Works well but the lid is stiff after {i} weeks of use."
    for i in range(300)
) + "\n"


def _app(render: str) -> dict:
    return {
        "app.py": f'''
import pandas as pd
from openai import OpenAI

client = OpenAI()
df = pd.read_csv("data/reviews.csv")
r = client.chat.completions.create(
    model="gpt-4o-mini",
    messages=[{{"role": "user", "content": f"Summarize these reviews: {{{render}}}"}}],
    max_tokens=300,
)
''',
        "data/reviews.csv": CSV,
    }


def test_la301_la302_and_the_cost_model_agree_on_a_frame(project):
    r = project(_app("df[['review_id', 'email', 'text']].to_csv(index=False)"), select=["LA301", "LA302"])
    [site] = r.project.call_sites()
    [frame] = r.cost.request(site).frames.values()
    est = r.cost.estimate(site)
    la301 = next(f for f in r.findings if f.code == "LA301")
    la302 = next(f for f in r.findings if f.code == "LA302")
    assert frame.rows == 300 and frame.columns == 3
    # the cost model prices the hole at the frame's tokens; LA301 names the same figure
    assert est.dynamic_tokens == pytest.approx(frame.tokens)
    assert f"~{frame.tokens:,.0f} tokens per call" in la301.message
    assert la301.savings.tokens_per_call == pytest.approx(frame.tokens - frame.bounded(20).tokens, abs=1)
    # LA302 drops two of the three columns - of the same frame, never more than it weighs
    assert la302.savings.tokens_per_call == pytest.approx(frame.tokens - frame.without_columns(["review_id", "email"]).tokens, abs=1)
    assert la302.savings.tokens_per_call < frame.tokens
    # applied together: LA302's share comes after LA301's 20 rows
    share = la302.savings.sites[0].usd_per_month
    alone = frame.bounded(20).tokens - frame.bounded(20).without_columns(["review_id", "email"]).tokens
    assert share == pytest.approx(alone * 0.15 / 1e6 * 10_000, rel=0.02)


def test_str_of_a_long_frame_is_what_pandas_displays(project):
    r = project(_app("df"), select=["LA301"])
    [site] = r.project.call_sites()
    [frame] = r.cost.request(site).frames.values()
    assert frame.method == "str"
    rows, cols, truncated = frame.shown()
    assert truncated and rows == 11 and len(cols) == 5  # 5 + "..." + 5 of the 300 rows
    assert all(c <= 12 for c in cols)  # display.max_colwidth: 50 characters
    assert frame.tokens < 600  # a few hundred tokens, not the whole file
    [f] = r.findings
    assert "pandas shows only 10" in f.message
    assert f.savings is None or f.savings.usd_per_month == 0  # .head(20) would not send less


def test_short_frames_print_whole_and_wide_frames_lose_columns():
    short = FrameState(40, [5.0] * 4, 8.0, "str")
    assert short.shown()[0] == 40 and not short.shown()[2]
    wide = FrameState(40, [3.0] * 30, 60.0, "str")
    assert len(wide.shown()[1]) == 20 and wide.shown()[2]
    assert rendering("to_json", "df.to_json(orient='records')") == "records"
    assert rendering("to_csv", "df.to_csv(index=False)") == "to_csv(index=False)"
    assert rendering("format") == "str"


def _prompty_parse(body: str) -> list[tuple[str, str]]:
    """Prompty's own chat parser (prompty.parsers.PromptyChatParser.parse), for the comparison:
    the body after the front matter (leading whitespace stripped), Jinja's dropped trailing
    newline, role boundaries on lines of their own, content = the lines in between joined by \\n."""
    boundary = r"(?i)^\s*#?\s*(assistant|function|system|user|tools)\s*:\s*$"
    body = body.lstrip()
    body = body.removesuffix("\n")
    out, buf, role = [], [], "system"
    for line in body.splitlines():
        if re.match(boundary, line):
            if buf:
                out.append((role, "\n".join(buf)))
                buf = []
            role = line.replace(":", "").strip().lower()
        else:
            buf.append(line)
    if buf:
        out.append((role, "\n".join(buf)))
    return out


PROMPTY = """---
name: Ticket triage
model:
  api: chat
  configuration:
    type: openai
    model: gpt-4o-mini
  parameters:
    max_tokens: 50
---

system:
You route customer support tickets.
The queues are: orders, returns, other.

Reply with the queue name.

user:
Ticket: {{ticket}}
"""


def test_prompty_role_text_is_what_prompty_sends(project):
    r = project({"prompts/triage.prompty": PROMPTY}, select=["LA203"])
    [site] = r.project.call_sites()
    body = PROMPTY.split("---\n", 2)[2]
    expected = _prompty_parse(body.replace("{{ticket}}", "\x00"))
    got = [(m.role, "".join(s.text if s.kind == "static" else "\x00" for s in m.segments)) for m in site.prompt.messages]
    assert got == expected
    from auditor.cost.tokens import count_tokens

    static = sum(count_tokens(t.replace("\x00", "")).tokens for _, t in expected if t.replace("\x00", ""))
    assert r.cost.estimate(site).static_tokens == static + 4 * len(expected)


def test_google_genai_parts_are_one_user_turn(project):
    src = '''
from google import genai

client = genai.Client()
INSTRUCTION = "Summarize the review below in one sentence."


def summarize(review: str) -> str:
    r = client.models.generate_content(model="gemini-2.5-flash", contents=[INSTRUCTION, review], config={"max_output_tokens": 60})
    return r.text


def chat(history_turn: str) -> str:
    r = client.models.generate_content(
        model="gemini-2.5-flash",
        contents=[{"role": "user", "parts": [{"text": "Hello"}]}, {"role": "model", "parts": [{"text": "Hi"}]}, history_turn],
        config={"max_output_tokens": 60},
    )
    return r.text
'''
    r = project({"g.py": src}, select=["LA203"])
    sites = {s.qualname: s for s in r.project.call_sites()}
    one = sites["summarize"].prompt.messages
    assert [m.role for m in one] == ["user"]  # the SDK folds consecutive parts into one UserContent
    assert [s.kind for s in one[0].segments] == ["static", "hole"]
    turns = sites["chat"].prompt.messages
    assert [m.role for m in turns] == ["user", "assistant", "user"]
    assert codes(r) == []
