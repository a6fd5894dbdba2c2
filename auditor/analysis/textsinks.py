"""Prompt text handed to a framework that builds the request itself (rules/flows.yaml ``text-sinks``).

Agent frameworks take their prompt as constructor arguments and send it with every request they
make: agno / phidata ``Agent(instructions=..., description=...)``, openai-agents
``Agent(instructions=...)``, Google ADK ``LlmAgent(instruction=...)``, CrewAI
``Agent(role=, goal=, backstory=)`` and ``Task(description=...)``, AG2 / AutoGen
``ConversableAgent(system_message=...)``, pydantic-ai ``Agent(system_prompt=...)``, LangChain
message classes and prompt templates. The request is not visible (the framework's code builds it,
with a model and caps of its own), so these are not call sites: the text is a prompt written here,
linted by the text and data rules like a prompt constant (:class:`PromptConstant`), at the place
where the text is written (the literal, or the variable's literal it is read through).

A name that already is a prompt constant (policy ``prompt-names``) is linted as that constant and
not again here; a text no call of the file hands to a sink is not a prompt.
"""

from __future__ import annotations

import ast

from auditor.analysis.localreturns import returned_text
from auditor.analysis.modindex import ModuleIndex, find_lines
from auditor.analysis.scopes import Scope, call_arg, span_of
from auditor.analysis.streamdemo import streamed_demo_calls
from auditor.analysis.templates import DataHole, fill_template
from auditor.config.flows import load_flows
from auditor.facts import FileFacts, Message, Prompt, PromptConstant, Segment
from auditor.findings import Span
from auditor.analysis.rawhttp import module_text


def text_sink_constants(resolver, prompts, facts: FileFacts, walk: ModuleIndex) -> None:
    """Add a prompt constant for every text argument of a text sink called in this module."""
    flows = load_flows()
    sinks = flows.text_sinks
    if not sinks and not flows.templates:
        return
    names = _needles(resolver, flows)
    if not names:
        return  # nothing imported from a framework with text sinks
    text = module_text(resolver)
    known = [pc.span for pc in facts.prompt_constants]
    seen: set[tuple] = set()
    helpers: dict[str, list] = {}  # function name -> (its scope, the parameter a sink receives, the role)
    demos = streamed_demo_calls(resolver.tree) if "run_streamed" in text else set()  # agents run only to stream a fixed question
    for line in find_lines(text, sorted(f"{n}(" for n in names) + sorted(f"{n}.from_" for n in names)):
        for call in walk.calls_at(line):
            key = (call.lineno, call.col_offset)
            f = call.func
            tail = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if key in seen or (tail not in names and not tail.startswith("from_")):
                continue  # another call on the line (print(...), str(...)): no sink
            seen.add(key)
            info = walk.calls.get(id(call))
            scope = (resolver.scope_of.get(info.func) if info is not None and info.func is not None else None) or resolver.module_scope
            qn = resolver.qualname(call.func, scope) or _method_sink(resolver, call, scope, flows)
            if not qn:
                continue
            for name, messages in _sink_messages(qn, call, scope, prompts, flows):
                param = _param_of(name[1], scope)
                if param is not None:  # def run_agent(system_msg): AssistantAgent(system_message=system_msg)
                    helpers.setdefault(scope.node.name, []).append((scope, param, messages[0].role))  # type: ignore[attr-defined]
                    continue
                dumped = _dumped_param(resolver, name[1], scope)
                if dumped is not None:  # Part(text=json.dumps(financial_data)): the caller's dict, serialised
                    helpers.setdefault(scope.node.name, []).append((scope, dumped, messages[0].role, name[1]))  # type: ignore[attr-defined]
                    continue
                _add(facts, resolver, call, scope, name, messages, known, streamed=id(call) in demos)
    _helper_sinks(resolver, prompts, facts, walk, text, helpers, known)


