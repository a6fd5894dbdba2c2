"""Prompt text handed to agent frameworks and LangChain templates (rules/flows.yaml ``text-sinks``).

The framework builds and sends the request, so there is no call site to reconstruct; the text is
judged where it is written, like a prompt constant, and never twice. Look-alikes (a project class
named ``Agent``, a celery ``Task``, a few-shot ``AIMessage``, a text no sink receives) stay silent.
"""

from __future__ import annotations

from conftest import notebook


def where(result, code="LA201"):
    return sorted((f.path, f.cell, f.line) for f in result.findings if f.code == code)


AGNO_TEAM = '''
    from textwrap import dedent

    from agno.agent import Agent
    from agno.models.openai import OpenAIChat
    from agno.team import Team

    researcher = Agent(
        name="Researcher",
        model=OpenAIChat(id="gpt-4o"),
        description=dedent("""\\
            You are a senior analyst. Your goal is to gather the facts a reader needs.
        """),
        instructions=[
            "Search the web for the topic.",
            "Please make sure to cite every source.",
        ],
    )

    editor = Team(members=[researcher], description="Your goal is to edit the draft into a short article.")


    def run(topic: str) -> str:
        return editor.run(f"Write about {topic}").content
'''


def test_agno_agent_and_team_instructions(project):
    result = project({"app/__init__.py": "", "app/agents.py": AGNO_TEAM}, select=["LA201"])
    assert where(result) == [("app/agents.py", None, 12), ("app/agents.py", None, 16), ("app/agents.py", None, 20)]
    said = {f.line: f.message.split('"')[3] for f in result.findings if f.fix}
    assert said[12] == "Gather"  # "Your goal is to gather" -> "Gather", fixed in the dedent literal
    assert said[16] == "Cite"  # one item of agno's list of instructions


OPENAI_AGENTS = '''
    from agents import Agent, Runner


    def build_triage(handoffs):
        return Agent(
            name="Triage",
            instructions="""You are a customer service triage agent.
    Your job is to route billing questions to the billing agent and everything else to support.""",
            handoffs=handoffs,
        )


    async def answer(agent, question):
        return await Runner.run(agent, f"Please answer the following question: {question}")
'''


def test_openai_agents_instructions_in_a_factory_and_runner_input(project):
    result = project({"svc/__init__.py": "", "svc/triage.py": OPENAI_AGENTS}, select=["LA201"])
    lines = sorted((f.line, f.message.split('"')[1]) for f in result.findings)
    assert lines == [(9, "Your job is to route"), (15, "Please answer"), (15, "the following question:")]  # the factory's agent; the Runner.run input


ADK = '''
    from google.adk.agents import LlmAgent

    root_agent = LlmAgent(
        name="briefing",
        model="gemini-2.0-flash",
        instruction="""Your role is to brief {user_name} on today's news.
    Answer in the user's language.""",
    )
'''


def test_google_adk_instruction_with_state_fields(project):
    result = project({"briefing/__init__.py": "", "briefing/agent.py": ADK}, select=["LA201"])
    assert where(result) == [("briefing/agent.py", None, 7)]
    f = result.findings[0]
    assert "Your role is to brief" in f.message
    assert "{user_name}" not in f.fix.edits[0].content


AG2 = '''
    import autogen

    llm_config = {"config_list": [{"model": "gpt-4o"}]}


    def make_team():
        planner_message = """You are a planning agent.
    Your task is to analyze the document prompt and create a plan."""
        planner = autogen.ConversableAgent(name="planner", system_message=planner_message, llm_config=llm_config)
        reviewer = autogen.AssistantAgent(
            name="reviewer",
            system_message="You are a reviewer. Provide feedback on the plan.",
            llm_config=llm_config,
        )
        return planner, reviewer
'''


def test_ag2_system_message_through_a_local_variable(project):
    result = project({"team/__init__.py": "", "team/agents.py": AG2}, select=["LA201"])
    # reported where the text is written (the variable's literal), once
    assert where(result) == [("team/agents.py", None, 9)]
    assert "Your task is to analyze" in result.findings[0].message


