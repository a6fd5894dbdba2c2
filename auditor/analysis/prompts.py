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
import re
from dataclasses import dataclass, field

from auditor.facts import Message, Segment
from auditor.findings import Span
from auditor.analysis.frames import FrameInference
from auditor.analysis.resolve import Resolver
from auditor.analysis.scopes import MAX_DEPTH, Scope, span_of
from auditor.analysis.literals import Piece, literal_pieces, slice_pieces

VOLATILE_CALLS = {
    "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today", "datetime.date.today",
    "datetime.now", "datetime.utcnow", "datetime.today", "date.today",
    "time.time", "time.time_ns", "time.ctime", "time.strftime", "time.monotonic", "time.asctime", "time.localtime",
    "uuid.uuid1", "uuid.uuid4", "uuid4", "uuid1",
    "random.random", "random.randint", "random.choice", "random.sample", "random.uniform", "random.shuffle",
    "secrets.token_hex", "secrets.token_urlsafe", "os.urandom",
}
USER_NAMES = re.compile(
    r"(^|_)(user|query|question|input|message|msg|text|prompt|request|ticket|review|comment|content|utterance|answer|reply|email|body)s?($|_)",
    re.I,
)
COLLECTION_CALLS = {"json.dumps", "pprint.pformat", "yaml.dump", "yaml.safe_dump", "list", "dict", "sorted", "tuple", "set"}
ROLE_CLASSES = {
    "SystemMessage": "system", "HumanMessage": "user", "AIMessage": "assistant", "ChatMessage": "user",
    "SystemMessagePromptTemplate": "system", "HumanMessagePromptTemplate": "user", "AIMessagePromptTemplate": "assistant",
    "UserMessage": "user", "AssistantMessage": "assistant", "DeveloperMessage": "developer",
}
ROLE_ALIASES = {"human": "user", "ai": "assistant", "model": "assistant", "bot": "assistant"}

# template syntaxes: field pattern and escapes (escape text -> what it stands for)
SYNTAX: dict[str, tuple[re.Pattern, dict[str, str]]] = {
    "format": (re.compile(r"\{\{|\}\}|\{[^{}]*\}"), {"{{": "{", "}}": "}"}),
    "percent": (re.compile(r"%%|%(\([^)]*\))?[-#0 +]*(\*|\d+)?(\.(\*|\d+))?[hlL]?[sdifrxXoeEgGcau]"), {"%%": "%"}),
    "template": (re.compile(r"\$\$|\$(?:[_a-zA-Z][_a-zA-Z0-9]*|\{[_a-zA-Z][_a-zA-Z0-9]*\})"), {"$$": "$"}),
    "jinja": (re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S), {}),
}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class LiteralSegment(Segment):
    """Static text from a literal; ``pieces`` say where its characters are written verbatim."""

    pieces: list[Piece] = field(default_factory=list)


@dataclass
class DataHole(Segment):
    """A hole that holds DataFrame data (``hole_kind == "dataframe"``) or a record list."""

    render: str = ""  # whole | bounded | records
    method: str = ""  # to_csv, to_string, ..., str, format (f"{df}"), records
    frame: str = ""  # source of the frame expression
    target: Span | None = None  # where ``.head(N)`` would be appended (end of the frame expression)
    columns: list[str] | None = None  # a literal column selection (or record keys)
    reader: str = ""  # read_csv, read_parquet, ...
    source_file: str = ""  # the literal path given to that reader


@dataclass
class TemplateRef(Segment):
    """``IMPORTED_TEMPLATE.format(...)``: a ref whose text is filled in after resolution."""

    syntax: str = "format"
    fields: dict[str, Segment] = field(default_factory=dict)


# ------------------------------------------------------------------------------ templates


def field_name(token: str, syntax: str) -> str | None:
    """The argument a template field reads: a keyword name, or None for an automatic position."""
    if syntax == "format":
        inner = token[1:-1]
        m = re.match(r"[^.\[!:]*", inner)
        name = (m.group(0) if m else "").strip()
        return name or None
    if syntax == "percent":
        m = re.match(r"%\(([^)]*)\)", token)
        return m.group(1) if m else None
    if syntax == "template":
        return token.lstrip("$").strip("{}")
    if syntax == "jinja":
        inner = token[2:-2].strip()
        m = _IDENT.match(inner)
        return m.group(0) if m else inner
    return None


