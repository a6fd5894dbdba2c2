"""Reading the telemetry people have: OpenTelemetry GenAI spans and LiteLLM spend logs.

One :class:`Record` per generation call. Accepted files (JSON lines, one JSON array, one JSON
object, or pretty-printed JSON objects one after another as the OpenTelemetry SDK's console
exporter writes them):

- **OTLP/JSON** (``resourceSpans[].scopeSpans[].spans[]``, attributes as
  ``[{"key", "value": {"stringValue"|"intValue"|"doubleValue"|...}}]``): what the OpenTelemetry
  Collector's file exporter, Langfuse's and Phoenix's OTLP exports write;
- **flat spans** ``{"name", "start_time", "end_time", "attributes": {...}, "events": [...]}``
  (the SDK's console / file exporters; Phoenix span exports, nested attribute objects too);
- **Langfuse observations** (``type: GENERATION``, ``model``, ``usage``/``usageDetails``,
  ``calculatedTotalCost``, ``startTime``);
- **LiteLLM spend logs** (rows of ``LiteLLM_SpendLogs`` / ``/spend/logs``): ``model``,
  ``spend``, ``prompt_tokens``, ``completion_tokens``, ``cache_hit``, ``startTime``,
  ``endTime``, ``request_tags``, ``metadata`` (``additional_usage_values`` / ``usage_object``
  with ``cache_read_input_tokens``, ``cache_creation_input_tokens``,
  ``prompt_tokens_details.cached_tokens``), ``messages``.

Attribute names, by convention (first found wins): model ``gen_ai.request.model``,
``gen_ai.response.model``, ``llm.request.model``, ``llm.response.model``, ``llm.model_name``;
input tokens ``gen_ai.usage.input_tokens``, ``gen_ai.usage.prompt_tokens``,
``llm.usage.prompt_tokens``, ``llm.usage.input_tokens``, ``llm.token_count.prompt``; output
tokens likewise (``output_tokens`` / ``completion_tokens`` / ``llm.token_count.completion``);
cache reads ``gen_ai.usage.cache_read.input_tokens``, ``gen_ai.usage.cache_read_input_tokens``,
``llm.usage.cache_read_input_tokens``, ``gen_ai.usage.input_tokens.cached``,
``llm.token_count.prompt_details.cache_read``; cache writes the ``cache_creation`` spellings and
``llm.token_count.prompt_details.cache_write``; request parameters ``gen_ai.request.max_tokens``,
``gen_ai.request.temperature``, ``gen_ai.request.stop_sequences`` (or
``llm.invocation_parameters``); prompt text ``gen_ai.input.messages``, ``gen_ai.prompt.N.content``,
``llm.prompts.N.content``, ``llm.input_messages.N.message.content``, ``gen_ai.*.message`` events;
code location ``code.filepath`` / ``code.file.path``, ``code.lineno`` / ``code.line.number``,
``code.function`` / ``code.function.name``; a tag ``llm_audit.call_site`` (also under
``traceloop.association.properties.``), Langfuse ``tags`` or LiteLLM ``request_tags``
(``llm-audit:<call-site id>`` or ``llm-audit:fp:<fingerprint>``).

Input tokens count cached tokens too (the GenAI conventions and OpenAI's usage say so; when the
cache figures are larger than the input figure, as in Anthropic's raw usage, they are added).
A span whose child span in the same trace also carries usage (a framework span around the SDK
call) is skipped, so no call is counted twice.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

MODEL_KEYS = ("gen_ai.request.model", "gen_ai.response.model", "llm.request.model", "llm.response.model", "llm.model_name", "traceloop.association.properties.ls_model_name")
INPUT_KEYS = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.usage.prompt_tokens", "llm.usage.input_tokens", "llm.token_count.prompt")
OUTPUT_KEYS = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.usage.completion_tokens", "llm.usage.output_tokens", "llm.token_count.completion")
READ_KEYS = ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens", "llm.usage.cache_read_input_tokens", "gen_ai.usage.input_tokens.cached", "gen_ai.usage.input_tokens_details.cached", "llm.token_count.prompt_details.cache_read")
WRITE_KEYS = ("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens", "llm.usage.cache_creation_input_tokens", "gen_ai.usage.input_tokens.cache_write", "llm.token_count.prompt_details.cache_write")
COST_KEYS = ("gen_ai.usage.cost", "llm.usage.cost", "gen_ai.cost.usd", "llm.cost.total")
TAG_KEYS = ("llm_audit.call_site", "llm-audit.call_site", "traceloop.association.properties.llm_audit.call_site", "traceloop.association.properties.llm_audit_call_site", "metadata.llm_audit_call_site")


@dataclass
class Record:
    model: str | None = None
    input_tokens: float | None = None  # all input, cached included
    output_tokens: float | None = None
    cache_read: float = 0.0
    cache_write: float = 0.0
    spend: float | None = None  # USD the log states (LiteLLM ``spend``, a cost attribute)
    cache_hit: bool = False  # LiteLLM served it from its own response cache
    filepath: str | None = None
    lineno: int | None = None
    function: str | None = None
    start: float | None = None  # epoch seconds
    end: float | None = None
    tags: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)  # max_tokens, temperature, stop, ...
    text: str = ""  # the prompt text, when the span carries it
    kind: str = "otel"  # otel | litellm | langfuse
    span_id: str = ""
    parent_id: str = ""
    trace_id: str = ""


# ---------------------------------------------------------------- values
def _attr_value(v: Any) -> Any:
    if isinstance(v, dict):
        for key in ("stringValue", "intValue", "doubleValue", "boolValue"):
            if key in v:
                return v[key]
        if "arrayValue" in v:
            return [_attr_value(x) for x in (v["arrayValue"] or {}).get("values", [])]
        if "kvlistValue" in v:
            return {str(x.get("key")): _attr_value(x.get("value")) for x in (v["kvlistValue"] or {}).get("values", [])}
    return v


def flatten(raw: Any, prefix: str = "", depth: int = 0) -> dict[str, Any]:
    """Attributes as a flat dict: OTLP key/value lists and nested objects (Phoenix) alike."""
    out: dict[str, Any] = {}
    if depth > 12:
        return out
    if isinstance(raw, list):
        for a in raw:
            if isinstance(a, dict) and "key" in a:
                out[prefix + str(a["key"])] = _attr_value(a.get("value"))
        return out
    if isinstance(raw, dict):
        for k, v in raw.items():
            if isinstance(v, dict) and v and not any(t in v for t in ("stringValue", "intValue", "doubleValue", "boolValue", "arrayValue")):
                out.update(flatten(v, f"{prefix}{k}.", depth + 1))
            else:
                out[prefix + str(k)] = _attr_value(v)
    return out


def num(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) and f >= 0 else None


def when(v: Any) -> float | None:
    """Epoch seconds from ns/us/ms/s numbers or ISO-8601 strings."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)) or (isinstance(v, str) and v.strip().isdigit()):
        x = float(v)
        for div in (1e9, 1e6, 1e3, 1.0):  # the first scale that lands after 2001 (1e9 s)
            if x / div >= 1e9 or div == 1.0:
                return x / div
    if isinstance(v, str):
        try:
            dt = datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.timestamp()
    return None