CREW_NB = [
    "from crewai import Agent, Task",
    ('tracker = Agent(role="Inventory Tracker", goal="Track the groceries",\n'
     '                backstory="You keep the household list. Your role is to ensure nothing runs out.")'),
    ('summary = Task(description="Subtract the consumed items and provide a summary of what is left.",\n'
     '               expected_output="A list", agent=tracker)'),
]


def test_crewai_agent_and_task_in_notebook_cells(project):
    result = project({"crew.ipynb": notebook(*CREW_NB)}, select=["LA201"])
    assert where(result) == [("crew.ipynb", 1, 2), ("crew.ipynb", 2, 1)]


LANGCHAIN_NO_MODEL = '''
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
    from langchain_core.prompts import ChatPromptTemplate

    from .models import make_llm  # a chat model this module cannot see

    template = ChatPromptTemplate.from_template("Your task is to refactor {doc} into a short summary.")
    few_shot = [
        HumanMessage(content="hi"),
        AIMessage(content="Please make sure to say hello back."),  # an example answer: data
    ]


    def summarise(text):
        sys = SystemMessage(content="You are a summarizer. Your job is to summarize the following text.")
        return make_llm().invoke([sys, *few_shot, HumanMessage(content=text)])
'''


def test_langchain_templates_and_messages_without_a_known_chat_model(project):
    result = project({"lc/__init__.py": "", "lc/models.py": "def make_llm():\n    raise NotImplementedError\n", "lc/chain.py": LANGCHAIN_NO_MODEL}, select=["LA201"])
    lines = sorted({f.line for f in result.findings})
    assert lines == [7, 15]  # the template and the SystemMessage; not the AIMessage example


LOOKALIKES = '''
    from celery import Task

    from .framework import Agent  # the project's own class, not a framework's


    class Agent2:
        def __init__(self, instructions):
            self.instructions = instructions


    helper = Agent(instructions="Please make sure to log in first.")
    other = Agent2(instructions="Please make sure to log in first.")
    job = Task(description="Please make sure to run nightly.")
    NOTE = "Your task is to water the plants."  # no sink receives it, not named like a prompt
'''


def test_lookalikes_stay_silent(project):
    framework = "class Agent:\n    def __init__(self, instructions=''):\n        self.instructions = instructions\n"
    result = project({"pkg/__init__.py": "", "pkg/framework.py": framework, "pkg/jobs.py": LOOKALIKES}, select=["LA201"])
    assert where(result) == []


CONSTANT = '''
    from agents import Agent

    SYSTEM_PROMPT = "You are a helpful assistant. Your task is to answer billing questions."

    billing = Agent(name="billing", instructions=SYSTEM_PROMPT)
    support = Agent(name="support", instructions=SYSTEM_PROMPT)
'''


def test_a_prompt_constant_handed_to_agents_is_reported_once(project):
    result = project({"desk/__init__.py": "", "desk/agents.py": CONSTANT}, select=["LA201", "LA203"])
    assert sorted((f.code, f.line) for f in result.findings) == [("LA201", 4), ("LA201", 4)]


def test_text_sink_models_are_data():
    from auditor.config.flows import flows_from_data

    flows = flows_from_data({"text-sinks": [{"roots": ["myfw"], "names": ["Bot"], "text": ["persona", 0], "role": "user", "syntax": "format"}]})
    (sink,) = flows.text_sinks
    assert (sink.roots, sink.names, sink.text, sink.role, sink.syntax) == (["myfw"], ["Bot"], ["persona", 0], "user", "format")


