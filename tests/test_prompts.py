"""Prompt reconstruction: every shape of prompt-building code -> static segments and holes.

Each test writes a small realistic project and reads back the prompt of its call site:
static text must be exactly what Python would build, and each hole must keep its source
expression and kind (dataframe, collection, volatile, user, unknown).
"""

from __future__ import annotations

import pytest

from auditor.analysis.templates import DataHole, LiteralSegment, fill_template
from auditor.facts import Segment
from auditor.cost.sizing import dynamic_size, hole_estimates, static_size
from auditor.cost.tokens import count_tokens

HEAD = """\
from openai import OpenAI

client = OpenAI()
"""


def call(content: str, pre: str = "", params: str = "question: str, x=None") -> str:
    return HEAD + pre + f"""

def ask({params}):
    return client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{{"role": "user", "content": {content}}}],
        max_tokens=10,
    )
"""


def shape(result, index: int = 0) -> list[tuple[str, str, str]]:
    site = result.project.call_sites()[index]
    out = []
    for m in site.prompt.messages:
        for s in m.segments:
            out.append(("static", s.text, "") if s.kind == "static" else (s.kind, s.expr, s.hole_kind))
    return out


def static(result, index: int = 0) -> str:
    return "".join(t for k, t, _ in shape(result, index) if k == "static")


def test_plain_literal(project):
    r = project({"app.py": call('"You are terse. Reply in English."')})
    assert shape(r) == [("static", "You are terse. Reply in English.", "")]


def test_implicit_concatenation_with_escapes(project):
    r = project({"app.py": call('("Line one.\\n"\n            \'Line two, "quoted".\'  # comment\n            r" raw \\d")')})
    assert static(r) == 'Line one.\nLine two, "quoted". raw \\d'


def test_fstring_literal_parts_and_holes(project):
    r = project({"app.py": call('f"Summarize {question!r} in {x:>3} words, {{braces}} kept."')})
    assert shape(r) == [
        ("static", "Summarize ", ""),
        ("hole", "question", "user"),
        ("static", " in ", ""),
        ("hole", "x", "unknown"),
        ("static", " words, {braces} kept.", ""),
    ]


def test_format_positional_and_keyword(project):
    r = project({"app.py": call('"Hello {name}, see {0} and {}".format(x, question, name=question)')})
    assert shape(r) == [
        ("static", "Hello ", ""),
        ("hole", "question", "user"),
        ("static", ", see ", ""),
        ("hole", "x", "unknown"),
        ("static", " and ", ""),
        ("hole", "x", "unknown"),
    ]


def test_format_with_kwargs_mapping_and_escaped_braces(project):
    r = project({"app.py": call('"{{json}} {a} {b}".format(**{"a": question, "b": [1, 2]})')})
    assert shape(r) == [("static", "{json} ", ""), ("hole", "question", "user"), ("static", " ", ""), ("hole", "[1, 2]", "collection")]


def test_percent_tuple_and_mapping(project):
    r = project({"app.py": call('"Rate %s from %d%%" % (question, x)')})
    assert shape(r) == [("static", "Rate ", ""), ("hole", "question", "user"), ("static", " from ", ""), ("hole", "x", "unknown"), ("static", "%", "")]
    r = project({"app.py": call('"Rate %(review)s" % {"review": question}')})
    assert shape(r) == [("static", "Rate ", ""), ("hole", "question", "user")]


def test_concatenation(project):
    r = project({"app.py": call('"Intro: " + question + "\\nEnd."')})
    assert shape(r) == [("static", "Intro: ", ""), ("hole", "question", "user"), ("static", "\nEnd.", "")]


def test_join_of_a_literal_list(project):
    pre = 'RULE = "Be brief."\n'
    r = project({"app.py": call('"\\n".join(["Rules:", RULE, f"- {x}"])', pre=pre)})
    assert shape(r) == [("static", "Rules:", ""), ("static", "\n", ""), ("static", "Be brief.", ""), ("static", "\n", ""), ("static", "- ", ""), ("hole", "x", "unknown")]
    assert static(r) == "Rules:\nBe brief.\n- "


def test_join_of_a_generator_is_a_collection_hole(project):
    r = project({"app.py": call('"\\n".join(f"- {i}" for i in x)')})
    assert shape(r) == [("hole", '"\\n".join(f"- {i}" for i in x)', "collection")]


def test_string_template_substitute(project):
    pre = "from string import Template\n"
    r = project({"app.py": call('Template("Dear $name, ${issue} costs $$5").substitute(name=question, issue=x)', pre=pre)})
    assert shape(r) == [("static", "Dear ", ""), ("hole", "question", "user"), ("static", ", ", ""), ("hole", "x", "unknown"), ("static", " costs $5", "")]


