"""``llm-audit report``: inventory, cost, savings, formats, deltas and the CI gate, run as a user would."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO, cli, notebook, write_tree

SCHEMA = json.loads((REPO / "auditor" / "schema" / "report.schema.json").read_text())

APP = {
    "shop/__init__.py": "",
    "shop/prompts.py": '''
        TRIAGE_PROMPT = """You route support tickets for an online bike shop.
        Classify the ticket into one queue: orders, returns, repairs or other. Answer with one word."""

        DESCRIBE_PROMPT = "Write a product description of about 120 words for this bike: {specs}"
    ''',
    "shop/llm.py": """
        from anthropic import Anthropic
        from openai import OpenAI

        from shop.prompts import DESCRIBE_PROMPT, TRIAGE_PROMPT

        REPLY_MODEL = "claude-sonnet-4-5"


        class ShopLLM:
            def __init__(self):
                self.client = OpenAI(timeout=20)
                self.claude = Anthropic()

            def triage(self, ticket: str) -> str:
                resp = self.client.chat.completions.create(
                    model="gpt-4o",
                    messages=[{"role": "system", "content": TRIAGE_PROMPT}, {"role": "user", "content": ticket}],
                    max_tokens=4,
                )
                return resp.choices[0].message.content

            def describe(self, specs: str) -> str:
                resp = self.client.chat.completions.create(
                    model="gpt-4o-mini",
                    messages=[{"role": "user", "content": DESCRIBE_PROMPT.format(specs=specs)}],
                    max_tokens=300,
                )
                return resp.choices[0].message.content

            def reply(self, ticket: str) -> str:
                msg = self.claude.messages.create(
                    model=REPLY_MODEL,
                    system="You are the shop's friendly support agent. <script>alert('x')</script> Keep replies short.",
                    messages=[{"role": "user", "content": ticket}],
                    max_tokens=400,
                )
                return msg.content[0].text
    """,
    "notebooks/explore.ipynb": notebook(
        "import pandas as pd\nfrom openai import OpenAI\nclient = OpenAI()\ndf = pd.read_csv('orders.csv')\n",
        'r = client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": f"Find trends: {df.head(50).to_string()}"}], max_tokens=500)\n',
        'r2 = client.chat.completions.create(model="gpt-4.1-mini", messages=[{"role": "user", "content": "Name three bike colours"}], max_tokens=30)\n',
    ),
    "prompts/faq.prompty": (
        "---\n"
        "name: FAQ answer\n"
        "model:\n"
        "  api: chat\n"
        "  configuration:\n"
        "    type: openai\n"
        "    model: gpt-4o-mini\n"
        "  parameters:\n"
        "    max_tokens: 200\n"
        "---\n"
        "system:\n"
        "You answer questions about the shop's opening hours and delivery.\n"
        "\n"
        "user:\n"
        "{{question}}\n"
    ),
}


def _report(root: Path, *args: str) -> tuple[dict, object]:
    r = cli("report", ".", "--format", "json", "--today", "2026-11-21", *args, cwd=root)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout), r


@pytest.fixture
def app(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, APP)
    return tmp_path


def test_json_lists_every_call_site_with_positive_totals(app):
    data, _ = _report(app)
    jsonschema.validate(data, SCHEMA)
    sites = {s["id"]: s for s in data["call_sites"]}
    by_path = sorted((s["path"], s["cell"], s["model"]) for s in sites.values())
    assert ("notebooks/explore.ipynb", 1, "gpt-4.1") in by_path
    assert ("notebooks/explore.ipynb", 2, "gpt-4.1-mini") in by_path
    assert ("shop/llm.py", None, "gpt-4o") in by_path
    assert ("shop/llm.py", None, "claude-sonnet-4-5") in by_path
    assert any(p == "prompts/faq.prompty" for p, _, _ in by_path)
    assert len(sites) == 6
    for s in sites.values():
        assert s["input_tokens"] > 0 and s["output_tokens"] > 0
        assert s["cost_per_call_usd"] > 0 and s["monthly_cost_usd"] > 0, s["id"]
        assert s["monthly_cost_usd"] == pytest.approx(s["cost_per_call_usd"] * s["monthly_calls"], rel=1e-3)
    assert data["total_monthly_cost_usd"] == pytest.approx(sum(s["monthly_cost_usd"] for s in sites.values()), abs=0.01)
    assert data["total_monthly_cost_usd"] > 0
    assert data["assumptions"] and all(isinstance(a, str) for a in data["assumptions"])


def test_static_tokens_counted_and_prices_from_catalog(app):
    from auditor.cost.tokens import count_tokens

    data, _ = _report(app)
    triage = next(s for s in data["call_sites"] if s["function"] == "ShopLLM.triage")
    text = "You route support tickets for an online bike shop.\nClassify the ticket into one queue: orders, returns, repairs or other. Answer with one word."
    assert triage["static_input_tokens"] == count_tokens(text, "gpt-4o").tokens + 2 * 4  # two messages
    assert triage["dynamic_holes"] == {"user": 1}
    assert triage["output_tokens_max"] == 4 and triage["output_worst_case"] is False
    assert triage["price_per_1m"] == {"input": 2.5, "output": 10.0, "batch": False}
    expected = (triage["input_tokens"] * 2.5 + triage["output_tokens"] * 10.0) / 1e6
    assert triage["cost_per_call_usd"] == pytest.approx(expected, rel=1e-6)
    assert "LA401" in [f["code"] for f in triage["findings"]]
    la401 = next(f for f in triage["findings"] if f["code"] == "LA401")
    assert la401["monthly_savings_usd"] > 0 and "gpt-4o-mini" in la401["message"]
    # gpt-4o is also deprecated (LA402 proposes gpt-6-luna): the two swaps share the site's saving
    assert 0 < data["savings_by_rule"]["LA401"]["monthly_savings_usd"] <= la401["monthly_savings_usd"] + 0.01


def test_uncapped_call_is_priced_at_the_model_maximum_as_worst_case(app):
    (app / "shop/extra.py").write_text(
        "from openai import OpenAI\nclient = OpenAI()\n\ndef go(q):\n    return client.chat.completions.create(model='gpt-4o-mini', messages=[{'role': 'user', 'content': q}])\n"
    )
    data, _ = _report(app)
    s = next(x for x in data["call_sites"] if x["path"] == "shop/extra.py")
    assert s["output_worst_case"] is True and s["output_tokens_max"] == 16384
    assert s["worst_case_monthly_cost_usd"] > s["monthly_cost_usd"] > 0


def test_ten_times_the_monthly_calls_is_ten_times_the_cost(app):
    (app / "llm-audit-usage.yaml").write_text("defaults:\n  monthly-calls: 1000\n")
    low, _ = _report(app)
    (app / "llm-audit-usage.yaml").write_text("defaults:\n  monthly-calls: 10000\n")
    high, _ = _report(app)
    assert high["total_monthly_cost_usd"] == pytest.approx(10 * low["total_monthly_cost_usd"], rel=1e-3)
    lo = {s["id"]: s for s in low["call_sites"]}
    for s in high["call_sites"]:
        assert s["monthly_calls"] == 10000
        assert s["monthly_cost_usd"] == pytest.approx(10 * lo[s["id"]]["monthly_cost_usd"], rel=1e-3)
        for f, g in zip(s["findings"], lo[s["id"]]["findings"]):
            if g["monthly_savings_usd"]:
                assert f["monthly_savings_usd"] == pytest.approx(10 * g["monthly_savings_usd"], rel=1e-3, abs=1e-3)  # 4-decimal rounding


def test_per_site_and_glob_overrides(app):
    data, _ = _report(app)
    triage = next(s for s in data["call_sites"] if s["function"] == "ShopLLM.triage")
    (app / "llm-audit-usage.yaml").write_text(
        "defaults:\n  monthly-calls: 5000\n"
        "sites:\n"
        '  "notebooks/**": {monthly-calls: 0}\n'
        f'  "{triage["id"]}":\n    monthly-calls: 200000\n    output-tokens: 1\n'
    )
    data, _ = _report(app)
    by_id = {s["id"]: s for s in data["call_sites"]}
    assert by_id[triage["id"]]["monthly_calls"] == 200000 and by_id[triage["id"]]["output_tokens"] == 1
    assert by_id[triage["id"]]["sources"]["monthly_calls"] == "llm-audit-usage.yaml"
    nb = [s for s in data["call_sites"] if s["path"].endswith(".ipynb")]
    assert nb and all(s["monthly_calls"] == 0 and s["monthly_cost_usd"] == 0 for s in nb)
    assert all(s["monthly_calls"] == 5000 for s in data["call_sites"] if s["id"] != triage["id"] and s not in nb)


def test_check_savings_use_the_usage_file_too(app):
    def la401_savings():
        r = cli("check", ".", "--select", "LA401", "--output-format", "json", "--today", "2026-11-21", cwd=app)
        [f] = json.loads(r.stdout)
        return f["savings"]["usd_per_month"]

    base = la401_savings()
    (app / "llm-audit-usage.yaml").write_text("defaults:\n  monthly-calls: 30000\n")
    assert la401_savings() == pytest.approx(3 * base, rel=1e-3)


def _edit_app(app: Path) -> None:
    llm = app / "shop/llm.py"
    llm.write_text(llm.read_text().replace('model="gpt-4o-mini",', 'model="gpt-4.1",'))
    (app / "shop/batch.py").write_text(
        "from openai import OpenAI\nclient = OpenAI()\n\n\ndef summarise(doc):\n"
        "    return client.chat.completions.create(model='gpt-4o', max_tokens=800, messages=[{'role': 'user', 'content': f'Summarise: {doc}'}])\n"
    )
    (app / "prompts/faq.prompty").unlink()


def test_markdown_delta_against_a_saved_json(app):
    base, _ = _report(app)
    (app / "base.json").write_text(json.dumps(base))
    _edit_app(app)
    head, _ = _report(app)
    r = cli("report", ".", "--format", "markdown", "--compare-to", "base.json", "--today", "2026-11-21", cwd=app)
    assert r.returncode == 0, r.stderr
    md = r.stdout
    delta = head["total_monthly_cost_usd"] - base["total_monthly_cost_usd"]
    assert delta > 0
    assert f"**Monthly estimate increased by ${delta:,.2f}" in md
    block = md.split("```diff\n", 1)[1].split("```", 1)[0].splitlines()
    assert any(line.startswith("+ shop/batch.py:") and "new call site" in line for line in block)
    assert any(line.startswith("! shop/llm.py:") and "gpt-4o-mini -> gpt-4.1" in line for line in block)
    assert any(line.startswith("- prompts/faq.prompty") and "removed" in line for line in block)
    assert "### Savings by rule" in md and "| LA401 oversized-model-for-simple-task |" in md


def test_fail_on_increase_is_a_ci_gate(app):
    base, _ = _report(app)
    (app / "base.json").write_text(json.dumps(base))
    _edit_app(app)
    head, _ = _report(app)
    delta = head["total_monthly_cost_usd"] - base["total_monthly_cost_usd"]
    over = cli("report", ".", "--compare-to", "base.json", "--fail-on-increase", f"{delta / 2:.2f}", "--today", "2026-11-21", cwd=app)
    assert over.returncode == 1 and "Monthly estimate increased by" in over.stderr
    under = cli("report", ".", "--compare-to", "base.json", "--fail-on-increase", f"{delta * 2:.2f}", "--today", "2026-11-21", cwd=app)
    assert under.returncode == 0, under.stderr
    alone = cli("report", ".", "--fail-on-increase", "5", cwd=app)
    assert alone.returncode == 2 and "--compare-to" in alone.stderr
    (app / ".llm-audit.yaml").write_text(f"budgets:\n  max-increase-usd: {delta / 2:.2f}\n")
    policy_gate = cli("report", ".", "--compare-to", "base.json", "--today", "2026-11-21", cwd=app)
    assert policy_gate.returncode == 1


def test_compare_to_something_else_is_an_error(app):
    (app / "findings.json").write_text("[]")
    r = cli("report", ".", "--compare-to", "findings.json", cwd=app)
    assert r.returncode == 2 and "not a report JSON" in r.stderr


def test_html_is_self_contained_with_charts_and_escaped_prompts(app):
    r = cli("report", ".", "--format", "html", "-o", "report.html", "--today", "2026-11-21", cwd=app)
    assert r.returncode == 0, r.stderr
    html = (app / "report.html").read_text()
    assert html.startswith("<!doctype html>")
    assert html.count("<svg") >= 2 and "Savings by rule" in html and "monthly cost by call site" in html
    assert "<rect" in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    # one inline script (sorting and filtering the call-site table); nothing loaded from anywhere
    assert html.lower().count("<script") == 1 and "<script>" in html and "<script src" not in html.lower()
    assert str(app) not in html and "/tmp/" not in html  # no absolute local path
    assert 'id="site-filter"' in html and "Saves / month (expected)" in html and "Cost / month (worst case)" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "<link" not in html.lower() and "@import" not in html and "url(" not in html
    # every call site is in the table, the notebook cells by cell number
    assert "notebooks/explore.ipynb:cell 2:1" in html and "notebooks/explore.ipynb:cell 3:1" in html


def test_table_format_and_no_progress_bar_without_a_terminal(app):
    r = cli("report", ".", "--today", "2026-11-21", cwd=app)
    assert r.returncode == 0
    assert "LLM call sites: 6" in r.stdout and "Estimated monthly cost: $" in r.stdout
    assert "Savings by rule" in r.stdout and "Assumptions:" in r.stdout
    assert "Pricing call sites" not in r.stderr


def test_empty_project_reports_zero(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "util.py").write_text("def add(a, b):\n    return a + b\n")
    data, _ = _report(tmp_path)
    assert data["call_sites"] == [] and data["total_monthly_cost_usd"] == 0
    jsonschema.validate(data, SCHEMA)
    r = cli("report", ".", "--format", "html", cwd=tmp_path)
    assert r.returncode == 0 and "No LLM call sites found." in r.stdout


def test_unknown_model_is_listed_but_not_priced(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.py").write_text("from openai import OpenAI\nOpenAI().chat.completions.create(model='house-model-v2', messages=[], max_tokens=5)\n")
    data, _ = _report(tmp_path)
    [s] = data["call_sites"]
    assert s["catalog_model"] is None and s["monthly_cost_usd"] is None and s["model_status"] == "unknown model"
    assert any("no price" in a for a in data["assumptions"])
