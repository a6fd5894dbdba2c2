"""Prompt files: .prompty, Dotprompt .prompt, Jinja, text/markdown under prompt-paths, YAML prompt files.

Front matter that names a model is a call site (LA101 / LA104 and their fixes as front-matter
edits), the body is prompt text (LA201 and its fix as a text edit), broken front matter is
one LA000 with the line, and the run goes on.
"""

from __future__ import annotations

import textwrap

from auditor.fix.apply import FixReport, fix_file
from conftest import codes

TRIAGE = """\
---
name: Ticket triage
model:
  api: chat
  configuration:
    type: openai
    model: gpt-4o-mini
  parameters:
    temperature: 0.2
sample:
  question: My kettle will not heat.
---
system:
You route support tickets for Brightleaf Home.
It is very important that you read the whole ticket before choosing a queue.

user:
{{question}}
"""


def _fix(project, result, rel: str, code: str) -> str:
    findings = [f for f in result.findings if f.code == code and f.path == rel]
    assert findings and all(f.fix for f in findings)
    fix_file(project.root, rel, "promptfile", findings, write=True, report=FixReport())
    return (project.root / rel).read_text(encoding="utf-8")


def test_prompty_front_matter_is_a_call_site(project):
    r = project({"prompts/triage.prompty": TRIAGE})
    site = r.project.call_sites()[0]
    assert (site.provider, site.api, site.model_name) == ("openai", "promptfile.prompty", "gpt-4o-mini")
    assert site.params["temperature"].value.value == 0.2
    assert site.params["temperature"].value.span.line == 9
    roles = [(m.role, m.static_text.strip()[:24]) for m in site.prompt.messages]
    assert roles == [("system", "You route support ticket"), ("user", "")]
    # the role text as Prompty's parser reads it: the lines between the markers, so the user
    # turn is the hole alone (no marker newline, no trailing newline)
    [hole] = site.prompt.messages[1].segments
    assert (hole.kind, hole.expr, hole.hole_kind, hole.span.line) == ("hole", "question", "user", 18)


def test_prompty_without_cap_la101_and_fix(project):
    r = project({"prompts/triage.prompty": TRIAGE}, select=["LA101"])
    [f] = r.findings
    assert (f.code, f.path, f.line) == ("LA101", "prompts/triage.prompty", 3)
    assert "front matter" in f.message
    text = _fix(project, r, "prompts/triage.prompty", "LA101")
    assert "  parameters:\n    temperature: 0.2\n    max_tokens: 1024\nsample:" in text
    again = project({}, select=["LA101"])
    assert codes(again) == []
    assert again.project.call_sites()[0].params["max_tokens"].value.value == 1024


def test_prompty_without_parameters_block_gets_one(project):
    src = TRIAGE.replace("  parameters:\n    temperature: 0.2\n", "")
    r = project({"prompts/t.prompty": src}, select=["LA101"])
    text = _fix(project, r, "prompts/t.prompty", "LA101")
    assert "    model: gpt-4o-mini\n  parameters:\n    max_tokens: 1024\nsample:" in text
    assert codes(project({}, select=["LA101"])) == []


def test_prompty_reasoning_model_gets_max_completion_tokens(project):
    r = project({"prompts/t.prompty": TRIAGE.replace("gpt-4o-mini", "o4-mini")}, select=["LA101"])
    text = _fix(project, r, "prompts/t.prompty", "LA101")
    assert "    max_completion_tokens: " in text


def test_prompty_body_la201_fix_keeps_the_rest(project):
    r = project({"prompts/triage.prompty": TRIAGE}, select=["LA201"])
    [f] = r.findings
    assert (f.line, f.column) == (15, 1)
    text = _fix(project, r, "prompts/triage.prompty", "LA201")
    assert "\nRead the whole ticket before choosing a queue.\n" in text
    assert text.replace("Read the whole", "It is very important that you read the whole") == TRIAGE
    assert codes(project({}, select=["LA201"])) == []


def test_dotprompt_config_and_stop_sequence(project):
    src = """\
---
model: googleai/gemini-2.5-flash
config:
  temperature: 0
  maxOutputTokens: 200
input:
  schema:
    text: string
---
{{role "system"}}
Label the review. Reply with yes or no. End your answer with ###.
{{role "user"}}
{{text}}
"""
    r = project({"prompts/label.prompt": src}, select=["LA101", "LA104"])
    site = r.project.call_sites()[0]
    assert (site.provider, site.model_name) == ("google", "googleai/gemini-2.5-flash")
    assert site.params["maxOutputTokens"].value.value == 200
    assert [m.role for m in site.prompt.messages] == ["system", "user"]
    assert codes(r) == ["LA104"]
    text = _fix(project, r, "prompts/label.prompt", "LA104")
    assert '  maxOutputTokens: 200\n  stopSequences: ["###"]\ninput:' in text
    assert codes(project({}, select=["LA101", "LA104"])) == []


def test_dotprompt_without_config_creates_it(project):
    src = "---\nmodel: openai/gpt-4o-mini\n---\nSummarize {{text}} in one paragraph.\n"
    r = project({"prompts/s.prompt": src}, select=["LA101"])
    text = _fix(project, r, "prompts/s.prompt", "LA101")
    assert text == "---\nmodel: openai/gpt-4o-mini\nconfig:\n  maxOutputTokens: 1024\n---\nSummarize {{text}} in one paragraph.\n"


