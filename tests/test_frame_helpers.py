"""A DataFrame rendered whole in a helper whose parameter is annotated as a frame
(``def _df_to_string(df: Optional[pd.DataFrame], name)``), called with a value that says nothing
else (``data.get("financial_metrics")``), reaches the request the caller builds (here with ``+=``
under ``if``s, as finrobot's equity report does): LA301 where the frame is rendered. A caller that
bounds the frame, passes text, or a helper whose parameter is only named like a frame stays silent."""

from __future__ import annotations

REPORT = '''
from typing import Dict, Optional

import pandas as pd
from openai import OpenAI


def _df_to_string(df: Optional[pd.DataFrame], name: str) -> str:
    """Converts a DataFrame to a markdown string for use in a prompt."""
    if df is None or df.empty:
        return f"{name}:\\n[Data not available]\\n"
    return f"{name}:\\n{df.to_markdown()}\\n"


def _prepare_user_prompt(data: Dict, company: str) -> str:
    metrics = data.get("financial_metrics")
    peers = data.get("peer_ebitda")
    prompt = f"Company: {company}\\n\\n"
    if metrics is not None and not metrics.empty:
        prompt += _df_to_string(metrics, "Financial Metrics")
    if peers is not None:
        prompt += _df_to_string(peers.head(5), "Peer EBITDA")  # bounded by the caller
    prompt += "\\nWrite the overview based on the above data."
    return prompt


def generate_text_section(data: Dict, company: str) -> str:
    client = OpenAI()
    resp = client.chat.completions.create(
        model="gpt-4o-mini",
        max_tokens=500,
        messages=[{"role": "system", "content": "You are an equity analyst."},
                  {"role": "user", "content": _prepare_user_prompt(data, company)}],
    )
    return resp.choices[0].message.content
'''


def la301(result):
    return sorted((f.path, f.line) for f in result.findings if f.code == "LA301")


def test_annotated_helper_renders_the_whole_frame_into_the_request(project):
    result = project({"report/__init__.py": "", "report/text.py": REPORT}, select=["LA301"])
    assert la301(result) == [("report/text.py", 12)]  # in the helper, where df.to_markdown() is written
    (f,) = [f for f in result.findings if f.code == "LA301"]
    assert "to_markdown" in f.message


LOOKALIKES = '''
from typing import Optional

import pandas as pd
from openai import OpenAI

client = OpenAI()


def render(df: Optional[pd.DataFrame]) -> str:
    return f"Data:\\n{df.to_markdown()}"


def render_named(table) -> str:  # only the name could say it is a frame
    return f"Data:\\n{table.to_markdown()}"


def ask(frame: pd.DataFrame, store):
    for text in (render(frame.head(10)), render_named(store.get("t"))):
        client.chat.completions.create(model="gpt-4o-mini", max_tokens=300, messages=[{"role": "user", "content": text}])
'''


def test_bounded_or_unannotated_stay_silent(project):
    result = project({"app.py": LOOKALIKES}, select=["LA301"])
    assert la301(result) == []
