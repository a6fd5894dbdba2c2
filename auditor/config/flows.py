"""Typed view of ``rules/flows.yaml``: the models of the whole-program dataflow.

Sources (text loaded from files), flow steps (library callables text passes through, framework
prompt templates, chat-model calls, agents), limits of the composition, and which request
parts each call-level rule is about. Plain data: phase-1 workers and phase 2 read the same
:func:`load_flows` (memoised with the catalog).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any


def _arg_spec(value: Any) -> list[int | str]:
    """``[0, file]``: the argument by position 0 or keyword ``file``."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [int(v) if isinstance(v, int) or (isinstance(v, str) and v.isdigit()) else str(v) for v in items]


@dataclass
class Reader:
    callable: str
    path: list[int | str] = field(default_factory=list)
    package: list[int | str] = field(default_factory=list)
    then: list[str] = field(default_factory=list)


@dataclass
class TemplateModel:
    method: str  # "ChatPromptTemplate.from_messages" or a class name "PromptTemplate"
    roots: list[str]
    messages: list[int | str] = field(default_factory=list)
    text: list[int | str] = field(default_factory=list)
    role: str = "user"
    syntax: str = "format"


@dataclass
class CallModel:
    methods: list[str]
    input: list[int | str]
    kind: str = "input"  # input (text, messages or template fields) | text | messages
    params: list[str] = field(default_factory=list)
    apis: list[str] = field(default_factory=list)  # only on instances of these APIs (empty: any)


@dataclass
class AgentModel:
    callables: list[str]
    client: list[int | str]
    system: list[int | str]
    default_system: str = ""
    task_role: str = "user"


@dataclass
class TextSink:
    """A framework callable whose text arguments it sends as prompt text (``text-sinks``)."""

    roots: list[str]  # dotted import prefixes: agno, google.adk, autogen
    names: list[str]  # the callable's last name: Agent, LlmAgent, ConversableAgent
    text: list[int | str]  # each argument (keyword or position) that holds prompt text
    role: str = "system"
    syntax: str = ""  # the text is a template of this syntax (its fields are holes)
    methods: list[str] = field(default_factory=list)  # a method of an object these `names` made: agent.run("...")
    defaults: list[str] = field(default_factory=list)  # text arguments whose omission sends the framework's own text


@dataclass
class ToolRegistration:
    """A framework callable or decorator that makes a function a tool (``tool-results``): what the
    function returns is sent back to the model as the next prompt's tool message."""

    roots: list[str]
    names: list[str] = field(default_factory=list)  # register_function(f, ...), FunctionTool(f)
    function: list[int | str] = field(default_factory=list)  # the argument holding the function
    lists: list[int | str] = field(default_factory=list)  # Agent(tools=[f, g]): a list of functions
    decorators: list[str] = field(default_factory=list)  # @agent.register_for_llm(...), @function_tool


@dataclass
class Flows:
    limits: dict[str, int]
    text_steps: dict[str, int]
    file_extensions: tuple[str, ...]
    file_max_bytes: int
    readers: dict[str, Reader]
    environments: set[str]
    loaders: dict[str, dict[str, Any]]
    get_template: set[str]
    templates: list[TemplateModel]
    render: set[str]
    calls: list[CallModel]
    agents: list[AgentModel]
    parts: dict[str, list[str]]
    library_roots: frozenset[str] = frozenset()
    text_sinks: list[TextSink] = field(default_factory=list)
    frame_methods: frozenset[str] = frozenset()  # `frames.methods`: calls whose result is a DataFrame
    frame_usage: frozenset[str] = frozenset()  # `frames.usage`: attributes only a frame has
    tool_results: list[ToolRegistration] = field(default_factory=list)

    def limit(self, name: str, default: int) -> int:
        try:
            return int(self.limits.get(name, default))
        except (TypeError, ValueError):
            return default

    def call_model(self, method: str, api: str | None = None) -> CallModel | None:
        for c in self.calls:
            if method in c.methods and (not c.apis or api in c.apis):
                return c
        return None

    def template_model(self, qualname: str) -> TemplateModel | None:
        """The template model of ``langchain_core.prompts.ChatPromptTemplate.from_messages``."""
        root = qualname.split(".")[0]
        for t in self.templates:
            if (qualname == t.method or qualname.endswith("." + t.method)) and any(root == r or root.startswith(r + "_") for r in t.roots):
                return t
        return None

    def agent(self, qualname: str) -> AgentModel | None:
        for a in self.agents:
            if qualname in a.callables:
                return a
        return None


def flows_from_data(data: dict[str, Any]) -> Flows:
    ft = data.get("file-text") or {}
    tpl = ft.get("templates") or {}
    fw = data.get("frameworks") or {}
    readers = {}
    for r in ft.get("readers") or []:
        readers[r["callable"]] = Reader(r["callable"], _arg_spec(r.get("path")), _arg_spec(r.get("package")), list(r.get("then") or []))
    loaders = {}
    for ld in tpl.get("loaders") or []:
        loaders[ld["callable"]] = {"path": _arg_spec(ld.get("path")), "package": _arg_spec(ld.get("package")), "default-path": ld.get("default-path", "")}
    return Flows(
        limits=dict(data.get("limits") or {}),
        text_steps={s["callable"]: int(s.get("input", 0)) for s in data.get("text-steps") or []},
        file_extensions=tuple(str(e).lower() for e in ft.get("extensions") or []),
        file_max_bytes=int(ft.get("max-bytes") or 262144),
        readers=readers,
        environments=set(tpl.get("environments") or []),
        loaders=loaders,
        get_template=set(tpl.get("get") or []),
        templates=[
            TemplateModel(t["method"], list(t.get("roots") or []), _arg_spec(t.get("messages")), _arg_spec(t.get("text")), t.get("role", "user"), t.get("syntax", "format"))
            for t in fw.get("templates") or []
        ],
        render=set(fw.get("render") or []),
        calls=[CallModel(list(c["methods"]), _arg_spec(c.get("input")), c.get("as", "input"), list(c.get("params") or []), list(c.get("apis") or [])) for c in fw.get("calls") or []],
        agents=[
            AgentModel(list(a["callables"]), _arg_spec(a.get("client")), _arg_spec(a.get("system")), a.get("default-system", ""), a.get("task", "user"))
            for a in fw.get("agents") or []
        ],
        parts={str(k): list(v or []) for k, v in (data.get("parts") or {}).items()},
        library_roots=frozenset(str(r) for r in data.get("library-roots") or []),
        text_sinks=[
            TextSink([str(r) for r in t.get("roots") or []], [str(n) for n in t.get("names") or []], _arg_spec(t.get("text")), t.get("role", "system"), t.get("syntax", ""), [str(m) for m in t.get("methods") or []],
                     [str(d) for d in t.get("defaults") or []])
            for t in data.get("text-sinks") or []
        ],
        frame_methods=frozenset(str(m) for m in (data.get("frames") or {}).get("methods") or []),
        frame_usage=frozenset(str(m) for m in (data.get("frames") or {}).get("usage") or []),
        tool_results=[
            ToolRegistration([str(r) for r in t.get("roots") or []], [str(n) for n in t.get("names") or []], _arg_spec(t.get("function")),
                             _arg_spec(t.get("lists")), [str(d) for d in t.get("decorators") or []])
            for t in data.get("tool-results") or []
        ],
    )


@lru_cache(maxsize=1)
def load_flows() -> Flows:
    from auditor.config.catalog import load_catalog

    return flows_from_data(load_catalog().flows)