def test_broken_front_matter_is_la000_with_its_line_and_the_run_goes_on(project):
    broken = "---\nname: x\nmodel:\n  api: chat\n  configuration: {type: openai, model: gpt-4o\nsample: 1\n---\nsystem:\nHi\n"
    r = project({"prompts/broken.prompty": broken, "prompts/ok.prompty": TRIAGE})
    errs = [f for f in r.findings if f.code == "LA000"]
    assert len(errs) == 1 and errs[0].path == "prompts/broken.prompty"
    assert errs[0].line in (5, 6) and "front matter" in errs[0].message
    assert "LA101" in [f.code for f in r.findings if f.path == "prompts/ok.prompty"]


def test_unclosed_and_non_mapping_front_matter(project):
    r = project({"prompts/a.prompty": "---\nmodel:\n  api: chat\nsystem:\nHi\n", "prompts/b.prompt": "---\n- just\n- a list\n---\nHi\n"})
    errs = sorted((f.path, f.line) for f in r.findings if f.code == "LA000")
    assert errs == [("prompts/a.prompty", 1), ("prompts/b.prompt", 2)]


def test_not_utf8_prompt_file(project):
    r = project({"prompts/x.prompty": b"---\nmodel: gpt-4o\n---\n\xff\xfe bad\n"})
    assert [f.code for f in r.findings] == ["LA000"]


def test_jinja_template_without_model_is_linted_as_text(project):
    src = "{# answer template #}\nIt is very important that you cite the policy.\n{% for d in docs %}- {{ d.title }}\n{% endfor %}\nQ: {{ question }}\n"
    r = project({"templates/answer.j2": src}, select=["LA201", "LA101"])
    assert codes(r) == ["LA201"] and r.findings[0].line == 2
    pc = r.facts[0].prompt_constants[0]
    holes = [(s.expr, s.hole_kind) for s in pc.prompt.segments if s.kind == "hole"]
    assert holes == [("for d in docs", "collection"), ("d.title", "unknown"), ("question", "user")]
    text = _fix(project, r, "templates/answer.j2", "LA201")
    assert text == src.replace("It is very important that you cite", "Cite")


def test_markdown_under_prompt_paths(project):
    r = project({"prompts/notes.md": "# Writer\n\nIn order to write notes, read {changelog} first.\n", "docs/other.md": "In order to build, run make.\n"}, select=["LA201"])
    assert [(f.path, f.line) for f in r.findings] == [("prompts/notes.md", 3)]
    assert _fix(project, r, "prompts/notes.md", "LA201") == "# Writer\n\nTo write notes, read {changelog} first.\n"


def test_yaml_prompt_file_keys_and_model(project):
    src = textwrap.dedent(
        """\
        summarize:
          model: gpt-4o-mini
          temperature: 0
          template: |
            I would like you to summarize the ticket below in two sentences.
            Ticket: {{ticket}}
        classify:
          system: "Please note that the categories are fixed."
          messages:
            - role: user
              content: Kindly classify {text} into billing or shipping.
        """
    )
    r = project({"prompts/support.yaml": src}, select=["LA101", "LA201"])
    assert sorted((f.code, f.line) for f in r.findings) == [("LA101", 2), ("LA201", 5), ("LA201", 8), ("LA201", 11)]
    [site] = r.project.call_sites()
    assert site.params.keys() == {"temperature"}
    holes = [s.expr for s in site.prompt.segments if s.kind == "hole"]
    assert holes == ["ticket"]
    findings = [f for f in r.findings if f.fix]
    fix_file(project.root, "prompts/support.yaml", "promptfile", findings, write=True, report=FixReport())
    from ruamel.yaml import YAML

    fixed = YAML(typ="safe").load((project.root / "prompts/support.yaml").read_text())
    assert fixed["summarize"]["template"].startswith("Summarize the ticket below")
    assert fixed["summarize"]["max_tokens"] == 1024
    assert fixed["classify"]["system"] == "The categories are fixed."
    assert fixed["classify"]["messages"][0]["content"] == "Classify {text} into billing or shipping."


def test_broken_yaml_prompt_file(project):
    r = project({"prompts/p.yaml": "system: [unclosed\nprompt: hi\n"})
    [f] = r.findings
    assert f.code == "LA000" and f.line == 2


def test_front_matter_suppression_key(project):
    r = project({"prompts/t.prompty": TRIAGE.replace("name: Ticket triage\n", "name: Ticket triage\nllm-audit: {ignore: [LA201]}\n")}, select=["LA201", "LA101"])
    assert codes(r) == ["LA101"]


def test_a_fix_that_would_break_the_front_matter_is_dropped():
    from auditor.findings import Edit, Finding, Fix
    from auditor.fix.edits import fix_promptfile_text

    good = Finding("LA201", "verbose-instruction", "warning", "m", "t.prompty", fix=Fix("safe", "ok", [Edit(15, 1, 15, 31, "")]))
    bad = Finding("LA101", "missing-output-cap", "error", "m", "t.prompty", fix=Fix("unsafe", "bad", [Edit(10, 1, 10, 1, "    max_tokens: [1024\n")]))
    new, applied, dropped = fix_promptfile_text(TRIAGE, "t.prompty", [good, bad])
    assert applied == [good] and [f for f, _ in dropped] == [bad]
    assert "max_tokens" not in new and "\nRead the whole ticket" in new.replace("read the whole", "Read the whole")