def _helper_sinks(resolver, prompts, facts: FileFacts, walk: ModuleIndex, text: str, helpers: dict, known: list) -> None:
    """Calls of this module's functions that hand a parameter to a sink: the caller's text is the prompt
    (a few rounds: a helper of a helper)."""
    for _ in range(3):
        if not helpers:
            return
        found: dict = {}
        for line in find_lines(text, sorted(f"{n}(" for n in helpers)):
            for call in walk.calls_at(line):
                f = call.func
                fname = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else None
                if fname not in helpers:
                    continue
                info = walk.calls.get(id(call))
                scope = (resolver.scope_of.get(info.func) if info is not None and info.func is not None else None) or resolver.module_scope
                if isinstance(f, ast.Attribute) and f.value.id not in ("self", "cls") and not _instance_of(resolver, f.value, scope, helpers[fname]):
                    continue  # obj.method(...) only on an instance of the method's class made here
                for fscope, param, role, *wrap in helpers[fname]:
                    if (fscope.cls is not None) != isinstance(f, ast.Attribute):
                        continue  # a method is called on self, a function by its name
                    arg = _bound_arg(call, fscope, param)
                    if arg is None or _none(arg):
                        continue
                    again = _param_of(arg, scope)
                    if again is not None:
                        found.setdefault(scope.node.name, []).append((scope, again, role, *wrap))  # type: ignore[attr-defined]
                        continue
                    sent = arg if not wrap else ast.copy_location(ast.Call(func=wrap[0].func, args=[arg], keywords=[]), arg)
                    _add(facts, resolver, call, scope, (f"{fname}({param}=)", arg), [Message(role, _text_of(sent, scope, prompts))], known)
        helpers = found


def _dumped_param(resolver, arg: ast.AST, scope: Scope) -> str | None:
    """``json.dumps(param)``: the parameter whose value the sink receives serialised."""
    if not (isinstance(arg, ast.Call) and len(arg.args) == 1 and not arg.keywords):
        return None
    if (resolver.qualname(arg.func, scope) or "") != "json.dumps":
        return None
    return _param_of(arg.args[0], scope)


def _instance_of(resolver, receiver: ast.Name, scope: Scope, entries: list) -> bool:
    """``finance_system.analyze(...)`` after ``finance_system = FinanceAdvisorSystem()`` of this module."""
    node, _ = resolver.follow(receiver, scope)
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return False
    return any(e[0].cls is not None and e[0].cls.name == node.func.id for e in entries)


