"""A prompt file's front matter that names a model -> a :class:`CallSite` whose parameters are the
front matter's (``model.parameters`` for Prompty, ``config`` for Dotprompt, top-level keys
otherwise), with spans in the file, so the call-site rules and their fixes apply to it."""

from __future__ import annotations

from typing import Any

from auditor.facts import CallSite, FileFacts, Message, Param, Prompt, Value
from auditor.findings import Span
from auditor.sources.frontmatter import FrontMatter, plain_value, value_end


MODEL_PREFIX_PROVIDER = {
    "googleai": "google", "vertexai": "google", "google": "google", "gemini": "google", "openai": "openai",
    "azure": "azure", "azureopenai": "azure", "anthropic": "anthropic", "ollama": "ollama", "mistral": "mistral",
    "cohere": "cohere", "groq": "groq", "together": "together", "bedrock": "bedrock", "awsbedrock": "bedrock",
}


PROMPTY_TYPE_PROVIDER = {"openai": "openai", "azure_openai": "azure", "azure": "azure", "serverless": "azure", "anthropic": "anthropic"}


API_OF_STYLE = {"prompty": "promptfile.prompty", "dotprompt": "promptfile.dotprompt", "flat": "promptfile.frontmatter"}


def ignore_key(data: Any, facts: FileFacts) -> None:
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


def block_end(lines: list[str], start: int, indent: int, limit: int) -> int:
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
        info["line"] = block_end(lines, header_line, header_indent, limit)
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
    info["create"] = {"key": block[-1], "line": block_end(lines, header_line, 0, limit), "indent": " " * (pc - 1)}
    return info
