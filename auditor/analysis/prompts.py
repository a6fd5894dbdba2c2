"""Prompt reconstruction: an expression -> ordered static segments and dynamic holes.

Static text comes from literals (also implicitly concatenated), the literal parts of
f-strings, ``.format`` / ``%`` / ``string.Template`` / jinja ``Template(...).render``
templates, ``+`` and ``"sep".join([...])``, ``textwrap.dedent`` / ``.strip()``, and
constants (same module, or symbolic refs into other project modules that
:mod:`auditor.analysis.project` resolves later; a template that is an imported constant is filled in
after that resolution). Everything else is a hole that keeps its source expression and a kind
(:data:`auditor.facts.HOLE_KINDS`) saying how much it may weigh.

Three subclasses of :class:`~auditor.facts.Segment` carry what checks and fixes need:

* :class:`LiteralSegment` - static text with its verbatim *pieces* in the file
  (:mod:`auditor.analysis.literals`), so LA201 can edit the wording without touching quotes, escapes
  or holes;
* :class:`DataHole` - a hole holding DataFrame data or a record list: how it is rendered
  (whole / bounded), where a ``.head(N)`` would go, a literal column selection, and the
  literal file a reader loaded (LA301, LA302);
* :class:`TemplateRef` - an imported template constant with the fields to fill into it.
"""

from __future__ import annotations

import ast
import copy

from auditor.facts import Message, Segment
from auditor.analysis.frames import FrameInference
from auditor.analysis.resolve import Resolver
from auditor.analysis.augments import augments_before
from auditor.analysis.scopes import MAX_DEPTH, Scope, span_of
from auditor.analysis.literals import literal_pieces
from auditor.analysis.holes import HoleKinds
from auditor.analysis.callholes import FlowCalls
from auditor.analysis.filetext import FileTexts
from auditor.analysis.templates import DataHole, LiteralSegment, dedent_ranges, fill_template, select_text

ROLE_CLASSES = {
    "SystemMessage": "system", "HumanMessage": "user", "AIMessage": "assistant", "ChatMessage": "user",
    "SystemMessagePromptTemplate": "system", "HumanMessagePromptTemplate": "user", "AIMessagePromptTemplate": "assistant",
    "UserMessage": "user", "AssistantMessage": "assistant", "DeveloperMessage": "developer",
}
ROLE_ALIASES = {"human": "user", "ai": "assistant", "model": "assistant", "bot": "assistant"}


# ------------------------------------------------------------------------------ templates


# ------------------------------------------------------------------------------ builder


