"""LA402's advice on the sixth fresh set (docs/precision.md, "Session 15 fixes on the sixth set
(prec12b)"): one id gets one successor in one run (the end of the catalog's chain, also where no
fix can be written), a fine-tune is told to fine-tune a current base (no swap), and a constant that
is the fallback of a setting (`self.config.model or DEFAULT_MODEL`) is not called the default of an
environment variable."""

from __future__ import annotations

from datetime import date

TODAY = date(2026, 12, 1)

CALL = """
from openai import OpenAI
client = OpenAI()


def ask(q):
    return client.chat.completions.create(model="gpt-3.5-turbo", max_tokens=100, messages=[{"role": "user", "content": q}])
"""

# the id used as a key elsewhere: the swap is blocked (no fix), the advice stays the same
PRICES = """
PRICES = {"gpt-3.5-turbo": 0.5}
"""


def _la402(project, files):
    return [f for f in project(files, select=["LA402", "LA404"], today=TODAY).findings if f.code == "LA402"]


def _move(message):
    return message.split("move to ", 1)[1].split(" ", 1)[0].rstrip(";")


def test_a_call_with_no_fix_is_advised_the_end_of_the_chain_like_one_with_a_fix(project):
    (fixed,) = _la402(project, {"app.py": CALL})
    assert fixed.fix is not None
    (blocked,) = [f for f in _la402(project, {"app.py": CALL, "costs.py": PRICES}) if f.path == "app.py"]
    assert blocked.fix is None
    assert _move(blocked.message) == _move(fixed.message), (blocked.message, fixed.message)


def test_a_fine_tune_is_told_to_fine_tune_a_current_base_with_no_swap(project):
    (f,) = _la402(project, {"app.py": CALL.replace("gpt-3.5-turbo", "ft:gpt-3.5-turbo-0125:personal::9ivliXI3")})
    assert "fine-tune a current base model" in f.message and "move to gpt" not in f.message, f.message
    assert f.fix is None
    assert f.savings is None or not f.savings.monthly_usd


SETTING = """
import os
from openai import OpenAI

DEFAULT_MODEL = "gpt-4.1-nano"


class Reranker:
    def __init__(self, config):
        self.config = config
        self.client = OpenAI()

    def rank(self, q):
        return self.client.chat.completions.create(model=@model, max_tokens=1, messages=[{"role": "user", "content": q}])
"""


def test_the_fallback_of_a_setting_is_not_an_environment_variables_default(project):
    (f,) = _la402(project, {"rerank.py": SETTING.replace("@model", "self.config.model or DEFAULT_MODEL")})
    assert "environment variable" not in f.message, f.message
    (g,) = _la402(project, {"rerank.py": SETTING.replace("@model", 'os.getenv("RERANK_MODEL") or DEFAULT_MODEL')})
    assert "(the default of an environment variable)" in g.message, g.message
