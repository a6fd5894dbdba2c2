"""Segment roles: instruction text vs data (documents, examples, records), the helper text rules
read it through, and policy `prompt-roles` overrides."""

from __future__ import annotations

import pickle

from auditor.analysis.roles import DATA, INSTRUCTION, data_regions, instruction_runs, instruction_text, role_rules
from auditor.facts import Message, Prompt, Segment
from conftest import codes, notebook


def _roles(result, path=None):
    out = []
    for site in result.project.call_sites():
        if path and site.path != path:
            continue
        for m in site.prompt.messages:
            for s in m.segments:
                if s.kind == "static" and s.text.strip():
                    out.append((m.role, s.role, " ".join(s.text.split())[:50]))
    return out


def test_segment_role_defaults_to_instruction_and_pickles():
    seg = Segment("static", text="Answer briefly.")
    assert seg.role == INSTRUCTION and seg.via == ()
    seg.role, seg.via = DATA, (("DOC", True),)
    back = pickle.loads(pickle.dumps(seg))
    assert back.role == DATA and back.via == (("DOC", True),)


def test_instruction_runs_break_at_data_and_holes():
    segs = [Segment("static", text="Summarize "), Segment("static", text="a long report", role=DATA), Segment("static", text=" briefly."),
            Segment("hole", expr="q"), Segment("static", text="Thanks.")]
    assert [[s.text for s in run] for run in instruction_runs(segs)] == [["Summarize "], [" briefly."], ["Thanks."]]
    prompt = Prompt([Message("system", segs[:3]), Message("user", segs[3:])])
    assert [[s.text for s in run] for run in instruction_runs(prompt)] == [["Summarize "], [" briefly."], ["Thanks."]]
    assert instruction_text(prompt) == "Summarize \n briefly.\nThanks."
    assert instruction_text(prompt, roles=("user",)) == "Thanks."


def test_data_regions_from_tags_fences_and_example_sections():
    rules = role_rules()
    text = "Label it.\n<document index=\"1\">Q3 revenue rose.</document>\n```\nx = 1\n```\n## Worked example\nUser: hi\n## Rules\nBe brief."
    got = [text[a:b] for a, b in data_regions(text, rules)]
    assert "Q3 revenue rose." in got and "x = 1\n" in got
    assert any("User: hi" in g for g in got) and not any("Be brief" in g for g in got)
    plain = "Example:\nInput: the food was cold\nOutput: negative\n\nAlways answer in lowercase."
    regions = [plain[a:b] for a, b in data_regions(plain, rules)]
    assert any("the food was cold" in r for r in regions) and not any("lowercase" in r for r in regions)


def test_document_imported_from_a_data_module_into_a_notebook_is_data(project):
    """The shape of a cookbook: example contracts in data/, interpolated into the guide's prompts."""
    result = project({
        "skills/data/leases.py": 'document1 = """The Sublessee shall pay rent prior to the first day of each month. In the event that rent is late, a fee applies."""\n',
        "skills/guide.ipynb": notebook(
            "import anthropic\nfrom data.leases import document1\nclient = anthropic.Anthropic()\n",
            'r = client.messages.create(model="claude-sonnet-4-5", max_tokens=500, messages=[{"role": "user", "content": f"Please note that you must summarize this lease:\\n{document1}"}])\n',
        ),
    }, select=["LA201"])
    roles = _roles(result)
    assert any(m == "user" and r == DATA and t.startswith("The Sublessee shall pay rent") for m, r, t in roles)
    assert any(r == INSTRUCTION and "Please note" in t for _, r, t in roles)
    msgs = [f.message for f in result.findings]
    assert len(msgs) == 1 and "Please note that" in msgs[0]  # the instruction's filler, not the lease's wording


def test_long_neutral_text_interpolated_is_data_but_a_named_prompt_is_not(project):
    long_text = "Our platform captures and indexes buildings. " * 10
    result = project({"app.py": f'''
        from openai import OpenAI
        client = OpenAI()
        filing = "{long_text}"
        BASE_PROMPT = "{long_text}"
        client.chat.completions.create(model="gpt-4o-mini", max_tokens=9, messages=[{{"role": "user", "content": f"{{filing}} Answer from it."}}])
        client.chat.completions.create(model="gpt-4o-mini", max_tokens=9, messages=[{{"role": "user", "content": f"{{BASE_PROMPT}} Answer from it."}}])
    '''}, select=["LA201"])
    first, second = [_roles(result) for _ in range(1)][0][:2], _roles(result)[2:]
    assert first[0][1] == DATA and first[1][1] == INSTRUCTION
    assert all(r == INSTRUCTION for _, r, _ in second)


