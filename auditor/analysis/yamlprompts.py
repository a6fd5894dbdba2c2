"""YAML prompt files whose keys policy ``prompt-keys`` names (``template``, ``prompt``, ``system``,
``messages[].content``): each prompt becomes a prompt constant, or a call site when its mapping
names a model."""

from __future__ import annotations

import re
from typing import Any

from auditor.analysis.holes import USER_NAMES
from auditor.analysis.literals import Piece
from auditor.analysis.frontmatter_site import block_end, front_matter_site, ignore_key
from auditor.analysis.templates import IDENT, JINJA_FIELDS, PLAIN_FIELDS, LiteralSegment, fill_template
from auditor.facts import CallSite, FileFacts, Message, Prompt, PromptConstant, Segment
from auditor.findings import Span
from auditor.sources.frontmatter import FrontMatter, value_end, yaml_loader
from auditor.sources.python import SourceOptions, file_error


def yaml_prompts(text: str, facts: FileFacts, opts: SourceOptions) -> None:
    lines = text.split("\n")
    try:
        data = yaml_loader().load(text)
    except Exception as e:  # noqa: BLE001
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = 1 + (mark.line if mark is not None else 0)
        col = 1 + (mark.column if mark is not None else 0)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        facts.findings.append(file_error(facts.path, f"broken YAML prompt file: {problem} (line {line})", line, col))
        return
    if data is None:
        return
    fm = FrontMatter(data, 1, len(lines) + 1)
    if isinstance(data, dict):
        ignore_key(data, facts)
    keys = list(opts.prompt_keys or [])
    _walk_yaml(data, "", fm, lines, keys, facts)


def _walk_yaml(node: Any, path: str, fm: FrontMatter, lines: list[str], keys: list[str], facts: FileFacts, depth: int = 0) -> None:
    if depth > 40:
        return
    if isinstance(node, dict):
        messages: list[Message] = []
        for spec in keys:
            if spec.endswith("[]"):  # promptfoo `prompts: [text, ...]`: each text its own prompt
                _list_prompts(node, spec[:-2], path, fm, lines, facts)
            elif "[]." in spec:
                list_key, _, text_key = spec.partition("[].")
                items = node.get(list_key)
                if isinstance(items, list):
                    for item in items:
                        if isinstance(item, dict) and isinstance(item.get(text_key), str):
                            role = str(item.get("role") or "user")
                            messages.append(Message(role, _scalar_segments(item, text_key, fm, lines)))
            elif isinstance(node.get(spec), str):
                role = "system" if spec in ("system", "instructions") else "user"
                messages.append(Message(role, _scalar_segments(node, spec, fm, lines)))
        if messages:
            _yaml_prompt(node, path, messages, fm, lines, facts)
        for key in node:
            child = node[key]
            if isinstance(child, (dict, list)):
                _walk_yaml(child, f"{path}.{key}" if path else str(key), fm, lines, keys, facts, depth + 1)
    elif isinstance(node, list):
        for i, child in enumerate(node):
            if isinstance(child, (dict, list)):
                _walk_yaml(child, f"{path}[{i}]", fm, lines, keys, facts, depth + 1)


# a list item naming where a prompt is (promptfoo: `file://p.txt`, `prompts.py:simple_prompt`, `id: ...`)
_FILE_REF = re.compile(r"\A\s*(?:file://\S+|[\w./-]+\.(?:py|js|ts|txt|md|json|jsonl|ya?ml|j2|jinja2?|prompt|prompty)(?::[\w.]+)?)\s*\Z")


def _list_prompts(node: Any, key: str, path: str, fm: FrontMatter, lines: list[str], facts: FileFacts) -> None:
    """The text items of the list under ``key``, each a user prompt of its own (never one prompt
    of all: promptfoo lists variants of one prompt, not messages of one request)."""
    items = node.get(key)
    if not isinstance(items, list) or not hasattr(items, "lc"):
        return
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip() or _FILE_REF.match(item):
            continue
        segs = _scalar_segments(items, i, fm, lines, items.lc.item(i))
        span = segments_span(segs)
        if span is None:
            continue
        name = f"{path}.{key}[{i}]" if path else f"{key}[{i}]"
        facts.prompt_constants.append(PromptConstant(name, "", facts.path, span, Prompt([Message("user", segs)])))


def _yaml_prompt(node: Any, path: str, messages: list[Message], fm: FrontMatter, lines: list[str], facts: FileFacts) -> None:
    first = next(iter(node))
    l0, c0 = fm.pos(*node.lc.key(first))
    # the mapping runs until a line indented less than its keys (or the end of the file)
    last = (block_end(lines, l0, c0 - 2, len(lines) + 1) - 1) if c0 > 1 else len(lines)
    while last > l0 and not lines[last - 1].strip():
        last -= 1
    span = Span(l0, c0, last, len(lines[last - 1].rstrip("\r")) + 1)
    if isinstance(node.get("model"), str):
        sub = FrontMatter(node, fm.first_line, fm.close_line)
        site = _yaml_site(sub, lines, facts.path, messages, path)
        if site is not None:
            facts.call_sites.append(site)
            return
    name = path or facts.path.rsplit("/", 1)[-1]
    facts.prompt_constants.append(PromptConstant(name, "", facts.path, span, Prompt(messages)))


