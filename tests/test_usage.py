"""Usage assumptions: the usage file, ``--sync-usage`` and calibration from telemetry (``--usage-log``)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import cli, notebook, write_tree

from auditor.cost.model import Usage

APP = {
    "svc/__init__.py": "",
    "svc/prompts.py": """
        LABEL_PROMPT = "Classify the ticket as bug, question or feature request. Answer with one word."
    """,
    "svc/bot.py": """
        from openai import OpenAI

        from svc.prompts import LABEL_PROMPT


        class Bot:
            def __init__(self):
                self.client = OpenAI(timeout=10)

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


def _json(root: Path, *args: str) -> dict:
    r = cli("report", ".", "--format", "json", "--today", "2026-11-21", *args, cwd=root)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _site(data: dict, function: str) -> dict:
    return next(s for s in data["call_sites"] if s["function"] == function)


# ---------------------------------------------------------------- the usage file
def test_usage_precedence_defaults_glob_id_telemetry():
    u = Usage(defaults={"monthly-calls": 100}, sites={"a.py::*": {"monthly-calls": 5}, "a.py::f#1": {"monthly-calls": 7, "output-tokens": None}})
    assert u.monthly_calls("b.py::g#1") == 100
    assert u.monthly_calls("a.py::g#1") == 5
    assert u.monthly_calls("a.py::f#1") == 7
    u.calibrated["a.py::f#1"] = {"monthly-calls": 9}
    assert u.monthly_calls("a.py::f#1") == 9 and u.source_of("a.py::f#1", "monthly-calls") == "telemetry"


def test_sync_usage_writes_stubs_then_is_idempotent_and_keeps_edits(app):
    r = cli("report", ".", "--sync-usage", "--today", "2026-11-21", cwd=app)
    assert r.returncode == 0 and "added 3 call-site stub(s)" in r.stderr
    path = app / "llm-audit-usage.yaml"
    first = path.read_text()
    assert first.startswith("# llm-audit usage assumptions")
    for sid in ("svc/bot.py::Bot.label#1", "svc/bot.py::Bot.answer#1", "svc/jobs.py::digest#1"):
        assert sid in first
    assert "svc/bot.py:12, gpt-4o" in first  # where the site is, as a comment

    r = cli("report", ".", "--sync-usage", "--today", "2026-11-21", cwd=app)
    assert "no new call sites" in r.stderr
    assert path.read_text() == first  # idempotent

    edited = first.replace("defaults:\n  monthly-calls: 10000", "defaults:\n  monthly-calls: 2000  # our traffic")
    stub = "  svc/bot.py::Bot.label#1: # svc/bot.py:12, gpt-4o (empty values use the defaults)\n    monthly-calls:\n"
    assert stub in edited
    edited = edited.replace(stub, "  # measured in October\n  svc/bot.py::Bot.label#1: # hot path\n    monthly-calls: 90000\n")
    path.write_text(edited)
    data = _json(app)
    assert _site(data, "Bot.label")["monthly_calls"] == 90000
    assert _site(data, "Bot.answer")["monthly_calls"] == 2000  # an empty stub uses the defaults

    (app / "svc/more.py").write_text("import litellm\nlitellm.completion(model='gpt-4o-mini', messages=[], max_tokens=5)\n")
    r = cli("report", ".", "--sync-usage", "--today", "2026-11-21", cwd=app)
    assert "added 1 call-site stub(s)" in r.stderr
    after = path.read_text()
    assert after.startswith(edited)  # everything that was there is kept byte for byte
    assert "svc/more.py::<module>#1" in after[len(edited):]
    assert "# our traffic" in after and "# measured in October" in after and "monthly-calls: 90000" in after


def test_sync_usage_skips_sites_a_glob_covers(app):
    (app / "llm-audit-usage.yaml").write_text("sites:\n  'svc/bot.py::*':\n    monthly-calls: 50\n")
    r = cli("report", ".", "--sync-usage", cwd=app)
    assert "added 1 call-site stub(s)" in r.stderr
    text = (app / "llm-audit-usage.yaml").read_text()
    assert "svc/jobs.py::digest#1" in text and "Bot.label" not in text


def test_usage_file_next_to_the_policy_and_explicit_path(app):
    (app / "config").mkdir()
    (app / "config/.llm-audit.yaml").write_text("usage:\n  monthly-calls: 10\n")
    (app / "config/llm-audit-usage.yaml").write_text("defaults:\n  monthly-calls: 321\n")
    data = _json(app, "--policy", "config/.llm-audit.yaml")
    assert {s["monthly_calls"] for s in data["call_sites"]} == {321}
    (app / "other.yaml").write_text("defaults:\n  monthly-calls: 7\n")
    data = _json(app, "--policy", "config/.llm-audit.yaml", "--usage", "other.yaml")
    assert {s["monthly_calls"] for s in data["call_sites"]} == {7}


