"""LA101 on a wrapper that forwards its own `**kwargs` to the SDK when no call of it in the module passes a
cap (`def mistral_completion(**kwargs): client.chat.complete(**kwargs)` called with model and messages
only; a LangChain constructor built from `**llm_kwargs`; a method reached as `self._call(...)`). Silent when a
caller passes a cap, spreads `**options` of its own, when the wrapper is never called here, or when it
edits its kwargs before forwarding them (`kwargs.setdefault("max_tokens", 512)`). No fix is offered: a
keyword next to `**kwargs` would clash with a caller that passes it.

Merged with the dataflow (reach): the requests are the derived sites at the wrapper's callers, so
the finding is reported at each caller that forwards no cap, with its chain; a key the wrapper sets in
its own kwargs (`kwargs.setdefault("max_tokens", 512)`, `kwargs["max_tokens"] = 512`) is a parameter of
its request, so a caller that passes none still sends that cap."""

from __future__ import annotations

from test_resolution import SELECT, _la101, _sites


def test_wrappers_no_caller_caps(project):
    code = """
        from langchain_groq import ChatGroq
        from mistralai import Mistral

        client = Mistral(api_key="k")


        def mistral_completion(**kwargs):
            res = client.chat.complete(**kwargs)  # site LA101
            return res.choices[0].message.content


        def create_agent(system_prompt: str, model_name: str = "llama-3.1-8b-instant", **llm_kwargs):
            return ChatGroq(model=model_name, **llm_kwargs)  # site LA101


        class Summariser:
            def __init__(self):
                self.client = Mistral(api_key="k")

            def _call(self, messages, **kwargs):
                return self.client.chat.complete(model="mistral-small-latest", messages=messages, **kwargs)  # site LA101

            def run(self, text):
                return self._call([{"role": "user", "content": text}], temperature=0.2)


        painter = mistral_completion(model="mistral-small-latest", messages=[{"role": "user", "content": "Best painter?"}])
        poet = mistral_completion(model="mistral-small-latest", temperature=0.4, messages=[{"role": "user", "content": "Best poet?"}])
        layer = create_agent("You are a helpful assistant.", temperature=0.1)
    """
    result = project({"app.py": code}, select=SELECT)
    # with the dataflow (analysis/derive.py) the requests are the derived sites at the callers: each
    # call that forwards no cap is one uncapped request, reported where it is made, with its chain
    found = _sites(result)
    # the model the caller passes through **kwargs is the request's model (session 16; it was unknown before)
    assert found == [(25, "mistral.chat", "mistral-small-latest"), (28, "mistral.chat", "mistral-small-latest"), (29, "mistral.chat", "mistral-small-latest"), (30, "langchain.chat", "llama-3.1-8b-instant")]
    messages = sorted((f.line, f.message, f.fix) for f in result.findings if f.code == "LA101")
    assert [line for line, _, _ in messages] == [25, 28, 29, 30]
    assert "(via mistral_completion() -> chat.complete)" in messages[1][1]
    assert "create_agent()" in messages[3][1]
    # a fix, where there is one, adds the cap at the caller's own call (which passes none), never next to `**kwargs`
    assert all(fix is None or all(e.line == line for e in fix.edits) for line, _, fix in messages)


def test_wrappers_a_caller_caps_stay_silent(project):
    code = """
        from mistralai import Mistral

        client = Mistral(api_key="k")


        def capped_by_caller(**kwargs):
            return client.chat.complete(**kwargs)  # site


        def spread_by_caller(**kwargs):
            return client.chat.complete(**kwargs)  # site


        def never_called(**kwargs):
            return client.chat.complete(**kwargs)  # site


        def edits_its_kwargs(**kwargs):
            kwargs.setdefault("max_tokens", 512)
            return client.chat.complete(**kwargs)  # site


        OPTIONS = {"max_tokens": 300}
        capped_by_caller(model="mistral-small-latest", messages=[])
        capped_by_caller(model="mistral-small-latest", messages=[], max_tokens=200)
        spread_by_caller(model="mistral-small-latest", messages=[], **OPTIONS)
        edits_its_kwargs(model="mistral-small-latest", messages=[])
    """
    result = project({"app.py": code}, select=SELECT)
    # the derived sites at the callers, and the wrapper nobody calls (its SDK call stays a site)
    assert [line for line, _, _ in _sites(result)] == [16, 25, 26, 27, 28]
    assert 25 in _la101(result)  # capped_by_caller() called once without a cap
    assert not {26, 27} & set(_la101(result))  # capped at the call, or through the spread options


