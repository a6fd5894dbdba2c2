"""What ``llm-audit fix --unsafe-fixes`` does equals the report's fixable figure (typical and worst
case), in the cases real code showed apart: one literal in two notebook cells, a cap on a model
already retired, a successor that is itself superseded (the fix's next pass moves on), and a root
cause whose fix one of its calls cannot take."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import cli, write_tree

TODAY = "2026-11-21"


def _report(root: Path) -> dict:
    r = cli("report", ".", "--format", "json", "--today", TODAY, cwd=root)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _fix_and_compare(root: Path) -> tuple[dict, dict]:
    before = _report(root)
    r = cli("fix", ".", "--unsafe-fixes", "--today", TODAY, cwd=root)
    assert r.returncode in (0, 1), r.stderr
    assert "dropped" not in r.stderr, r.stderr
    after = _report(root)
    got = before["total_monthly_cost_usd"] - after["total_monthly_cost_usd"]
    got_worst = before["total_worst_case_monthly_cost_usd"] - after["total_worst_case_monthly_cost_usd"]
    assert got == pytest.approx(before["fixable_expected_monthly_savings_usd"], rel=0.01, abs=0.01)
    assert got_worst == pytest.approx(before["fixable_worst_case_monthly_savings_usd"], rel=0.01, abs=0.01)
    return before, after


def _project(tmp_path: Path, files: dict) -> Path:
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, files)
    return tmp_path


def _notebook(cells: list[str]) -> dict:
    return {
        "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c.splitlines(True)} for c in cells],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_one_literal_in_two_notebook_cells_is_fixed_in_each(tmp_path):
    nb = _notebook([
        "from openai import OpenAI\nclient = OpenAI()\nq = 'What is RAG?'",
        "response = client.chat.completions.create(\n    model='gpt-4o',\n    messages=[{'role': 'user', 'content': q}]\n)\nresponse.choices[0].message.content",
        "def llm(prompt):\n    response = client.chat.completions.create(\n        model='gpt-4o',\n        messages=[{'role': 'user', 'content': prompt}],\n        max_tokens=1024\n    )\n    return response.choices[0].message.content",
    ])
    root = _project(tmp_path, {"rag-intro.ipynb": json.dumps(nb, indent=1)})
    r = cli("check", ".", "--output-format", "json", "--exit-zero", "--select", "LA402", "--today", TODAY, cwd=root)
    found = json.loads(r.stdout)
    assert sorted(f["cell"] for f in found) == [1, 2]  # one finding per cell: a fix's edits belong to one cell
    before, _ = _fix_and_compare(root)
    assert before["fixable_expected_monthly_savings_usd"] > 1
    cells = ["".join(c["source"]) for c in json.loads((root / "rag-intro.ipynb").read_text())["cells"]]
    assert "gpt-4o'" not in cells[1] + cells[2] and "max_completion_tokens=1024" in cells[1]  # capped, the name the new model takes


def test_a_cap_on_a_retired_model_is_in_the_fix_figure(tmp_path):
    root = _project(tmp_path, {"classify.py": '''
        from openai import OpenAI

        client = OpenAI()

        messages = [{"role": "system", "content": "You are a travel writer. Write an engaging article about the destination the user names, with history, food and places to stay."}, {"role": "user", "content": "Lisbon"}]
        response = client.chat.completions.create(
            model="gpt-3.5-turbo",
            messages=messages,
        )
        print(response.choices[0].message.content)
    '''})
    before, after = _fix_and_compare(root)
    [site] = before["call_sites"]
    assert {f["code"] for f in site["findings"]} >= {"LA101", "LA402"}
    assert after["call_sites"][0]["output_cap"] == 1024  # the cap the fix added bounds the new model's worst case
    assert before["fixable_worst_case_monthly_savings_usd"] == pytest.approx(site["worst_case_monthly_cost_usd"] - after["call_sites"][0]["worst_case_monthly_cost_usd"], rel=0.01)


def test_a_successor_that_is_itself_superseded_is_where_the_fix_goes(tmp_path):
    root = _project(tmp_path, {"support.py": '''
        import anthropic

        client = anthropic.Anthropic()


        def answer(question: str) -> str:
            msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=800, messages=[{"role": "user", "content": question}])
            return msg.content[0].text


        def brainstorm(topic: str) -> str:
            msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=800, temperature=0.9, messages=[{"role": "user", "content": f"Ideas for {topic}"}])
            return msg.content[0].text
    '''})
    r = cli("check", ".", "--output-format", "json", "--exit-zero", "--select", "LA402,LA404", "--today", TODAY, cwd=root)
    found = {f["line"]: f for f in json.loads(r.stdout)}
    # claude-sonnet-4-5 retires; its successor claude-sonnet-4-6 is superseded by claude-sonnet-5-5
    assert "move to claude-sonnet-5-5" in found[8]["message"]
    # ... which rejects `temperature`: the call that passes it stops at claude-sonnet-4-6
    assert "move to claude-sonnet-4-6" in found[13]["message"]
    _fix_and_compare(root)
    text = (root / "support.py").read_text()
    assert 'model="claude-sonnet-5-5", max_tokens=800, messages' in text and 'model="claude-sonnet-4-6", max_tokens=800, temperature=0.9' in text


def test_a_root_cause_one_call_cannot_take_leaves_every_call_unfixed(tmp_path):
    root = _project(tmp_path, {
        "app/__init__.py": "",
        "app/settings.py": 'MODEL = "gpt-4o"\n',
        "app/llm.py": '''
            from openai import OpenAI

            from app.settings import MODEL

            client = OpenAI()


            def summarise(text: str) -> str:
                r = client.chat.completions.create(model=MODEL, max_tokens=400, messages=[{"role": "user", "content": f"Summarise: {text}"}])
                return r.choices[0].message.content


            def brainstorm(topic: str) -> str:
                r = client.chat.completions.create(model=MODEL, max_tokens=400, temperature=0.9, messages=[{"role": "user", "content": f"Ideas for {topic}"}])
                return r.choices[0].message.content
        ''',
    })
    before, _ = _fix_and_compare(root)
    assert 'MODEL = "gpt-4o"' in (root / "app/settings.py").read_text()  # gpt-6-luna rejects temperature: no fix
    for s in before["call_sites"]:
        [la402] = [f for f in s["findings"] if f["code"] == "LA402"]
        assert la402["fix"] is None and la402["monthly_savings_usd"] > 0  # a saving to take by hand, not by `fix`
    assert before["fixable_expected_monthly_savings_usd"] == pytest.approx(0, abs=0.01)
    assert before["expected_monthly_savings_usd"] > 1