def first(attrs: dict[str, Any], keys: Iterable[str]) -> Any:
    for k in keys:
        if attrs.get(k) not in (None, ""):
            return attrs[k]
    return None


def loads(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in "[{":
        try:
            return json.loads(v)
        except (ValueError, RecursionError):
            return v
    return v


def _texts(obj: Any, depth: int = 0) -> Iterator[str]:
    """Every text inside a messages structure (strings, content parts, nested lists)."""
    obj = loads(obj)
    if depth > 12:
        return
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, list):
        for x in obj:
            yield from _texts(x, depth + 1)
    elif isinstance(obj, dict):
        for k in ("content", "text", "parts", "messages", "body"):
            if k in obj:
                yield from _texts(obj[k], depth + 1)


def _prompt_text(attrs: dict[str, Any], events: list[Any]) -> str:
    parts: list[str] = []
    for k in ("gen_ai.input.messages", "gen_ai.prompt", "llm.prompts", "input.value"):
        if isinstance(attrs.get(k), str):
            parts.extend(_texts(attrs[k]))
    for k, v in attrs.items():
        if isinstance(v, str) and k.endswith(".content") and (k.startswith(("gen_ai.prompt.", "llm.prompts.", "llm.input_messages.", "gen_ai.input.messages."))):
            parts.append(v)
    for e in events or []:
        if isinstance(e, dict) and str(e.get("name", "")).startswith("gen_ai.") and str(e.get("name", "")).endswith(".message"):
            ea = flatten(e.get("attributes"))
            parts.extend(_texts(ea.get("content") or ea.get("gen_ai.event.content") or e.get("body")))
    return "\n".join(p for p in parts if p)


