"""Test modules that never ask a model anything: a chat model built there only to check its
attributes (``assert hasattr(llm, "temperature")``, ``provider.llm.openai_api_base == URL``, a
constructor expected to raise) sends no request, so it is not a call site (no LA101 cap, no LA402
retirement: nothing is billed and nothing fails at runtime).

A module is such a test module when its path says it is a test (``tests/``, ``test_*.py``,
``*_test.py``, ``conftest.py``) and its text holds no call of a method that sends a request
(``invoke``, ``stream``, ``generate``, ``create``, ``run``, ``kickoff``...). Only constructor call
sites (chat models, LLM classes) are dropped there: a direct ``client.chat.completions.create`` in a
test is a request wherever it is."""

from __future__ import annotations

import re

TEST_PATH = re.compile(r"(?:^|/)(?:tests?|testing)/|(?:^|/)test_[^/]*\.(?:py|ipynb)$|_test\.py$|(?:^|/)conftest\.py$")
ASKS = re.compile(
    r"\.(?:a?invoke|a?stream|a?batch|batch_as_completed|a?generate|a?generate_prompt|predict|predict_messages|a?complete|"
    r"a?chat|stream_chat|a?call|a?run|run_sync|run_stream|kickoff|a?create|generate_content|converse|invoke_model|"
    r"initiate_chat|a?query|a?predict|a?apply)\s*\(|\bRunner\.|\w\(\s*\[?\s*(?:HumanMessage|SystemMessage)\b"
)


def sends_nothing(path: str, text: str) -> bool:
    """A test module (by its path) in which no call can send a request."""
    return TEST_PATH.search(path.replace("\\", "/")) is not None and ASKS.search(text) is None
