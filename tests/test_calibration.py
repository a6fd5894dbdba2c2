"""Calibration from the telemetry people have: OpenTelemetry GenAI spans as the instrumentations
emit them (no code attributes), OpenLLMetry and OpenInference (Phoenix) attribute names, OTLP
JSON, console-exporter output, LiteLLM spend logs - reconciled to the logs' spend, cached tokens
at cached prices, unmatched spend shown by model, stable site ids, and the period a log covers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import cli, write_tree

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
POLICY = " ".join(f"Refunds for order {i} follow rule {i}: keep the receipt, reply within two days, and escalate damaged goods to a human." for i in range(60))
APP = {
    "svc/__init__.py": "",
    "svc/prompts.py": f'''
        LABEL_PROMPT = "Classify the support ticket as bug, question or feature request. Answer with one word."
        SUPPORT_POLICY = """{POLICY}"""
    ''',
    "svc/bot.py": """
        from anthropic import Anthropic
        from openai import OpenAI

        from svc.prompts import LABEL_PROMPT, SUPPORT_POLICY


        class Bot:
            def __init__(self):
                self.client = OpenAI(timeout=10)
                self.claude = Anthropic()

            def label(self, ticket: str) -> str:
                resp = self.client.chat.completions.create(
                    model="gpt-4o",
                    messages=[{"role": "system", "content": LABEL_PROMPT}, {"role": "user", "content": ticket}],
                    max_tokens=3,
                )
                return resp.choices[0].message.content

            def answer(self, question: str) -> str:
                resp = self.client.chat.completions.create(
                    model="gpt-4o-mini",
                    messages=[{"role": "user", "content": question}],
                    max_tokens=400,
                )
                return resp.choices[0].message.content

            def translate(self, text: str) -> str:
                resp = self.client.chat.completions.create(
                    model="gpt-4o-mini",
                    messages=[{"role": "system", "content": "Translate the customer's message into plain English. Keep names and numbers."}, {"role": "user", "content": text}],
                    max_tokens=400,
                )
                return resp.choices[0].message.content

            def support(self, ticket: str) -> str:
                msg = self.claude.messages.create(
                    model="claude-sonnet-4-5",
                    system=[{"type": "text", "text": SUPPORT_POLICY, "cache_control": {"type": "ephemeral"}}],
                    messages=[{"role": "user", "content": ticket}],
                    max_tokens=600,
                )
                return msg.content[0].text
    """,
    "svc/jobs.py": """
        import litellm

        def digest(text: str) -> str:
            return litellm.completion(model="claude-haiku-4-5", messages=[{"role": "user", "content": text}], max_tokens=600)
    """,
}


@pytest.fixture
def app(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, APP)
    return tmp_path


def _json(root: Path, *args: str, cwd: Path | None = None, target: str = ".") -> dict:
    r = cli("report", target, "--format", "json", "--today", "2026-11-21", *args, cwd=cwd or root)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _price(model: str) -> dict:
    from auditor.config.catalog import load_catalog

    return dict(load_catalog().models.lookup(model).price)


def _cost(model: str, inp: float, out: float, read: float = 0.0, write: float = 0.0) -> float:
    """What the provider bills for one call: cached input at the cached price (independent arithmetic)."""
    p = _price(model)
    write_price = p.get("cache-write") or p["input"] * 1.25
    return ((inp - read - write) * p["input"] + read * p["cached-input"] + write * write_price + out * p["output"]) / 1e6


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _v2_span(i: int, model: str, inp: int, out: int, at: datetime, max_tokens: int, cached: int = 0) -> dict:
    """A span as opentelemetry-instrumentation-openai-v2 writes it (console exporter): no code attributes."""
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": model,
        "gen_ai.request.max_tokens": max_tokens,
        "gen_ai.response.model": f"{model}-2024-08-06" if model == "gpt-4o" else f"{model}-2024-07-18",
        "gen_ai.response.id": f"chatcmpl-{i}",
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.usage.input_tokens": inp,
        "gen_ai.usage.output_tokens": out,
        "server.address": "api.openai.com",
    }
    if cached:
        attrs["gen_ai.usage.cache_read.input_tokens"] = cached
    return {
        "name": f"chat {model}",
        "context": {"trace_id": f"0x{i:032x}", "span_id": f"0x{i:016x}", "trace_state": "[]"},
        "kind": "SpanKind.CLIENT",
        "parent_id": None,
        "start_time": _iso(at),
        "end_time": _iso(at + timedelta(seconds=1)),
        "status": {"status_code": "UNSET"},
        "attributes": attrs,
        "events": [],
        "links": [],
        "resource": {"attributes": {"service.name": "svc"}, "schema_url": ""},
    }


def _anthropic_span(i: int, at: datetime, base: int, read: int, write: int, out: int) -> dict:
    """OpenLLMetry's anthropic instrumentation: input tokens include the cache reads and writes."""
    return {
        "name": "anthropic.chat",
        "context": {"trace_id": f"0x{10_000 + i:032x}", "span_id": f"0x{10_000 + i:016x}"},
        "start_time": _iso(at),
        "end_time": _iso(at + timedelta(seconds=2)),
        "attributes": {
            "gen_ai.system": "Anthropic",
            "llm.request.type": "completion",
            "gen_ai.request.model": "claude-sonnet-4-5",
            "gen_ai.response.model": "claude-sonnet-4-5-20250929",
            "gen_ai.request.max_tokens": 600,
            "gen_ai.usage.input_tokens": base + read + write,
            "gen_ai.usage.output_tokens": out,
            "llm.usage.total_tokens": base + read + write + out,
            "gen_ai.usage.cache_read_input_tokens": read,
            "gen_ai.usage.cache_creation_input_tokens": write,
        },
    }


