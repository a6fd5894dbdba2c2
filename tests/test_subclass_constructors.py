"""A project subclass of a LangChain / LlamaIndex model class is a model class too (SPEC 2: the constructor
is the call site): `class Wrapped(ChatOpenAI)`, a subclass of that, and the class held in a variable and
constructed with `**kwargs` built in the function (AgentGPT's model factory). Look-alikes stay silent:
subclasses of SDK clients, embeddings and prompt templates, a class never constructed, a class of the
same name that subclasses something else."""

from __future__ import annotations

from test_resolution import SELECT, _expect, _sites


def test_subclasses_of_model_classes_are_constructors(project):
    code = """
        from typing import Any, Type, Union

        from langchain_openai import AzureChatOpenAI, ChatOpenAI
        from llama_index.llms.openai import OpenAI as LlamaOpenAI
        from pydantic import Field


        class WrappedChatOpenAI(ChatOpenAI):
            client: Any = Field(default=None)
            max_tokens: int


        class WrappedAzureChatOpenAI(AzureChatOpenAI, WrappedChatOpenAI):
            deployment_name: str


        class PatchedLLM(LlamaOpenAI):
            def _get_model_kwargs(self, **kwargs):
                return super()._get_model_kwargs(**kwargs)


        def create_model(settings, use_azure: bool, streaming: bool = False):
            model: Type[Union[WrappedAzureChatOpenAI, WrappedChatOpenAI]] = WrappedChatOpenAI
            kwargs = {"model": "gpt-4o-mini", "temperature": 0.2, "max_tokens": 500, "streaming": streaming}
            if use_azure:
                model = WrappedAzureChatOpenAI
            return model(**kwargs)  # site


        summariser = WrappedChatOpenAI(model="gpt-4o-mini", temperature=0)  # site LA101
        rag_llm = PatchedLLM(model="gpt-4o-mini", max_tokens=256)  # site
    """
    result = project({"factory.py": code}, select=SELECT)
    _expect(result, code, [("langchain.openai", "gpt-4o-mini"), ("langchain.openai", "gpt-4o-mini"), ("llamaindex.llm", "gpt-4o-mini")], path="factory.py")


def test_subclasses_of_other_classes_stay_silent(project):
    code = """
        from langchain_core.prompts import ChatPromptTemplate
        from langchain_openai import ChatOpenAI, OpenAIEmbeddings
        from openai import OpenAI


        class TracedClient(OpenAI):
            pass


        class CachedEmbeddings(OpenAIEmbeddings):
            pass


        class Template(ChatPromptTemplate):
            pass


        class NeverBuilt(ChatOpenAI):
            pass


        client = TracedClient(api_key="k")
        embedder = CachedEmbeddings(model="text-embedding-3-small")
        template = Template.from_messages([("system", "You are terse.")])
    """
    result = project({"app.py": code}, select=SELECT)
    assert _sites(result) == []