def _param_of(arg: ast.AST, scope: Scope) -> str | None:
    if isinstance(arg, ast.Name) and scope.kind == "function" and arg.id in scope.params and isinstance(scope.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return arg.id
    return None


def _bound_arg(call: ast.Call, fscope: Scope, param: str) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg == param:
            return kw.value
    fn = fscope.node
    assert isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
    names = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    if fscope.cls is not None and names and names[0] == fscope.self_name:
        names = names[1:]
    if param not in names:
        return None
    i = names.index(param)
    args = call.args
    if any(isinstance(a, ast.Starred) for a in args[: i + 1]) or i >= len(args):
        return None
    return args[i]


def _needles(resolver, flows) -> set[str]:
    """The callable names worth looking for in this module: those imported from a sink's framework
    (every name of that framework when a module of it is imported: ``import autogen``)."""
    by_root = _by_root(flows)
    out: set[str] = set()
    for local, qn in resolver.imports.items():
        parts = qn.split(".", 2)
        for r in (parts[0], ".".join(parts[:2])):
            names = by_root.get(r)
            if names is None:
                continue
            tail = qn.rsplit(".", 1)[-1]
            if tail in names:  # from agno.agent import Agent (as A): calls of A(...)
                out.add(local)
                out.update(n for n in names if not n[:1].isupper())  # and its methods: run(, initiate_chat(
            elif not tail[:1].isupper():  # a module: import autogen / from langchain_core import messages
                out.update(names)
            else:  # a class of the framework: its methods (from agents import Runner: Runner.run(agent, "..."))
                out.update(n for n in names if not n[:1].isupper())
    return out


_BY_ROOT: dict[int, dict[str, set[str]]] = {}


def _by_root(flows) -> dict[str, set[str]]:
    """Import root (``agno``, ``google.adk``) -> the sink callable and method names under it."""
    found = _BY_ROOT.get(id(flows))
    if found is not None:
        return found
    by_root: dict[str, set[str]] = {}
    for sink in flows.text_sinks:
        for r in sink.roots:
            by_root.setdefault(r, set()).update(sink.names)
            by_root[r].update(sink.methods)
    for t in flows.templates:
        for r in t.roots:
            by_root.setdefault(r, set()).add(t.method.split(".")[0])
    _BY_ROOT.clear()
    _BY_ROOT[id(flows)] = by_root
    return by_root


def _method_sink(resolver, call: ast.Call, scope: Scope, flows) -> str:
    """``agent.run("...")`` on an object a sink constructor made: "<constructor qualname>.run"."""
    f = call.func
    if not isinstance(f, ast.Attribute) or not any(f.attr in s.methods for s in flows.text_sinks):
        return ""
    node, s = resolver.follow(f.value, scope)
    if isinstance(node, ast.IfExp):
        # agent = Agent(...) if api_key else None: the object the call can be made on is the constructor's
        made = [b for b in (node.body, node.orelse) if not _none(b)]
        node = made[0] if len(made) == 1 else node
    if not isinstance(node, ast.Call):
        return ""
    qn = resolver.qualname(node.func, s) or ""
    return f"{qn}.{f.attr}" if qn else ""


def _sink_messages(qn: str, call: ast.Call, scope: Scope, prompts, flows):
    tail = qn.rsplit(".", 1)[-1]
    for sink in flows.text_sinks:
        if sink.methods:
            owner, _, method = qn.rpartition(".")
            if method not in sink.methods or owner.rsplit(".", 1)[-1] not in sink.names or not _under(owner, sink.roots):
                continue
        elif tail not in sink.names or not _under(qn, sink.roots):
            continue
        for spec in sink.text:
            arg = call_arg(call, [spec])
            if arg is None or _none(arg):
                continue
            segs = _text_of(arg, scope, prompts)
            if sink.syntax:
                segs = fill_template(segs, sink.syntax, {"*": Segment("hole", expr="", hole_kind="unknown")})
            yield (f"{tail}({spec}=)" if isinstance(spec, str) else f"{tail}()", arg), [Message(sink.role, segs)]
        return
    t = flows.template_model(qn)
    if t is None:
        return
    arg = call_arg(call, t.messages or t.text)
    if arg is None:
        return
    if t.messages:
        msgs = prompts.messages_of(arg, scope, default_role="user")
    else:
        msgs = [Message(t.role, prompts.segments(arg, scope))]
    hole = {"*": Segment("hole", expr="", hole_kind="unknown")}
    yield (f"{t.method}()", arg), [Message(m.role, fill_template(m.segments, t.syntax, hole)) for m in msgs if m.role != "assistant"]


def _text_of(arg: ast.AST, scope: Scope, prompts) -> list[Segment]:
    """A string, or agno's list of instruction strings (sent one per line)."""
    d = prompts._deref(arg, scope)
    e, s = d if d else (arg, scope)
    if isinstance(e, (ast.List, ast.Tuple)) and e.elts and all(not isinstance(x, (ast.Dict, ast.Starred)) for x in e.elts):
        out: list[Segment] = []
        for i, elt in enumerate(e.elts):
            if i:
                out.append(Segment("static", text="\n"))
            out.extend(prompts.segments(elt, s))
        return out
    return returned_text(prompts, arg, scope, prompts.content_segments(arg, scope))


def _add(facts: FileFacts, resolver, call: ast.Call, scope: Scope, name_arg, messages: list[Message], known: list[Span], streamed: bool = False) -> None:
    name, arg = name_arg
    if not any((s.kind == "static" and s.text.strip()) or s.kind == "ref" or isinstance(s, DataHole) for m in messages for s in m.segments):
        return  # no text written here or imported (a ref is resolved across modules in phase 2), no frame sent
    local = [s.span for m in messages for s in m.segments if s.span is not None and s.path is None]
    span = _union(local) or span_of(arg, resolver.lines) or span_of(call, resolver.lines)
    if span is None or any(_within(span, k) for k in known):
        return  # the text of a prompt constant (policy `prompt-names`): linted as that
    taken = {pc.name for pc in facts.prompt_constants}
    unique, n = name, 1
    while unique in taken:  # constants are keyed by (path, name): a second Agent(...) of the file is #2
        n += 1
        unique = f"{name}#{n}"
    facts.prompt_constants.append(PromptConstant(unique, facts.module, facts.path, span, Prompt(messages), streamed=streamed))


def _union(spans: list[Span]) -> Span | None:
    if not spans:
        return None
    a = min(spans, key=lambda s: (s.line, s.column))
    b = max(spans, key=lambda s: (s.end_line, s.end_column))
    return Span(a.line, a.column, b.end_line, b.end_column)


def _within(a: Span, b: Span) -> bool:
    return (b.line, b.column) <= (a.line, a.column) and (a.end_line, a.end_column) <= (b.end_line, b.end_column)


def _under(qn: str, roots: list[str]) -> bool:
    return any(qn == r or qn.startswith(r + ".") for r in roots)


def _none(arg: ast.AST) -> bool:
    return isinstance(arg, ast.Constant) and arg.value is None
