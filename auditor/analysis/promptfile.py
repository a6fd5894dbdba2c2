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
from typing import Any

from auditor.facts import CallSite, FileFacts, Message, Param, Prompt, PromptConstant, Segment, Value
from auditor.findings import Span
from auditor.analysis.prompts import USER_NAMES, LiteralSegment
from auditor.sources.lines import lone_cr_to_lf
from auditor.sources.python import SourceOptions, file_error, scan_suppressions
from auditor.analysis.literals import Piece
from auditor.sources.frontmatter import FrontMatter, plain_value, split_front_matter, value_end, yaml_loader

# template fields per body syntax
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_HANDLEBARS = re.compile(r"\{\{\{.*?\}\}\}|\{\{!--.*?--\}\}|\{\{.*?\}\}", re.S)
_PLAIN = re.compile(r"\{\{.*?\}\}|\{[A-Za-z_][A-Za-z0-9_.\[\]]*(?:![rsa])?(?::[^{}\n]*)?\}", re.S)
_PROMPTY_ROLE = re.compile(r"^[ \t]*(system|user|assistant|developer|function|tool)[ \t]*:[ \t]*\r?$", re.I | re.M)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

MODEL_PREFIX_PROVIDER = {
    "googleai": "google", "vertexai": "google", "google": "google", "gemini": "google", "openai": "openai",
    "azure": "azure", "azureopenai": "azure", "anthropic": "anthropic", "ollama": "ollama", "mistral": "mistral",
    "cohere": "cohere", "groq": "groq", "together": "together", "bedrock": "bedrock", "awsbedrock": "bedrock",
}
PROMPTY_TYPE_PROVIDER = {"openai": "openai", "azure_openai": "azure", "azure": "azure", "serverless": "azure", "anthropic": "anthropic"}
API_OF_STYLE = {"prompty": "promptfile.prompty", "dotprompt": "promptfile.dotprompt", "flat": "promptfile.frontmatter"}


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
        _yaml_prompts(text, facts, opts)
        return facts
    lines = text.split("\n")
    fm, body_line, err = split_front_matter(lines)
    if err is not None:
        facts.findings.append(file_error(rel, err[0], err[1], err[2]))
        return facts
    style = "prompty" if ext == "prompty" else "dotprompt" if ext == "prompt" else "flat"
    syntax = "jinja" if ext in ("prompty", "j2", "jinja", "jinja2") else "handlebars" if ext == "prompt" else "plain"
    if fm is not None:
        _ignore_key(fm.data, facts)
    body = "\n".join(lines[body_line - 1 :]) if body_line <= len(lines) else ""
    messages = body_messages(body, body_line, syntax, style)
    site = front_matter_site(fm, lines, rel, style, messages) if fm is not None else None
    if site is not None:
        facts.call_sites.append(site)
    elif any(s.kind == "static" and s.text.strip() for m in messages for s in m.segments):
        end = len(lines)
        span = Span(body_line, 1, end, len(lines[-1]) + 1 if lines else 1)
        name = rel.rsplit("/", 1)[-1]
        facts.prompt_constants.append(PromptConstant(name, "", rel, span, Prompt(messages)))
    return facts


# ------------------------------------------------------------------------------ front matter


def _ignore_key(data: Any, facts: FileFacts) -> None:
    """Front-matter key ``llm-audit: {ignore: [LA201]}`` suppresses codes for the whole file."""
    cfg = data.get("llm-audit") if hasattr(data, "get") else None
    if isinstance(cfg, dict):
        codes = cfg.get("ignore") or []
        if isinstance(codes, str):
            codes = [codes]
        facts.suppressions.file.extend(str(c) for c in codes)


def _provider_of(model: str | None, hint: str | None) -> tuple[str, str | None]:
    """(provider, model name without a provider prefix)."""
    if model and "/" in model:
        prefix, _, rest = model.partition("/")
        if prefix.lower() in MODEL_PREFIX_PROVIDER:
            return MODEL_PREFIX_PROVIDER[prefix.lower()], model
    if hint:
        return hint, model
    if model:
        from auditor.config.catalog import load_catalog

        info = load_catalog().models.lookup(model)
        if info is not None:
            return info.provider, model
    return "unknown", model