def fill_template(template: list[Segment], syntax: str, fields: dict[str, Segment]) -> list[Segment]:
    """Static template text with its fields turned into holes (the argument's hole, if given).

    ``fields`` maps keyword names and positions ("0", "1", ...) to holes; "*" is the hole for
    arguments that are not visible (``**kwargs``, a mapping variable). Ref segments in the
    template become :class:`TemplateRef` so the project can fill them after resolution."""
    pattern, escapes = SYNTAX[syntax]
    out: list[Segment] = []
    auto = 0
    for seg in template:
        if seg.kind == "ref":
            out.append(TemplateRef("ref", expr=seg.expr, span=seg.span, ref=seg.ref, path=seg.path, cell=seg.cell, syntax=syntax, fields=copy.deepcopy(fields)))
            continue
        if seg.kind != "static":
            out.append(seg)
            continue
        parts: list[tuple[int, int] | str] = []  # kept ranges of seg.text, or unescaped text
        pos = 0
        for m in pattern.finditer(seg.text):
            tok = m.group(0)
            if tok in escapes:
                parts.append((pos, m.start()))
                parts.append(escapes[tok])
                pos = m.end()
                continue
            parts.append((pos, m.start()))
            pos = m.end()
            _flush(out, seg, parts, syntax)
            parts = []
            if syntax == "jinja" and not tok.startswith("{{"):
                stmt = tok[2:-2].strip()
                if tok.startswith("{%") and stmt.startswith("for "):
                    out.append(Segment("hole", expr=stmt, hole_kind="collection", span=seg.span, path=seg.path, cell=seg.cell))
                continue  # other statements and comments render no text of their own
            name = field_name(tok, syntax)
            if name is None:
                name = str(auto)
                auto += 1
            elif name.isdigit():
                pass
            hole = fields.get(name) or fields.get("*")
            if hole is None:
                hole = Segment("hole", expr=tok, hole_kind="unknown", span=seg.span, path=seg.path, cell=seg.cell)
            out.append(copy.deepcopy(hole))
        parts.append((pos, len(seg.text)))
        _flush(out, seg, parts, syntax)
    return out


def _flush(out: list[Segment], seg: Segment, parts: list, syntax: str) -> None:
    """Append the static text made of ``parts`` (ranges of ``seg.text`` or literal strings)."""
    text = ""
    pieces: list[Piece] = []
    for part in parts:
        if isinstance(part, str):
            text += part
            continue
        a, b = part
        if b <= a:
            continue
        if isinstance(seg, LiteralSegment):
            for p in slice_pieces(seg.pieces, a, b, shift=len(text)):
                p.template = syntax
                pieces.append(p)
        text += seg.text[a:b]
    if not text:
        return
    out.append(LiteralSegment("static", text=text, span=seg.span, editable=seg.editable, path=seg.path, cell=seg.cell, pieces=pieces))


def fill_deferred(ref: Segment, inner: list[Segment]) -> list[Segment]:
    """The resolved text of a :class:`TemplateRef` with its fields filled in."""
    if isinstance(ref, TemplateRef):
        return fill_template(inner, ref.syntax, ref.fields)
    return inner


def select_text(seg: Segment, ranges: list[tuple[int, int]]) -> Segment:
    """A static segment made of some ranges of ``seg.text`` (dedent, strip), pieces kept."""
    if not isinstance(seg, LiteralSegment):
        return Segment("static", text="".join(seg.text[a:b] for a, b in ranges), span=seg.span, editable=seg.editable, path=seg.path, cell=seg.cell)
    text = ""
    pieces: list[Piece] = []
    for a, b in ranges:
        if b > a:
            pieces.extend(slice_pieces(seg.pieces, a, b, shift=len(text)))
            text += seg.text[a:b]
    return LiteralSegment("static", text=text, span=seg.span, editable=seg.editable, path=seg.path, cell=seg.cell, pieces=pieces)