def test_jinja_template_render(project):
    pre = "import jinja2\n"
    r = project({"app.py": call('jinja2.Template("Q: {{ question }}{% for d in docs %}\\n- {{ d }}{% endfor %}").render(question=question, docs=x)', pre=pre)})
    kinds = [(k, e) for k, e, _ in shape(r)]
    assert kinds[:3] == [("static", "Q: "), ("hole", "question"), ("hole", "for d in docs")]
    assert shape(r)[1][2] == "user" and shape(r)[2][2] == "collection"


def test_jinja_environment_from_string_bound_to_a_name(project):
    pre = "from jinja2 import Environment\nenv = Environment()\n"
    content = 'tmpl.render(question=question)'
    src = HEAD + pre + """

def ask(question: str):
    tmpl = env.from_string("Answer {{ question }} briefly.")
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": %s}], max_tokens=10)
""" % content
    r = project({"app.py": src})
    assert shape(r) == [("static", "Answer ", ""), ("hole", "question", "user"), ("static", " briefly.", "")]


def test_dedent_and_strip(project):
    pre = "import textwrap\n"
    r = project({"app.py": call('textwrap.dedent("""\n        Line one.\n          Line two.\n        """).strip()', pre=pre)})
    assert static(r) == "Line one.\n  Line two."


def test_same_module_constant_and_local_variable(project):
    pre = 'SYSTEM_PROMPT = "You are terse."\n'
    src = HEAD + pre + """

def ask(question: str):
    prompt = SYSTEM_PROMPT + " Question: " + question
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}], max_tokens=10)
"""
    r = project({"app.py": src})
    assert shape(r) == [("static", "You are terse.", ""), ("static", " Question: ", ""), ("hole", "question", "user")]


def test_constant_imported_from_another_module(project):
    files = {
        "app/__init__.py": "",
        "app/prompts.py": 'SYSTEM_PROMPT = (\n    "You are Brightleaf Assist. "\n    "Answer in English."\n)\n',
        "app/bot.py": """\
from openai import OpenAI

from app.prompts import SYSTEM_PROMPT
from . import prompts as p

client = OpenAI()


def ask(question: str):
    return client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "system", "content": p.SYSTEM_PROMPT},
            {"role": "user", "content": question},
        ],
        max_tokens=10,
    )
""",
    }
    r = project(files)
    site = r.project.call_sites()[0]
    system = [m for m in site.prompt.messages if m.role == "system"]
    assert [m.static_text for m in system] == ["You are Brightleaf Assist. Answer in English."] * 2
    seg = system[0].segments[0]
    assert seg.path == "app/prompts.py" and seg.span.line == 2  # the text is located at its definition
    assert site.prompt.messages[-1].segments[0].hole_kind == "user"


def test_imported_template_is_filled_after_resolution(project):
    files = {
        "app/__init__.py": "",
        "app/prompts.py": 'SUMMARY_TEMPLATE = "Rows:\\n{rows}\\nQuestion: {question}"\n',
        "app/bot.py": """\
import pandas as pd
from openai import OpenAI

from app.prompts import SUMMARY_TEMPLATE

client = OpenAI()


def ask(question: str, df: pd.DataFrame):
    prompt = SUMMARY_TEMPLATE.format(rows=df.to_csv(), question=question)
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}], max_tokens=10)
""",
    }
    r = project(files)
    segs = r.project.call_sites()[0].prompt.messages[0].segments
    assert [(s.kind, s.text or s.expr) for s in segs] == [("static", "Rows:\n"), ("hole", "df.to_csv()"), ("static", "\nQuestion: "), ("hole", "question")]
    assert isinstance(segs[1], DataHole) and segs[1].render == "whole" and segs[1].path is None
    assert segs[0].path == "app/prompts.py"


def test_hole_kinds(project):
    pre = "import json\nimport uuid\nfrom datetime import datetime\n\nimport pandas as pd\n"
    content = 'f"{df.to_csv()} {json.dumps(items)} {datetime.now():%Y} {uuid.uuid4()} {question} {x}"'
    r = project({"app.py": call(content, pre=pre, params="question: str, df: pd.DataFrame, items: list, x=None")})
    holes = [(e, k) for kind, e, k in shape(r) if kind == "hole"]
    assert holes == [
        ("df.to_csv()", "dataframe"),
        ("json.dumps(items)", "collection"),
        ("datetime.now()", "volatile"),
        ("uuid.uuid4()", "volatile"),
        ("question", "user"),
        ("x", "unknown"),
    ]