@pytest.mark.parametrize(
    "text,where,what",
    [
        ("defaults:\n  monthly-calls: lots\n", ":2:3", "non-negative number"),
        ("defaults:\n  monthly_calls: 5\n", ":2:3", "unknown usage key"),
        ("sites:\n  a: {monthly-calls: 1}\nextra: 1\n", ":3:1", "unknown top-level key"),
        ("defaults: [1, 2\n", "", "invalid YAML"),
    ],
)
def test_broken_usage_file_exits_2_with_position(app, text, where, what):
    (app / "llm-audit-usage.yaml").write_text(text)
    r = cli("report", ".", cwd=app)
    assert r.returncode == 2
    assert f"llm-audit-usage.yaml{where}" in r.stderr and what in r.stderr


# ---------------------------------------------------------------- calibration
T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)


def _otel_span(i: int, model: str, filepath: str, lineno: int, inp: int, out: int, hours: float) -> dict:
    start = T0 + timedelta(hours=hours)
    return {
        "name": f"chat {model}",
        "context": {"trace_id": f"0x{i:032x}", "span_id": f"0x{i:016x}"},
        "kind": "SpanKind.CLIENT",
        "start_time": start.isoformat().replace("+00:00", "Z"),
        "end_time": (start + timedelta(seconds=1)).isoformat().replace("+00:00", "Z"),
        "attributes": {
            "gen_ai.operation.name": "chat",
            "gen_ai.system": "openai",
            "gen_ai.request.model": model,
            "gen_ai.response.model": f"{model}-2024-08-06",
            "gen_ai.usage.input_tokens": inp,
            "gen_ai.usage.output_tokens": out,
            "code.filepath": filepath,
            "code.lineno": lineno,
            "code.function": filepath.rsplit("/", 1)[-1],
        },
    }


def test_usage_log_calibrates_sites_from_otel_spans(app):
    lines = []
    # 96 label calls over exactly 2 days, made at line 12 of /srv/app/svc/bot.py (inside the call)
    for i in range(96):
        lines.append(_otel_span(i, "gpt-4o", "/srv/app/svc/bot.py", 13, 240 + (i % 2) * 20, 2, hours=i * 48 / 95))
    # 10 answer calls identified by the function name only (line drifted out of the call)
    for i in range(10):
        span = _otel_span(1000 + i, "gpt-4o-mini", "/srv/app/svc/bot.py", 99, 500, 300, hours=i)
        span["attributes"]["code.function"] = "answer"
        lines.append(span)
    lines.append(_otel_span(5000, "gpt-4o-mini", "/srv/app/other/tool.py", 3, 10, 10, hours=1))  # not ours
    lines.append({"name": "HTTP POST", "attributes": {"http.method": "POST"}})  # not a GenAI span
    log = app / "spans.jsonl"
    log.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n")

    before = _json(app)
    data = _json(app, "--usage-log", "spans.jsonl")
    label, answer, digest = _site(data, "Bot.label"), _site(data, "Bot.answer"), _site(data, "digest")
    assert label["calibrated"] and answer["calibrated"] and not digest["calibrated"]
    assert label["monthly_calls"] == pytest.approx(96 * 15)  # 2 days of data scaled to 30
    assert label["input_tokens"] == pytest.approx(250) and label["output_tokens"] == pytest.approx(2)
    assert {k: label["sources"][k] for k in ("input", "output", "monthly_calls")} == {"input": "telemetry", "output": "telemetry", "monthly_calls": "telemetry"}
    assert answer["monthly_calls"] == pytest.approx(10 * 15)
    expected = (250 * 2.5 + 2 * 10.0) / 1e6 * 96 * 15
    assert label["monthly_cost_usd"] == pytest.approx(expected, rel=1e-3)
    # the logs are the measurement: a site they never show is "not observed", at 0 calls by default
    assert digest["monthly_calls"] == 0 and not digest["observed"] and digest["monthly_calls_source"] == "telemetry: not observed"
    kept = _json(app, "--usage-log", "spans.jsonl", "--unobserved-calls", "usage")
    assert _site(kept, "digest")["monthly_calls"] == _site(before, "digest")["monthly_calls"]
    cal = data["calibration"]
    assert cal["records"] == 107 and cal["unmatched_records"] == 1 and cal["unreadable_lines"] == 2
    assert {s["id"] for s in cal["sites"]} == {label["id"], answer["id"]}
    assert cal["window_days"] == pytest.approx(2.0, abs=0.01)
    # the findings' savings use the measured volume
    la401 = next(f for f in label["findings"] if f["code"] == "LA401")
    old = next(f for f in _site(before, "Bot.label")["findings"] if f["code"] == "LA401")
    assert la401["monthly_savings_usd"] != pytest.approx(old["monthly_savings_usd"])