def _dedent_ranges(text: str) -> list[tuple[int, int]]:
    """Ranges of ``text`` that ``textwrap.dedent`` keeps."""
    import textwrap

    lines = text.splitlines(keepends=True)
    margin = None
    for line in lines:
        stripped = line.lstrip(" \t")
        if stripped.strip("\r\n") == "":
            continue
        indent = line[: len(line) - len(stripped)]
        if margin is None:
            margin = indent
        else:
            k = 0
            while k < min(len(margin), len(indent)) and margin[k] == indent[k]:
                k += 1
            margin = margin[:k]
    ranges = []
    pos = 0
    for line in lines:
        body = line.rstrip("\r\n")
        if body.strip(" \t") == "":
            ranges.append((pos + len(body), pos + len(line)))  # whitespace-only lines lose their blanks
        else:
            ranges.append((pos + len(margin or ""), pos + len(line)))
        pos += len(line)
    result = "".join(text[a:b] for a, b in ranges)
    return ranges if result == textwrap.dedent(text) else [(0, len(text))]


# ------------------------------------------------------------------------------ builder


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
                    d = self._deref(elt.value, scope)
                    if d is not None and isinstance(d[0], (ast.List, ast.Tuple)) and depth < 3:
                        out.extend(self.messages_of(d[0], d[1], default_role, depth + 1))
                    else:
                        out.append(Message(default_role, [self._hole(elt.value, scope, "collection")]))
                    continue
                out.append(self._message(elt, scope, default_role))
            return out
        return [Message(default_role, self.segments(expr, scope))]

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
    def segments(self, expr: ast.AST | None, scope: Scope, depth: int = 0) -> list[Segment]:
        """The text ``expr`` evaluates to, as static segments and holes."""
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
                        out.extend(self.segments(part.value, scope, depth + 1))  # f"{SYSTEM}" / f"{', '.join(TOPICS)}"
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
            return self._call_segments(expr, scope, depth)
        if isinstance(expr, ast.Name):
            b = self.r.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
            if b is not None:
                kind, what, s = b
                if kind == "assign" and isinstance(what, ast.expr) and _is_textual(what) and expr.id not in s.mutated:
                    return self.segments(what, s, depth + 1)
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
        if isinstance(expr, ast.Subscript):
            # PROMPTS["summary"] with PROMPTS a dict literal in this module
            key = self.r.value_of(expr.slice, scope) if not isinstance(expr.slice, ast.Slice) else None
            container = self.r.dict_of(expr.value, scope) if key is not None and key.is_literal else None
            if container is not None and isinstance(container[0], ast.Dict):
                for k, v in zip(container[0].keys, container[0].values):
                    if isinstance(k, ast.Constant) and k.value == key.value:  # type: ignore[union-attr]
                        return self.segments(v, container[1], depth + 1)
        return [self._hole(expr, scope)]

    def _call_segments(self, call: ast.Call, scope: Scope, depth: int) -> list[Segment]:
        func = call.func
        if isinstance(func, ast.Attribute):
            # "template".format(...) / TEMPLATE.format(...) / imported TEMPLATE.format(...)
            if func.attr in ("format", "format_map") and _is_textual_or_name(func.value):
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
                if t is not None:
                    template = self.segments(t[0], t[1], depth + 1)
                    fields = self._call_fields(call, scope)
                    if call.args:
                        fields.update(self._mapping_fields(call.args[0], scope))
                    return fill_template(template, "jinja", fields)
            if func.attr in ("strip", "lstrip", "rstrip") and not call.args:
                return _strip(self.segments(func.value, scope, depth + 1), func.attr)
        qn = self.r.qualname(func, scope) or ""
        if qn in ("textwrap.dedent", "inspect.cleandoc") and call.args:
            segs = self.segments(call.args[0], scope, depth + 1)
            if len(segs) == 1 and segs[0].kind == "static":
                segs = [select_text(segs[0], _dedent_ranges(segs[0].text))]
                if qn == "inspect.cleandoc":
                    segs = _strip(segs, "strip")
            return segs
        if qn == "str" or (isinstance(func, ast.Name) and func.id == "str" and call.args):
            if call.args and isinstance(call.args[0], (ast.Constant, ast.JoinedStr)):
                return self.segments(call.args[0], scope, depth + 1)
            return [self._hole(call, scope)]
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
        return [hole] + extra

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

    # ---------------------------------------------------------------- holes
    def _hole(self, expr: ast.AST, scope: Scope, kind: str | None = None) -> Segment:
        span = span_of(expr, self.r.lines)
        source = self.r.source_of(expr)
        fr = self.frames.render(expr, scope)
        if fr is not None:
            target = span_of(fr.frame, self.r.lines)
            return DataHole(
                "hole", expr=source, hole_kind="dataframe", span=span, render=fr.mode, method=fr.method,
                frame=self.r.source_of(fr.frame), target=target, columns=fr.columns, reader=fr.reader, source_file=fr.source_file,
            )
        keys = self._record_keys(expr, scope)
        if keys:
            return DataHole("hole", expr=source, hole_kind="collection", span=span, render="records", method="records", columns=keys)
        return Segment("hole", expr=source, hole_kind=kind or self.hole_kind(expr, scope), span=span)

    def _record_keys(self, expr: ast.AST, scope: Scope, depth: int = 0) -> list[str] | None:
        """Keys of a record list rendered into a prompt: json.dumps([{"id": ..., ...} for r in rows])."""
        if depth > 4:
            return None
        node = expr
        if isinstance(node, ast.Call):
            qn = self.r.qualname(node.func, scope) or (node.func.id if isinstance(node.func, ast.Name) else "")
            if qn in ("json.dumps", "str", "repr", "pprint.pformat", "yaml.dump", "yaml.safe_dump") and node.args:
                return self._record_keys(node.args[0], scope, depth + 1)
            return None
        if isinstance(node, ast.Name):
            d = self._deref(node, scope)
            if d is None:
                b = self.r.binding(node.id, scope, getattr(node, "lineno", 1 << 30))
                if b and b[0] == "assign" and isinstance(b[1], (ast.ListComp, ast.Call)):
                    return self._record_keys(b[1], b[2], depth + 1)  # type: ignore[arg-type]
                return None
            node, scope = d
        elt = None
        if isinstance(node, (ast.ListComp, ast.GeneratorExp)):
            elt = node.elt
        elif isinstance(node, (ast.List, ast.Tuple)) and node.elts:
            elt = node.elts[0]
        if isinstance(elt, ast.Dict) and elt.keys and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in elt.keys):
            return [k.value for k in elt.keys]  # type: ignore[union-attr]
        return None

    def hole_kind(self, expr: ast.AST, scope: Scope) -> str:
        if self.frames.is_frame_expr(expr, scope):
            return "dataframe"
        for node in ast.walk(expr):
            if isinstance(node, ast.Call):
                qn = self.r.qualname(node.func, scope) or ""
                if qn in VOLATILE_CALLS or (qn.split(".")[0] in ("datetime", "time", "uuid", "random") and qn.endswith((".now", ".utcnow", ".today", ".time", ".uuid4", ".uuid1"))):
                    return "volatile"
        if isinstance(expr, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp, ast.Tuple)):
            return "collection"
        if isinstance(expr, ast.Call):
            qn = self.r.qualname(expr.func, scope) or (expr.func.id if isinstance(expr.func, ast.Name) else "")
            if qn in COLLECTION_CALLS:
                return "collection"
            if isinstance(expr.func, ast.Attribute) and expr.func.attr == "join":
                return "collection"
        if isinstance(expr, ast.Name):
            b = self.r.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
            if b is not None and b[0] == "assign" and isinstance(b[1], ast.expr) and not (isinstance(b[1], ast.Constant) and not isinstance(b[1].value, str)):
                inner = b[1]
                if isinstance(inner, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
                    return "collection"
        name = expr.id if isinstance(expr, ast.Name) else expr.attr if isinstance(expr, ast.Attribute) else ""
        if isinstance(expr, ast.Subscript):
            key = expr.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                name = key.value
        if name and USER_NAMES.search(name):
            return "user"
        return "unknown"


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