def test_messages_built_as_a_variable_with_content_blocks(project):
    src = HEAD + """

def ask(question: str):
    messages = [
        {"role": "system", "content": [{"type": "text", "text": "You are terse."}]},
        {"role": "user", "content": question},
    ]
    return client.chat.completions.create(model="gpt-4o-mini", messages=messages, max_tokens=10)
"""
    r = project({"app.py": src})
    site = r.project.call_sites()[0]
    assert [(m.role, m.static_text) for m in site.prompt.messages] == [("system", "You are terse."), ("user", "")]


def test_anthropic_system_and_notebook_cells(project, tmp_path):
    from conftest import notebook

    nb = notebook(
        "import anthropic\nclient = anthropic.Anthropic()\nSYSTEM = 'You label reviews.'\n",
        "%time\nmsg = client.messages.create(model='claude-haiku-4-5', system=SYSTEM, max_tokens=5,\n    messages=[{'role': 'user', 'content': f'Label: {review}'}])\n",
    )
    r = project({"nb.ipynb": nb})
    site = r.project.call_sites()[0]
    assert site.cell == 1
    assert [(m.role, m.static_text) for m in site.prompt.messages] == [("system", "You label reviews."), ("user", "Label: ")]
    assert site.prompt.messages[1].segments[1].hole_kind == "user"


def test_literal_pieces_locate_text_verbatim(project):
    r = project({"app.py": call('("Tab\\there. "\n            "Plain words")')})
    seg = r.project.call_sites()[0].prompt.messages[0].segments[0]
    assert isinstance(seg, LiteralSegment)
    lines = (project.root / "app.py").read_text().splitlines()
    for p in seg.pieces:
        assert seg.text[p.offset : p.offset + len(p.text)] == p.text
        line = lines[p.span.line - 1]
        assert line[p.span.column - 1 : p.span.column - 1 + len(p.text)] == p.text
    assert "\t" not in "".join(p.text for p in seg.pieces)  # escapes are never a piece


def test_fill_template_unknown_fields_become_unknown_holes():
    out = fill_template([Segment("static", text="A {x} B {y}")], "format", {"x": Segment("hole", expr="val", hole_kind="user")})
    assert [(s.kind, s.text or s.expr, s.hole_kind) for s in out] == [
        ("static", "A ", "unknown"), ("hole", "val", "user"), ("static", " B ", "unknown"), ("hole", "{y}", "unknown"),
    ]


@pytest.mark.parametrize("model,exact", [("gpt-4o-mini", True), ("claude-haiku-4-5", False)])
def test_prompt_size_static_exact_and_dynamic_estimates(project, model, exact):
    src = HEAD + f"""

def ask(question: str, items: list):
    return client.chat.completions.create(
        model="{model}",
        messages=[{{"role": "system", "content": "You are terse."}}, {{"role": "user", "content": f"Q: {{question}} {{items!r}}"}}],
        max_tokens=10,
    )
"""
    r = project({"app.py": src})
    site = r.project.call_sites()[0]
    size = static_size(site.prompt, site.model_name, site.provider)
    factor = 1.0 if exact else 1.15  # providers.yaml token-factor for anthropic
    expected = sum(count_tokens(t, model, factor).tokens for t in ("You are terse.", "Q: ", " "))  # one count per static run
    assert size.tokens == expected and size.exact is exact
    if not exact:
        assert "o200k_base" in size.note and "1.15" in size.note
    dyn, counts = dynamic_size(site.prompt, None)
    est = hole_estimates(None)
    assert counts == {"user": 1, "unknown": 1} and dyn == est["user"] + est["unknown"]


def test_repeated_literal_text_is_static(project):
    """`"Rule. " * 3` is static text (counted), not a dynamic hole; a variable count is a hole."""
    result = project({
        "app/prompts.py": 'POLICY_PROMPT = "You handle claims. " + "Cite the handbook section. " * 3\n',
        "app/llm.py": """
            from openai import OpenAI
            from app.prompts import POLICY_PROMPT
            client = OpenAI()
            def ask(q, n):
                return client.chat.completions.create(model="gpt-4o-mini", max_tokens=50, messages=[
                    {"role": "system", "content": POLICY_PROMPT},
                    {"role": "user", "content": "Note. " * n + q},
                ])
        """,
    })
    [site] = result.project.call_sites()
    system, user = site.prompt.messages
    assert system.static_text == "You handle claims. " + "Cite the handbook section. " * 3
    assert [s.kind for s in user.segments] == ["hole", "hole"]
