"""The plain data of the whole-program dataflow: function summaries and call records.

Phase 1 (:mod:`auditor.analysis.summaries`) writes one :class:`ModuleFlows` per module into
``FileFacts.extra["flows"]``; it is cached and pickled with the file's facts, so nothing here
holds an AST. Phase 2 (:mod:`auditor.analysis.derive`) composes them across modules.

The vocabulary is that of taint analysers: a function's *summary* says which of its parameters
flow into which part of a generation request (the call sites inside it, whose values and prompt
segments carry ``param`` tags), and what it returns (text with parameter holes, messages, a
DataFrame, another call's result). A *call record* is a call to a function that may be a project
function, with each argument as the caller wrote it (:class:`Arg`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from auditor.facts import Insertion, LoopInfo, Message, Segment, Value
from auditor.findings import Span


@dataclass
class FrameFacts:
    """A DataFrame the caller passes: how much of it (``whole`` / ``bounded``) and where it came from."""

    state: str
    reader: str = ""
    source_file: str = ""
    columns: list[str] | None = None
    source: str = ""  # the frame expression as written
    span: Span | None = None  # where it is written (``.head(N)`` goes at its end)
    cell: int | None = None


@dataclass
class Arg:
    """One argument of a recorded call, as the caller wrote it."""

    source: str = ""
    span: Span | None = None
    value: Value | None = None  # literal / ref / unknown (``param``-tagged when it is the caller's parameter)
    segments: list[Segment] = field(default_factory=list)  # its text as a prompt part
    messages: list[Message] | None = None  # when it is a list of messages
    frame: FrameFacts | None = None  # when it holds a DataFrame
    param: str | None = None  # the caller's own parameter it passes on unchanged
    fields: dict[str, "Arg"] | None = None  # a dict display: template fields, chain inputs
    cell: int | None = None


@dataclass
class Callee:
    """What a call may reach: a function by qualified name, or a method looked up on a class."""

    kind: str  # func | self | super | instance
    name: str  # func: qualified name; else the method name
    cls: str = ""  # self / super / instance: qualified name of the class


@dataclass
class CallRecord:
    callee: Callee
    path: str
    span: Span
    caller: str = "<module>"  # qualified name of the enclosing function (module-qualified), or "<module>"
    args: list[Arg] = field(default_factory=list)
    kwargs: dict[str, Arg] = field(default_factory=dict)
    star: bool = False  # *args: positions after it are unknown
    spread: Arg | None = None  # **kwargs: a literal dict's items are in ``spread.fields``, else unknown
    loop: LoopInfo | None = None
    loop_kind: str = "data"
    loop_bound: tuple[str, ...] | None = None  # names the loop binds (loops.LoopFacts.bound_names); None: not judged
    insertion: Insertion | None = None  # where a fix can add a keyword to this call
    is_async: bool = False
    result_name: str | None = None
    source: str = ""
    cell: int | None = None
    bound: bool = False  # the arguments were recorded (phase 1 keeps most records lean: callee only)
    retry: bool = False  # a call of the function itself from an except handler: a retry, not a recursive search
    validated: bool = False  # the answer is parsed in a try of a retry loop that asks again (analysis/retryparse.py, LA606)
    every_choice: bool = False  # a wrapper call passing n=/best_of= whose returned response's samples the caller all reads (LA105)


@dataclass
class ParamInfo:
    name: str
    kind: str  # pos | posonly | kwonly | varargs | varkw
    default: Value | None = None  # None: no default
    default_segments: list[Segment] | None = None  # the default's text, for prompt parameters


@dataclass
class Returns:
    """What a function returns, for a caller that puts it into a prompt."""

    text: list[Segment] | None = None  # prompt text with parameter holes
    messages: list[Message] | None = None  # a list of messages
    message: Message | None = None  # one message ({"role": ..., "content": ...}, SystemMessage(...))
    frame: FrameFacts | None = None  # a DataFrame made here
    frame_param: str | None = None  # ... or one of its parameters, passed through
    call: CallRecord | None = None  # the result of another call (``return helper(x)``)


@dataclass
class FunctionSummary:
    qualname: str  # module-qualified: app.llm.LLM.complete
    name: str
    path: str
    span: Span | None = None
    cls: str = ""  # module-qualified class of a method
    params: list[ParamInfo] = field(default_factory=list)
    self_param: str | None = None
    sites: list[str] = field(default_factory=list)  # ids of the call sites written in it
    calls: list[int] = field(default_factory=list)  # indexes into ModuleFlows.calls
    returns: Returns | None = None
    cell: int | None = None

    def param(self, name: str) -> ParamInfo | None:
        return next((p for p in self.params if p.name == name), None)


@dataclass
class ModuleFlows:
    functions: dict[str, FunctionSummary] = field(default_factory=dict)
    calls: list[CallRecord] = field(default_factory=list)  # calls recorded with their arguments
    # who calls what, without arguments (a lean pass): one "caller kind name class" line per call,
    # each once; and "class base,base method method" per class. Kept as text: every module has
    # them, and one string pickles and loads far faster than thousands of small objects.
    edges: str = ""
    classes: str = ""
    instances: dict[str, str] = field(default_factory=dict)  # module-level name -> class it is an instance of
    module: str = ""  # names starting with "." in ``edges`` and ``classes`` are relative to it

    def set_edges(self, edges: list[tuple[str, str, str, str]]) -> None:
        self.edges = "\n".join(" ".join(x or "-" for x in e) for e in edges)

    def set_classes(self, classes: dict[str, tuple[tuple[str, ...], str]]) -> None:
        short = self.short
        self.classes = "\n".join(f"{short(q)} {','.join(short(b) for b in bases) or '-'} {methods}".rstrip() for q, (bases, methods) in classes.items())

    def class_names(self) -> list[str]:
        return [self.full(line.split(" ", 1)[0]) for line in self.classes.split("\n") if line]

    def short(self, name: str) -> str:
        m = self.module
        return name[len(m) :] if m and name.startswith(m + ".") else name

    def full(self, name: str) -> str:
        return self.module + name if name.startswith(".") else name

    def callees(self):
        """(caller, Callee, bound record or None) for every call this module records."""
        for rec in self.calls:
            yield rec.caller, rec.callee, rec
        for caller, kind, name, cls in self.raw_edges():
            yield caller, Callee(kind, name, cls), None

    def raw_edges(self):
        """(caller, callee kind, name, class) of the lean calls, names made absolute."""
        full, intern = self.full, sys.intern
        for line in self.edges.split("\n") if self.edges else ():
            caller, kind, name, cls = line.split(" ")
            yield intern(full(caller)), intern(kind), intern(full(name)), "" if cls == "-" else intern(full(cls))

    def class_entries(self):
        """(qualified class name, bases, method names) of the module's classes."""
        full, intern = self.full, sys.intern  # method names repeat across thousands of classes: one copy each
        for line in self.classes.split("\n") if self.classes else ():
            q, bases, *methods = line.split(" ")
            yield full(q), [] if bases == "-" else [intern(full(b)) for b in bases.split(",")], [intern(m) for m in methods]


@dataclass
class CallHole(Segment):
    """A call to a function that may be a project function, in a prompt: its text is what the
    callee returns with these arguments (filled in phase 2; a plain hole until then)."""

    callee: Callee | None = None
    args: list[Arg] = field(default_factory=list)
    kwargs: dict[str, Arg] = field(default_factory=dict)
    extras: int = 0  # the DataFrame renders of its arguments that follow it (dropped once resolved)
