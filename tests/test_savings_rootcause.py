"""Savings after root-cause grouping: a finding that stands for several call sites (LA402 at the
model's definition, one literal written at several calls, LA101 per dispatch) saves the sum of
its distinct sites' shares, each site once; ``check``'s total, ``report``'s headline, the sum of
the per-site lines and the savings by rule are one number; sites under a nested policy are priced
and credited under that policy."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import cli, write_tree

APP = {
    "app/__init__.py": "",
    "app/config.py": 'CHAT_MODEL = "gpt-4o"  # shared by every assistant call\n',
    "app/bot.py": '''
        from openai import OpenAI

        from app.config import CHAT_MODEL

        client = OpenAI(timeout=30)


        def answer(question: str) -> str:
            resp = client.chat.completions.create(
                model=CHAT_MODEL,
                messages=[{"role": "system", "content": "You are a helpful assistant. It is very important that you answer in plain English."}, {"role": "user", "content": question}],
            )
            return resp.choices[0].message.content


        def draft(email: str) -> str:
            resp = client.chat.completions.create(model=CHAT_MODEL, messages=[{"role": "user", "content": f"Draft a reply to: {email}"}])
            return resp.choices[0].message.content


        def review(text: str) -> str:
            resp = client.chat.completions.create(model=CHAT_MODEL, max_tokens=600, messages=[{"role": "user", "content": f"Review this text: {text}"}])
            return resp.choices[0].message.content
    ''',
    "app/router.py": '''
        from openai import OpenAI

        client = OpenAI(timeout=30)


        def generate(kind: str, text: str) -> str:
            if kind == "summary":
                resp = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": f"Summarise: {text}"}])
            elif kind == "title":
                resp = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": f"Write a title for: {text}"}])
            else:
                return text
            return resp.choices[0].message.content
    ''',
    "llm-audit-usage.yaml": '''
        version: 1
        defaults:
          monthly-calls: 30000
        sites:
          "app/bot.py::draft#1":
            monthly-calls: 4000
    ''',
}

TODAY = "2026-11-21"


@pytest.fixture
def app(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, APP)
    return tmp_path


def _report(root: Path, *args: str) -> dict:
    r = cli("report", ".", "--format", "json", "--today", TODAY, *args, cwd=root)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _check(root: Path, *args: str) -> list[dict]:
    r = cli("check", ".", "--output-format", "json", "--exit-zero", "--today", TODAY, *args, cwd=root)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _site_ids(f: dict) -> list[str]:
    return [x["site_id"] for x in (f["savings"] or {}).get("sites", [])]


def test_a_root_cause_saves_the_sum_of_its_distinct_sites(app):
    findings = _check(app)
    report = _report(app)
    sites = {s["id"]: s for s in report["call_sites"]}
    [model] = [f for f in findings if f["code"] == "LA402" and f["path"] == "app/config.py"]
    assert "used by 3 call sites" in model["message"]
    ids = _site_ids(model)
    assert sorted(ids) == sorted(i for i in sites if i.startswith("app/bot.py")) and len(set(ids)) == len(ids) == 3
    # its savings are its per-call findings' shares, each site once - the same shares the report lists
    per_call = {i: next(f for f in sites[i]["findings"] if f["code"] == "LA402") for i in ids}
    assert model["savings"]["usd_per_month"] == pytest.approx(sum(f["monthly_savings_usd"] for f in per_call.values()), abs=0.001)
    assert model["savings"]["worst_case_usd_per_month"] == pytest.approx(sum(f["worst_case_monthly_savings_usd"] for f in per_call.values()), abs=0.001)
    assert model["savings"]["monthly_calls"] == 30000 + 4000 + 30000  # each site's volume once
    # the one literal written at two calls of router.py, and the dispatch's LA101: one finding each
    [literal] = [f for f in findings if f["code"] == "LA402" and f["path"] == "app/router.py"]
    [cap] = [f for f in findings if f["code"] == "LA101" and f["path"] == "app/router.py"]
    for f in (literal, cap):
        assert len(set(_site_ids(f))) == len(_site_ids(f)) == 2
    assert cap["savings"]["worst_case_usd_per_month"] > 0


def test_check_total_report_headline_sites_and_rules_are_one_number(app):
    findings = _check(app)
    report = _report(app)
    grouped = sum(f["savings"]["usd_per_month"] for f in findings if f["savings"])
    grouped_worst = sum(f["savings"]["worst_case_usd_per_month"] for f in findings if f["savings"])
    per_site = sum(s["monthly_savings_usd"] for s in report["call_sites"])
    per_site_worst = sum(s["worst_case_monthly_savings_usd"] for s in report["call_sites"])
    by_rule = sum(v["monthly_savings_usd"] for v in report["savings_by_rule"].values())
    assert report["expected_monthly_savings_usd"] > 0
    assert grouped == pytest.approx(report["expected_monthly_savings_usd"], abs=0.01)
    assert per_site == pytest.approx(report["expected_monthly_savings_usd"], abs=0.01)
    assert by_rule == pytest.approx(report["expected_monthly_savings_usd"], abs=0.05)
    assert grouped_worst == pytest.approx(report["worst_case_monthly_savings_usd"], abs=0.01)
    assert per_site_worst == pytest.approx(report["worst_case_monthly_savings_usd"], abs=0.01)
    assert report["savings_by_rule"]["LA402"]["findings"] == 2  # per root cause: the constant, the literal
    for s in report["call_sites"]:
        assert s["monthly_savings_usd"] <= s["monthly_cost_usd"] + 0.005, s["id"]
        assert sum(f["monthly_savings_usd"] or 0 for f in s["findings"]) == pytest.approx(s["monthly_savings_usd"], abs=0.01)
    text = cli("check", ".", "--exit-zero", "--today", TODAY, cwd=app).stdout
    m = re.search(r"Estimated savings: \$([\d,.]+)/month expected", text)
    assert m and float(m.group(1).replace(",", "")) == pytest.approx(report["expected_monthly_savings_usd"], abs=0.01)


def test_fixing_the_root_causes_saves_what_the_report_says(app):
    before = _report(app)
    r = cli("fix", ".", "--unsafe-fixes", "--today", TODAY, cwd=app)
    assert r.returncode in (0, 1), r.stderr
    assert "gpt-6-luna" in (app / "app/config.py").read_text()  # fixed once, at the definition
    after = _report(app)
    saved = before["total_monthly_cost_usd"] - after["total_monthly_cost_usd"]
    assert saved == pytest.approx(before["fixable_expected_monthly_savings_usd"], rel=0.05, abs=0.01)
    assert saved <= before["expected_monthly_savings_usd"] + 0.011  # cents, rounded on both sides


def test_a_nested_policy_prices_and_credits_its_own_sites(app):
    write_tree(app, {
        "batch/.llm-audit.yaml": "usage:\n  monthly-calls: 500\n",
        "batch/job.py": '''
            from openai import OpenAI

            client = OpenAI(timeout=30)


            def label(text: str) -> str:
                resp = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": f"Label this ticket: {text}"}])
                return resp.choices[0].message.content
        ''',
    })
    report = _report(app)
    [job] = [s for s in report["call_sites"] if s["path"] == "batch/job.py"]
    assert job["monthly_calls"] == 500
    assert 0 < job["monthly_savings_usd"] <= job["monthly_cost_usd"]
    assert sum(f["monthly_savings_usd"] or 0 for f in job["findings"]) == pytest.approx(job["monthly_savings_usd"], abs=0.01)
    findings = _check(app)
    mine = [x for f in findings if f["savings"] for x in f["savings"]["sites"] if x["site_id"] == job["id"]]
    assert mine and all(x["monthly_calls"] == 500 for x in mine)
    assert sum(f["savings"]["usd_per_month"] for f in findings if f["savings"]) == pytest.approx(report["expected_monthly_savings_usd"], abs=0.01)
    assert sum(s["monthly_savings_usd"] for s in report["call_sites"]) == pytest.approx(report["expected_monthly_savings_usd"], abs=0.01)


def test_a_cause_suppressed_where_it_is_written_takes_its_calls_savings(app):
    (app / "app/config.py").write_text('CHAT_MODEL = "gpt-4o"  # llm-audit: ignore[LA402]\n')
    report = _report(app)
    findings = _check(app)
    bot = [s for s in report["call_sites"] if s["path"] == "app/bot.py"]
    assert bot and all(f["code"] != "LA402" for s in bot for f in s["findings"])  # silenced for every call it stands for
    assert sum(f["savings"]["usd_per_month"] for f in findings if f["savings"]) == pytest.approx(report["expected_monthly_savings_usd"], abs=0.01)
    assert sum(s["monthly_savings_usd"] for s in report["call_sites"]) == pytest.approx(report["expected_monthly_savings_usd"], abs=0.01)
    for s in bot:
        assert sum(f["monthly_savings_usd"] or 0 for f in s["findings"]) == pytest.approx(s["monthly_savings_usd"], abs=0.01)