AGENT_TASKS = '''
    import autogen
    from agno.agent import Agent
    from agno.models.openai import OpenAIChat


    class Teacher:
        def __init__(self):
            self.professor = Agent(model=OpenAIChat(id="gpt-4o"), instructions=["Explain the topic."])

        def lesson(self, topic):
            return self.professor.run(f"The topic is: {topic}. Don't forget to add the document link in your response.")


    assistant = autogen.AssistantAgent(name="cio", llm_config={"model": "gpt-4o"})
    user_proxy = autogen.UserProxyAgent(name="user", code_execution_config=False)
    task = "As the Chief Investment Officer, please make sure to evaluate the portfolio."
    user_proxy.initiate_chat(assistant, message=task)


    class Runner:  # the project's own class: its run() is no agent
        def run(self, text):
            return text


    Runner().run("Please make sure to log the run.")
'''


def test_tasks_given_to_agent_objects(project):
    result = project({"school/__init__.py": "", "school/agents.py": AGENT_TASKS}, select=["LA201"])
    assert sorted((f.line, f.message.split('"')[1]) for f in result.findings) == [
        (12, "Don't forget to add"),  # agno Agent.run on self.professor
        (17, "please make sure to evaluate"),  # AG2 initiate_chat(message=task)
    ]


HELPER_PROMPTS = '''
    SEED_CRAWLER = """You are a seed crawler agent. Your job is to crawl a company's website and extract a profile."""
    FOUNDERS = """You are a team research specialist. Your job is to find all founders."""
    NOT_SENT = """You are a note. Your job is to stay silent."""
'''

HELPER_MAIN = '''
    from autogen import AssistantAgent, UserProxyAgent

    from prompts import FOUNDERS, NOT_SENT, SEED_CRAWLER


    def _run_agent_chat(name, system_msg, message, llm_config=None):
        agent = AssistantAgent(name=name, system_message=system_msg, llm_config=llm_config)
        user = UserProxyAgent(name="user")
        return user.initiate_chat(agent, message=message)


    class Pipeline:
        def _specialist(self, name, system_msg):
            return _run_agent_chat(name, system_msg, "Please start the research now.")

        def run(self):
            self._specialist("founders", FOUNDERS)


    def run_seed_crawler(url):
        return _run_agent_chat("SeedCrawler", SEED_CRAWLER, f"Crawl {url}")


    def log(name, system_msg):  # same parameter name, no sink: silent
        print(name, system_msg)


    log("x", NOT_SENT)
'''


def test_sinks_reached_through_a_helpers_parameters(project):
    result = project({"dd/__init__.py": "", "dd/prompts.py": HELPER_PROMPTS, "dd/main.py": HELPER_MAIN.replace("from prompts", "from dd.prompts")}, select=["LA201"])
    assert sorted((f.path, f.line, f.message.split('"')[1]) for f in result.findings) == [
        ("dd/main.py", 15, "Please start"),  # the message handed on through the helper
        ("dd/prompts.py", 2, "Your job is to crawl"),  # run_seed_crawler -> _run_agent_chat -> AssistantAgent
        ("dd/prompts.py", 3, "Your job is to find"),  # self._specialist -> _run_agent_chat (two hops)
    ]


def test_prescan_passes_a_file_that_calls_an_imported_sink():
    from auditor.config.catalog import load_catalog
    from auditor.sources.prescan import Prescan

    scan = Prescan(load_catalog().providers([]), [], ["*PROMPT*"])
    assert scan.matches(b"from agno.agent import Agent\n\nbot = Agent(instructions='Be brief.')\n")
    assert scan.matches(b"from langchain_core.messages import (\n    AIMessage,\n    SystemMessage,\n)\nmsgs = [SystemMessage(content='x')]\n")
    # imported for an isinstance() check or an annotation only; a root's other names
    assert not scan.matches(b"from langchain_core.messages import SystemMessage\n\ndef f(m: SystemMessage):\n    return isinstance(m, SystemMessage)\n")
    assert not scan.matches(b"from langchain_core.runnables import RunnableConfig\nRunnableConfig(tags=[])\n")
    assert not scan.matches(b"import phi_utils\nphilosophy = Agent(instructions='x')\n")
