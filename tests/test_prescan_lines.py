"""The byte pre-scan searches only the lines where a hit can decide something
(auditor/sources/prelines.py): imports, column-0 assignments, lines holding a method path's
anchor. Decisive hits far from each other in realistic modules must still be found, and
look-alikes on the lines it skips must stay silent."""

from __future__ import annotations

import pytest

from auditor.config.catalog import load_catalog
from auditor.sources.prelines import CandidateLines
from auditor.sources.prescan import PARSE, SKIP, UNBOUND, Prescan

NAMES = ["*PROMPT*", "*INSTRUCTION*", "SYSTEM*"]
FILLER = "".join(f"    def helper_{i}(self, value):\n        '''Return the prompt-free value {i}.'''\n        return value * {i}\n\n" for i in range(200))


def _scan(apis=None, names=NAMES) -> Prescan:
    return Prescan(load_catalog().providers([]), apis or [], names)


def _module(tail: str, head: str = "import os\n") -> bytes:
    return (head + "\n\nclass Service:\n" + FILLER + tail).encode()


@pytest.mark.parametrize("tail", [
    # a client from another module, its call 800 lines down
    "    def run(self, client, msgs):\n        return client.chat.completions.create(model='gpt-4o', messages=msgs)\n",
    "    async def run(self, client, q):\n        r = await client.aio.models.generate_content(model='gemini-2.0-flash', contents=q)\n        return r\n",
    "    def run(self, model, q):\n        return model.generate_content(q)\n",
    # an SDK import inside a method, after the filler
    "    def client(self):\n        from openai import OpenAI\n        return OpenAI()\n",
    # a prompt constant at the end of the module, annotated and parenthesised
    "\nSYSTEM_PROMPT: str = (\n    'You are a careful assistant.'\n)\n",
    "\nsystem_instruction = 'Answer in French.'\n",
])
def test_decisive_hits_far_down_a_module_are_found(tail):
    assert _scan().verdict(_module(tail)) == PARSE


def test_a_policy_wrapper_called_deep_in_a_module_is_found():
    apis = [{"match": {"callables": ["app.llm.ask_llm"]}}]
    assert _scan(apis).verdict(_module("    def run(self, q):\n        return ask_llm(q)\n")) == PARSE
    assert _scan(apis).verdict(_module("    def run(self, q):\n        return my_ask_llm_cache[q]\n")) == SKIP


@pytest.mark.parametrize("tail", [
    "    def doc(self):\n        '''Chat with the team; see openai.com for what to import from here.'''\n",
    "    # from openai import OpenAI\n    def run(self):\n        return 'import openai'\n",
    "    def run(self, rows):\n        return [r.prompt for r in rows]\n",  # a prompt word in a method: not a constant
    "    SYSTEM_PROMPT = 'a class attribute'\n",  # not module level
    "    def run(self, sess):\n        return sess.chatter(1) or self.converser\n",
])
def test_look_alikes_stay_silent(tail):
    assert _scan().verdict(_module(tail)) == SKIP


def test_an_unbound_sdk_import_after_the_filler_is_unbound_and_a_later_path_still_parses():
    tail = "    def log(self):\n        from litellm import verbose_logger\n        verbose_logger.debug('x')\n"
    assert _scan().verdict(_module(tail)) == UNBOUND
    more = tail + "    def run(self, c):\n        return c.messages.create(model='claude', max_tokens=5, messages=[])\n"
    assert _scan().verdict(_module(more)) == PARSE


def test_only_the_lines_that_can_decide_are_searched():
    scan = _scan()
    data = _module("    def run(self, client, msgs):\n        return client.chat.completions.create(messages=msgs)\n", head="import os\nfrom app import db\n")
    lines = [data[s:e] for s, e in scan.lines.lines(data)]
    assert lines == [b"import os", b"from app import db", b"        return client.chat.completions.create(messages=msgs)"]
    assert sum(len(x) for x in lines) < len(data) / 100


def test_candidate_lines_cover_every_kind_of_literal():
    lines = CandidateLines({b"openai": "root", b"chat.completions.create": "path", b"generate_content": "path", b"generate_stream": "path", b"prompt": "name", b"ask_llm": "word"})
    assert lines.plain == [b"ask_llm", b"generate_"]  # `generate_content` and `generate_stream` share a head
    data = b"x = 1\n    y.chat.completions.create(a)\n    z = 2\n    m.generate_stream(p)\n    ask_llm(q)\n    from_here = 3\n"
    assert [data[s:e] for s, e in lines.lines(data)] == [
        b"x = 1", b"    y.chat.completions.create(a)", b"    m.generate_stream(p)", b"    ask_llm(q)", b"    from_here = 3"
    ]
    assert list(CandidateLines({b"prompt": "name"}).lines(b"PROMPT = 'p'")) == [(0, 12)]  # the first line, no newline
    assert list(CandidateLines({}).lines(b"import openai\n")) == []  # nothing to look for
