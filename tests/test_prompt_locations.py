"""Prompt files found where real projects keep them, with the default policy: a `prompts/` folder at
any depth (patterns/agents/prompts/lead_agent.md, a pipeline's prompts/extraction.txt) and promptfoo
configs' inline `prompts:` texts; a README in a prompts folder, Markdown outside one, promptfoo's
file references and other YAML stay silent."""

from __future__ import annotations

LEAD_AGENT_MD = """\
You are an expert research lead, focused on high-level research strategy.

<research_process>
1. **Assessment and breakdown**: Analyze the user's prompt to make sure you fully understand it.
2. **Delegation**: Make sure to give every subagent one clear, distinct task.
</research_process>
"""

EXTRACTION_TXT = """\
Your task is to extract the memo number, the aircraft type and the affected parts from the pages below.
Return one JSON object.
"""

PROMPTS_README = """\
# Prompts

Each file here is a system prompt. Please make sure to keep them short when you edit one.
"""

DOCS_GUIDE_MD = """\
# Contributing

Please make sure to run the tests before you open a pull request.
"""


def test_a_prompts_folder_at_any_depth_is_linted(project):
    r = project({
        "patterns/agents/prompts/research_lead_agent.md": LEAD_AGENT_MD,
        "pipelines/ocr/prompts/extraction.txt": EXTRACTION_TXT,
        "patterns/agents/prompts/README.md": PROMPTS_README,
        "docs/CONTRIBUTING.md": DOCS_GUIDE_MD,
        "patterns/agents/agent.py": "import anthropic\n",
    }, select=["LA201"])
    got = sorted((f.path, f.line) for f in r.findings)
    assert got == [
        ("patterns/agents/prompts/research_lead_agent.md", 4),
        ("patterns/agents/prompts/research_lead_agent.md", 5),
        ("pipelines/ocr/prompts/extraction.txt", 1),
    ], [(f.path, f.line, f.message) for f in r.findings]
    assert all(f.fix is not None for f in r.findings)


PROMPTFOO = """\
description: "School Assistant Eval"

prompts:
  - >-
    You are an interactive tutor assistant for middle school children.
    You will get a student's question, and your job is to respond with explanations that a middle school audience understands.
    This is the student question: {{question}}
  - prompts.py:better_prompt
  - file://prompts/tutor.txt
  - "Write a short paragraph about {{topic}}. Make sure you mention {{topic}} exactly {{count}} times."
providers:
  - anthropic:messages:claude-3-haiku-20240307
defaultTest:
  assert:
    - type: llm-rubric
      value: "Please make sure to grade the answer as a teacher would."
tests:
  - vars:
      question: "Could you please explain photosynthesis?"
"""


def test_promptfoo_inline_prompts_are_prompts(project):
    r = project({"evals/tutor/promptfooconfig.yaml": PROMPTFOO}, select=["LA201"])
    got = sorted((f.line, f.message.split(":")[0]) for f in r.findings)
    # the folded block's filler and the quoted one's; file references, the grader's rubric and the
    # test's question are no prompt of this config
    assert [line for line, _ in got] == [6, 10], [(f.line, f.message) for f in r.findings]
    assert "your job is to respond" in got[0][1] and "Make sure you mention" in got[1][1]
    # each folded line is written verbatim: the fix edits that line of the block
    assert all(f.fix is not None for f in r.findings)


def test_yaml_that_is_no_prompt_file_stays_silent(project):
    r = project({
        "config/settings.yaml": "prompts:\n  - Please make sure to restart the worker.\nmodel_name: small\n",
        ".github/workflows/ci.yml": "jobs:\n  test:\n    steps:\n      - run: echo 'Please make sure to pass'\n",
    }, select=["LA201"])
    assert r.findings == []
