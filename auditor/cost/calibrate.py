"""Usage calibrated from telemetry: ``llm-audit report --usage-log FILE``.

Reads what production actually sent and maps it to call sites, so the report prices
measured volumes and token sizes instead of assumptions. Two formats, one record per line
(JSON lines) or one JSON array:

- **OpenTelemetry GenAI spans** (semantic conventions ``gen_ai.*``): a flat span
  ``{"name": ..., "start_time": ..., "attributes": {...}}`` (the SDK's console/file
  exporters), or OTLP/JSON (``resourceSpans[].scopeSpans[].spans[]`` with
  ``attributes: [{"key": ..., "value": {"stringValue"|"intValue": ...}}]``). Used attributes:
  ``gen_ai.request.model`` (else ``gen_ai.response.model``), ``gen_ai.usage.input_tokens`` /
  ``output_tokens`` (or the older ``prompt_tokens`` / ``completion_tokens``),
  ``code.filepath`` / ``code.file.path``, ``code.lineno`` / ``code.line.number``,
  ``code.function`` / ``code.function.name``.
- **LiteLLM spend logs** (rows of the ``LiteLLM_SpendLogs`` table / ``/spend/logs``):
  ``model``, ``prompt_tokens``, ``completion_tokens``, ``startTime``, ``request_tags`` and
  ``metadata`` (JSON or a JSON string).

A record maps to a call site by code location (the file path's suffix matches the site's
path and the line falls inside the call, else the function matches), else by a tag naming
a call-site id (``llm-audit:<id>`` or the bare id) or ``path:line``, else by its model
when exactly one call site uses that model. Volumes are scaled from the log's time window
to 30 days.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from auditor.facts import CallSite
from auditor.config.catalog import ModelCatalog

MONTH_SECONDS = 30 * 24 * 3600
MIN_WINDOW_SECONDS = 3600  # never extrapolate from less than an hour


@dataclass
class Record:
    model: str | None = None
    input_tokens: float | None = None
    output_tokens: float | None = None
    filepath: str | None = None
    lineno: int | None = None
    function: str | None = None
    time: float | None = None  # epoch seconds
    tags: list[str] = field(default_factory=list)
    kind: str = "otel"  # otel | litellm


@dataclass
class SiteCalibration:
    site_id: str
    records: int = 0
    input_sum: float = 0.0
    input_n: int = 0
    output_sum: float = 0.0
    output_n: int = 0
    models_seen: dict[str, int] = field(default_factory=dict)
    matched_by: dict[str, int] = field(default_factory=dict)


@dataclass
class Calibration:
    path: str
    records: int = 0
    unreadable: int = 0  # lines that were not JSON or not a span/spend row
    unmatched: int = 0
    unmatched_models: dict[str, int] = field(default_factory=dict)
    window_seconds: float | None = None
    scale: float = 1.0  # records -> calls per month
    sites: dict[str, SiteCalibration] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def usage_values(self) -> dict[str, dict[str, Any]]:
        """Per site: measured monthly calls and mean input/output tokens (for Usage.calibrated)."""
        out: dict[str, dict[str, Any]] = {}
        for sid, c in self.sites.items():
            values: dict[str, Any] = {"monthly-calls": round(c.records * self.scale, 1)}
            if c.input_n:
                values["input-tokens"] = round(c.input_sum / c.input_n, 1)
            if c.output_n:
                values["output-tokens"] = round(c.output_sum / c.output_n, 1)
            out[sid] = values
        return out

    def to_json(self) -> dict[str, Any]:
        values = self.usage_values()
        return {
            "log": self.path,
            "records": self.records,
            "unreadable_lines": self.unreadable,
            "unmatched_records": self.unmatched,
            "unmatched_models": dict(sorted(self.unmatched_models.items())),
            "window_days": round(self.window_seconds / 86400, 3) if self.window_seconds else None,
            "notes": list(self.notes),
            "sites": [
                {
                    "id": sid,
                    "records": c.records,
                    "monthly_calls": values[sid]["monthly-calls"],
                    "input_tokens": values[sid].get("input-tokens"),
                    "output_tokens": values[sid].get("output-tokens"),
                    "models_seen": dict(sorted(c.models_seen.items())),
                    "matched_by": dict(sorted(c.matched_by.items())),
                }
                for sid, c in sorted(self.sites.items())
            ],
        }


# ---------------------------------------------------------------- reading
def _attr_value(v: Any) -> Any:
    if isinstance(v, dict):
        for key in ("stringValue", "intValue", "doubleValue", "boolValue"):
            if key in v:
                return v[key]
        if "arrayValue" in v:
            return [_attr_value(x) for x in (v["arrayValue"] or {}).get("values", [])]
    return v


def _attributes(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return dict(raw)
    if isinstance(raw, list):
        return {str(a.get("key")): _attr_value(a.get("value")) for a in raw if isinstance(a, dict) and "key" in a}
    return {}


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) and f >= 0 else None


def _time(v: Any) -> float | None:
    """Epoch seconds from ns/us/ms/s numbers or ISO-8601 strings."""
    if v is None:
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


def _first(attrs: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if attrs.get(k) not in (None, ""):
            return attrs[k]
    return None


def _span_record(span: dict[str, Any]) -> Record | None:
    attrs = _attributes(span.get("attributes"))
    model = _first(attrs, "gen_ai.request.model", "gen_ai.response.model")
    inp = _num(_first(attrs, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"))
    out = _num(_first(attrs, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"))
    if model is None and inp is None and out is None:
        return None  # not a GenAI span (an HTTP span of the same trace, say)
    line = _num(_first(attrs, "code.lineno", "code.line.number"))
    return Record(
        model=str(model) if model is not None else None,
        input_tokens=inp,
        output_tokens=out,
        filepath=_first(attrs, "code.filepath", "code.file.path"),
        lineno=int(line) if line is not None else None,
        function=_first(attrs, "code.function", "code.function.name"),
        time=_time(_first(span, "startTimeUnixNano", "start_time", "startTime", "timestamp") or attrs.get("timestamp")),
        tags=[str(t) for t in (attrs.get("llm_audit.call_site"),) if t],
        kind="otel",
    )


def _loads_maybe(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in "[{":
        try:
            return json.loads(v)
        except (ValueError, RecursionError):
            return v
    return v


def _spend_record(row: dict[str, Any]) -> Record:
    meta = _loads_maybe(row.get("metadata")) or {}
    meta = meta if isinstance(meta, dict) else {}
    tags = _loads_maybe(row.get("request_tags")) or meta.get("tags") or []
    line = _num(_first(meta, "code.lineno", "code_lineno"))
    return Record(
        model=row.get("model") or row.get("model_group"),
        input_tokens=_num(row.get("prompt_tokens")),
        output_tokens=_num(row.get("completion_tokens")),
        filepath=_first(meta, "code.filepath", "code_filepath"),
        lineno=int(line) if line is not None else None,
        function=_first(meta, "code.function", "code_function"),
        time=_time(row.get("startTime") or row.get("start_time")),
        tags=[str(t) for t in tags] if isinstance(tags, list) else [],
        kind="litellm",
    )


def _records_of(obj: Any) -> Iterable[Record | None]:
    if isinstance(obj, list):
        for item in obj:
            yield from _records_of(item)
        return
    if not isinstance(obj, dict):
        yield None
        return
    if "resourceSpans" in obj:  # OTLP/JSON export
        for rs in obj.get("resourceSpans") or []:
            for ss in rs.get("scopeSpans") or rs.get("instrumentationLibrarySpans") or []:
                for span in ss.get("spans") or []:
                    yield _span_record(span)
        return
    if "attributes" in obj:
        yield _span_record(obj)
        return
    if "prompt_tokens" in obj or "completion_tokens" in obj or "spend" in obj:
        yield _spend_record(obj)
        return
    yield None


def read_log(path: Path) -> tuple[list[Record], int]:
    """Records and the count of lines that held none (bad JSON, other span kinds)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    records: list[Record] = []
    bad = 0
    chunks: list[Any] = []
    if text.lstrip().startswith("["):
        try:
            chunks = [json.loads(text)]
        except (ValueError, RecursionError):
            chunks = []
    if not chunks:
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                chunks.append(json.loads(line))
            except (ValueError, RecursionError):
                bad += 1
    for chunk in chunks:
        for r in _records_of(chunk):
            if r is None:
                bad += 1
            else:
                records.append(r)
    return records, bad