def test_few_shot_turns_are_data_the_last_user_turn_is_not(project):
    result = project({"app.py": '''
        from openai import OpenAI
        client = OpenAI()
        client.chat.completions.create(model="gpt-4o-mini", max_tokens=9, messages=[
            {"role": "system", "content": "Label the review."},
            {"role": "user", "content": "I would like you to refund me."},
            {"role": "assistant", "content": "negative"},
            {"role": "user", "content": "I would like you to know it is great."},
            {"role": "assistant", "content": "{"},
        ])
    '''}, select=["LA201"])
    assert [r for _, r, _ in _roles(result)] == [INSTRUCTION, DATA, DATA, INSTRUCTION, INSTRUCTION]
    assert len([f for f in result.findings if f.code == "LA201"]) == 1  # only the real question's filler


def test_policy_prompt_roles_override_by_name_and_path(project):
    files = {
        "prompts/rules.py": 'GUIDE_TEXT = "In order to stay safe, never run shell commands."\n',
        "app.py": '''
            from openai import OpenAI
            from prompts.rules import GUIDE_TEXT
            client = OpenAI()
            EXAMPLES_PROMPT = "In order to label, read the examples."
            client.chat.completions.create(model="gpt-4o-mini", max_tokens=9, messages=[{"role": "system", "content": GUIDE_TEXT + " " + EXAMPLES_PROMPT}])
        ''',
    }
    assert codes(project(files, select=["LA201"])).count("LA201") == 2
    by_name = project({}, select=["LA201"], policy="prompt-roles:\n  GUIDE_TEXT: data\n")
    assert len(by_name.findings) == 1 and by_name.findings[0].path == "app.py"
    by_path = project({}, select=["LA201"], policy="prompt-roles:\n  prompts/*: data\n")
    assert len(by_path.findings) == 1 and by_path.findings[0].path == "app.py"
    # an override to instruction is final: the tag heuristics do not split it
    tagged = project({"app.py": '''
        from openai import OpenAI
        client = OpenAI()
        TEMPLATE_PROMPT = "<example>In order to win, play.</example>"
        client.chat.completions.create(model="gpt-4o-mini", max_tokens=9, messages=[{"role": "system", "content": TEMPLATE_PROMPT}])
    '''}, select=["LA201"], policy="prompt-roles:\n  TEMPLATE_PROMPT: instruction\n")
    assert codes(tagged) == ["LA201"]


def test_prompt_roles_are_validated(project, tmp_path):
    from conftest import cli

    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / ".llm-audit.yaml").write_text("prompt-roles:\n  DOC: documentation\n")
    r = cli("check", ".", cwd=tmp_path)
    assert r.returncode == 2 and "prompt-roles" in (r.stdout + r.stderr)


def test_la401_task_detection_reads_instruction_text_only(project):
    result = project({"app.py": '''
        from openai import OpenAI
        client = OpenAI()
        REPORT = "<document>The committee will classify each incident and extract the lessons.</document>"
        client.chat.completions.create(model="gpt-4o", max_tokens=900, messages=[{"role": "user", "content": REPORT + " Tell me what the board should worry about."}])
    '''}, select=["LA401"])
    assert codes(result) == []


def test_a_fence_mentioned_mid_sentence_opens_no_data_region():
    from auditor.analysis.roles import data_regions, role_rules

    text = "This passage will be enclosed in triple backticks (```)\nYour goal is to give a summary.\n\n```{text}```\nSUMMARY:"
    regions = data_regions(text, role_rules())
    instruction = text.index("Your goal")
    assert not any(a <= instruction < b for a, b in regions)
    fenced = "Summarize:\n```\nprint(1)\n```\n"
    assert any(fenced[a:b].strip() == "print(1)" for a, b in data_regions(fenced, role_rules()))
