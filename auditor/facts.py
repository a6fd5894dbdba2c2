"""Facts: what the analysis extracts from one file and the checks consume (plain, picklable data).

The analysis (``auditor.analysis.module`` and friends) turns one file into :class:`FileFacts`: its call
sites, prompt constants, module-level constants and suppressions. Everything here is plain
data (serialisable for the per-file cache and the process pool); nothing holds an AST.

Values that point into another project module stay symbolic (``Value.kind == "ref"``,
``Segment.kind == "ref"``) until :mod:`auditor.analysis.project` resolves them across files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditor.findings import Finding, Span

# --- values -------------------------------------------------------------------------------


@dataclass
class Value:
    """A resolved expression: a literal, a symbolic reference, or unknown."""

    kind: str  # "literal" | "ref" | "unknown"
    value: Any = None  # the Python literal when kind == "literal"
    source: str = ""  # source text of the expression as written at the use
    span: Span | None = None
    # how the literal was reached: literal, constant, import, env-default, param-default, config-default
    origin: str = "literal"
    ref: tuple[str, str] | None = None  # (module, name) when kind == "ref"
    # where the literal itself is written (a constant's definition, a parameter default, the
    # default of os.getenv): the root cause a finding about the value points at
    defined: "Location | None" = None
    # the enclosing function's parameter it comes from (function summaries): set on the instance
    # only when there is one, so the many values without it stay as small as before
    param = None

    @property
    def is_literal(self) -> bool:
        return self.kind == "literal"


@dataclass
class Location:
    """A place in a file: ``path`` None means the file of the owning facts."""

    span: Span
    path: str | None = None
    cell: int | None = None


@dataclass
class Param:
    """One parameter of a call site, at a dotted path (``config.max_output_tokens``)."""

    path: str
    value: Value
    # the whole ``name=value`` (or ``"key": value``) as written; None when not in this file
    arg_span: Span | None = None
    # just the name (keyword) or the key string, for a rename
    key_span: Span | None = None
    # written directly as a keyword of the call itself (so a fix can edit it in place)
    direct: bool = False


# --- prompts ------------------------------------------------------------------------------

HOLE_KINDS = ("dataframe", "collection", "volatile", "user", "unknown")


@dataclass
class Segment:
    """A piece of prompt text: static text, a dynamic hole, or a reference to a constant."""

    kind: str  # "static" | "hole" | "ref"
    text: str = ""  # static text
    expr: str = ""  # hole: source expression
    hole_kind: str = "unknown"  # hole: one of HOLE_KINDS
    span: Span | None = None  # where it is written (in the file of the owning facts)
    # static: True when it comes from a plain literal a fix may edit in place
    editable: bool = False
    ref: tuple[str, str] | None = None  # kind == "ref": (module, name)
    path: str | None = None  # set when resolved from another file
    cell: int | None = None
    # static: "instruction" (text written as instructions) or "data" (documents, few-shot examples,
    # records, retrieved context...): text rules judge instruction text only (auditor.analysis.roles)
    role: str = "instruction"
    # the named values the text was read through, outermost first: (name, interpolated), where
    # interpolated says the value was written into a template's field (f"...{DOC}...")
    via: tuple[tuple[str, bool], ...] = ()
    # hole: the enclosing function's parameter it holds (function summaries); an instance
    # attribute only when set (not a field: most segments never have one)
    param = None


SEGMENT_ROLES = ("instruction", "data")


@dataclass
class Message:
    role: str  # system | user | assistant | developer | prompt | instructions
    segments: list[Segment] = field(default_factory=list)

    @property
    def static_text(self) -> str:
        return "".join(s.text for s in self.segments if s.kind == "static")


@dataclass
class Prompt:
    messages: list[Message] = field(default_factory=list)

    @property
    def segments(self) -> list[Segment]:
        return [s for m in self.messages for s in m.segments]

    @property
    def static_text(self) -> str:
        return "\n".join(m.static_text for m in self.messages)

    @property
    def holes(self) -> list[Segment]:
        return [s for s in self.segments if s.kind == "hole"]


# --- call sites ---------------------------------------------------------------------------


@dataclass
class Insertion:
    """Where a fix can add a keyword argument to a call."""

    line: int
    column: int
    # text to put before / after ``name=value`` at that point (comma, newline + indent)
    prefix: str = ", "
    suffix: str = ""


@dataclass
class Container:
    """A dict display or config call written inline as a parameter (fixes insert keys into it)."""

    style: str  # dict | call
    insertion: Insertion


@dataclass
class LoopInfo:
    kind: str  # for | while | comprehension
    iter_source: str = ""
    span: Span | None = None


@dataclass
class CallSite:
    id: str  # stable: path::qualname#n
    path: str
    span: Span
    provider: str
    api: str  # providers-catalog api id, e.g. "openai.chat"
    method: str  # what was called, e.g. "chat.completions.create"
    cell: int | None = None
    qualname: str = "<module>"
    model: Value | None = None  # None: not given at all
    params: dict[str, Param] = field(default_factory=dict)
    # dotted container paths whose contents are unknown ("" = the call's own **kwargs)
    unknown: list[str] = field(default_factory=list)
    prompt: Prompt = field(default_factory=Prompt)
    insertion: Insertion | None = None
    containers: dict[str, Container] = field(default_factory=dict)
    loop: LoopInfo | None = None
    is_async: bool = False
    streaming: bool = False
    source: str = ""  # normalised source of the call (fingerprints, messages)
    # the response variable, when the result is assigned (LA601)
    result_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def lookup(self, path: str) -> tuple[str, Param | None]:
        """State of a parameter: ("present", p) | ("unknown", None) | ("missing", None)."""
        return param_state(self.params, self.unknown, path)

    def first_present(self, paths: list[str]) -> tuple[str, Param | None]:
        """The first of ``paths`` that is present; else unknown if any is unknown; else missing."""
        state = "missing"
        for path in paths:
            s, p = self.lookup(path)
            if s == "present":
                return s, p
            if s == "unknown":
                state = "unknown"
        return state, None

    @property
    def model_name(self) -> str | None:
        if self.model is not None and self.model.is_literal and isinstance(self.model.value, str):
            return self.model.value
        return None


@dataclass
class PromptConstant:
    """A module-level prompt constant (policy ``prompt-names``), linted on its own."""

    name: str
    module: str
    path: str
    span: Span
    prompt: Prompt
    cell: int | None = None
    streamed: bool = False  # a sink's text sent only by streaming runs of a fixed input (analysis/streamdemo.py)


@dataclass
class Suppressions:
    # "cell:line" of the line a comment applies to -> codes ("*" = all). A comment alone on
    # its line applies to the next line (the call below it) and is listed in ``own_line``.
    lines: dict[str, list[str]] = field(default_factory=dict)
    file: list[str] = field(default_factory=list)
    own_line: list[str] = field(default_factory=list)

    @staticmethod
    def key(cell: int | None, line: int) -> str:
        return f"{-1 if cell is None else cell}:{line}"


@dataclass
class FileFacts:
    path: str  # relative, forward slashes
    module: str  # dotted module name within the project ("" for non-Python)
    kind: str  # python | notebook | promptfile
    call_sites: list[CallSite] = field(default_factory=list)
    prompt_constants: list[PromptConstant] = field(default_factory=list)
    # module-level names -> Value (strings/numbers) for cross-module resolution
    constants: dict[str, Value] = field(default_factory=dict)
    # module-level names -> prompt segments (for prompt constants built from pieces)
    texts: dict[str, list[Segment]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)  # file-level (LA000, ...)
    suppressions: Suppressions = field(default_factory=Suppressions)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Use:
    """Where something happens. ``cell`` is filled in for notebooks (spans become cell-relative)."""

    span: Span
    text: str = ""
    cell: int | None = None


@dataclass
class ClientUse:
    """A client construction (``OpenAI(...)``) and the keyword arguments it passes (LA604)."""

    type: str
    maker: str
    span: Span
    keywords: list[str] = field(default_factory=list)
    star: bool = False  # **kwargs: the keywords are not all known
    cell: int | None = None


@dataclass
class HistoryUse:
    """A messages list that grows and is sent whole (LA602)."""

    name: str
    grow: Use
    loop_line: int | None  # the loop it grows in (None: grows once per call of a method)
    span: Span | None = None  # where it is sent
    cell: int | None = None


def tagged(obj, param):
    """``obj`` with its ``param`` set when there is one (see Segment.param / Value.param)."""
    if param:
        obj.param = param
    return obj


def untagged(obj):
    """``obj`` without a ``param`` of its own."""
    obj.__dict__.pop("param", None)
    return obj


def param_state(params: dict, unknown, path: str) -> tuple[str, "Param | None"]:
    """("present", p) | ("unknown", None) | ("missing", None) for ``path`` given the parameters a
    request sets and the paths it leaves unknown: "" (all keywords), a container of the path, the path."""
    p = params.get(path)
    if p is not None:
        return "present", p
    parts = path.split(".")
    for i in range(len(parts) + 1):
        if ".".join(parts[:i]) in unknown:
            return "unknown", None
    return "missing", None
