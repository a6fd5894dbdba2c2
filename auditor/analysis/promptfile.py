"""Prompt files: ``.prompty``, Dotprompt ``.prompt``, Jinja templates, text/markdown prompts under
policy ``prompt-paths``, and YAML prompt files whose keys policy ``prompt-keys`` names.

Front matter (YAML between ``---`` lines) that names a model becomes a :class:`CallSite` whose
parameters are the front matter's (``model.parameters`` for Prompty, ``config`` for Dotprompt,
top-level keys otherwise), with spans in the file, so LA101/LA102/LA103/LA104 and the model
rules apply to it as to a call in code, and their fixes are text edits of the front matter.
The body becomes prompt messages (Prompty role lines ``system:`` / ``user:``, Dotprompt
``{{role "system"}}``) whose ``{{var}}`` fields are holes; a file without a model becomes a
:class:`PromptConstant` for the text rules. Broken front matter is one LA000 with its line.
"""

from __future__ import annotations

import re

from auditor.facts import FileFacts, Message, Prompt, PromptConstant, Segment
from auditor.findings import Span
from auditor.analysis.holes import USER_NAMES
from auditor.analysis.templates import HANDLEBARS_FIELDS, IDENT, JINJA_FIELDS, PLAIN_FIELDS, LiteralSegment
from auditor.sources.lines import lone_cr_to_lf
from auditor.sources.python import SourceOptions, file_error, scan_suppressions
from auditor.analysis.literals import Piece
from auditor.analysis.frontmatter_site import front_matter_site, ignore_key
from auditor.analysis.yamlprompts import yaml_prompts
from auditor.sources.frontmatter import split_front_matter

_PROMPTY_ROLE = re.compile(r"^[ \t]*(system|user|assistant|developer|function|tool)[ \t]*:[ \t]*\r?$", re.I | re.M)


def analyse_promptfile(data: bytes, rel: str, opts: SourceOptions) -> FileFacts:
    """One prompt file -> facts (a call site for front matter with a model, else a prompt constant)."""
    facts = FileFacts(path=rel, module="", kind="promptfile")
    try:
        text = data[3:].decode("utf-8") if data.startswith(b"\xef\xbb\xbf") else data.decode("utf-8")
    except UnicodeDecodeError as e:
        facts.findings.append(file_error(rel, f"prompt file is not valid UTF-8: {e.reason} at byte {e.start}"))
        return facts
    text = lone_cr_to_lf(text)  # YAML and the body are split at \n: same lines as the fixes' model
    facts.suppressions = scan_suppressions(text)
    ext = rel.rsplit(".", 1)[-1].lower() if "." in rel else ""
    if ext in ("yaml", "yml"):
        yaml_prompts(text, facts, opts)
        return facts
    lines = text.split("\n")
    fm, body_line, err = split_front_matter(lines)
    if err is not None:
        facts.findings.append(file_error(rel, err[0], err[1], err[2]))
        return facts
    style = "prompty" if ext == "prompty" else "dotprompt" if ext == "prompt" else "flat"
    syntax = "jinja" if ext in ("prompty", "j2", "jinja", "jinja2") else "handlebars" if ext == "prompt" else "plain"
    if fm is not None:
        ignore_key(fm.data, facts)
    body = "\n".join(lines[body_line - 1 :]) if body_line <= len(lines) else ""
    messages = body_messages(body, body_line, syntax, style)
    site = front_matter_site(fm, lines, rel, style, messages) if fm is not None else None
    if site is not None:
        facts.call_sites.append(site)
    elif any(s.kind == "static" and s.text.strip() for m in messages for s in m.segments) and not (fm is None and _file_template(ext, body)):
        end = len(lines)
        span = Span(body_line, 1, end, len(lines[-1]) + 1 if lines else 1)
        name = rel.rsplit("/", 1)[-1]
        facts.prompt_constants.append(PromptConstant(name, "", rel, span, Prompt(messages)))
    return facts


# a Jinja template that renders a file, not a prompt: a Dockerfile ("FROM {{ base_image }}"), a script, a web page
_FILE_TEMPLATE = re.compile(r"(?:FROM[ \t]+\S|#!/|<!DOCTYPE\b|<html\b|<\?xml\b)", re.IGNORECASE)
_SKIP_LINE = re.compile(r"[ \t]*(?:\{#.*#\}|\{%.*%\}|#(?!!).*)?[ \t]*$")


def _file_template(ext: str, body: str) -> bool:
    """Is this Jinja file a template of another kind of file (its first line of content a Dockerfile's ``FROM``,
    a shebang, a doctype)? Never sent to a model, so not a prompt."""
    if ext not in ("j2", "jinja", "jinja2"):
        return False
    for line in body.split("\n", 40)[:40]:
        if not _SKIP_LINE.fullmatch(line):
            return bool(_FILE_TEMPLATE.match(line.lstrip()))
    return False


# ------------------------------------------------------------------------------ front matter


# ------------------------------------------------------------------------------ body