def _params(attrs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    inv = loads(attrs.get("llm.invocation_parameters"))
    inv = inv if isinstance(inv, dict) else {}
    for name, keys in (
        ("max_tokens", ("gen_ai.request.max_tokens", "llm.request.max_tokens", "gen_ai.request.max_output_tokens")),
        ("temperature", ("gen_ai.request.temperature", "llm.request.temperature")),
        ("top_p", ("gen_ai.request.top_p", "llm.top_p")),
        ("stop", ("gen_ai.request.stop_sequences", "llm.chat.stop_sequences")),
    ):
        v = first(attrs, keys)
        if v is None:
            v = inv.get(name) if name != "max_tokens" else first(inv, ("max_tokens", "max_completion_tokens", "max_output_tokens"))
        if v is not None:
            out[name] = v
    return out


# ---------------------------------------------------------------- records
def _usage(rec: Record, inp: float | None, out: float | None, read: float | None, write: float | None) -> None:
    rec.cache_read, rec.cache_write = read or 0.0, write or 0.0
    if inp is not None and rec.cache_read + rec.cache_write > inp:
        inp += rec.cache_read + rec.cache_write  # raw Anthropic usage: input excludes the cache
    rec.input_tokens, rec.output_tokens = inp, out


def span_record(span: dict[str, Any]) -> Record | None:
    attrs = flatten(span.get("attributes"))
    model = first(attrs, MODEL_KEYS)
    inp, out = num(first(attrs, INPUT_KEYS)), num(first(attrs, OUTPUT_KEYS))
    if model is None and inp is None and out is None:
        return None  # not a GenAI span (an HTTP span of the same trace, say)
    line = num(first(attrs, ("code.lineno", "code.line.number")))
    ctx = span.get("context") if isinstance(span.get("context"), dict) else {}
    rec = Record(
        model=str(model) if model is not None else None,
        filepath=first(attrs, ("code.filepath", "code.file.path")),
        lineno=int(line) if line is not None else None,
        function=first(attrs, ("code.function", "code.function.name")),
        start=when(first(span, ("startTimeUnixNano", "start_time", "startTime", "timestamp")) or attrs.get("timestamp")),
        end=when(first(span, ("endTimeUnixNano", "end_time", "endTime"))),
        spend=num(first(attrs, COST_KEYS)),
        params=_params(attrs),
        text=_prompt_text(attrs, span.get("events") or []),
        span_id=str(span.get("spanId") or ctx.get("span_id") or ""),
        parent_id=str(span.get("parentSpanId") or span.get("parent_id") or ""),
        trace_id=str(span.get("traceId") or ctx.get("trace_id") or ""),
    )
    _usage(rec, inp, out, num(first(attrs, READ_KEYS)), num(first(attrs, WRITE_KEYS)))
    tags: list[Any] = [first(attrs, TAG_KEYS)]
    more = loads(attrs.get("langfuse.trace.tags") or attrs.get("tags"))
    if isinstance(more, list):
        tags += more
    rec.tags = [str(t) for t in tags if t]
    return rec


def spend_record(row: dict[str, Any]) -> Record:
    meta = loads(row.get("metadata")) or {}
    meta = meta if isinstance(meta, dict) else {}
    usage = {}
    for k in ("usage_object", "additional_usage_values"):
        v = loads(meta.get(k))
        if isinstance(v, dict):
            usage.update(v)
    details = usage.get("prompt_tokens_details") if isinstance(usage.get("prompt_tokens_details"), dict) else {}
    read = num(row.get("cache_read_input_tokens")) or num(usage.get("cache_read_input_tokens")) or num(details.get("cached_tokens"))
    write = num(row.get("cache_creation_input_tokens")) or num(usage.get("cache_creation_input_tokens"))
    tags = loads(row.get("request_tags")) or meta.get("tags") or []
    line = num(first(meta, ("code.lineno", "code_lineno")))
    spend_meta = meta.get("spend_logs_metadata") if isinstance(meta.get("spend_logs_metadata"), dict) else {}
    rec = Record(
        model=row.get("model") or row.get("model_group"),
        spend=num(row.get("spend")),
        cache_hit=str(row.get("cache_hit", "")).lower() in ("true", "1"),
        filepath=first(meta, ("code.filepath", "code_filepath")) or first(spend_meta, ("code.filepath", "code_filepath")),
        lineno=int(line) if line is not None else None,
        function=first(meta, ("code.function", "code_function")),
        start=when(row.get("startTime") or row.get("start_time")),
        end=when(row.get("endTime") or row.get("end_time")),
        tags=[str(t) for t in tags] if isinstance(tags, list) else [],
        params={k: v for k, v in (loads(row.get("model_parameters")) or {}).items()} if isinstance(loads(row.get("model_parameters")), dict) else {},
        text="\n".join(_texts(row.get("messages"))) if row.get("messages") else "",
        kind="litellm",
    )
    for t in (spend_meta.get("llm_audit_call_site"), meta.get("llm_audit_call_site")):
        if t:
            rec.tags.append(str(t))
    _usage(rec, num(row.get("prompt_tokens")), num(row.get("completion_tokens")), read, write)
    return rec


def langfuse_record(obs: dict[str, Any]) -> Record:
    usage = obs.get("usageDetails") or obs.get("usage") or {}
    usage = usage if isinstance(usage, dict) else {}
    rec = Record(
        model=obs.get("model") or obs.get("providedModelName"),
        spend=num(obs.get("calculatedTotalCost") or obs.get("totalCost")),
        start=when(obs.get("startTime")),
        end=when(obs.get("endTime")),
        params={k: v for k, v in (obs.get("modelParameters") or {}).items()} if isinstance(obs.get("modelParameters"), dict) else {},
        text="\n".join(_texts(obs.get("input"))) if obs.get("input") else "",
        kind="langfuse",
    )
    meta = obs.get("metadata") if isinstance(obs.get("metadata"), dict) else {}
    rec.tags = [str(t) for t in (meta.get("tags") or []) if t] + ([str(meta["llm_audit_call_site"])] if meta.get("llm_audit_call_site") else [])
    inp = num(usage.get("input") if "input" in usage else usage.get("promptTokens"))
    read, write = num(usage.get("cache_read_input_tokens") or usage.get("input_cached_tokens")), num(usage.get("cache_creation_input_tokens"))
    if inp is not None and "input" in usage:
        inp += (read or 0.0) + (write or 0.0)  # Langfuse's usage details keep cached input apart from `input`
    _usage(rec, inp, num(usage.get("output") if "output" in usage else usage.get("completionTokens")), read, write)
    return rec


def records_of(obj: Any, depth: int = 0) -> Iterator[Record | None]:
    if depth > 8:
        yield None
        return
    if isinstance(obj, list):
        for item in obj:
            yield from records_of(item, depth + 1)
        return
    if not isinstance(obj, dict):
        yield None
        return
    if "resourceSpans" in obj:  # OTLP/JSON export
        for rs in obj.get("resourceSpans") or []:
            for ss in rs.get("scopeSpans") or rs.get("instrumentationLibrarySpans") or []:
                for span in ss.get("spans") or []:
                    yield span_record(span)
        return
    for key in ("data", "observations", "spans", "logs"):
        if isinstance(obj.get(key), list) and not any(k in obj for k in ("attributes", "prompt_tokens", "spend")):
            yield from records_of(obj[key], depth + 1)
            return
    if "attributes" in obj:
        yield span_record(obj)
        return
    if "prompt_tokens" in obj or "completion_tokens" in obj or "spend" in obj:
        yield spend_record(obj)
        return
    if str(obj.get("type", "")).upper() == "GENERATION" or "usageDetails" in obj:
        yield langfuse_record(obj)
        return
    yield None


def _documents(text: str) -> tuple[list[Any], int]:
    """JSON values in ``text``: one document, JSON lines, or objects one after another."""
    s = text.strip()
    if not s:
        return [], 0
    try:
        return [json.loads(s)], 0
    except (ValueError, RecursionError):
        pass
    dec = json.JSONDecoder()
    out: list[Any] = []
    bad = 0
    i = 0
    while i < len(s):
        while i < len(s) and s[i] in " \t\r\n,":
            i += 1
        if i >= len(s):
            break
        try:
            value, j = dec.raw_decode(s, i)
        except (ValueError, RecursionError):
            nl = s.find("\n", i)
            bad += 1
            i = len(s) if nl < 0 else nl + 1
            continue
        out.append(value)
        i = j
    return out, bad


def read_records(text: str) -> tuple[list[Record], int]:
    """Records and the count of entries that held none (bad JSON, other span kinds)."""
    docs, bad = _documents(text)
    records: list[Record] = []
    for doc in docs:
        for r in records_of(doc):
            if r is None:
                bad += 1
            else:
                records.append(r)
    return drop_wrappers(records), bad


def drop_wrappers(records: list[Record]) -> list[Record]:
    """Spans whose child span (same trace) also carries usage wrap the same call: keep the child."""
    parents = {(r.trace_id, r.parent_id) for r in records if r.parent_id}
    return [r for r in records if not (r.span_id and (r.trace_id, r.span_id) in parents)]
