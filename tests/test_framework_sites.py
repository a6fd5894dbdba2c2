"""Framework prompt sites: LangChain templates, messages, ``invoke`` and ``prompt | llm`` chains;
LlamaIndex ``complete`` / ``chat``; AutoGen model clients, agents and ``client.create``.

The chat model's constructor holds model and caps (a missing cap is reported there once, for
every request it sends); each call that sends a request is a call site where it is written,
with the prompt reconstructed like an SDK prompt.
"""

from __future__ import annotations

from auditor.cost.tokens import count_tokens

CHAINS = """
    from langchain_core.messages import HumanMessage, SystemMessage
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(model="gpt-4o", temperature=0)

    prompt = ChatPromptTemplate.from_messages([
        ("system", "You are a helpful assistant. It is very important that you answer in French."),
        ("human", "{question}"),
    ])
    chain = prompt | llm | StrOutputParser()


    def answer(question: str) -> str:
        return chain.invoke({"question": question})


    def direct(q):
        return llm.invoke([SystemMessage(content="I would like you to be brief."), HumanMessage(content=q)])


    def many(questions):
        return [llm.invoke(q) for q in questions]


    def rendered(q):
        return llm.invoke(prompt.format_messages(question=q))
"""


def where(result):
    return sorted((f.code, f.path, f.line) for f in result.findings)


def test_langchain_template_chain_and_messages(project):
    result = project({"bot/__init__.py": "", "bot/chains.py": CHAINS}, select=["LA101", "LA201", "LA503"])
    assert where(result) == [
        ("LA101", "bot/chains.py", 7),  # ChatOpenAI sets no max_tokens: once, at the constructor
        ("LA201", "bot/chains.py", 10),  # in the template's system message: "You are a helpful assistant."
        ("LA201", "bot/chains.py", 10),  # ... and "It is very important that you"
        ("LA201", "bot/chains.py", 21),  # in the SystemMessage
        ("LA503", "bot/chains.py", 25),  # invoke once per question
    ]
    cap = next(f for f in result.findings if f.code == "LA101")
    assert "reached from 4 call sites" in cap.message
    assert sorted(r.line for r in cap.related) == [17, 21, 25, 29]
    sites = {s.span.line: s for s in result.project.call_sites()}
    assert sorted(sites) == [17, 21, 25, 29]  # the constructor stands for them
    chain = sites[17]
    assert chain.model_name == "gpt-4o" and chain.params["temperature"].value.value == 0
    assert [(m.role, [s.kind for s in m.segments]) for m in chain.prompt.messages] == [("system", ["static"]), ("user", ["hole"])]
    assert chain.prompt.messages[1].segments[0].expr == "question"
    assert [m.role for m in sites[29].prompt.messages] == ["system", "user"]  # format_messages renders the template
    template = next(f for f in result.findings if f.line == 10)
    text = "You are a helpful assistant. It is very important that you answer in French."
    saved = count_tokens(text, "gpt-4o").tokens - count_tokens(text.replace("It is very important that you answer", "Answer"), "gpt-4o").tokens
    assert template.savings.tokens_per_call == saved
    assert template.savings.basis.endswith("sent by 2 call sites")  # the chain and format_messages


def test_capped_model_and_bind_do_not_fire(project):
    result = project({"app.py": """
        from langchain_anthropic import ChatAnthropic
        from langchain_openai import ChatOpenAI

        capped = ChatOpenAI(model="gpt-4o-mini", max_tokens=256)
        bound = ChatOpenAI(model="gpt-4o-mini").bind(max_tokens=100)


        def go(q):
            return capped.invoke(q), bound.invoke(q), ChatAnthropic(model="claude-haiku-4-5").invoke(q)
    """}, select=["LA101"])
    assert result.findings == []
    assert len([s for s in result.project.call_sites() if s.extra.get("invoke")]) == 3


def test_invoke_on_something_else_is_not_a_request(project):
    result = project({"app.py": """
        from langchain_openai import ChatOpenAI

        llm = ChatOpenAI(model="gpt-4o-mini", max_tokens=64)


        class Tool:
            def invoke(self, text):
                return text


        def go():
            Tool().invoke("I would like you to run the tool.")  # not a chat model
            return llm
    """}, select=["LA201"])
    assert result.findings == []
    assert not any(s.extra.get("invoke") for s in result.project.call_sites())


def test_llamaindex_complete_and_chat(project):
    result = project({"rag.py": """
        from llama_index.core.llms import ChatMessage
        from llama_index.llms.openai import OpenAI

        llm = OpenAI(model="gpt-4o-mini", max_tokens=200)


        def summarize(doc):
            return llm.complete(f"In order to help me, summarize this: {doc}")


        def converse(q):
            return llm.chat([ChatMessage(role="system", content="It is very important that you answer briefly."), ChatMessage(role="user", content=q)])
    """}, select=["LA101", "LA201"])
    assert where(result) == [("LA201", "rag.py", 9), ("LA201", "rag.py", 13)]
    chat = next(s for s in result.project.call_sites() if s.span.line == 13)
    assert [m.role for m in chat.prompt.messages] == ["system", "user"]


def test_autogen_agent_and_model_client_create(project):
    result = project({"agents.py": """
        from autogen_agentchat.agents import AssistantAgent
        from autogen_core.models import SystemMessage, UserMessage
        from autogen_ext.models.openai import OpenAIChatCompletionClient

        model_client = OpenAIChatCompletionClient(model="gpt-4o")
        capped_client = OpenAIChatCompletionClient(model="gpt-4o-mini", max_tokens=300)

        support = AssistantAgent(
            "support",
            model_client=model_client,
            system_message="You are a support agent. Please make sure to greet the customer.",
        )
        triage = AssistantAgent("triage", model_client=capped_client)  # AutoGen's default system message


        async def classify(text):
            return await model_client.create([SystemMessage(content="I would like you to classify tickets."), UserMessage(content=text, source="user")])
    """}, select=["LA101", "LA201"])
    assert where(result) == [("LA101", "agents.py", 6), ("LA201", "agents.py", 12), ("LA201", "agents.py", 18)]
    cap = next(f for f in result.findings if f.code == "LA101")
    assert "reached from 2 call sites" in cap.message  # the support agent and classify(); triage's client is capped
    sites = {s.span.line: s for s in result.project.call_sites()}
    triage = sites[14]
    assert triage.model_name == "gpt-4o-mini" and triage.params["max_tokens"].value.value == 300
    assert triage.prompt.messages[0].static_text.startswith("You are a helpful AI assistant.")
    assert sites[18].is_async and [m.role for m in sites[18].prompt.messages] == ["system", "user"]


def test_chain_inside_a_wrapper_called_from_another_module(project):
    result = project({
        "bot/__init__.py": "",
        "bot/chains.py": CHAINS,
        "bot/api.py": """
            from bot.chains import answer


            def handle(questions):
                return [answer(q) for q in questions]
        """,
    }, select=["LA503"])
    # answer() is called once per question from api.py: the request goes out there
    assert [(f.path, f.line) for f in result.findings if "answer()" in f.message] == [("bot/api.py", 6)]
