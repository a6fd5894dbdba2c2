"""LA101 on a wrapper that forwards its own `**kwargs` to the SDK when no call of it in the module passes a
cap (`def mistral_completion(**kwargs): client.chat.complete(**kwargs)` called with model and messages
only; a LangChain constructor built from `**llm_kwargs`; a method reached as `self._call(...)`). Silent when a
caller passes a cap, spreads `**options` of its own, when the wrapper is never called here, or when it
edits its kwargs before forwarding them (`kwargs.setdefault("max_tokens", 512)`). No fix is offered: a
keyword next to `**kwargs` would clash with a caller that passes it."""

from __future__ import annotations

from test_resolution import SELECT, _expect


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
    _expect(result, code, [("mistral.chat", None), ("langchain.chat", "llama-3.1-8b-instant"), ("mistral.chat", "mistral-small-latest")])
    messages = sorted((f.line, f.message, f.fix) for f in result.findings if f.code == "LA101")
    assert "no call of mistral_completion() here passes one through `**kwargs` (2 calls)" in messages[0][1]
    assert "no call of create_agent() here passes one through `**llm_kwargs` (1 call)" in messages[1][1]
    assert all(fix is None for _, _, fix in messages)


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
    _expect(result, code, [("mistral.chat", None)] * 4)
