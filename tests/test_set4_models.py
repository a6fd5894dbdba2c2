"""Fourth fresh set (session 13), model ids: SambaNova Cloud's served ids are catalogued (LiteLLM's
``sambanova/`` keys) and its endpoint/SDK is known, a retired Gemini vision model is reported as retired,
and a request inside ``pytest.raises`` / ``assertRaises`` (a negative test's deliberate bad model) is no
call site. Each with a look-alike that must still be reported."""

from __future__ import annotations

import textwrap
from conftest import LA403_GAPS

SAMBA = """
    import os
    from sambanova import SambaNova
    from openai import OpenAI

    base_url = "https://api.sambanova.ai/v1"
    client = SambaNova(api_key=os.getenv("SAMBANOVA_API_KEY"), base_url=base_url)
    sdk = SambaNova(api_key=os.getenv("SAMBANOVA_API_KEY"))
    compat = OpenAI(base_url="https://api.sambanova.ai/v1", api_key=os.environ["SAMBANOVA_API_KEY"])
    plain = OpenAI()

    def render(prompt):
        out = client.completions.create(model="Meta-Llama-3.1-8B-Instruct", prompt=prompt, max_tokens=2048)  # served
        out2 = sdk.chat.completions.create(model="DeepSeek-V3.1", messages=[{"role": "user", "content": prompt}], max_tokens=512)  # catalogued
        out3 = compat.chat.completions.create(model="gpt-oss-120b", messages=[{"role": "user", "content": prompt}], max_tokens=512)  # compat
        out4 = plain.chat.completions.create(model="gpt-4o-mnii", messages=[{"role": "user", "content": prompt}], max_tokens=512)  # typo
        return out, out2, out3, out4
"""


def _line(code, marker):
    return next(i for i, l in enumerate(textwrap.dedent(code).splitlines(), 1) if marker in l)


def _codes(result, path, line):
    return sorted(f.code for f in result.findings if f.path == path and f.line == line)


def test_sambanova_cloud_ids_are_known_and_its_sdk_is_its_provider(project):
    result = project({"kit.py": SAMBA}, select=["LA101", "LA402", "LA403"])
    sites = {s.span.line: s for s in result.project.call_sites()}
    assert sites[_line(SAMBA, "# catalogued")].provider == "sambanova"
    assert sites[_line(SAMBA, "# compat")].provider == "sambanova"
    for marker in ("# served", "# catalogued", "# compat"):
        assert _codes(result, "kit.py", _line(SAMBA, marker)) == [], marker
    # the look-alike: OpenAI's own client with a misspelt id is still reported
    assert _codes(result, "kit.py", _line(SAMBA, "# typo")) == ["LA403"]
    est = result.cost.estimate(sites[_line(SAMBA, "# catalogued")])
    assert est.catalog_model == "DeepSeek-V3.1" and est.input_price and est.input_price > 0


KIT_CONFIG = """\
llm:
    "model": "gpt-oss-120b"
    "temperature": 0.0
    "max_tokens": 8192
tools:
    query_db:
      llm:
        "model": "DeepSeek-V3.1"
        "max_tokens": 1024
"""

VISION_CONFIG = """\
judge:
  model: gemini-pro-vision
  max_tokens: 512
grader:
  model: gemini-pro-visoin-2
"""


def test_kit_config_with_served_ids_is_silent_and_retired_vision_model_is_retired(project):
    result = project({"kit/config.yaml": KIT_CONFIG, "eval/config.yaml": VISION_CONFIG, "app.py": "import openai\n"},
                     policy=LA403_GAPS, select=["LA402", "LA403"])
    assert [f for f in result.findings if f.path == "kit/config.yaml"] == []
    (retired,) = [f for f in result.findings if f.path == "eval/config.yaml" and f.line == 2]
    assert retired.code == "LA402" and "gemini-pro-vision" in retired.message and "2024-07-12" in retired.message
    # the look-alike: an id the catalog does not know is still an unknown model
    assert _codes(result, "eval/config.yaml", 5) == ["LA403"]


NEGATIVE_TESTS = """
    import unittest
    import openai
    import pytest
    from openai import OpenAI

    client = OpenAI()

    class ApiTest(unittest.TestCase):
        def test_client_bad_model(self):
            model = "parrot"
            with self.assertRaises(openai.NotFoundError) as context:
                response = client.chat.completions.create(  # expected-error
                    model=model,
                    messages=[{"role": "user", "content": "hi"}],
                )

    def test_bad_model_pytest():
        with pytest.raises(openai.BadRequestError, match="model"):
            client.chat.completions.create(model="parrot-2", messages=[])  # pytest-raises

    def test_reads_a_file():
        with open("prompt.txt") as f:
            client.chat.completions.create(model="parrot-3", messages=[{"role": "user", "content": f.read()}])  # open-ctx
"""


def test_request_inside_assert_raises_is_no_call_site(project):
    result = project({"tests/test_api.py": NEGATIVE_TESTS}, policy=LA403_GAPS, select=["LA101", "LA403"])
    lines = {s.span.line for s in result.project.call_sites()}
    assert _line(NEGATIVE_TESTS, "# expected-error") not in lines
    assert _line(NEGATIVE_TESTS, "# pytest-raises") not in lines
    assert [f for f in result.findings if f.line != _line(NEGATIVE_TESTS, "# open-ctx")] == []
    # the look-alike: any other `with` keeps its call site and its findings
    assert _codes(result, "tests/test_api.py", _line(NEGATIVE_TESTS, "# open-ctx")) == ["LA101", "LA403"]