# ---------------------------------------------------------------- mapping
class SiteMatcher:
    def __init__(self, sites: list[CallSite], models: ModelCatalog):
        self.sites = sites
        self.by_id = {s.id: s for s in sites}
        self.models = models
        self.by_model: dict[str, list[CallSite]] = {}
        for s in sites:
            m = models.lookup(s.model_name)
            key = m.name if m else (s.model_name or "").lower()
            if key:
                self.by_model.setdefault(key, []).append(s)

    def _model_key(self, name: str | None) -> str:
        if not name:
            return ""
        m = self.models.lookup(name)
        return m.name if m else name.lower()

    def _in_file(self, filepath: str) -> list[CallSite]:
        fp = filepath.replace("\\", "/")
        best: list[CallSite] = []
        best_len = -1
        for s in self.sites:
            if fp == s.path or fp.endswith("/" + s.path):
                if len(s.path) > best_len:
                    best, best_len = [s], len(s.path)
                elif len(s.path) == best_len:
                    best.append(s)
        return best

    def match(self, r: Record) -> tuple[CallSite | None, str]:
        for tag in r.tags:
            sid = tag.removeprefix("llm-audit:")
            if sid in self.by_id:
                return self.by_id[sid], "tag"
            if ":" in tag and tag.rsplit(":", 1)[1].isdigit():
                path, line = tag.rsplit(":", 1)
                hit = self._by_location(path, int(line), None, r.model)
                if hit is not None:
                    return hit, "tag"
        if r.filepath:
            hit = self._by_location(r.filepath, r.lineno, r.function, r.model)
            if hit is not None:
                return hit, "code location"
        key = self._model_key(r.model)
        candidates = self.by_model.get(key, [])
        if len(candidates) == 1 and not r.filepath:
            return candidates[0], "model"
        return None, ""

    def _by_location(self, filepath: str, lineno: int | None, function: str | None, model: str | None) -> CallSite | None:
        in_file = self._in_file(filepath)
        if not in_file:
            return None
        if lineno is not None:
            inside = [s for s in in_file if s.span.line <= lineno <= s.span.end_line and s.cell is None]
            if len(inside) >= 1:
                return min(inside, key=lambda s: s.span.end_line - s.span.line)
        if function:
            named = [s for s in in_file if s.qualname == function or s.qualname.endswith("." + function)]
            if len(named) == 1:
                return named[0]
        key = self._model_key(model)
        same = [s for s in in_file if self._model_key(s.model_name) == key] if key else []
        if len(same) == 1:
            return same[0]
        return in_file[0] if len(in_file) == 1 else None


