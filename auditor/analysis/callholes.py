"""Calls to functions that may be project functions, as the prompt builder meets them.

A prompt part written as ``system_message(f"...{df.to_markdown()}")``, ``build_prompt(q)`` or
``self.render(ctx)`` is the text that function returns. Phase 1 cannot see other modules, so
the call becomes a :class:`~auditor.analysis.flowfacts.CallHole`: a hole that keeps the callee
and every argument as the caller wrote it (:class:`~auditor.analysis.flowfacts.Arg`: its text,
literal value, messages, DataFrame provenance, the caller's parameter it passes on). Phase 2
(:mod:`auditor.analysis.derive`) fills it with the callee's summary.

:func:`callee_of` decides what a call may reach; it is shared with the call records of
:mod:`auditor.analysis.summaries`.
"""

from __future__ import annotations

import ast
import sys

from auditor.analysis.configfields import options_fields
from auditor.analysis.flowfacts import Arg, Callee, CallHole, FrameFacts
from auditor.analysis.scopes import Scope, span_of
from auditor.config.flows import load_flows
from auditor.facts import Segment, tagged

# roots that are never project code: the standard library and builtins
_STDLIB = frozenset(sys.stdlib_module_names) | {"builtins", "__future__"}
MAX_ARG_DEPTH = 3
MESSAGE_KEYS = ("role", "content")


_SDK_ROOTS: dict[int, frozenset[str]] = {}


def _not_project(root: str, providers) -> bool:
    sdk = _SDK_ROOTS.get(id(providers))
    if sdk is None:
        sdk = _SDK_ROOTS[id(providers)] = frozenset(r.split(".")[0] for r in providers.import_roots) | _STDLIB | load_flows().library_roots
    return root in sdk


def class_qualname(resolver, cls: Scope | None) -> str:
    if cls is None:
        return ""
    return f"{resolver.module}.{cls.qualname}" if resolver.module else cls.qualname


def callee_of(resolver, func: ast.AST, scope: Scope) -> Callee | None:
    """What ``func(...)`` may reach in the project: a function by qualified name, a method on
    ``self`` / ``super()``, or a method of an instance of a class made here. None: surely not
    project code (builtins, the standard library, SDKs, common libraries) or not knowable."""
    providers = resolver.providers
    if isinstance(func, ast.Name):
        b = resolver.binding(func.id, scope, getattr(func, "lineno", 1 << 30))
        if b is None:
            return None
        kind, what, _ = b
        if kind == "assign" and isinstance(what, (ast.FunctionDef, ast.AsyncFunctionDef)):
            qn = resolver.qualname(func, scope)
            return Callee("func", qn) if qn else None
        if kind == "import":
            qn = str(what)
            return None if _not_project(qn.split(".")[0], providers) else Callee("func", qn)
        return None
    if not isinstance(func, ast.Attribute):
        return None
    base = func.value
    if isinstance(base, ast.Name) and scope.cls is not None and base.id in (scope.self_name, "cls") and base.id is not None:
        return Callee("self", func.attr, class_qualname(resolver, scope.cls))
    if isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and base.func.id == "super" and scope.cls is not None:
        return Callee("super", func.attr, class_qualname(resolver, scope.cls))
    qn = resolver.qualname(func, scope)
    if qn:
        if _not_project(qn.split(".")[0], providers):
            return None
        # `llm.ask(...)` with `import app.llm as llm`, or `Bot.build(...)` on a class
        return Callee("func", qn)
    cls = instance_class(resolver, base, scope)
    if cls:
        return Callee("instance", func.attr, cls)
    return None


def instance_class(resolver, expr: ast.AST, scope: Scope) -> str | None:
    """The class an expression is an instance of, when it was made by calling a class of the
    project or one imported from a module that may be (``bot = Bot()``, ``self.llm = LLM()``)."""
    made = None
    if isinstance(expr, ast.Name):
        b = resolver.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
        if b and b[0] == "assign" and isinstance(b[1], ast.Call):
            made = (b[1], b[2])
        elif b and b[0] == "param" and b[1].annotation is not None:  # def run(bot: Bot)
            ann = b[1].annotation
            qn = resolver.qualname(ann, b[2].parent or b[2]) if isinstance(ann, (ast.Name, ast.Attribute)) else None
            return qn if qn and not _not_project(qn.split(".")[0], resolver.providers) else None
    elif isinstance(expr, ast.Attribute):
        bound = resolver.attr_binding(expr, scope)
        if bound is not None and isinstance(bound[0], ast.Call):
            made = (bound[0], bound[1])
    elif isinstance(expr, ast.Call):
        made = (expr, scope)
    if made is None:
        return None
    call, s = made
    qn = resolver.qualname(call.func, s)
    if not qn or _not_project(qn.split(".")[0], resolver.providers):
        return None
    last = qn.rsplit(".", 1)[-1]
    if isinstance(call.func, ast.Name):
        b = resolver.binding(call.func.id, s, getattr(call, "lineno", 1 << 30))
        if b and b[0] == "assign":
            return qn if isinstance(b[1], ast.ClassDef) else None
    return qn if last[:1].isupper() else None  # an imported name spelled like a class