def _site(data: dict, function: str) -> dict:
    return next(s for s in data["call_sites"] if s["function"] == function)


def test_otel_spans_without_code_attributes_reconcile_to_the_logs(app):
    spans, spend = [], 0.0
    week = timedelta(days=7)
    for i in range(140):  # label: gpt-4o with max_tokens=3
        at = T0 + week * i / 139
        spans.append(_v2_span(i, "gpt-4o", 52 + i % 5, 1, at, 3))
        spend += _cost("gpt-4o", 52 + i % 5, 1)
    for i in range(60):  # answer: gpt-4o-mini, max_tokens=400, some OpenAI cache hits
        at = T0 + timedelta(hours=2 * i)
        cached = 1024 if i % 3 == 0 else 0
        spans.append(_v2_span(1000 + i, "gpt-4o-mini", 1500, 220, at, 400, cached))
        spend += _cost("gpt-4o-mini", 1500, 220, read=cached)
    for i in range(30):  # support: Anthropic with its cache
        read, write = (3900, 0) if i else (0, 3900)
        spans.append(_anthropic_span(i, T0 + timedelta(hours=5 * i), 80, read, write, 310))
        spend += _cost("claude-sonnet-4-5", 80 + read + write, 310, read=read, write=write)
    for i in range(12):  # a model the code never names: its own row, never dropped
        spans.append(_v2_span(5000 + i, "gpt-4.1", 900, 400, T0 + timedelta(hours=10 * i), 800))
        spend += _cost("gpt-4.1", 900, 400)
    # the console exporter: pretty-printed objects, one after another
    (app / "spans.json").write_text("\n".join(json.dumps(s, indent=4) for s in spans) + "\n")
    data = _json(app, "--usage-log", "spans.json")
    implied = spend * 30 / 7
    cal = data["calibration"]
    assert cal["logs_monthly_spend_usd"] == pytest.approx(implied, rel=1e-4)
    assert data["total_monthly_cost_usd"] == pytest.approx(implied, rel=0.05)
    exact = sum(x["monthly_cost_usd"] or 0 for x in data["call_sites"]) + sum(u["monthly_cost_usd"] or 0 for u in data["unmatched_telemetry"])
    assert exact == pytest.approx(implied, rel=0.001)  # the total is the logs' spend, not an estimate near it
    label, answer, support = _site(data, "Bot.label"), _site(data, "Bot.answer"), _site(data, "Bot.support")
    assert label["calibrated"] and label["monthly_calls"] == pytest.approx(140 * 30 / 7)
    assert support["calibrated"] and support["monthly_calls"] == pytest.approx(30 * 30 / 7)
    assert support["cached_input_tokens"] == pytest.approx(29 * 3900 / 30, rel=1e-3)  # reads, at the cached price
    assert support["monthly_cost_usd"] == pytest.approx(sum(_cost("claude-sonnet-4-5", 80 + r + w, 310, r, w) for r, w in [(0, 3900)] + [(3900, 0)] * 29) * 30 / 7, rel=1e-3)
    by = {s["id"]: s["matched_by"] for s in cal["sites"]}
    assert by[label["id"]] == {"model and parameters": 140}
    # answer and translate both send gpt-4o-mini with max_tokens=400 and no prompt text is logged:
    # the records cannot be told apart, so they stay a row of their own - with their cached tokens
    assert not answer["calibrated"]
    unmatched = {u["model"]: u for u in data["unmatched_telemetry"]}
    mini = unmatched["gpt-4o-mini"]
    assert mini["records"] == 60 and mini["reasons"] == {"ambiguous: 2 call sites fit": 60}
    assert mini["monthly_cost_usd"] == pytest.approx(sum(_cost("gpt-4o-mini", 1500, 220, read=1024 if i % 3 == 0 else 0) for i in range(60)) * 30 / 7, rel=1e-3)
    assert unmatched["gpt-4.1"]["records"] == 12
    assert unmatched["gpt-4.1"]["monthly_cost_usd"] == pytest.approx(12 * _cost("gpt-4.1", 900, 400) * 30 / 7, rel=1e-6)
    # sites the logs never show are not observed: 0 calls by default
    digest = _site(data, "digest")
    assert digest["monthly_calls"] == 0 and not digest["observed"]
    # the table says so too
    text = cli("report", ".", "--usage-log", "spans.json", "--today", "2026-11-21", cwd=app).stdout
    assert "(telemetry, no call site: 12 records)" in text and "gpt-4.1" in text