def calibrate(path: Path, sites: list[CallSite], models: ModelCatalog) -> Calibration:
    records, bad = read_log(path)
    cal = Calibration(path=str(path), records=len(records), unreadable=bad)
    matcher = SiteMatcher(sites, models)
    times = [r.time for r in records if r.time is not None]
    if len(times) >= 2 and max(times) > min(times):
        cal.window_seconds = max(times) - min(times)
        window = max(cal.window_seconds, MIN_WINDOW_SECONDS)
        cal.scale = MONTH_SECONDS / window
        days = cal.window_seconds / 86400
        span = f"{days:.1f} days" if days >= 1 else f"{cal.window_seconds / 3600:.1f} hours"
        cal.notes.append(f"the log covers {span}; volumes are scaled to 30 days (x{cal.scale:,.2f})")
    else:
        cal.notes.append("the log has no usable timestamps; its records are taken as one month of calls")
    for r in records:
        site, how = matcher.match(r)
        if site is None:
            cal.unmatched += 1
            name = r.model or "(no model)"
            cal.unmatched_models[name] = cal.unmatched_models.get(name, 0) + 1
            continue
        c = cal.sites.setdefault(site.id, SiteCalibration(site.id))
        c.records += 1
        c.matched_by[how] = c.matched_by.get(how, 0) + 1
        if r.input_tokens is not None:
            c.input_sum += r.input_tokens
            c.input_n += 1
        if r.output_tokens is not None:
            c.output_sum += r.output_tokens
            c.output_n += 1
        if r.model:
            c.models_seen[r.model] = c.models_seen.get(r.model, 0) + 1
    for sid, c in cal.sites.items():
        site = matcher.by_id[sid]
        code_model = matcher._model_key(site.model_name)
        other = sorted({matcher._model_key(m) for m in c.models_seen} - {code_model, ""})
        if other and code_model:
            cal.notes.append(f"{sid}: telemetry shows {', '.join(other)} where the code names {site.model_name}; the report prices the code's model")
    return cal
