"""Framework prompt sites: the requests a LangChain, LlamaIndex or AutoGen chat model sends.

A chat model made by a constructor API of rules/providers.yaml (``ChatOpenAI(...)``,
``init_chat_model(...)``, llama-index ``OpenAI(...)``, AutoGen ``OpenAIChatCompletionClient(...)``)
is a call site holding the model and caps, but it sends nothing itself. The calls that do
(rules/flows.yaml ``frameworks``) become call sites of their own, located where they are written:

* ``llm.invoke(x)`` / ``ainvoke`` / ``stream`` / ``batch`` (and llama-index ``complete`` / ``chat``,
  AutoGen ``model_client.create([...])``), the prompt being ``x``: text, messages, message
  classes, or a prompt template rendered with ``format_messages`` / ``invoke``;
* ``(prompt | llm | parser).invoke({"q": ...})`` on a chain whose template is a
  ``ChatPromptTemplate.from_messages`` / ``from_template`` / ``PromptTemplate``: the template's
  messages with the dict's entries as its fields;
* ``AssistantAgent(..., model_client=c, system_message=...)``: every request of the agent sends the
  system message (AutoGen's default when none is given) before the task.

Each such site copies the model's parameters and records, like a derived site
(:mod:`auditor.analysis.derive`), that the prompt is set here and everything else at the
constructor (``extra["derived"]["owner"]``), so a missing cap is reported once, at the
constructor, and a filler phrase where the template is written.
"""

from __future__ import annotations

import ast
import copy

from auditor.analysis.modindex import ModuleIndex, find_lines
from auditor.analysis.scopes import Scope, awaited, call_arg, span_of
from auditor.analysis.templates import fill_template
from auditor.config.flows import load_flows
from auditor.analysis.roles import FRAMEWORK_DEFAULT
from auditor.facts import CallSite, LoopInfo, Message, Param, Segment
from auditor.analysis.rawhttp import module_text

CHAIN_PASSTHROUGH = {"bind", "with_config", "with_retry", "with_structured_output", "with_fallbacks", "bind_tools"}


def framework_sites(resolver, finder, facts, walk: ModuleIndex) -> None:
    ctors = [s for s in facts.call_sites if (finder.p.api(s.api) or None) is not None and finder.p.api(s.api).constructor]
    if not ctors:
        return
    flows = load_flows()
    by_at = {(s.span.line, s.span.column): s for s in ctors}
    methods = {m for c in flows.calls for m in c.methods}
    text = module_text(resolver)
    builder = _Sites(resolver, finder, walk, by_at, facts)
    for line in find_lines(text, [f"{m}(" for m in sorted(methods)]):
        for call in walk.calls_at(line):
            if isinstance(call.func, ast.Attribute) and call.func.attr in methods:
                builder.invoke(call)
    agents = {a for model in flows.agents for a in model.callables}
    if agents:
        for line in find_lines(text, sorted({a.rsplit(".", 1)[-1] + "(" for a in agents})):
            for call in walk.calls_at(line):
                builder.agent(call)
    facts.call_sites.extend(builder.sites)