class PromptBuilder(HoleKinds, FlowCalls, FileTexts):
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
                    d = self._deref(elt.value, scope)
                    if d is not None and isinstance(d[0], (ast.List, ast.Tuple)) and depth < 3:
                        out.extend(self.messages_of(d[0], d[1], default_role, depth + 1))
                    else:
                        out.append(Message(default_role, [self._hole(elt.value, scope, "collection")]))
                    continue
                out.append(self._message(elt, scope, default_role))
            return out
        return [Message(default_role, self.segments(expr, scope))]

    def contents_of(self, expr: ast.AST, scope: Scope) -> list[Message]:
        """google-genai ``contents=``: as the SDK builds the request, consecutive parts (strings,
        ``Part`` objects) in a list become one user turn; ``Content``/dict items are turns of
        their own (``google.genai._transformers.t_contents``)."""
        node = self._deref(expr, scope)
        e, s = node if node is not None else (expr, scope)
        if not isinstance(e, (ast.List, ast.Tuple)):
            return self.messages_of(expr, scope, default_role="user")
        out: list[Message] = []
        parts: list[Segment] = []
        for elt in e.elts:
            d = self._deref(elt, s) if not isinstance(elt, ast.Starred) else None
            item = d[0] if d else elt
            turn = isinstance(item, ast.Dict) or isinstance(elt, ast.Starred) or (
                isinstance(item, ast.Call) and any(k.arg in ("role", "parts") for k in item.keywords)
            )
            if turn:
                if parts:
                    out.append(Message("user", parts))
                    parts = []
                out.extend(self.messages_of(ast.List(elts=[elt], ctx=ast.Load()), s, default_role="user"))
            else:
                parts.extend(self._message(elt, s, "user").segments)
        if parts:
            out.append(Message("user", parts))
        return out

    def _message(self, elt: ast.AST, scope: Scope, default_role: str) -> Message:
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
            return Message(_role(role), self.content_segments(content, s) if content is not None else [])
        if isinstance(e, ast.Tuple) and len(e.elts) == 2:  # ("system", "...") as in ChatPromptTemplate
            rv = self.r.value_of(e.elts[0], s)
            if rv.is_literal and isinstance(rv.value, str):
                return Message(_role(rv.value), self.content_segments(e.elts[1], s))
        if isinstance(e, ast.Call):
            cls = e.func.attr if isinstance(e.func, ast.Attribute) else e.func.id if isinstance(e.func, ast.Name) else ""
            kw = {k.arg: k.value for k in e.keywords if k.arg}
            if "parts" in kw and not e.args:  # google.genai types.Content(role=..., parts=[types.Part(text=...)])
                rv = self.r.value_of(kw["role"], s) if "role" in kw else None
                role = rv.value if rv is not None and rv.is_literal and isinstance(rv.value, str) else default_role
                return Message(_role(role), self.content_segments(kw["parts"], s))
            if cls in ROLE_CLASSES or cls.endswith("Message") or ("content" in kw and not e.args):
                role = ROLE_CLASSES.get(cls, default_role)
                if "role" in kw:
                    rv = self.r.value_of(kw["role"], s)
                    role = rv.value if rv.is_literal and isinstance(rv.value, str) else role
                content = kw.get("content") or (e.args[0] if e.args else None)
                if cls.endswith("PromptTemplate") and content is None:
                    content = kw.get("template")
                return Message(_role(str(role)), self.content_segments(content, s) if content is not None else [])
        return Message(default_role, self.segments(elt, scope))

    def content_segments(self, expr: ast.AST, scope: Scope) -> list[Segment]:
        """Message content: a string, or a list of content blocks ({"type": "text", "text": ...})."""
        d = self._deref(expr, scope)
        e, s = d if d else (expr, scope)
        if isinstance(e, (ast.List, ast.Tuple)):
            segs: list[Segment] = []
            for block in e.elts:
                if isinstance(block, ast.Dict):
                    found = False
                    for k, v in zip(block.keys, block.values):
                        if isinstance(k, ast.Constant) and k.value == "text":
                            segs.extend(self.segments(v, s))
                            found = True
                    if not found:
                        segs.append(self._hole(block, s, "collection"))
                elif isinstance(block, ast.Call) and any(k.arg == "text" for k in block.keywords):
                    segs.extend(self.segments(next(k.value for k in block.keywords if k.arg == "text"), s))  # types.Part(text=...)
                elif isinstance(block, ast.Call) and isinstance(block.func, ast.Attribute) and block.func.attr == "from_text" and block.args:
                    segs.extend(self.segments(block.args[0], s))
                else:
                    segs.extend(self.segments(block, s))
            return segs
        return self.segments(expr, scope)

    def _deref(self, expr: ast.AST, scope: Scope) -> tuple[ast.AST, Scope] | None:
        for _ in range(MAX_DEPTH):
            if isinstance(expr, ast.Name):
                b = self.r.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
                if b and b[0] == "assign" and isinstance(b[1], (ast.List, ast.Tuple, ast.Dict)) and expr.id not in b[2].mutated:
                    expr, scope = b[1], b[2]  # type: ignore[assignment]
                    continue
                return None
            return expr, scope
        return None

    # ---------------------------------------------------------------- text segments
    def segments(self, expr: ast.AST | None, scope: Scope, depth: int = 0, slot: bool = False) -> list[Segment]:
        """The text ``expr`` evaluates to, as static segments and holes.

        ``slot``: ``expr`` is written into a template's field (``f"...{DOC}..."``); the named
        values the text is read through are recorded on its segments (``Segment.via``) for
        :mod:`auditor.analysis.roles`."""
        if expr is None:
            return []
        if depth > MAX_DEPTH:
            return [self._hole(expr, scope)]
        span = span_of(expr, self.r.lines)
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            parts = literal_pieces(expr, self.r.lines, span) if span is not None else None
            return [LiteralSegment("static", text=expr.value, span=span, editable=True, pieces=parts[0] if parts else [])]
        if isinstance(expr, ast.JoinedStr):
            parts = literal_pieces(expr, self.r.lines, span) if span is not None else None
            out: list[Segment] = []
            k = 0
            for part in expr.values:
                if isinstance(part, ast.Constant):
                    pieces = parts[k] if parts and k < len(parts) else []
                    k += 1
                    out.append(LiteralSegment("static", text=str(part.value), span=span, editable=True, pieces=pieces))
                elif isinstance(part, ast.FormattedValue):
                    if part.conversion == -1 and part.format_spec is None:
                        out.extend(self.segments(part.value, scope, depth + 1, slot=True))  # f"{SYSTEM}" / f"{', '.join(TOPICS)}"
                    else:
                        out.append(self._hole(part.value, scope))
            return out
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return self.segments(expr.left, scope, depth + 1) + self.segments(expr.right, scope, depth + 1)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult):
            # "Follow the handbook. " * 3: static text repeated a literal number of times
            text_side, count = (expr.left, expr.right) if _is_textual(expr.left) else (expr.right, expr.left)
            n = count.value if isinstance(count, ast.Constant) and type(count.value) is int else None
            if n is not None and 0 <= n <= 10_000 and _is_textual(text_side):
                inner = self.segments(text_side, scope, depth + 1)
                if all(seg.kind == "static" for seg in inner):
                    return [Segment("static", text="".join(seg.text for seg in inner) * n, span=span_of(expr, self.r.lines))]
            return [self._hole(expr, scope)]
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod) and _is_textual_or_name(expr.left):
            template = self.segments(expr.left, scope, depth + 1)
            if not any(s.kind in ("static", "ref") for s in template):
                return [self._hole(expr, scope)]
            return fill_template(template, "percent", self._percent_fields(expr.right, scope))
        if isinstance(expr, ast.Call):
            return self._call_segments(expr, scope, depth, slot)
        if isinstance(expr, ast.Await) and isinstance(expr.value, ast.Call) and self.flows_text(expr.value, scope):
            return self._call_segments(expr.value, scope, depth, slot)  # await helper(...): what the coroutine returns
        if isinstance(expr, ast.Name):
            b = self.r.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
            if b is not None:
                kind, what, s = b
                if kind == "assign" and isinstance(what, ast.expr) and _is_textual(what) and expr.id not in s.mutated:
                    return _via(self.segments(what, s, depth + 1), expr.id, slot)
                adds = augments_before(s, expr.id, what, scope, getattr(expr, "lineno", 1 << 30)) if kind == "assign" and isinstance(what, ast.expr) and _is_textual(what) else None
                if adds is not None:  # PROMPT = "" / if X: PROMPT += f"...{X}"
                    return _via(self.segments(what, s, depth + 1) + [seg for v in adds for seg in self.segments(v, s, depth + 1)], expr.id, slot)
                call = what.value if isinstance(what, ast.Await) else what  # table = await execute_query(q)
                if kind == "assign" and isinstance(call, ast.Call) and expr.id not in s.mutated and self.flows_text(call, s):
                    return _via(self.segments(call, s, depth + 1), expr.id, slot)  # text = build_prompt(q) / open(P).read()
                if kind == "import":
                    mod, _, name = str(what).rpartition(".")
                    return [Segment("ref", ref=(mod, name), expr=expr.id, span=span, via=((name, slot),))]
            return [self._hole(expr, scope)]
        if isinstance(expr, ast.Attribute):
            bound = self.r.attr_binding(expr, scope)
            if bound is not None and isinstance(bound[0], ast.expr) and _is_textual(bound[0]):
                return _via(self.segments(bound[0], bound[1], depth + 1), expr.attr, slot)
            if bound is not None and isinstance(bound[0], ast.Call) and self.flows_text(bound[0], bound[1]):
                return _via(self.segments(bound[0], bound[1], depth + 1), expr.attr, slot)  # self.system = Path(P).read_text()
            qn = self.r.qualname(expr, scope)
            if qn and not self.frames.is_frame_expr(expr, scope):
                mod, _, name = qn.rpartition(".")
                return [Segment("ref", ref=(mod, name), expr=self.r.source_of(expr), span=span, via=((name, slot),))]
        if isinstance(expr, ast.Subscript):
            # PROMPTS["summary"] with PROMPTS a dict literal in this module
            key = self.r.value_of(expr.slice, scope) if not isinstance(expr.slice, ast.Slice) else None
            container = self.r.dict_of(expr.value, scope) if key is not None and key.is_literal else None
            if container is not None and isinstance(container[0], ast.Dict):
                for k, v in zip(container[0].keys, container[0].values):
                    if isinstance(k, ast.Constant) and k.value == key.value:  # type: ignore[union-attr]
                        owner = expr.value.id if isinstance(expr.value, ast.Name) else expr.value.attr if isinstance(expr.value, ast.Attribute) else ""
                        return _via(self.segments(v, container[1], depth + 1), owner, slot)
        return [self._hole(expr, scope)]

    def _call_segments(self, call: ast.Call, scope: Scope, depth: int, slot: bool = False) -> list[Segment]:
        func = call.func
        if isinstance(func, ast.Attribute):
            # "template".format(...) / TEMPLATE.format(...) / imported TEMPLATE.format(...)
            if func.attr in ("format", "format_map") and (_is_textual_or_name(func.value) or (isinstance(func.value, ast.Call) and self.flows_text(func.value, scope))):
                template = self.segments(func.value, scope, depth + 1)
                if any(s.kind in ("static", "ref") for s in template):
                    fields = self._call_fields(call, scope) if func.attr == "format" else self._mapping_fields(call.args[0] if call.args else None, scope)
                    return fill_template(template, "format", fields)
            if func.attr == "join" and call.args and _is_textual_or_name(func.value):
                sep = self.segments(func.value, scope, depth + 1)
                items = call.args[0]
                d = self._deref(items, scope)
                e, s = d if d else (items, scope)
                if isinstance(e, (ast.List, ast.Tuple)) and not any(isinstance(x, ast.Starred) for x in e.elts):
                    out: list[Segment] = []
                    for i, elt in enumerate(e.elts):
                        if i:
                            out.extend(copy.deepcopy(sep))
                        out.extend(self.segments(elt, s, depth + 1))
                    return out
                return [self._hole(call, scope, "collection")]
            if func.attr in ("substitute", "safe_substitute"):
                t = self._template_of(func.value, scope)
                if t is not None:
                    template = self.segments(t[0], t[1], depth + 1)
                    fields = self._call_fields(call, scope)
                    if call.args:
                        fields.update(self._mapping_fields(call.args[0], scope))
                    return fill_template(template, "template", fields)
            if func.attr in ("render", "render_async"):
                t = self._template_of(func.value, scope, jinja=True)
                file_template = self.template_file(func.value, scope) if t is None else None
                if t is not None or file_template is not None:
                    template = self.segments(t[0], t[1], depth + 1) if t is not None else file_template
                    fields = self._call_fields(call, scope)
                    if call.args:
                        fields.update(self._mapping_fields(call.args[0], scope))
                    return fill_template(template, "jinja", fields)
            if func.attr in ("strip", "lstrip", "rstrip") and not call.args:
                return _strip(self.segments(func.value, scope, depth + 1, slot), func.attr)
        qn = self.r.qualname(func, scope) or ""
        if qn in ("textwrap.dedent", "inspect.cleandoc") and call.args:
            segs = self.segments(call.args[0], scope, depth + 1, slot)
            if len(segs) == 1 and segs[0].kind == "static":
                segs = [select_text(segs[0], dedent_ranges(segs[0].text))]
                if qn == "inspect.cleandoc":
                    segs = _strip(segs, "strip")
            return segs
        if qn == "str" or (isinstance(func, ast.Name) and func.id == "str" and call.args):
            if call.args and isinstance(call.args[0], (ast.Constant, ast.JoinedStr)):
                return self.segments(call.args[0], scope, depth + 1)
            return [self._hole(call, scope)]
        flowed = self.text_step(call, scope, depth) or self.file_text(call, scope)
        if flowed is not None:
            return flowed
        return self._opaque_call(call, scope)

    def _opaque_call(self, call: ast.Call, scope: Scope) -> list[Segment]:
        """A call whose text is unknown (``template.format(...)`` on a LangChain template, a
        helper): one hole, plus the DataFrame renders passed to it as arguments, which end
        up in the text whatever the call does with them."""
        hole = self._hole(call, scope)
        if hole.kind != "hole" or isinstance(hole, DataHole):
            return [hole]
        extra: list[Segment] = []
        values = list(call.args) + [k.value for k in call.keywords]
        for v in values:
            if isinstance(v, ast.Starred):
                v = v.value
            items = list(v.values) if isinstance(v, ast.Dict) else [v]
            for item in items:
                if isinstance(item, ast.Call) and self.frames.render(item, scope) is not None and self.frames.render(item, scope).method != "format":  # type: ignore[union-attr]
                    extra.append(self._hole(item, scope))
        return [self.call_hole(call, scope, hole, len(extra))] + extra

    def _template_of(self, expr: ast.AST, scope: Scope, jinja: bool = False) -> tuple[ast.AST, Scope] | None:
        """string.Template("...") / jinja2.Template("...") / env.from_string("...") -> its text expression."""
        d, s = expr, scope
        if isinstance(expr, ast.Name):
            b = self.r.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
            if b and b[0] == "assign" and isinstance(b[1], ast.Call):
                d, s = b[1], b[2]  # type: ignore[assignment]
        elif isinstance(expr, ast.Attribute):
            bound = self.r.attr_binding(expr, scope)
            if bound is not None and isinstance(bound[0], ast.Call):
                d, s = bound
        if isinstance(d, ast.Call) and (d.args or d.keywords):
            qn = self.r.qualname(d.func, s) or ""
            last = d.func.attr if isinstance(d.func, ast.Attribute) else getattr(d.func, "id", "")
            arg = d.args[0] if d.args else next((k.value for k in d.keywords if k.arg in ("template", "source")), None)
            if arg is None:
                return None
            if qn.endswith("Template") or last == "Template" or (jinja and last == "from_string"):
                return arg, s
        return None

    # ---------------------------------------------------------------- template arguments
    def _call_fields(self, call: ast.Call, scope: Scope) -> dict[str, Segment]:
        fields: dict[str, Segment] = {}
        for i, a in enumerate(call.args):
            if isinstance(a, ast.Starred):
                fields.setdefault("*", self._hole(a.value, scope, "unknown"))
                continue
            fields[str(i)] = self._hole(a, scope)
        for k in call.keywords:
            if k.arg:
                fields[k.arg] = self._hole(k.value, scope)
            else:
                fields.update(self._mapping_fields(k.value, scope))
        return fields

    def _mapping_fields(self, node: ast.AST | None, scope: Scope) -> dict[str, Segment]:
        if node is None:
            return {}
        found = self.r.dict_of(node, scope)
        if found is not None and isinstance(found[0], ast.Dict):
            d, s = found
            fields: dict[str, Segment] = {}
            for k, v in zip(d.keys, d.values):
                if isinstance(k, ast.Constant) and isinstance(k.value, str):
                    fields[k.value] = self._hole(v, s)
                elif k is None:
                    fields.update(self._mapping_fields(v, s))
            return fields
        if found is not None and isinstance(found[0], ast.Call):
            return {k.arg: self._hole(k.value, found[1]) for k in found[0].keywords if k.arg}
        return {"*": self._hole(node, scope, "unknown")}

    def _percent_fields(self, right: ast.AST, scope: Scope) -> dict[str, Segment]:
        if isinstance(right, ast.Tuple):
            return {str(i): self._hole(a, scope) for i, a in enumerate(right.elts)}
        if isinstance(right, ast.Dict):
            return self._mapping_fields(right, scope)
        hole = self._hole(right, scope)
        return {"0": hole, "*": copy.deepcopy(hole)}