class FlowCalls:
    """Prompt-builder mixin: calls into possible project functions become :class:`CallHole`."""

    _arg_depth = 0

    def call_hole(self, call: ast.Call, scope: Scope, hole: Segment, extras: int) -> Segment:
        callee = callee_of(self.r, call.func, scope)
        if callee is None or self._arg_depth >= MAX_ARG_DEPTH:
            return hole
        args, kwargs, _, _ = self.call_args(call, scope)
        return tagged(CallHole("hole", expr=hole.expr, hole_kind=hole.hole_kind, span=hole.span, callee=callee, args=args, kwargs=kwargs, extras=extras), hole.param)

    def _helper_call(self, node: ast.AST, scope: Scope) -> bool:
        """``system_message(...)`` in a messages list: a call that may build a message."""
        return isinstance(node, ast.Call) and callee_of(self.r, node.func, scope) is not None

    def flows_text(self, call: ast.Call, scope: Scope) -> bool:
        """A call whose result may be prompt text we can follow: a possible project function,
        a library text step, or text read from a file."""
        if self.is_file_text(call, scope):
            return True
        if (self.r.qualname(call.func, scope) or "") in load_flows().text_steps:
            return True
        return callee_of(self.r, call.func, scope) is not None

    def text_step(self, call: ast.Call, scope: Scope, depth: int) -> list[Segment] | None:
        """A library callable whose result is the text of one argument (rules/flows.yaml ``text-steps``)."""
        qn = self.r.qualname(call.func, scope)
        index = load_flows().text_steps.get(qn or "")
        if index is None or index >= len(call.args):
            return None
        return self.segments(call.args[index], scope, depth + 1)

    def call_args(self, call: ast.Call, scope: Scope) -> tuple[list[Arg], dict[str, Arg], bool, Arg | None]:
        args: list[Arg] = []
        kwargs: dict[str, Arg] = {}
        star = False
        spread: Arg | None = None
        self._arg_depth += 1
        try:
            for a in call.args:
                if isinstance(a, ast.Starred):
                    star = True
                    break
                args.append(self.arg_of(a, scope))
            for kw in call.keywords:
                if kw.arg is None:
                    spread = self.arg_of(kw.value, scope)
                else:
                    kwargs[kw.arg] = self.arg_of(kw.value, scope)
        finally:
            self._arg_depth -= 1
        return args, kwargs, star, spread

    def arg_of(self, expr: ast.AST, scope: Scope) -> Arg:
        span = span_of(expr, self.r.lines)
        arg = Arg(source=self.r.source_of(expr)[:200], span=span, value=self.r.value_of(expr, scope), param=self.r.param_of(expr, scope))
        d = self._deref(expr, scope)
        node, s = d if d else (expr, scope)
        if isinstance(node, ast.Dict):
            fields: dict[str, Arg] = {}
            if self._arg_depth < MAX_ARG_DEPTH:
                self._arg_depth += 1
                try:
                    for k, v in zip(node.keys, node.values):
                        if isinstance(k, ast.Constant) and isinstance(k.value, str):
                            fields[k.value] = self.arg_of(v, s)
                finally:
                    self._arg_depth -= 1
            arg.fields = fields
            if any(isinstance(k, ast.Constant) and k.value in MESSAGE_KEYS for k in node.keys):
                arg.messages = [self._message(node, s, "user")]
            return arg
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts and all(_message_like(e) or self._helper_call(e, s) for e in node.elts) and any(_message_like(e) for e in node.elts):
            arg.messages = self.messages_of(node, s)
            return arg
        if self._arg_depth < MAX_ARG_DEPTH:
            self._arg_depth += 1
            try:
                fields = options_fields(self.r, expr, scope, self.arg_of)  # config=GenerateContentConfig(...)
            finally:
                self._arg_depth -= 1
            if fields is not None:
                arg.fields = fields
                return arg
        arg.segments = self.segments(expr, scope)
        state = self.frames.state(expr, scope)
        if state in ("whole", "bounded"):
            reader, path = self.frames.origin(expr, scope)
            arg.frame = FrameFacts(state, reader, path, self.frames.columns(expr, scope), arg.source, span)
        return arg


def _message_like(node: ast.AST) -> bool:
    if isinstance(node, ast.Dict):
        return any(isinstance(k, ast.Constant) and k.value in MESSAGE_KEYS for k in node.keys)
    if isinstance(node, ast.Tuple):
        return len(node.elts) == 2 and isinstance(node.elts[0], ast.Constant) and isinstance(node.elts[0].value, str)
    if isinstance(node, ast.Call):
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        return name.endswith("Message") or name.endswith("MessagePromptTemplate")
    return False