class _Sites:
    def __init__(self, resolver, finder, walk: ModuleIndex, by_at: dict, facts):
        self.r = resolver
        self.finder = finder
        self.prompts = finder.prompts
        self.walk = walk
        self.by_at = by_at
        self.facts = facts
        self.sites: list[CallSite] = []
        self.counts: dict[str, int] = {}
        for s in facts.call_sites:
            tail = s.id.rsplit("#", 1)[-1]
            if tail.isdigit():
                self.counts[s.qualname] = max(self.counts.get(s.qualname, 0), int(tail))

    def _scope(self, call: ast.Call) -> Scope:
        info = self.walk.calls.get(id(call))
        return (self.r.scope_of.get(info.func) if info is not None and info.func is not None else None) or self.r.module_scope

    # ------------------------------------------------------------ what a receiver is
    def _model_of(self, expr: ast.AST, scope: Scope, depth: int = 0) -> tuple[CallSite | None, tuple | None]:
        """(the constructor site of the chat model, the template (node, scope)) behind a receiver."""
        if depth > 8:
            return None, None
        node, s = self.r.follow(expr, scope)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            model = template = None
            for part in _pipe_parts(node):
                m, t = self._model_of(part, s, depth + 1)
                model = model or m
                template = template or t or (self._template(part, s) and (part, s))
            return model, template
        if isinstance(node, ast.Call):
            site = self.by_at.get(_at(node, self.r.lines))
            if site is not None:
                return site, None
            if isinstance(node.func, ast.Attribute) and node.func.attr in CHAIN_PASSTHROUGH:
                return self._model_of(node.func.value, s, depth + 1)
        return None, None

    def _template(self, expr: ast.AST, scope: Scope):
        """The template model and its call when ``expr`` is (bound to) a prompt template."""
        node, s = self.r.follow(expr, scope)
        if not isinstance(node, ast.Call):
            return None
        qn = self.r.qualname(node.func, s) or ""
        model = load_flows().template_model(qn) if qn else None
        return (model, node, s) if model is not None else None

    def _template_messages(self, expr: ast.AST, scope: Scope) -> list[Message] | None:
        found = self._template(expr, scope)
        if found is None:
            return None
        model, node, s = found
        arg = call_arg(node, model.messages or model.text)
        if arg is None:
            return None
        if model.messages:
            return self.prompts.messages_of(arg, s, default_role="user")
        return [Message(model.role, self.prompts.segments(arg, s))]

    # ------------------------------------------------------------ sites
    def invoke(self, call: ast.Call) -> None:
        scope = self._scope(call)
        func = call.func
        assert isinstance(func, ast.Attribute)
        model, template = self._model_of(func.value, scope)
        if model is None:
            return
        cm = load_flows().call_model(func.attr, model.api)
        if cm is None or (cm.apis and model.api not in cm.apis):
            return
        arg = call_arg(call, cm.input)
        batch = func.attr in BATCH_METHODS and arg is not None
        if batch:  # chain.batch(inputs): one request per item, never the list whole
            node, s = self.r.follow(arg, scope)
            arg, scope = (node.elts[0], s) if isinstance(node, (ast.List, ast.Tuple)) and node.elts and not isinstance(node.elts[0], ast.Starred) else (None, scope)
        messages: list[Message] = []
        if batch and arg is None:
            item = Segment("hole", expr="", hole_kind="unknown")  # an item of a list built in code (rows of a frame)
            messages = [Message(m.role, fill_template(m.segments, "format", {"*": item})) for m in copy.deepcopy(self._template_messages(*template) or [])] if template is not None else [Message("user", [item])]
        elif template is not None:
            tmsgs = self._template_messages(*template) or []
            fields = self.prompts._mapping_fields(arg, scope) if arg is not None else {"*": Segment("hole", expr="", hole_kind="unknown")}
            messages = [Message(m.role, fill_template(m.segments, "format", fields)) for m in copy.deepcopy(tmsgs)]
        elif arg is not None:
            messages = self._input_messages(arg, scope, cm.kind)
        site = self._site(model, call, scope, messages, func.attr)
        for name in cm.params:  # llm.invoke(msgs, stop=["\n"]): set here
            kw = next((k for k in call.keywords if k.arg == name), None)
            if kw is not None:
                site.params[name] = Param(name, self.r.value_of(kw.value, scope), arg_span=span_of(kw, self.r.lines), direct=True)
                site.extra["derived"]["owner"]["stop"] = site.id

    def _input_messages(self, arg: ast.AST, scope: Scope, kind: str) -> list[Message]:
        node, s = self.r.follow(arg, scope)
        # prompt.format_messages(q=...) / prompt.invoke({...}) / prompt.format(...): a template rendered
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in load_flows().render:
            tmsgs = self._template_messages(node.func.value, s)
            if tmsgs is not None:
                fields = self.prompts._call_fields(node, s)
                if node.args:
                    fields.update(self.prompts._mapping_fields(node.args[0], s))
                return [Message(m.role, fill_template(m.segments, "format", fields)) for m in copy.deepcopy(tmsgs)]
        if kind == "text":
            return [Message("user", self.prompts.segments(arg, scope))]
        return self.prompts.messages_of(arg, scope, default_role="user")

    def agent(self, call: ast.Call) -> None:
        scope = self._scope(call)
        qn = self.r.qualname(call.func, scope) or ""
        model = load_flows().agent(qn)
        if model is None:
            return
        client = call_arg(call, model.client)
        site = self._model_of(client, scope)[0] if client is not None else None
        if site is None:
            return
        system = call_arg(call, model.system)
        if system is not None:
            sys_segs = self.prompts.content_segments(system, scope)
        else:
            # the framework's own default: sent and counted, but not the user's text to judge or fix
            sys_segs = [Segment("static", text=model.default_system, hole_kind=FRAMEWORK_DEFAULT)] if model.default_system else []
        messages = [Message("system", sys_segs), Message(model.task_role, [Segment("hole", expr="task", hole_kind="user", span=span_of(call, self.r.lines))])]
        made = self._site(site, call, scope, messages, qn.rsplit(".", 1)[-1])
        if system is not None and model.default_system:
            made.extra["default_system"] = True  # left out, the framework sends its own (longer) system message

    def _site(self, model: CallSite, call: ast.Call, scope: Scope, messages: list[Message], method: str) -> CallSite:
        qual = scope.qualname if scope.kind != "module" else "<module>"
        n = self.counts.get(qual, 0) + 1
        self.counts[qual] = n
        span = span_of(call, self.r.lines)
        site = CallSite(
            id=f"{self.facts.path}::{qual}#{n}", path=self.facts.path, span=span, provider=model.provider, api=model.api,
            method=method, qualname=qual, model=model.model, params=dict(model.params), unknown=list(model.unknown),
            insertion=self.finder._insertion(call), is_async=awaited(self.r.lines, span), source=" ".join(self.r.source_of(call).split())[:400],
        )
        site.prompt.messages = messages
        info = self.walk.calls.get(id(call))
        if info is not None and info.loops:
            loop = info.loops[-1]
            it = getattr(loop, "iter", None) or getattr(loop, "test", None) or loop.generators[0].iter  # type: ignore[attr-defined]
            kind = "while" if isinstance(loop, ast.While) else "for" if isinstance(loop, (ast.For, ast.AsyncFor)) else "comprehension"
            site.loop = LoopInfo(kind, self.r.source_of(it)[:120], span_of(loop, self.r.lines))
        site.streaming = model.streaming or method.startswith(("stream", "astream"))
        site.extra.update({k: v for k, v in model.extra.items() if k in ("structured", "endpoint", "local", "unknown_model", "azure_deployment", "config_cap")})  # the serving endpoint too
        site.extra["in_function"] = scope.kind == "function"
        site.extra["function"] = scope.name if scope.kind == "function" else None
        site.extra["invoke"] = True
        site.extra["derived"] = {
            "chain": [{"label": model.method.rsplit(".", 1)[-1] + "(...)", "path": model.path, "line": model.span.line, "column": model.span.column, "cell": model.cell}],
            "owner": {"*": model.id, "prompt": site.id, "loop": site.id},
            "line": [site.id, model.id],
            "inner": model.id,
            "method": method,
        }
        self.sites.append(site)
        return site


BATCH_METHODS = ("batch", "abatch")  # a list of inputs, each sent as a request of its own


def _pipe_parts(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _pipe_parts(node.left) + _pipe_parts(node.right)
    return [node]


def _at(node: ast.AST, lines: list[str]) -> tuple[int, int] | None:
    sp = span_of(node, lines)
    return (sp.line, sp.column) if sp else None