def _via(segs: list[Segment], name: str, slot: bool) -> list[Segment]:
    """Record that ``segs`` were read through the named value ``name`` (see ``Segment.via``)."""
    if name:
        for s in segs:
            s.via = ((name, slot),) + s.via
    return segs


def _role(role: str) -> str:
    r = str(role).lower()
    return ROLE_ALIASES.get(r, r)


def _strip(segs: list[Segment], how: str) -> list[Segment]:
    """``.strip()`` on the first / last static segment (the runtime strips the whole string)."""
    if not segs:
        return segs
    out = list(segs)
    if how in ("strip", "lstrip") and out[0].kind == "static":
        t = out[0].text
        out[0] = select_text(out[0], [(len(t) - len(t.lstrip()), len(t))])
    if how in ("strip", "rstrip") and out[-1].kind == "static":
        t = out[-1].text
        out[-1] = select_text(out[-1], [(0, len(t.rstrip()))])
    return [s for s in out if s.kind != "static" or s.text]


def _is_textual(expr: ast.AST) -> bool:
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, str)
    if isinstance(expr, ast.JoinedStr):
        return True
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Mod, ast.Mult)):
        return _is_textual(expr.left) or _is_textual(expr.right) or isinstance(expr.left, (ast.Name, ast.Attribute))
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        if expr.func.attr in ("format", "format_map", "join", "strip", "lstrip", "rstrip", "substitute", "safe_substitute", "render"):
            return _is_textual_or_name(expr.func.value) or isinstance(expr.func.value, ast.Call)
        return expr.func.attr in ("dedent", "cleandoc")
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        return expr.func.id in ("dedent", "cleandoc", "str")
    if isinstance(expr, ast.Subscript):
        return isinstance(expr.value, ast.Name)
    return False


def _is_textual_or_name(expr: ast.AST) -> bool:
    return _is_textual(expr) or isinstance(expr, (ast.Name, ast.Attribute))
