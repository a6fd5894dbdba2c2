"""One parsed Python module -> its :class:`FileFacts`: call sites, prompts, constants, usage facts.

The source readers (:mod:`auditor.sources.python`, :mod:`auditor.sources.notebook`) decode and
parse; this is where the module's code is read for what it sends.
"""

from __future__ import annotations

import ast

from auditor.analysis.callsites import CallSiteFinder
from auditor.analysis.loaders import client_returns
from auditor.analysis.modindex import ModuleIndex
from auditor.analysis.nodeindex import node_index
from auditor.analysis.promptfuncs import prompt_functions
from auditor.analysis.resolve import Resolver
from auditor.analysis.scopes import span_of
from auditor.analysis.summaries import collect_module_flows, index_classes
from auditor.analysis.testdoubles import double_call_positions
from auditor.analysis.testpatches import patched_call_positions
from auditor.analysis.usage import collect_usage
from auditor.analysis.verbatim import mark_verbatim
from auditor.config.names import addressed_elsewhere, name_matches
from auditor.facts import FileFacts, Message, Prompt, PromptConstant
from auditor.sources.lines import split_lines
from auditor.sources.python import SourceOptions, compile_error, parse_python, scan_suppressions


def analyse_python_text(text: str, path: str, module: str, opts: SourceOptions, kind: str = "python", deep: bool = False) -> FileFacts:
    """The facts of one module, or only its LA000. What CPython's compiler rejects although the
    parser accepts it is checked once the analysis found a call site or a prompt constant: the
    compile costs as much as the parse, and in a file with neither it is the general linter's."""
    facts = FileFacts(path=path, module=module, kind=kind)
    tree, err = parse_python(text, path, compile_check=False)
    if err is not None:
        facts.findings.append(err)
        return facts
    assert tree is not None
    facts.suppressions = scan_suppressions(text)
    analyse_tree(tree, text, facts, opts, deep=deep)
    if facts.call_sites or facts.prompt_constants:
        err = compile_error(tree, path)
        if err is not None:
            broken = FileFacts(path=path, module=module, kind=kind)
            broken.findings.append(err)
            return broken
    return facts


def analyse_tree(tree: ast.Module, text: str, facts: FileFacts, opts: SourceOptions, deep: bool = False) -> None:
    lines = split_lines(text)
    resolver = Resolver(tree, facts.module, opts.providers, lines)
    resolver.path = facts.path  # type: ignore[attr-defined]  # prompt files read relative to it
    finder = CallSiteFinder(resolver, opts.providers, facts.path, opts.frame_patterns)
    facts.call_sites = finder.run()
    walk = ModuleIndex(tree, lines, node_index(resolver))  # shared: framework sites, usage facts and the dataflow read the same statements
    add_framework_sites(resolver, finder, facts, walk)  # llm.invoke(...), prompt | llm, AutoGen agents
    doubles = double_call_positions(tree, facts.path, lines)  # calls on a test's Dummy*/Fake* client send nothing
    doubles += patched_call_positions(tree, facts.path, lines)  # ... nor a client method a test patches (@patch.object)
    if doubles:
        facts.extra["double_calls"] = doubles  # ... nor do the requests derived from them (derive.py)
        at = set(doubles)
        facts.call_sites = [s for s in facts.call_sites if (s.span.line, s.span.column) not in at]
    facts.extra["imports"] = dict(resolver.imports)
    if resolver.star_imports:
        facts.extra["star_imports"] = list(resolver.star_imports)
    facts.extra["functions"] = sorted(resolver.functions)
    _module_constants(resolver, finder.prompts, facts, opts)
    prompt_functions(tree, resolver, finder.prompts, facts, opts.prompt_names, _texty)  # def simple_prompt(ctx): return f"..."
    returns = client_returns(resolver)  # load_llm() -> ChatOpenAI: other modules' loaders (analysis/loaders.py)
    if returns:
        facts.extra["client_returns"] = returns
    add_text_sinks(resolver, finder, facts, walk)  # Agent(instructions=...), SystemMessage(...): prompt text a framework sends
    collect_usage(tree, resolver, facts, opts.providers, lines, walk)  # LA502/LA503/LA601/LA602/LA604 facts
    collect_module_flows(tree, resolver, finder, facts, deep, walk)  # function summaries, call records (phase 1 of the dataflow)
    mark_verbatim(tree, text, lines, facts)  # a published grader, a model's own template text (analysis/verbatim.py)


def summarise_module(tree: ast.Module, text: str, facts: FileFacts, opts: SourceOptions) -> None:
    """Module-level constants and imports only, for a file that holds no call site.

    Other modules may import its constants (``MODEL = os.getenv("MODEL", "o3")``,
    ``POLICY = \"\"\"...\"\"\"``); a shallow pass over the top-level statements keeps that cheap."""
    if not any(isinstance(s, (ast.Assign, ast.AnnAssign, ast.ImportFrom, ast.Import, ast.ClassDef)) for s in tree.body):
        return  # nothing another module could import from here (re-exports count)
    from auditor.analysis.frames import FrameInference
    from auditor.analysis.prompts import PromptBuilder

    resolver = Resolver(tree, facts.module, opts.providers, split_lines(text), shallow=True)
    resolver.path = facts.path  # type: ignore[attr-defined]
    facts.extra["imports"] = dict(resolver.imports)
    if resolver.star_imports:
        facts.extra["star_imports"] = list(resolver.star_imports)
    index_classes(tree, resolver, facts)  # the project's class index covers modules not read deeply
    _module_constants(resolver, PromptBuilder(resolver, FrameInference(resolver, opts.frame_patterns)), facts, opts)


