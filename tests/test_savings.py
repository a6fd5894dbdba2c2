"""One savings model: independent recomputation, apply-all savings never above a site's cost,
shares that add up, ``check`` and ``report`` agreeing, fixes that deliver what the report says,
and a gate on the worst case."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO, cli, write_tree

ROWS = "\n".join(f"{1000 + i},{['north', 'south', 'east', 'west'][i % 4]},{12.5 + i * 3.17:.2f},{i % 7 + 1}" for i in range(200))
APP = {
    "app/__init__.py": "",
    "app/prompts.py": '''
        CLASSIFY = "It is very important that you classify the sentiment of the customer review below. Answer with one word."
        DRAFT = "Write a friendly reply to this customer email. Keep it under 150 words and sign it as the Support Team."
    ''',
    "app/llm.py": '''
        import pandas as pd
        from openai import OpenAI

        from app.prompts import CLASSIFY, DRAFT

        client = OpenAI(timeout=20)


        def classify(review: str) -> str:
            resp = client.chat.completions.create(
                model="gpt-4o",
                messages=[{"role": "system", "content": CLASSIFY}, {"role": "user", "content": review}],
            )
            return resp.choices[0].message.content


        def summarize() -> str:
            orders = pd.read_csv("data/orders.csv")
            resp = client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": f"Summarize the order trends in this table: {orders.to_csv()}"}],
                max_tokens=400,
            )
            return resp.choices[0].message.content


        def draft(email: str) -> str:
            resp = client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "system", "content": DRAFT}, {"role": "user", "content": email}],
                max_tokens=2000,
            )
            return resp.choices[0].message.content
    ''',
    "data/orders.csv": "order_id,region,amount,qty\n" + ROWS + "\n",
    "llm-audit-usage.yaml": '''
        version: 1
        defaults:
          monthly-calls: 20000
        sites:
          "app/llm.py::draft#1":
            monthly-calls: 5000
    ''',
}


@pytest.fixture
def app(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, APP)
    return tmp_path


def _report(root: Path, *args: str) -> dict:
    r = cli("report", ".", "--format", "json", "--today", "2026-11-21", *args, cwd=root)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _check(root: Path, *args: str) -> list[dict]:
    r = cli("check", ".", "--output-format", "json", "--exit-zero", "--today", "2026-11-21", *args, cwd=root)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _site(data: dict, function: str) -> dict:
    return next(s for s in data["call_sites"] if s["function"] == function)


def _prices(model: str) -> dict:
    """The catalog's list prices (data from rules/, not the cost model's arithmetic)."""
    from auditor.config.catalog import load_catalog

    return dict(load_catalog().models.lookup(model).price)


def _tokens(text: str) -> int:
    from auditor.cost.tokens import (  # tiktoken itself, primed offline
        O200K,
        get_encoding,
    )

    return len(get_encoding(O200K).encode(text))


# ---------------------------------------------------------------- independent recomputation
def test_costs_recomputed_independently_to_the_cent(app):
    data = _report(app)
    draft = _site(data, "draft")
    text = "Write a friendly reply to this customer email. Keep it under 150 words and sign it as the Support Team."
    p = _prices("gpt-4o-mini")
    inp = _tokens(text) + 2 * 4 + 150  # two messages' overhead, one user hole (usage.dynamic-hole-tokens)
    out = 2000 * 0.5  # cap x typical-output-ratio
    assert draft["input_tokens"] == inp and draft["output_tokens"] == out
    assert draft["monthly_calls"] == 5000 and draft["monthly_calls_source"] == "llm-audit-usage.yaml"
    assert draft["monthly_cost_usd"] == pytest.approx((inp * p["input"] + out * p["output"]) / 1e6 * 5000, abs=0.005)
    assert draft["worst_case_monthly_cost_usd"] == pytest.approx((inp * p["input"] + 2000 * p["output"]) / 1e6 * 5000, abs=0.005)

    # a short-answer prompt is sized by the answer it asks for ("Answer with one word": 2 tokens)
    classify = _site(data, "classify")
    text = "It is very important that you classify the sentiment of the customer review below. Answer with one word."
    p = _prices("gpt-4o")
    inp = _tokens(text) + 2 * 4 + 150
    assert classify["output_tokens"] == 2 and classify["output_tokens_max"] == 16384 and classify["output_worst_case"]
    assert classify["monthly_cost_usd"] == pytest.approx((inp * p["input"] + 2 * p["output"]) / 1e6 * 20000, abs=0.005)

    # the DataFrame hole is priced by the frame model, from the data file: 200 rows x 4 columns
    summarize = _site(data, "summarize")
    assert summarize["dynamic_input_tokens"] > 200 * 4 * 2  # every row, every column, through to_csv


def test_no_site_saves_more_than_it_costs_and_shares_add_up(app):
    for data in (_report(app), _report(REPO / "examples")):
        for s in data["call_sites"]:
            assert s["monthly_savings_usd"] <= (s["monthly_cost_usd"] or 0) + 0.005, s["id"]
            assert s["worst_case_monthly_savings_usd"] <= (s["worst_case_monthly_cost_usd"] or 0) + 0.005, s["id"]
            shares = sum(f["monthly_savings_usd"] or 0 for f in s["findings"])
            worst = sum(f["worst_case_monthly_savings_usd"] or 0 for f in s["findings"])
            assert shares == pytest.approx(s["monthly_savings_usd"], abs=0.01), s["id"]
            assert worst == pytest.approx(s["worst_case_monthly_savings_usd"], abs=0.01), s["id"]
        assert data["expected_monthly_savings_usd"] <= data["total_monthly_cost_usd"]
        assert data["total_monthly_savings_usd"] == data["expected_monthly_savings_usd"]  # never expected + worst case
        by_rule = sum(v["monthly_savings_usd"] for v in data["savings_by_rule"].values())
        assert by_rule == pytest.approx(data["expected_monthly_savings_usd"], abs=0.05)


def test_overlapping_findings_on_one_site_are_not_counted_twice(app):
    classify = _site(_report(app), "classify")
    codes = {f["code"]: f for f in classify["findings"]}
    assert {"LA101", "LA104", "LA401"} <= set(codes)
    # the cap (applied first) takes the worst case 16,384 -> 1,024; the stop sequence only what is left
    p = _prices("gpt-4o")
    cap_share = (16384 - 1024) * p["output"] / 1e6 * 20000
    assert codes["LA101"]["worst_case_monthly_savings_usd"] == pytest.approx(cap_share, abs=0.01)
    assert codes["LA104"]["worst_case_monthly_savings_usd"] == pytest.approx((1024 - 256) * p["output"] / 1e6 * 20000, abs=0.01)
    assert codes["LA101"]["monthly_savings_usd"] == 0 and codes["LA104"]["monthly_savings_usd"] == 0  # typical: a 2-token answer


@pytest.mark.parametrize("where", ["fixture", "examples"])
def test_check_total_equals_report_total(app, tmp_path, where):
    root = app
    if where == "examples":
        root = tmp_path / "ex"
        shutil.copytree(REPO / "examples", root)
        (root / ".git").mkdir()
    report = _report(root)
    findings = _check(root)
    expected = sum(x["usd_per_month"] for f in findings if f["savings"] for x in f["savings"]["sites"])
    worst = sum(x["worst_case_usd_per_month"] for f in findings if f["savings"] for x in f["savings"]["sites"])
    assert expected == pytest.approx(report["expected_monthly_savings_usd"], abs=0.01)
    assert worst == pytest.approx(report["worst_case_monthly_savings_usd"], abs=0.01)
    text = cli("check", ".", "--exit-zero", "--today", "2026-11-21", cwd=root).stdout
    m = re.search(r"Estimated savings: \$([\d,.]+)/month expected; worst-case exposure removed: \$([\d,.]+)/month", text)
    assert m, text[-500:]
    assert float(m.group(1).replace(",", "")) == pytest.approx(report["expected_monthly_savings_usd"], abs=0.01)
    assert float(m.group(2).replace(",", "")) == pytest.approx(report["worst_case_monthly_savings_usd"], abs=0.01)


def test_each_dollar_figure_states_its_basis(app):
    text = cli("check", ".", "--exit-zero", "--today", "2026-11-21", cwd=app).stdout
    assert "at 20,000 calls/month (policy default" not in text  # the usage file sets the default here
    assert "at 20,000 calls/month (llm-audit-usage.yaml defaults)" in text
    for f in _check(app):
        s = f["savings"]
        if s and (s["usd_per_month"] or s["worst_case_usd_per_month"]):
            assert s["monthly_calls"] and s["calls_source"], f
            assert all(x["calls_source"] for x in s["sites"])


@pytest.mark.parametrize("where", ["fixture", "examples"])
def test_applying_the_fixes_saves_what_the_report_says(app, tmp_path, where):
    root = app
    if where == "examples":
        root = tmp_path / "ex"
        shutil.copytree(REPO / "examples", root)
        (root / ".git").mkdir()
    before = _report(root)
    r = cli("fix", ".", "--unsafe-fixes", "--today", "2026-11-21", cwd=root)
    assert r.returncode in (0, 1), r.stderr
    after = _report(root)
    claimed = before["fixable_expected_monthly_savings_usd"]
    got = before["total_monthly_cost_usd"] - after["total_monthly_cost_usd"]
    assert claimed > 1
    assert got == pytest.approx(claimed, rel=0.05)
    got_w = before["total_worst_case_monthly_cost_usd"] - after["total_worst_case_monthly_cost_usd"]
    assert got_w == pytest.approx(before["fixable_worst_case_monthly_savings_usd"], rel=0.05)


# ---------------------------------------------------------------- the gate
def test_removing_a_cap_fails_the_gate_on_the_worst_case(app):
    base = cli("report", ".", "--format", "json", "-o", "base.json", "--today", "2026-11-21", cwd=app)
    assert base.returncode == 0, base.stderr
    llm = app / "app" / "llm.py"
    llm.write_text(re.sub(r"\n\s*max_tokens=2000,", "", llm.read_text()))
    r = cli("report", ".", "--compare-to", "base.json", "--fail-on-increase", "10", "--format", "json", "--today", "2026-11-21", cwd=app)
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    c = data["comparison"]
    assert c["delta_monthly_cost_usd"] < 0  # typical: 1,000 -> 512 tokens, the estimate drops
    assert c["delta_worst_case_monthly_cost_usd"] > 10
    assert "decreased by" in c["headline"] and "worst case increased by" in c["headline"]
    assert "worst-case monthly cost rose by" in r.stderr and "output cap 2,000 removed" in r.stderr
    assert "typical monthly cost rose" not in r.stderr
    line = next(x for x in c["changes"] if x["id"] == "app/llm.py::draft#1")
    assert line["worst_delta_usd"] > 10 and "output cap 2,000 removed" in line["note"]
    ok = cli("report", ".", "--compare-to", "base.json", "--fail-on-increase", "100000", "--today", "2026-11-21", cwd=app)
    assert ok.returncode == 0


def test_removing_a_stop_sequence_raises_the_worst_case(tmp_path):
    (tmp_path / ".git").mkdir()
    code = '''
        from openai import OpenAI
        client = OpenAI()

        def label(review):
            return client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": f"Is this review positive? Answer with yes or no.\\n{review}"}],
                max_tokens=4096,
                stop=["\\n"],
            )
    '''
    write_tree(tmp_path, {"bot.py": code})
    base = _report(tmp_path)
    site = base["call_sites"][0]
    assert site["output_tokens"] == 1 and site["output_tokens_max"] == 256  # stop sequence on a yes/no answer
    (tmp_path / "base.json").write_text(json.dumps(base))
    (tmp_path / "bot.py").write_text(re.sub(r"\n\s*stop=.*,", "", (tmp_path / "bot.py").read_text()))
    r = cli("report", ".", "--compare-to", "base.json", "--fail-on-increase", "1", "--today", "2026-11-21", cwd=tmp_path)
    assert r.returncode == 1 and "worst-case monthly cost rose" in r.stderr