def front_matter_site(fm: FrontMatter, lines: list[str], rel: str, style: str, messages: list[Message]) -> CallSite | None:
    data = fm.data
    model_node = data.get("model")
    model_name: str | None = None
    model_pos: tuple[int, int] | None = None
    hint: str | None = None
    params_map = None
    parent_map = data
    block: list[str] = []
    api_kind = "chat"
    if style == "prompty" and isinstance(model_node, dict):
        conf = model_node.get("configuration") or {}
        api_kind = str(model_node.get("api") or "chat")
        if isinstance(conf, dict):
            for key in ("model", "azure_deployment", "deployment", "name", "id"):
                if isinstance(conf.get(key), str):
                    model_name = str(conf[key])
                    model_pos = fm.pos(*conf.lc.value(key))
                    break
            hint = PROMPTY_TYPE_PROVIDER.get(str(conf.get("type") or "").lower())
        params_map = model_node.get("parameters")
        parent_map, block = model_node, ["model", "parameters"]
        if model_name is None and not conf:
            return None
    elif isinstance(model_node, str):
        model_name = str(model_node)
        model_pos = fm.pos(*data.lc.value("model"))
        if style == "dotprompt":
            params_map, block = data.get("config"), ["config"]
        else:
            params_map = data.get("parameters") or data.get("config")
            block = ["parameters"] if data.get("parameters") is not None else ["config"] if data.get("config") is not None else []
            if not block:
                params_map = data
    elif isinstance(model_node, dict):  # model: {name: ..., parameters: {...}}
        for key in ("name", "id", "model"):
            if isinstance(model_node.get(key), str):
                model_name = str(model_node[key])
                model_pos = fm.pos(*model_node.lc.value(key))
                break
        params_map = model_node.get("parameters") or model_node.get("config")
        parent_map = model_node
        block = ["model", "config" if model_node.get("config") is not None and model_node.get("parameters") is None else "parameters"]
        hint = model_node.get("provider") if isinstance(model_node.get("provider"), str) else None
        if model_name is None:
            return None
    else:
        return None
    provider, model_name = _provider_of(model_name, hint)
    key_line, key_col = fm.pos(*data.lc.key("model"))
    span = Span(key_line, key_col, key_line, len(lines[key_line - 1].rstrip("\r")) + 1)
    model_value = None
    if model_name is not None and model_pos is not None:
        end = value_end(lines, *model_pos)
        model_value = Value("literal", model_name, source=model_name, span=Span(model_pos[0], model_pos[1], end[0], end[1]))
    params: dict[str, Param] = {}
    if isinstance(params_map, dict):
        skip = {"model", "name", "description", "input", "output", "sample", "inputs", "outputs", "authors", "tags", "version", "template", "llm-audit"} if params_map is data else set()
        _flatten(params_map, "", fm, lines, params, skip)
    site = CallSite(
        id=f"{rel}::<front-matter>#1",
        path=rel,
        span=span,
        provider=provider,
        api=API_OF_STYLE[style],
        method=f"{style} front matter" if style != "flat" else "front matter",
        model=model_value,
        params=params,
        prompt=Prompt(messages),
        source=" ".join(lines[key_line - 1].split())[:400],
    )
    site.extra["frontmatter"] = _insertion_info(fm, lines, style, block, params_map, parent_map)
    site.extra["in_function"] = False
    site.extra["api_kind"] = api_kind
    site.extra["structured"] = any(p in params for p in ("response_format", "response_format.type", "tools", "responseMimeType", "output.schema")) or (
        style == "dotprompt" and isinstance(data.get("output"), dict) and bool(data["output"].get("schema"))
    )
    return site