def add_framework_sites(resolver: Resolver, finder: CallSiteFinder, facts: FileFacts, walk: ModuleIndex) -> None:
    """Framework prompt sites only add call sites: a failure keeps the file's others."""
    try:
        from auditor.analysis.agconfig import llm_config_sites
        from auditor.analysis.frameworks import framework_sites
        from auditor.analysis.rawhttp import http_sites
        from auditor.analysis.requestmodels import request_model_refs

        llm_config_sites(resolver, finder, facts, walk)  # AG2 LLMConfig(...), AutoGen llm_config dicts
        request_model_refs(resolver, facts, walk)  # client.chat(**request.model_dump()): the model's class, read in phase 2
        http_sites(resolver, finder, facts, walk)  # requests.post("https://api.anthropic.com/v1/messages", json=...)
        framework_sites(resolver, finder, facts, walk)
    except Exception as e:  # noqa: BLE001
        import os

        if os.environ.get("LLM_AUDIT_DEBUG"):
            raise
        facts.extra["frameworks_error"] = f"{e.__class__.__name__}: {e}"


def add_text_sinks(resolver: Resolver, finder: CallSiteFinder, facts: FileFacts, walk: ModuleIndex) -> None:
    """Text handed to framework agents and templates: a failure keeps the file's other facts."""
    try:
        from auditor.analysis.ag2sysmsg import system_message_updaters
        from auditor.analysis.textsinks import text_sink_constants

        text_sink_constants(resolver, finder.prompts, facts, walk)
        system_message_updaters(resolver, finder.prompts, facts, walk)  # AG2 UpdateSystemMessage(func)
        from auditor.analysis.toolresults import tool_result_constants

        tool_result_constants(resolver, finder.prompts, facts)  # frames a registered tool returns: the next prompt
    except Exception as e:  # noqa: BLE001
        import os

        if os.environ.get("LLM_AUDIT_DEBUG"):
            raise
        facts.extra["text_sinks_error"] = f"{e.__class__.__name__}: {e}"


def _module_constants(resolver: Resolver, prompts, facts: FileFacts, opts: SourceOptions) -> None:
    scope = resolver.module_scope
    clients: dict[str, str] = {}
    for name, entries in scope.assigns.items():
        line, value = entries[-1]
        if len(entries) > 1 and name not in scope.mutated and name_matches(name, opts.prompt_names) and not addressed_elsewhere(name):
            _earlier_assignments(name, entries[:-1], resolver, prompts, facts)  # whatever the last value is
        if isinstance(value, (ast.expr, ast.AnnAssign)):
            t = resolver.type_of(ast.Name(id=name, lineno=1 << 30, col_offset=0), scope)
            if t is not None:
                clients[name] = t[0]  # module-level client other modules may import
        if not isinstance(value, ast.expr) or name in scope.mutated:
            continue
        v = resolver.value_of(value, scope)
        if v.kind != "unknown":
            facts.constants[name] = v
        if _texty(value) or (isinstance(value, ast.Call) and prompts.flows_text(value, scope)):
            segs = prompts.segments(value, scope)
            facts.texts[name] = segs
            if name_matches(name, opts.prompt_names) and not addressed_elsewhere(name) and any(s.kind == "static" and s.text.strip() for s in segs):
                span = span_of(value, resolver.lines)
                if span is not None:
                    facts.prompt_constants.append(
                        PromptConstant(name, facts.module, facts.path, span, Prompt([Message("prompt", segs)]))
                    )
    if clients:
        facts.extra["client_names"] = clients


def _earlier_assignments(name: str, entries: list, resolver: Resolver, prompts, facts: FileFacts) -> None:
    """Earlier texts of a prompt constant assigned again (a notebook's cells rewriting
    ``system = \"\"\"...\"\"\"`` while the prompt is improved): each is prompt text written there, sent
    by the calls that run before the next assignment. Written literals only: an earlier value
    built from other names is read where those are."""
    for n, (_, value) in enumerate(entries, 1):
        if not isinstance(value, (ast.Constant, ast.JoinedStr)) or not _texty(value):
            continue
        segs = prompts.segments(value, resolver.module_scope)
        span = span_of(value, resolver.lines)
        if span is not None and any(s.kind == "static" and s.text.strip() for s in segs):
            facts.prompt_constants.append(PromptConstant(f"{name}@{n}", facts.module, facts.path, span, Prompt([Message("prompt", segs)])))


def _texty(expr: ast.AST) -> bool:
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, str)
    if isinstance(expr, (ast.JoinedStr,)):
        return True
    if isinstance(expr, ast.BinOp):
        return _texty(expr.left) or _texty(expr.right)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        return expr.func.attr in ("format", "join", "strip", "dedent") or _texty(expr.func.value)
    if isinstance(expr, ast.Call) and isinstance(expr.func, (ast.Name, ast.Attribute)):
        return getattr(expr.func, "id", getattr(expr.func, "attr", "")) in ("dedent", "cleandoc")
    return False