def _yaml_site(fm: FrontMatter, lines: list[str], rel: str, messages: list[Message], path: str) -> CallSite | None:
    site = front_matter_site(fm, lines, rel, "flat", messages)
    if site is None:
        return None
    for key in ("template", "prompt", "system", "messages", "instructions"):
        site.params.pop(key, None)
        for p in [p for p in site.params if p.startswith(key + ".")]:
            site.params.pop(p, None)
    site.id = f"{rel}::{path or '<root>'}#1"
    info = site.extra.get("frontmatter") or {}
    # the mapping's own block ends where the next sibling starts
    first = next(iter(fm.data))
    header = fm.pos(*fm.data.lc.key(first))
    indent = header[1] - 1
    if info.get("line") is not None and not info.get("block"):
        info["line"] = block_end(lines, header[0], indent - 1, len(lines) + 1) if indent else len(lines) + 1
        info["indent"] = " " * indent
    elif info.get("create") and info["create"].get("indent") == "":
        info["create"]["indent"] = " " * indent
        info["create"]["line"] = block_end(lines, header[0], indent - 1, len(lines) + 1) if indent else len(lines) + 1
    at = (info.get("create") or {}).get("line") or info.get("line")
    if at is not None and at > len(lines) and lines and lines[-1] != "":
        info["eof_newline"] = True  # the file does not end with a newline: start a new line first
    return site


def segments_span(segs: list[Segment]) -> Span | None:
    """The span from the first segment's start to the last one's end (None when none has a span)."""
    spans = [s.span for s in segs if s.span is not None]
    if not spans:
        return None
    a = min(spans, key=lambda s: (s.line, s.column))
    b = max(spans, key=lambda s: (s.end_line, s.end_column))
    return Span(a.line, a.column, b.end_line, b.end_column)


def _scalar_segments(mapping: Any, key: Any, fm: FrontMatter, lines: list[str], at: tuple | None = None) -> list[Segment]:
    """A YAML string value (of a mapping's key, or a list's item at ``at``) -> segments; pieces
    where its characters are written verbatim."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString, SingleQuotedScalarString

    value = mapping[key]
    text = str(value)
    vl, vc = fm.pos(*(at or mapping.lc.value(key)))
    pieces: list[Piece] = []
    if isinstance(value, LiteralScalarString):
        pieces = _block_pieces(text, lines, vl + 1)
    elif isinstance(value, FoldedScalarString):
        pieces = _folded_pieces(text, lines, vl + 1)
    else:
        quote = "'" if isinstance(value, SingleQuotedScalarString) else '"' if isinstance(value, DoubleQuotedScalarString) else "yaml-plain"
        start = vc + (0 if quote == "yaml-plain" else 1)
        line = lines[vl - 1] if 0 < vl <= len(lines) else ""
        if "\n" not in text and line[start - 1 : start - 1 + len(text)] == text and (quote != "'" or "'" not in text) and (quote != '"' or "\\" not in line):
            pieces = [Piece(0, text, Span(vl, start, vl, start + len(text)), quote=quote, template="format")]
    el, ec = (pieces[-1].position(len(pieces[-1].text)) if pieces else value_end(lines, vl, vc))
    span = Span(vl, vc, el, ec)
    seg = LiteralSegment("static", text=text, span=span, editable=bool(pieces), pieces=pieces)


    # {{var}} (jinja / mustache) or {var} (str.format) fields in YAML prompt text
    syntax = "jinja" if "{{" in text or "{%" in text else "format"
    holes: dict[str, Segment] = {}
    for m in (JINJA_FIELDS if syntax == "jinja" else PLAIN_FIELDS).finditer(text):
        name_m = IDENT.search(m.group(0))
        name = name_m.group(0) if name_m else m.group(0)
        holes[name] = Segment("hole", expr=m.group(0).strip("{} "), hole_kind="user" if USER_NAMES.search(name) else "unknown", span=span)
    if syntax == "format" and not holes:
        return [seg]
    try:
        return fill_template([seg], syntax, holes)
    except Exception:  # noqa: BLE001 - odd braces: keep the text whole
        return [seg]


def _block_pieces(text: str, lines: list[str], first_line: int) -> list[Piece]:
    """Pieces of a literal block scalar (``|``): each content line verbatim after the indentation."""
    pieces: list[Piece] = []
    indent = None
    off = 0
    for i, content in enumerate(text.split("\n")):
        n = first_line + i
        if n > len(lines):
            break
        file_line = lines[n - 1].rstrip("\r")
        if content:
            if indent is None:
                indent = len(file_line) - len(file_line.lstrip(" "))
            if file_line[indent:] != content:
                break
            pieces.append(Piece(off, content, Span(n, indent + 1, n, indent + 1 + len(content)), quote="", template="format"))
        off += len(content) + 1
    return pieces


def _folded_pieces(text: str, lines: list[str], first_line: int) -> list[Piece]:
    """Pieces of a folded block scalar (``>``, ``>-``): each content line is written verbatim in the
    text, the line breaks between them folded to spaces; a piece is kept only where the line's
    characters follow the previous piece across nothing but that whitespace (an edit then stays
    inside one line and never touches a fold)."""
    pieces: list[Piece] = []
    indent = None
    off = 0
    for n in range(first_line, len(lines) + 1):
        file_line = lines[n - 1].rstrip("\r")
        if not file_line.strip():
            continue
        if indent is None:
            indent = len(file_line) - len(file_line.lstrip(" "))
        if len(file_line) - len(file_line.lstrip(" ")) < indent:
            break  # the scalar ended
        content = file_line[indent:].rstrip(" ")
        rest = text[off:]
        after = rest.lstrip(" \n")  # the fold: spaces and kept line breaks only
        if not after.startswith(content):
            break
        off += len(rest) - len(after)
        pieces.append(Piece(off, content, Span(n, indent + 1, n, indent + 1 + len(content)), quote="", template="format"))
        off += len(content)
        if off >= len(text):
            break
    return pieces