def _flatten(mapping: Any, prefix: str, fm: FrontMatter, lines: list[str], out: dict[str, Param], skip: set[str]) -> None:
    for key in mapping:
        k = str(key)
        if k in skip:
            continue
        value = mapping[key]
        path = prefix + k
        kl, kc = fm.pos(*mapping.lc.key(key))
        key_span = Span(kl, kc, kl, kc + len(k))
        if isinstance(value, dict) and value:
            _flatten(value, path + ".", fm, lines, out, set())
            continue
        vl, vc = fm.pos(*mapping.lc.value(key))
        if isinstance(value, list) and value and not value.fa.flow_style():  # type: ignore[attr-defined]
            last = value.lc.item(len(value) - 1)  # type: ignore[attr-defined]
            el, ec = value_end(lines, *fm.pos(*last))
            vspan = Span(vl, vc, el, ec)
        else:
            el, ec = value_end(lines, vl, vc)
            vspan = Span(vl, vc, el, ec)
        raw = lines[vl - 1][vc - 1 : ec - 1] if vl == el else str(value)
        v = Value("literal", plain_value(value), source=raw, span=vspan)
        out[path] = Param(path, v, arg_span=Span(kl, kc, vspan.end_line, vspan.end_column), key_span=key_span, direct=True)


def _block_end(lines: list[str], start: int, indent: int, limit: int) -> int:
    """1-based line after the last line of the block whose header is on ``start`` (children deeper than ``indent``)."""
    last = start
    for i in range(start + 1, limit):
        text = lines[i - 1].rstrip("\r")
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        if len(text) - len(text.lstrip(" ")) <= indent:
            break
        last = i
    return last + 1


def _insertion_info(fm: FrontMatter, lines: list[str], style: str, block: list[str], params_map: Any, parent_map: Any) -> dict:
    """Where a fix adds a key to the parameters block (or creates the block)."""
    info: dict[str, Any] = {"style": style, "block": block, "line": None, "indent": "", "create": None}
    limit = fm.close_line
    if isinstance(params_map, dict) and params_map is not fm.data:
        if params_map.fa.flow_style() or not params_map:  # type: ignore[attr-defined]
            return info  # {temperature: 0}: no safe line to add to
        first = next(iter(params_map))
        fl, fc = fm.pos(*params_map.lc.key(first))
        header_line = fm.pos(*parent_map.lc.key(block[-1]))[0]
        header_indent = len(lines[header_line - 1]) - len(lines[header_line - 1].lstrip(" "))
        info["line"] = _block_end(lines, header_line, header_indent, limit)
        info["indent"] = " " * (fc - 1)
        return info
    if params_map is fm.data or not block:
        info["line"] = limit
        return info
    if isinstance(parent_map, dict) and block[-1] in parent_map:
        return info  # `config:` present but empty or not a mapping: adding it again would duplicate the key
    # the block is missing: create it under its parent mapping (or at the top level)
    if parent_map is fm.data:
        info["create"] = {"key": block[-1], "line": limit, "indent": ""}
        return info
    first = next(iter(parent_map), None) if isinstance(parent_map, dict) else None
    if first is None or parent_map.fa.flow_style():  # type: ignore[attr-defined]
        return info
    pl, pc = fm.pos(*parent_map.lc.key(first))
    header_line = fm.pos(*fm.data.lc.key(block[0]))[0]
    info["create"] = {"key": block[-1], "line": _block_end(lines, header_line, 0, limit), "indent": " " * (pc - 1)}
    return info


# ------------------------------------------------------------------------------ body


def body_messages(body: str, first_line: int, syntax: str, style: str) -> list[Message]:
    """The body text -> messages of static segments (with verbatim pieces) and holes."""
    default_role = "system" if style == "prompty" else "user" if style == "dotprompt" else "prompt"
    messages: list[Message] = []
    current = Message(default_role, [])
    pattern = _JINJA if syntax == "jinja" else _HANDLEBARS if syntax == "handlebars" else _PLAIN
    role_marks: list[tuple[int, int, str]] = []  # (start, end, role) offsets in body
    if style == "prompty":
        role_marks = [(m.start(), m.end(), m.group(1).lower()) for m in _PROMPTY_ROLE.finditer(body)]
    pos = 0
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
        _static(current, body, pos, a, starts, first_line, syntax)
        pos = b
        if kind == "role":
            if current.segments or messages:
                messages.append(current)
            current = Message(tok, [])
            continue
        role = _handlebars_role(tok) if syntax == "handlebars" else None
        if role is not None:
            if current.segments:
                messages.append(current)
            current = Message(role, [])
            continue
        hole = _field_hole(tok, syntax, _span(starts, first_line, a, b, body))
        if hole is not None:
            current.segments.append(hole)
    _static(current, body, pos, len(body), starts, first_line, syntax)
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
    m = _IDENT.search(inner)
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


