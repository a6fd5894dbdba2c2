"""Prompt reconstruction: an expression -> ordered static segments and dynamic holes.

Static text comes from literals, implicit concatenation, the literal parts of f-strings,
``.format`` / ``%`` / ``string.Template`` templates, ``+`` and ``"sep".join([...])``, and
constants (same module, or symbolic refs into other project modules resolved later by
:mod:`auditor.project`). Everything else is a hole whose kind (:data:`HOLE_KINDS`) says how
much it may weigh.
"""

from __future__ import annotations

import ast
import re

from auditor.callsites import Message, Prompt, Segment
from auditor.frames import FrameInference
from auditor.resolve import MAX_DEPTH, Resolver, Scope, span_of

VOLATILE_CALLS = {
    "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today", "datetime.date.today",
    "datetime.now", "datetime.utcnow", "datetime.today", "date.today",
    "time.time", "time.time_ns", "time.ctime", "time.strftime", "time.monotonic",
    "uuid.uuid1", "uuid.uuid4", "uuid4", "uuid1",
    "random.random", "random.randint", "random.choice", "random.sample", "random.uniform", "secrets.token_hex",
}
USER_NAMES = re.compile(r"(^|_)(user|query|question|input|message|msg|text|prompt|request|ticket|review|comment|content)s?($|_)", re.I)
_FORMAT_FIELD = re.compile(r"\{\{|\}\}|\{[^{}]*\}")
_PERCENT_FIELD = re.compile(r"%%|%(\([^)]*\))?[-#0 +]*\d*(\.\d+)?[sdifrxXoeEgGc]")
_TEMPLATE_FIELD = re.compile(r"\$\$|\$(\w+|\{\w+\})")
_JINJA_FIELD = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