def test_a_wrapper_that_sets_the_cap_in_its_kwargs_stays_silent(project):
    code = """
        from mistralai import Mistral

        client = Mistral(api_key="k")


        def edits_its_kwargs(**kwargs):
            kwargs.setdefault("max_tokens", 512)
            return client.chat.complete(**kwargs)


        edits_its_kwargs(model="mistral-small-latest", messages=[])
    """
    result = project({"app.py": code}, select=SELECT)
    assert _la101(result) == []


def test_a_cap_written_into_kwargs_counts_and_another_dict_does_not(project):
    code = """
        from mistralai import Mistral

        client = Mistral(api_key="k")


        class Chat:
            def complete(self, **kwargs):
                kwargs["max_tokens"] = 256
                return client.chat.complete(**kwargs)


        def sets_another_dict(**kwargs):
            defaults = {}
            defaults.setdefault("max_tokens", 512)  # not what is sent
            return client.chat.complete(**kwargs)


        def after_the_call(**kwargs):
            out = client.chat.complete(**kwargs)
            kwargs.setdefault("max_tokens", 512)  # too late for this request
            return out


        Chat().complete(model="mistral-small-latest", messages=[])
        sets_another_dict(model="mistral-small-latest", messages=[])
        after_the_call(model="mistral-small-latest", messages=[])
    """
    result = project({"app.py": code}, select=SELECT)
    assert _la101(result) == [26, 27]  # the look-alikes stay uncapped; Chat.complete sends max_tokens=256


def test_a_nested_config_dict_filled_key_by_key_carries_the_callers_cap(project):
    # Bedrock converse(**request): request["inferenceConfig"] = inference_config, where the config
    # dict starts empty and gets "maxTokens" when the caller passes max_tokens (the distillation
    # recipe's send_prompt_to_claude); a caller that passes no cap is still reported
    code = """
        import boto3

        bedrock_runtime = boto3.client("bedrock-runtime")


        def send_prompt(model_id, prompt, system=None, max_tokens=None, temperature=None):
            request = {"modelId": model_id, "messages": [{"role": "user", "content": [{"text": prompt}]}]}
            if system:
                request["system"] = [{"text": system}]
            inference_config = {}
            if max_tokens is not None:
                inference_config["maxTokens"] = max_tokens
            if temperature is not None:
                inference_config["temperature"] = temperature
            if inference_config:
                request["inferenceConfig"] = inference_config
            response = bedrock_runtime.converse(**request)
            return response["output"]["message"]["content"][0]["text"]


        def send_unconfigured(model_id, prompt, temperature=0.2):
            request = {"modelId": model_id, "messages": [{"role": "user", "content": [{"text": prompt}]}]}
            inference_config = {}
            inference_config["temperature"] = temperature
            request["inferenceConfig"] = inference_config
            return bedrock_runtime.converse(**request)


        def evaluate(rows):
            return [send_prompt("anthropic.claude-3-5-haiku-20241022-v1:0", r, max_tokens=500, temperature=0.1) for r in rows]


        send_unconfigured("anthropic.claude-3-5-haiku-20241022-v1:0", "Hi")
    """
    result = project({"app.py": code}, select=SELECT)
    assert _la101(result) == [27]  # only the request whose config never gets maxTokens