def _yaml_prompts(text: str, facts: FileFacts, opts: SourceOptions) -> None:
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
        _ignore_key(data, facts)
    keys = list(opts.prompt_keys or [])
    _walk_yaml(data, "", fm, lines, keys, facts)


def _walk_yaml(node: Any, path: str, fm: FrontMatter, lines: list[str], keys: list[str], facts: FileFacts, depth: int = 0) -> None:
    if depth > 40:
        return
    if isinstance(node, dict):
        messages: list[Message] = []
        for spec in keys:
            if "[]." in spec:
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


def _yaml_prompt(node: Any, path: str, messages: list[Message], fm: FrontMatter, lines: list[str], facts: FileFacts) -> None:
    first = next(iter(node))
    l0, c0 = fm.pos(*node.lc.key(first))
    # the mapping runs until a line indented less than its keys (or the end of the file)
    last = (_block_end(lines, l0, c0 - 2, len(lines) + 1) - 1) if c0 > 1 else len(lines)
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
        info["line"] = _block_end(lines, header[0], indent - 1, len(lines) + 1) if indent else len(lines) + 1
        info["indent"] = " " * indent
    elif info.get("create") and info["create"].get("indent") == "":
        info["create"]["indent"] = " " * indent
        info["create"]["line"] = _block_end(lines, header[0], indent - 1, len(lines) + 1) if indent else len(lines) + 1
    at = (info.get("create") or {}).get("line") or info.get("line")
    if at is not None and at > len(lines) and lines and lines[-1] != "":
        info["eof_newline"] = True  # the file does not end with a newline: start a new line first
    return site


def _scalar_segments(mapping: Any, key: Any, fm: FrontMatter, lines: list[str]) -> list[Segment]:
    """A YAML string value -> segments; pieces where its characters are written verbatim."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString, SingleQuotedScalarString

    value = mapping[key]
    text = str(value)
    vl, vc = fm.pos(*mapping.lc.value(key))
    pieces: list[Piece] = []
    if isinstance(value, LiteralScalarString):
        pieces = _block_pieces(text, lines, vl + 1)
    elif isinstance(value, FoldedScalarString):
        pieces = []
    else:
        quote = "'" if isinstance(value, SingleQuotedScalarString) else '"' if isinstance(value, DoubleQuotedScalarString) else "yaml-plain"
        start = vc + (0 if quote == "yaml-plain" else 1)
        line = lines[vl - 1] if 0 < vl <= len(lines) else ""
        if "\n" not in text and line[start - 1 : start - 1 + len(text)] == text and (quote != "'" or "'" not in text) and (quote != '"' or "\\" not in line):
            pieces = [Piece(0, text, Span(vl, start, vl, start + len(text)), quote=quote, template="format")]
    el, ec = (pieces[-1].position(len(pieces[-1].text)) if pieces else value_end(lines, vl, vc))
    span = Span(vl, vc, el, ec)
    seg = LiteralSegment("static", text=text, span=span, editable=bool(pieces), pieces=pieces)
    from auditor.analysis.prompts import fill_template

    # {{var}} (jinja / mustache) or {var} (str.format) fields in YAML prompt text
    syntax = "jinja" if "{{" in text or "{%" in text else "format"
    holes: dict[str, Segment] = {}
    for m in (_JINJA if syntax == "jinja" else _PLAIN).finditer(text):
        name_m = _IDENT.search(m.group(0))
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