def test_litellm_spend_logs_without_tags_reconcile_with_cached_tokens(app):
    rows, spend = [], 0.0
    for i in range(40):  # digest: claude-haiku-4-5 through LiteLLM, with prompt caching
        read = 1800 if i % 2 else 0
        cost = round(_cost("claude-haiku-4-5", 2400, 350, read=read), 8)
        rows.append({
            "request_id": f"r{i}", "call_type": "completion", "api_key": "hashed", "spend": cost, "total_tokens": 2750,
            "prompt_tokens": 2400, "completion_tokens": 350, "startTime": _iso(T0 + timedelta(hours=6 * i)),
            "endTime": _iso(T0 + timedelta(hours=6 * i, seconds=3)), "model": "claude-haiku-4-5", "model_group": "claude-haiku-4-5",
            "custom_llm_provider": "anthropic", "cache_hit": "False", "cache_key": "", "request_tags": "[]",
            "metadata": json.dumps({"additional_usage_values": {"cache_read_input_tokens": read, "cache_creation_input_tokens": 0}}),
        })
        spend += cost
    rows.append({  # LiteLLM's own response cache served this one: no provider call, no spend
        "request_id": "c1", "call_type": "completion", "spend": 0.0, "prompt_tokens": 2400, "completion_tokens": 350,
        "startTime": _iso(T0 + timedelta(hours=1)), "model": "claude-haiku-4-5", "cache_hit": "True", "request_tags": "[]", "metadata": "{}",
    })
    for i in range(8):  # a model the code does not name
        rows.append({"request_id": f"m{i}", "spend": 0.002, "prompt_tokens": 500, "completion_tokens": 100, "model": "mistral-small-latest",
                     "startTime": _iso(T0 + timedelta(hours=3 * i)), "cache_hit": "False", "request_tags": "[]", "metadata": "{}"})
        spend += 0.002
    (app / "spend.json").write_text(json.dumps(rows))
    data = _json(app, "--usage-log", "spend.json")
    window_days = (6 * 39) / 24
    implied = spend * 30 / window_days
    assert data["calibration"]["logs_monthly_spend_usd"] == pytest.approx(implied, rel=1e-4)
    assert data["total_monthly_cost_usd"] == pytest.approx(implied, rel=0.05)
    digest = _site(data, "digest")
    assert digest["calibrated"] and digest["monthly_calls"] == pytest.approx(41 * 30 / window_days)
    assert digest["sources"]["cost"] == "spend from the logs"
    assert digest["cached_input_tokens"] == pytest.approx(1800 * 20 / 41, rel=0.01)
    assert {u["model"] for u in data["unmatched_telemetry"]} == {"mistral-small-latest"}


def test_phoenix_otlp_spans_match_by_prompt_text(app):
    def kv(k, v):
        return {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}

    base = int(T0.timestamp() * 1e9)
    spans = []
    for i in range(24):  # two gpt-4o-mini sites with the same cap: only the prompt text tells them apart
        system = "Translate the customer's message into plain English. Keep names and numbers."
        spans.append({"traceId": f"{i:032x}", "spanId": f"{i:016x}", "name": "ChatCompletion", "kind": 3,
                      "startTimeUnixNano": str(base + i * 3600 * 10**9), "endTimeUnixNano": str(base + i * 3600 * 10**9 + 10**9),
                      "attributes": [kv("openinference.span.kind", "LLM"), kv("llm.model_name", "gpt-4o-mini-2024-07-18"),
                                     kv("llm.token_count.prompt", 64), kv("llm.token_count.completion", 80),
                                     kv("llm.invocation_parameters", json.dumps({"max_tokens": 400})),
                                     kv("llm.input_messages.0.message.role", "system"), kv("llm.input_messages.0.message.content", system),
                                     kv("llm.input_messages.1.message.role", "user"), kv("llm.input_messages.1.message.content", f"Hola, pedido {i}")]})
    otlp = {"resourceSpans": [{"resource": {"attributes": [kv("service.name", "svc")]}, "scopeSpans": [{"scope": {"name": "openinference.instrumentation.openai"}, "spans": spans}]}]}
    (app / "phoenix.json").write_text(json.dumps(otlp))
    data = _json(app, "--usage-log", "phoenix.json")
    translate = _site(data, "Bot.translate")
    assert translate["calibrated"] and translate["monthly_calls"] == pytest.approx(24 * 30 / (23 / 24))
    assert {s["id"]: s["matched_by"] for s in data["calibration"]["sites"]}[translate["id"]] == {"prompt text": 24}
    assert not _site(data, "Bot.answer")["calibrated"]


