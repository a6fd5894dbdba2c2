"""Fresh set 5's model, call-site and loop false classes (precfix10, session 14), each as a realistic
true case beside the look-alike that must stay silent: LA105 intended sampling (beam search, a
local engine, HyDE's consumed samples, ``best_of == n``)."""

from __future__ import annotations

from conftest import codes


def _msgs(result, code):
    return [f.message for f in result.findings if f.code == code]


# ---------------------------------------------------------------- LA105 intended sampling
def test_la105_beam_width_in_local_vllm_engine_is_silent(project):
    result = project({
        "labeler/vllm_model.py": """
            from vllm import LLM, SamplingParams


            class VLLMLabeler:
                def __init__(self, model_name: str):
                    self.params = SamplingParams(
                        max_tokens=128, temperature=0.0, use_beam_search=True, best_of=5, logprobs=1,
                    )
                    self.llm = LLM(model=model_name)

                def label(self, prompts):
                    out = self.llm.generate(prompts, sampling_params=self.params, use_tqdm=False)
                    return [o.outputs[0].text for o in out]
        """,
    }, select=["LA105"])
    assert codes(result) == []


def test_la105_best_of_on_hosted_completions_still_reported(project):
    result = project({
        "gen.py": """
            from openai import OpenAI

            client = OpenAI()

            def tagline(product: str) -> str:
                resp = client.completions.create(
                    model="gpt-3.5-turbo-instruct", prompt=f"A tagline for {product}:", max_tokens=20, best_of=5,
                )
                return resp.choices[0].text
        """,
    }, select=["LA105"])
    assert [m.split(":")[0] for m in _msgs(result, "LA105")] == ["`best_of=5`"]


HYDE = """
    from langchain.chains import HypotheticalDocumentEmbedder
    from langchain.embeddings import OpenAIEmbeddings
    from langchain.llms import OpenAI

    base_embeddings = OpenAIEmbeddings()
    multi_llm = OpenAI(n=4, best_of=4)
    embeddings = HypotheticalDocumentEmbedder.from_llm(multi_llm, base_embeddings, "web_search")
    result = embeddings.embed_query("which factors limit the nutrition of fast-food meals?")
"""


def test_la105_samples_consumed_by_hyde_are_intended(project):
    result = project({"hyde.py": HYDE}, select=["LA105"])
    assert codes(result) == []


def test_la105_same_object_invoked_directly_reads_one_sample(project):
    # the look-alike: the same four-sample LLM, but invoke() returns the first generation only;
    # best_of == n adds no candidate, so one finding (n), not a second "x4"
    result = project({
        "ask.py": """
            from langchain.llms import OpenAI

            multi_llm = OpenAI(n=4, best_of=4)
            answer = multi_llm.invoke("Name three limits of fast-food nutrition.")
            print(answer)
        """,
    }, select=["LA105"])
    assert [m.split(":")[0] for m in _msgs(result, "LA105")] == ["`n=4`"]