def test_usage_log_reads_otlp_json_and_litellm_spend_logs(app):
    def kv(k, v):
        return {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}

    base_ns = int(T0.timestamp() * 1e9)
    spans = [
        {"traceId": "a" * 32, "spanId": f"{i:016x}", "name": "chat", "startTimeUnixNano": str(base_ns + i * 3600 * 10**9), "attributes": [
            kv("gen_ai.request.model", "gpt-4o"), kv("gen_ai.usage.input_tokens", 300), kv("gen_ai.usage.output_tokens", 1),
            kv("code.file.path", "svc/bot.py"), kv("code.line.number", 12),
        ]}
        for i in range(25)
    ]
    otlp = {"resourceSpans": [{"resource": {"attributes": [kv("service.name", "svc")]}, "scopeSpans": [{"scope": {"name": "openai"}, "spans": spans}]}]}
    (app / "otlp.jsonl").write_text(json.dumps(otlp) + "\n")
    data = _json(app, "--usage-log", "otlp.jsonl")
    label = _site(data, "Bot.label")
    assert label["calibrated"] and label["monthly_calls"] == pytest.approx(25 * 30 / 1.0)  # 24 hours of data

    rows = [
        {"request_id": f"r{i}", "call_type": "acompletion", "model": "claude-haiku-4-5", "prompt_tokens": 1200, "completion_tokens": 350,
         "spend": 0.003, "startTime": (T0 + timedelta(days=i)).isoformat(), "request_tags": [], "metadata": {}}
        for i in range(11)
    ] + [
        {"request_id": "t1", "model": "gpt-4o-mini", "prompt_tokens": 80, "completion_tokens": 40, "spend": 0.0001,
         "startTime": T0.isoformat(), "request_tags": json.dumps(["llm-audit:svc/bot.py::Bot.answer#1"]), "metadata": "{}"},
        {"request_id": "u1", "model": "mistral-small-latest", "prompt_tokens": 5, "completion_tokens": 5, "spend": 0, "startTime": T0.isoformat()},
    ]
    (app / "spend.json").write_text(json.dumps(rows))
    data = _json(app, "--usage-log", "spend.json")
    digest, answer = _site(data, "digest"), _site(data, "Bot.answer")
    assert digest["calibrated"] and digest["monthly_calls"] == pytest.approx(11 * 3)  # 10 days -> 30
    assert digest["input_tokens"] == 1200 and digest["output_tokens"] == 350
    assert answer["calibrated"] and answer["input_tokens"] == 80
    cal = data["calibration"]
    assert cal["unmatched_records"] == 1 and cal["unmatched_models"] == {"mistral-small-latest": 1}
    matched_by = {s["id"]: s["matched_by"] for s in cal["sites"]}
    assert matched_by[digest["id"]] == {"model and parameters": 11} and matched_by[answer["id"]] == {"tag": 1}


def test_usage_log_notes_a_different_model_in_production(app):
    spans = [_otel_span(i, "gpt-4.1", "svc/bot.py", 12, 100, 2, hours=i) for i in range(5)]
    (app / "spans.jsonl").write_text("\n".join(json.dumps(s) for s in spans))
    r = cli("report", ".", "--usage-log", "spans.jsonl", "--today", "2026-11-21", cwd=app)
    assert r.returncode == 0
    assert "telemetry shows gpt-4.1 where the code names gpt-4o" in r.stdout
    assert "calibrated 1 call site(s)" in r.stderr


def test_notebook_sites_get_stubs_with_cell_locations(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {"nb.ipynb": notebook("from openai import OpenAI\nc = OpenAI()\n", "c.chat.completions.create(model='gpt-4o-mini', messages=[], max_tokens=9)\n")})
    r = cli("report", ".", "--sync-usage", cwd=tmp_path)
    assert r.returncode == 0
    text = (tmp_path / "llm-audit-usage.yaml").read_text()
    assert "nb.ipynb:cell 2:1, gpt-4o-mini" in text
