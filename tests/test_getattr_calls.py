"""A generation method reached with ``getattr(client, name)`` (analysis/getattrcalls.py).

alpaca_eval's Anthropic decoder picks the resource by name: ``getattr(client, client_function_name)
.create(messages=prompt, **curr_kwargs)`` with ``client_function_name: str = "messages"``. A literal,
a module constant or a parameter's default names the path the call takes, so it is a call site like
``client.messages.create(...)``. Look-alikes stay silent: a name computed at run time, ``getattr`` on
something that is not a client, a ``getattr`` that only reads an attribute.
"""

from __future__ import annotations

DECODER = '''
    import copy
    import random

    import anthropic
    from openai import OpenAI

    RESOURCE = "completions"


    def _anthropic_completion_helper(args, api_keys=("k1",), temperature=0.7, n_retries=10, client_function_name: str = "messages", **kwargs):
        prompt, max_tokens = args
        client = anthropic.Anthropic(api_key=random.choice(api_keys), max_retries=n_retries)
        kwargs.update(dict(max_tokens=max_tokens, temperature=temperature))
        curr_kwargs = copy.deepcopy(kwargs)
        response = getattr(client, client_function_name).create(messages=prompt, **curr_kwargs)
        return response.content[0].text


    def chat(prompt: str) -> str:
        client = OpenAI()
        out = getattr(client.chat, RESOURCE).create(model="gpt-5.6-sol", messages=[{"role": "user", "content": prompt}])
        return out.choices[0].message.content
'''

QUIET = '''
    import anthropic


    class Notes:
        def create(self, text):
            return text


    def chosen(prompt: str, resource: str):
        client = anthropic.Anthropic()
        return getattr(client, resource).create(model="claude-sonnet-4-5", messages=[{"role": "user", "content": prompt}])


    def notes(kind: str = "notes"):
        return getattr(Notes(), "create")("x"), getattr(anthropic, "HUMAN_PROMPT", "")
'''


def sites(result):
    return sorted((f.code, f.line) for f in result.findings)


def test_getattr_with_a_constant_name_is_the_method_it_names(project):
    result = project({"decoders/__init__.py": "", "decoders/anthropic_dec.py": DECODER}, select=["LA101"])
    found = sorted((s.span.line, s.api, s.model_name) for s in result.project.call_sites())
    assert found == [(16, "anthropic.messages", None), (22, "openai.chat", "gpt-5.6-sol")]
    assert sites(result) == [("LA101", 22)]  # the OpenAI call sets no cap; the Anthropic one caps through kwargs.update


def test_names_chosen_at_run_time_and_other_getattrs_stay_silent(project):
    result = project({"quiet.py": QUIET}, select=["LA101", "LA104", "LA501"])
    assert result.project.call_sites() == [] and sites(result) == []
