"""LA503 on the sixth fresh set (docs/precision.md, "Session 15 fixes on the sixth set (prec12b)"):
loops whose requests are no batch work (a local model, a comparison of models, a logprob ranker) and
the Batch API named for a LiteLLM model its caller picks (auditor/checks/batchfit.py)."""

from __future__ import annotations

from datetime import date

TODAY = date(2026, 12, 1)


def _la503(project, files):
    return [f for f in project(files, select=["LA503"], today=TODAY).findings if f.code == "LA503"]


LITELLM = """
from litellm import completion


class Labeller:
    def __init__(self, model: str = "gpt-4o-mini"):
        self.model = model

    def label(self, topics):
        out = {}
        for topic, words in topics.items():
            r = completion(model=MODEL, max_tokens=20, messages=[{"role": "user", "content": f"Label these keywords: {words}"}])
            out[topic] = r.choices[0].message.content
        return out
"""


def test_litellm_model_its_caller_picks_names_no_one_providers_batch_api(project):
    (f,) = _la503(project, {"labeller.py": LITELLM.replace("MODEL", "self.model")})
    assert "the Batch API of the model's provider" in f.message
    assert "OpenAI Batch API" not in f.message


def test_litellm_with_a_literal_model_keeps_that_providers_batch_api(project):
    (f,) = _la503(project, {"labeller.py": LITELLM.replace("MODEL", '"gpt-4o-mini"')})
    assert "the OpenAI Batch API" in f.message


MODELS_LOOP = """
from openai import OpenAI
client = OpenAI()
MODELS = ["gpt-4o", "gpt-4.1", "gpt-4.1-mini", "gpt-4o-mini", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-4.1-nano", "o3", "o1"]
QUESTIONS = [line for line in open("questions.txt")]


def run():
    for @item in @iter:
        r = client.chat.completions.create(model=@model, max_tokens=100, messages=[{"role": "user", "content": @question}])
        print(r.choices[0].message.content)
"""


def test_a_loop_over_models_is_a_comparison_and_a_loop_over_data_with_one_model_is_batch_work(project):
    models = MODELS_LOOP.replace("@item", "m").replace("@iter", "MODELS").replace("@model", "m").replace("@question", '"Name three prime numbers."')
    assert _la503(project, {"cmp.py": models}) == []
    data = MODELS_LOOP.replace("@item", "q").replace("@iter", "QUESTIONS").replace("@model", '"gpt-4o-mini"').replace("@question", "q")
    assert len(_la503(project, {"cmp.py": data})) == 1


def test_a_one_token_request_is_a_logprob_ranker_only_when_it_asks_for_logprobs(project):
    src = """
from openai import OpenAI
client = OpenAI()


def score(query, passages):
    return [client.chat.completions.create(model="gpt-4.1-nano", max_tokens=1, EXTRA messages=[{"role": "user", "content": f"Is {p} relevant to {query}? True or False"}]) for p in passages]
"""
    assert _la503(project, {"rank.py": src.replace("EXTRA", "logprobs=True, top_logprobs=2,")}) == []
    assert len(_la503(project, {"rank.py": src.replace("EXTRA", "")})) == 1
    assert len(_la503(project, {"rank.py": src.replace("EXTRA", "logprobs=True,").replace("max_tokens=1", "max_tokens=300")})) == 1
