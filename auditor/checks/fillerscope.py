"""Where LA201 has no prompt to shorten (auditor/checks/filler.py):

- ``fixed_test_message``: a boilerplate identity that is the whole of a one-line message written in a
  test module (``{"role": "system", "content": "You are a chatbot."}`` in a benchmark or canary): the
  fixed input a test sends to exercise a client, nobody's prompt. Filler inside an instruction a test
  sends (a one-line "In order to keep it short, please make sure to ...") and prompts kept in test code
  (an eval's judge rubric) stay judged: only the finding that would remove the whole message is dropped;
- ``test_query``: a short user message (a line or two) written in a test module and handed to the function
  that runs the agent under test, such as an integration test's query ("... Please show me an execution
  plan."): the test's input, not a prompt anyone ships; a request the test writes to a model itself, and a
  test module's longer prompts (a judge rubric), stay judged;
- ``replaces_framework_default``: the whole system message of an agent whose framework sends its
  own default when none is given (``default-system`` in rules/flows.yaml ``agents``: AutoGen's
  ``AssistantAgent(system_message="You are a helpful assistant.")``): removing the message, the
  only fix for a boilerplate identity that is all of it, brings back a longer one.
"""

from __future__ import annotations

from auditor.analysis.testmodules import is_test_path
from auditor.config.flows import load_flows
from auditor.facts import Message

MAX_CHARS = 120  # a test's fixed message: one short line


def fixed_test_message(m: Message, path: str) -> bool:
    if not m.segments or any(s.kind != "static" for s in m.segments):
        return False
    where = next((s.path for s in m.segments if s.path), None) or path
    text = m.static_text.strip()
    return is_test_path(where) and "\n" not in text and len(text) <= MAX_CHARS


QUERY_CHARS = 240  # a test's query: a line or two


def test_query(m: Message, owner) -> bool:
    """Only a text handed to a function that runs the agent under test (``_run_agent(agent, query)``: the
    owner is that function's argument); a request a test writes to a model itself stays judged."""
    if m.role != "user" or owner.site is not None or "(" not in owner.name or not m.segments or any(s.kind != "static" for s in m.segments):
        return False
    where = next((s.path for s in m.segments if s.path), None) or owner.path
    text = m.static_text.strip()
    return is_test_path(where) and len(text) <= QUERY_CHARS and sum(1 for line in text.splitlines() if line.strip()) <= 2


def replaces_framework_default(m: Message, owner) -> bool:
    """The agent call site says so, or the owner is a text sink's argument listed in its ``defaults``
    (a prompt constant named ``AssistantAgent(system_message=)``)."""
    if m.role != "system":
        return False
    if owner.site is not None:
        return bool(owner.site.extra.get("default_system"))
    tail, _, rest = owner.name.partition("(")
    spec = rest.split("=)", 1)[0] if rest.endswith("=)") or "=)#" in rest else ""
    return bool(spec) and any(tail in s.names and spec in s.defaults for s in load_flows().text_sinks)
