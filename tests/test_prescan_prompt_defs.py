"""The pre-scan's prompt functions (``def build_prompt(...): return \"\"\"...\"\"\"``): a module
whose only LLM-looking content is a function named like ``prompt-names`` returning literal text is
parsed. The words are searched once each in the lower-cased bytes; a hit counts only in a spelling
the names use (``prompt``, ``Prompt``, ``PROMPT``), and another spelling earlier on a line never
hides one of ours further on."""

from __future__ import annotations

import pytest

from auditor.config.catalog import load_catalog
from auditor.sources.prescan import PARSE, SKIP
from auditor.sources.python import SourceOptions


@pytest.fixture(scope="module")
def prescan():
    return SourceOptions(providers_data=load_catalog().providers_data).prescanner


FILLER = "".join(f"def helper_{i}(rows):\n    return [r for r in rows if r]  # no prompt here\n\n" for i in range(40))


@pytest.mark.parametrize(
    "source",
    [
        'def build_prompt(topic):\n    return f"""You are a tutor. Explain {topic} simply."""\n',
        FILLER + 'def SYSTEM_PROMPT_TEXT():\n    return "You are a helpful assistant for billing questions."\n',
        FILLER + 'class Agent:\n    async def make_Prompt(self, q):\n        return ("""Answer the question: {q}""")\n',
        '# pRoMpT templates\ndef instruction_for(user):  # see pROMPT docs\n    return "Summarise the ticket in two short sentences."\n',
        FILLER + 'x = 1  # PrOmPt, then prompt\ndef get_prompt():\n    return """Reply in French."""\n',
        FILLER + 'def pROMPT_or_prompt():  # another spelling first on the def line\n    return "Reply in two short sentences."\n',
    ],
)
def test_prompt_functions_are_parsed(prescan, source):
    assert prescan.verdict(source.encode()) == PARSE


@pytest.mark.parametrize(
    "source",
    [
        'def pRoMpT_text():\n    return "You are a helpful assistant."\n',  # not a spelling the names use
        FILLER + 'def render_prompt(kind):\n    return "dict-prompt"\n',  # a type tag, not prose
        FILLER + 'def build(prompt):\n    return """Hello there, world."""\n',  # the word in a parameter only
        FILLER + 'def lookup(key):\n    return CACHE.get(key)  # the prompt cache\n',  # a word in a comment
    ],
)
def test_look_alikes_are_skipped(prescan, source):
    assert prescan.verdict(source.encode()) == SKIP