def body_messages(body: str, first_line: int, syntax: str, style: str) -> list[Message]:
    """The body text -> messages of static segments (with verbatim pieces) and holes."""
    default_role = "system" if style == "prompty" else "user" if style == "dotprompt" else "prompt"
    messages: list[Message] = []
    current = Message(default_role, [])
    pattern = JINJA_FIELDS if syntax == "jinja" else HANDLEBARS_FIELDS if syntax == "handlebars" else PLAIN_FIELDS
    role_marks: list[tuple[int, int, str]] = []  # (start, end, role) offsets in body
    if style == "prompty":
        role_marks = [(m.start(), m.end(), m.group(1).lower()) for m in _PROMPTY_ROLE.finditer(body)]
    pos = len(body) - len(body.lstrip()) if style == "prompty" else 0  # Prompty strips the body's leading whitespace
    events: list[tuple[int, int, str, str]] = [(a, b, "role", r) for a, b, r in role_marks]
    for m in pattern.finditer(body):
        if any(a <= m.start() < b for a, b, _ in role_marks):
            continue
        events.append((m.start(), m.end(), "field", m.group(0)))
    events.sort()
    starts = _line_starts(body)
    for a, b, kind, tok in events:
        if a < pos:
            continue
        if kind == "role":
            # as Prompty's own parser reads it: a role's text is the lines between its marker
            # line and the next one, joined by "\n" (no marker newline, no last line's newline)
            end = a - 1 if a > 0 and body[a - 1] == "\n" else a
            end = end - 1 if end > 0 and body[end - 1] == "\r" else end
            _static(current, body, pos, max(pos, end), starts, first_line, syntax)
            pos = b + (2 if body[b : b + 2] == "\r\n" else 1 if body[b : b + 1] == "\n" else 0)
            if current.segments or messages:
                messages.append(current)
            current = Message(tok, [])
            continue
        _static(current, body, pos, a, starts, first_line, syntax)
        pos = b
        role = _handlebars_role(tok) if syntax == "handlebars" else None
        if role is not None:
            if current.segments:
                messages.append(current)
            current = Message(role, [])
            continue
        hole = _field_hole(tok, syntax, _span(starts, first_line, a, b, body))
        if hole is not None:
            current.segments.append(hole)
    end = len(body)
    if style == "prompty":
        # Prompty renders the body with Jinja (which drops one trailing newline) and parses it
        # line by line, so the last message carries no trailing newline
        end = end - 1 if body.endswith("\n") else end
        end = end - 1 if body[:end].endswith("\r") else end
    _static(current, body, pos, max(pos, end), starts, first_line, syntax)
    if current.segments or not messages:
        messages.append(current)
    return [m for m in messages if m.segments] or []


def _handlebars_role(tok: str) -> str | None:
    m = re.match(r"\{\{\s*role\s+[\"']([a-z]+)[\"']\s*\}\}", tok)
    return m.group(1) if m else None


def _field_hole(tok: str, syntax: str, span: Span) -> Segment | None:
    if tok.startswith("{#") or tok.startswith("{{!"):
        return None  # comments
    if tok.startswith("{%"):
        stmt = tok[2:-2].strip("-+ \t\n")
        if stmt.startswith("for "):
            return Segment("hole", expr=stmt, hole_kind="collection", span=span)
        if stmt.startswith(("include ", "extends ")):
            return Segment("hole", expr=stmt, hole_kind="unknown", span=span)
        return None
    inner = tok.strip("{}").strip("-~ \t\n")
    if syntax == "handlebars":
        if inner.startswith(("/", "else", "^")):
            return None
        if inner.startswith("#"):
            word = inner[1:].split()[0] if inner[1:].split() else ""
            if word in ("each",):
                return Segment("hole", expr=inner, hole_kind="collection", span=span)
            return None  # #if / #unless / #with open a block of their own text
        if inner.startswith(("history", "section")):
            return Segment("hole", expr=inner, hole_kind="collection", span=span)
        if inner.startswith("media"):
            return Segment("hole", expr=inner, hole_kind="unknown", span=span)
    m = IDENT.search(inner)
    name = m.group(0) if m else inner
    last = inner.split("|")[0].strip().split(".")[-1] if inner else name
    kind = "user" if USER_NAMES.search(name) or USER_NAMES.search(last) else "unknown"
    return Segment("hole", expr=inner or tok, hole_kind=kind, span=span)


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def _pos(starts: list[int], first_line: int, off: int) -> tuple[int, int]:
    import bisect

    row = bisect.bisect_right(starts, off) - 1
    return first_line + row, off - starts[row] + 1


def _span(starts: list[int], first_line: int, a: int, b: int, body: str) -> Span:
    l0, c0 = _pos(starts, first_line, a)
    l1, c1 = _pos(starts, first_line, b)
    return Span(l0, c0, l1, c1)


def _static(msg: Message, body: str, a: int, b: int, starts: list[int], first_line: int, syntax: str) -> None:
    text = body[a:b]
    if not text:
        return
    span = _span(starts, first_line, a, b, body)
    piece = Piece(0, text, span, quote="", fstring=False, template=syntax if syntax != "plain" else "format")
    msg.segments.append(LiteralSegment("static", text=text, span=span, editable=True, pieces=[piece]))


# ------------------------------------------------------------------------------ YAML prompt files