class PromptBuilder:
    def __init__(self, resolver: Resolver, frames: FrameInference):
        self.r = resolver
        self.frames = frames

    # ---------------------------------------------------------------- messages
    def messages_of(self, expr: ast.AST, scope: Scope, default_role: str = "user", depth: int = 0) -> list[Message]:
        """A ``messages=[{"role": ..., "content": ...}, ...]`` argument -> messages."""
        node = self._deref(expr, scope)
        if node is not None:
            expr, scope = node
        if isinstance(expr, (ast.List, ast.Tuple)):
            out: list[Message] = []
            for elt in expr.elts:
                if isinstance(elt, ast.Starred):
                    out.append(Message(default_role, [self._hole(elt.value, scope, "collection")]))
                    continue
                d = self._deref(elt, scope)
                e, s = d if d else (elt, scope)
                if isinstance(e, ast.Dict):
                    role, content = default_role, None
                    for k, v in zip(e.keys, e.values):
                        if isinstance(k, ast.Constant) and k.value == "role":
                            rv = self.r.value_of(v, s)
                            role = rv.value if rv.is_literal and isinstance(rv.value, str) else role
                        elif isinstance(k, ast.Constant) and k.value in ("content", "text", "parts"):
                            content = v
                    out.append(Message(role, self.content_segments(content, s) if content is not None else []))
                elif isinstance(e, ast.Call) and not e.args and e.keywords:
                    kw = {k.arg: k.value for k in e.keywords if k.arg}
                    role_v = self.r.value_of(kw["role"], s) if "role" in kw else None
                    role = role_v.value if role_v is not None and role_v.is_literal else default_role
                    content = kw.get("content")
                    out.append(Message(str(role), self.content_segments(content, s) if content is not None else []))
                else:
                    out.append(Message(default_role, self.segments(elt, scope)))
            return out
        return [Message(default_role, self.segments(expr, scope))]

    def content_segments(self, expr: ast.AST, scope: Scope) -> list[Segment]:
        """Message content: a string, or a list of content blocks ({"type": "text", "text": ...})."""
        d = self._deref(expr, scope)
        e, s = d if d else (expr, scope)
        if isinstance(e, (ast.List, ast.Tuple)):
            segs: list[Segment] = []
            for block in e.elts:
                if isinstance(block, ast.Dict):
                    for k, v in zip(block.keys, block.values):
                        if isinstance(k, ast.Constant) and k.value == "text":
                            segs.extend(self.segments(v, s))
                else:
                    segs.extend(self.segments(block, s))
            return segs
        return self.segments(expr, scope)

    def _deref(self, expr: ast.AST, scope: Scope) -> tuple[ast.AST, Scope] | None:
        for _ in range(MAX_DEPTH):
            if isinstance(expr, ast.Name):
                b = self.r.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
                if b and b[0] == "assign" and isinstance(b[1], (ast.List, ast.Tuple, ast.Dict)):
                    expr, scope = b[1], b[2]  # type: ignore[assignment]
                    continue
                return None
            return expr, scope
        return None

    # ---------------------------------------------------------------- text segments
    def segments(self, expr: ast.AST | None, scope: Scope, depth: int = 0) -> list[Segment]:
        if expr is None:
            return []
        if depth > MAX_DEPTH:
            return [self._hole(expr, scope)]
        span = span_of(expr, self.r.lines)
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return [Segment("static", text=expr.value, span=span, editable=True)]
        if isinstance(expr, ast.JoinedStr):
            out: list[Segment] = []
            for part in expr.values:
                if isinstance(part, ast.Constant):
                    out.append(Segment("static", text=str(part.value), span=span, editable=True))
                elif isinstance(part, ast.FormattedValue):
                    out.append(self._hole(part.value, scope))
            return out
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return self.segments(expr.left, scope, depth + 1) + self.segments(expr.right, scope, depth + 1)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
            template = self.segments(expr.left, scope, depth + 1)
            return self._split_fields(template, _PERCENT_FIELD, expr.right, scope, escapes={"%%": "%"})
        if isinstance(expr, ast.Call):
            return self._call_segments(expr, scope, depth)
        if isinstance(expr, ast.Name):
            b = self.r.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
            if b is not None:
                kind, what, s = b
                if kind == "assign" and isinstance(what, ast.expr) and _is_textual(what) and expr.id not in s.mutated:
                    segs = self.segments(what, s, depth + 1)
                    return segs
                if kind == "import":
                    mod, _, name = str(what).rpartition(".")
                    return [Segment("ref", ref=(mod, name), expr=expr.id, span=span)]
            return [self._hole(expr, scope)]
        if isinstance(expr, ast.Attribute):
            bound = self.r.attr_binding(expr, scope)
            if bound is not None and isinstance(bound[0], ast.expr) and _is_textual(bound[0]):
                return self.segments(bound[0], bound[1], depth + 1)
            qn = self.r.qualname(expr, scope)
            if qn and not self.frames.is_frame_expr(expr, scope):
                mod, _, name = qn.rpartition(".")
                return [Segment("ref", ref=(mod, name), expr=self.r.source_of(expr), span=span)]
        return [self._hole(expr, scope)]

    def _call_segments(self, call: ast.Call, scope: Scope, depth: int) -> list[Segment]:
        func = call.func
        if isinstance(func, ast.Attribute):
            # "template".format(...) / TEMPLATE.format(...)
            if func.attr == "format" and _is_textual_or_name(func.value):
                template = self.segments(func.value, scope, depth + 1)
                return self._split_fields(template, _FORMAT_FIELD, call, scope, escapes={"{{": "{", "}}": "}"})
            if func.attr == "join" and call.args and _is_textual_or_name(func.value):
                sep = self.segments(func.value, scope, depth + 1)
                items = call.args[0]
                d = self._deref(items, scope)
                e, s = d if d else (items, scope)
                if isinstance(e, (ast.List, ast.Tuple)):
                    out: list[Segment] = []
                    for i, elt in enumerate(e.elts):
                        if i:
                            out.extend(sep)
                        out.extend(self.segments(elt, s, depth + 1))
                    return out
                return [self._hole(items, scope, "collection")]
            if func.attr in ("substitute", "safe_substitute"):
                t = self._template_of(func.value, scope)
                if t is not None:
                    return self._split_fields(self.segments(t, scope, depth + 1), _TEMPLATE_FIELD, call, scope, escapes={"$$": "$"})
            if func.attr == "render":
                t = self._template_of(func.value, scope, jinja=True)
                if t is not None:
                    return self._split_fields(self.segments(t, scope, depth + 1), _JINJA_FIELD, call, scope, escapes={})
            if func.attr in ("strip", "lstrip", "rstrip", "dedent"):
                return self.segments(func.value, scope, depth + 1)
        qn = self.r.qualname(func, scope) or ""
        if qn in ("textwrap.dedent", "inspect.cleandoc") and call.args:
            return self.segments(call.args[0], scope, depth + 1)
        if qn == "str" or (isinstance(func, ast.Name) and func.id == "str" and call.args):
            return [self._hole(call.args[0] if call.args else call, scope)]
        return [self._hole(call, scope)]

    def _template_of(self, expr: ast.AST, scope: Scope, jinja: bool = False) -> ast.AST | None:
        """string.Template("...") / jinja2.Template("...") -> the template text expression."""
        d = expr
        if isinstance(expr, ast.Name):
            b = self.r.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
            if b and b[0] == "assign" and isinstance(b[1], ast.Call):
                d = b[1]
        if isinstance(d, ast.Call) and d.args:
            qn = self.r.qualname(d.func, scope) or ""
            if qn.endswith("Template") or (jinja and qn.endswith("from_string")):
                return d.args[0]
        return None

    def _split_fields(self, template: list[Segment], pattern: re.Pattern, args: ast.AST, scope: Scope, escapes: dict[str, str]) -> list[Segment]:
        """Static template text with its fields turned into holes (kind from the arguments)."""
        kinds = self._arg_kinds(args, scope)
        out: list[Segment] = []
        for seg in template:
            if seg.kind != "static":
                out.append(seg)
                continue
            pos = 0
            for m in pattern.finditer(seg.text):
                tok = m.group(0)
                if tok in escapes:
                    continue
                if m.start() > pos:
                    out.append(Segment("static", text=_unescape(seg.text[pos : m.start()], escapes), span=seg.span, editable=seg.editable))
                field_name = tok.strip("{}%$() ").split("|")[0].split(".")[0].split("[")[0].split("!")[0].split(":")[0].strip()
                kind, expr = kinds.get(field_name, kinds.get("*", ("unknown", field_name)))
                out.append(Segment("hole", expr=expr or tok, hole_kind=kind, span=seg.span))
                pos = m.end()
            if pos < len(seg.text):
                out.append(Segment("static", text=_unescape(seg.text[pos:], escapes), span=seg.span, editable=seg.editable))
        return out

    def _arg_kinds(self, args: ast.AST, scope: Scope) -> dict[str, tuple[str, str]]:
        kinds: dict[str, tuple[str, str]] = {}
        if isinstance(args, ast.Call):
            for i, a in enumerate(args.args):
                kinds[str(i)] = (self.hole_kind(a, scope), self.r.source_of(a))
                kinds.setdefault("", kinds[str(i)]) if i == 0 else None
            for k in args.keywords:
                if k.arg:
                    kinds[k.arg] = (self.hole_kind(k.value, scope), self.r.source_of(k.value))
                else:
                    kinds["*"] = ("unknown", self.r.source_of(k.value))
        elif isinstance(args, ast.Dict):
            for k, v in zip(args.keys, args.values):
                if isinstance(k, ast.Constant):
                    kinds[str(k.value)] = (self.hole_kind(v, scope), self.r.source_of(v))
        elif isinstance(args, ast.Tuple):
            for i, a in enumerate(args.elts):
                kinds[str(i)] = (self.hole_kind(a, scope), self.r.source_of(a))
            kinds["*"] = kinds.get("0", ("unknown", ""))
        else:
            kinds["*"] = (self.hole_kind(args, scope), self.r.source_of(args))
        return kinds

    # ---------------------------------------------------------------- holes
    def _hole(self, expr: ast.AST, scope: Scope, kind: str | None = None) -> Segment:
        return Segment("hole", expr=self.r.source_of(expr), hole_kind=kind or self.hole_kind(expr, scope), span=span_of(expr, self.r.lines))

    def hole_kind(self, expr: ast.AST, scope: Scope) -> str:
        if self.frames.is_frame_expr(expr, scope):
            return "dataframe"
        for node in ast.walk(expr):
            if isinstance(node, ast.Call):
                qn = self.r.qualname(node.func, scope) or ""
                if qn in VOLATILE_CALLS or any(qn.endswith("." + v) for v in ("now", "utcnow", "uuid4", "time")) and qn.split(".")[0] in ("datetime", "time", "uuid"):
                    return "volatile"
        if isinstance(expr, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp, ast.Tuple)):
            return "collection"
        if isinstance(expr, ast.Call):
            qn = self.r.qualname(expr.func, scope) or ""
            if qn in ("json.dumps", "pprint.pformat", "yaml.dump", "yaml.safe_dump"):
                return "collection"
        name = expr.id if isinstance(expr, ast.Name) else expr.attr if isinstance(expr, ast.Attribute) else ""
        if name and USER_NAMES.search(name):
            return "user"
        return "unknown"


def _is_textual(expr: ast.AST) -> bool:
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, str)
    if isinstance(expr, ast.JoinedStr):
        return True
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Mod)):
        return _is_textual(expr.left) or _is_textual(expr.right) or isinstance(expr.left, ast.Name)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        return expr.func.attr in ("format", "join", "strip", "dedent", "substitute", "safe_substitute", "render") and (
            _is_textual_or_name(expr.func.value)
        )
    if isinstance(expr, ast.Call) and isinstance(expr.func, (ast.Name, ast.Attribute)):
        name = expr.func.id if isinstance(expr.func, ast.Name) else expr.func.attr
        return name in ("dedent", "cleandoc")
    return False


def _is_textual_or_name(expr: ast.AST) -> bool:
    return _is_textual(expr) or isinstance(expr, (ast.Name, ast.Attribute))


def _unescape(text: str, escapes: dict[str, str]) -> str:
    for k, v in escapes.items():
        text = text.replace(k, v)
    return text


def prompt_from_messages(messages: list[Message]) -> Prompt:
    return Prompt(messages=messages)