def test_a_wrapper_span_around_the_sdk_span_is_not_counted_twice(app):
    child = _v2_span(1, "gpt-4o", 60, 1, T0, 3)
    child["parent_id"] = "0x00000000000000aa"
    child["context"]["trace_id"] = "0x" + "ab" * 16
    parent = {"name": "RunnableSequence", "context": {"trace_id": "0x" + "ab" * 16, "span_id": "0x00000000000000aa"},
              "start_time": _iso(T0), "end_time": _iso(T0 + timedelta(seconds=2)),
              "attributes": {"gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 60, "gen_ai.usage.output_tokens": 1}}
    (app / "trace.json").write_text(json.dumps([parent, child]))
    data = _json(app, "--usage-log", "trace.json", "--usage-log-period", "1d")
    assert data["calibration"]["records"] == 1


def test_short_logs_scale_as_continuous_traffic_unless_a_period_is_given(app):
    spans = [_v2_span(i, "gpt-4o", 55, 1, T0 + timedelta(minutes=10) * i / 49, 3) for i in range(50)]
    (app / "ten.json").write_text("\n".join(json.dumps(s) for s in spans))
    r = cli("report", ".", "--usage-log", "ten.json", "--format", "json", "--today", "2026-11-21", cwd=app)
    assert r.returncode == 0
    assert "covers only 10.0 minutes" in r.stderr and "--usage-log-period" in r.stderr
    data = json.loads(r.stdout)
    assert _site(data, "Bot.label")["monthly_calls"] == pytest.approx(50 * 30 * 24 * 6)
    daily = _json(app, "--usage-log", "ten.json", "--usage-log-period", "1d")
    assert _site(daily, "Bot.label")["monthly_calls"] == pytest.approx(50 * 30)
    bad = cli("report", ".", "--usage-log", "ten.json", "--usage-log-period", "soon", cwd=app)
    assert bad.returncode == 2 and "--usage-log-period expects a duration" in bad.stderr


def test_site_ids_are_relative_to_the_project_root_whatever_path_is_passed(app):
    ids = {tuple(sorted(s["id"] for s in _json(app)["call_sites"]))}
    ids.add(tuple(sorted(s["id"] for s in _json(app, cwd=app / "svc")["call_sites"])))
    ids.add(tuple(sorted(s["id"] for s in _json(app, cwd=app.parent, target=str(app))["call_sites"])))
    ids.add(tuple(sorted(s["id"] for s in _json(app, cwd=app, target=str(app.resolve()))["call_sites"])))
    assert len(ids) == 1, ids
    assert "svc/bot.py::Bot.label#1" in next(iter(ids))
    # so a tag written once keeps matching, run from anywhere
    span = _v2_span(1, "gpt-4o", 60, 1, T0, 3)
    span["attributes"]["llm_audit.call_site"] = "svc/bot.py::Bot.label#1"
    (app / "tagged.json").write_text(json.dumps(span))
    data = _json(app, "--usage-log", str(app / "tagged.json"), cwd=app / "svc")
    assert {s["id"]: s["matched_by"] for s in data["calibration"]["sites"]} == {"svc/bot.py::Bot.label#1": {"tag": 1}}


def test_check_prices_savings_at_the_logged_volumes_like_report(app):
    spans = [_v2_span(i, "gpt-4o", 55, 1, T0 + timedelta(days=7) * i / 99, 3) for i in range(100)]
    (app / "spans.json").write_text("\n".join(json.dumps(s) for s in spans))
    report = _json(app, "--usage-log", "spans.json")
    r = cli("check", ".", "--output-format", "json", "--exit-zero", "--usage-log", "spans.json", "--today", "2026-11-21", cwd=app)
    assert r.returncode == 0, r.stderr
    findings = json.loads(r.stdout)
    shares = [x for f in findings if f["savings"] for x in f["savings"]["sites"]]
    label = [x for x in shares if x["site_id"] == "svc/bot.py::Bot.label#1"]
    assert label and all(x["calls_source"] == "telemetry" and x["monthly_calls"] == pytest.approx(100 * 30 / 7) for x in label)
    assert sum(x["usd_per_month"] for x in shares) == pytest.approx(report["expected_monthly_savings_usd"], abs=0.01)
    text = cli("check", ".", "--exit-zero", "--usage-log", "spans.json", "--today", "2026-11-21", cwd=app).stdout
    assert "calls/month (telemetry)" in text
