"""One finding per root cause: LA402 at the model's definition with its call sites related, LA403 per
unknown name, LA101 per dispatch, LA601 per parse line, LA202 per repeated block; suppressions,
fixes, JSON/SARIF related locations, and the report's per-call inventory."""

from __future__ import annotations

import json

from conftest import cli, codes, LA403_GAPS

CONFIG_APP = {
    "app/__init__.py": "",
    "app/config.py": 'import os\nCHAT_MODEL = "claude-3-5-sonnet-20241022"\n',
    "app/bot.py": '''
        import anthropic
        from app.config import CHAT_MODEL

        client = anthropic.Anthropic()


        def answer(q):
            return client.messages.create(model=CHAT_MODEL, max_tokens=300, messages=[{"role": "user", "content": q}])


        def draft(q):
            return client.messages.create(model=CHAT_MODEL, max_tokens=300, messages=[{"role": "user", "content": "Draft: " + q}])


        def review(q):
            return client.messages.create(model=CHAT_MODEL, max_tokens=300, messages=[{"role": "user", "content": "Review: " + q}])
    ''',
}


def test_la402_is_reported_once_at_the_constant_with_its_call_sites(project):
    result = project(CONFIG_APP, select=["LA402"])
    [f] = result.findings
    assert (f.path, f.line) == ("app/config.py", 2)
    assert "used by 3 call sites" in f.message
    assert [(r.path, r.line) for r in f.related] == [("app/bot.py", 9), ("app/bot.py", 13), ("app/bot.py", 17)]
    successor = f.message.split("move to ", 1)[1].split()[0].rstrip(";,")
    assert f.fix is not None and f.fix.edits[0].content == f'"{successor}"' and f.fix.edits[0].line == 2
    # the report keeps one row per call, each with its own finding
    per_call = [x for x in result.site_findings if x.code == "LA402"]
    assert len(per_call) == 3 and {x.call_site_id for x in per_call} == {s.id for s in result.project.call_sites()}


def test_the_definition_fix_applies_in_the_other_file(project):
    root = project.root
    project(CONFIG_APP)
    r = cli("fix", "--unsafe-fixes", "--select", "LA402", ".", cwd=root)
    assert r.returncode in (0, 1), r.stderr
    assert 'CHAT_MODEL = "claude-sonnet-4' in (root / "app/config.py").read_text() and "claude-3-5" not in (root / "app/config.py").read_text()
    assert "model=CHAT_MODEL" in (root / "app/bot.py").read_text()
    assert codes(project({}, select=["LA402"])) == []


def test_json_and_sarif_carry_the_related_call_sites(project):
    root = project.root
    project(CONFIG_APP)
    out = json.loads(cli("check", "--select", "LA402", "--output-format", "json", "--exit-zero", ".", cwd=root).stdout)
    findings = out if isinstance(out, list) else out["findings"]
    [f] = [x for x in findings if x["code"] == "LA402"]
    assert len(f["related"]) == 3 and all(r["path"] == "app/bot.py" for r in f["related"])
    sarif = json.loads(cli("check", "--select", "LA402", "--output-format", "sarif", "--exit-zero", ".", cwd=root).stdout)
    [res] = sarif["runs"][0]["results"]
    assert len(res["relatedLocations"]) == 3


def test_a_suppression_at_the_definition_silences_the_root_cause(project):
    files = dict(CONFIG_APP)
    files["app/config.py"] = 'CHAT_MODEL = "claude-3-5-sonnet-20241022"  # llm-audit: ignore[LA402]\n'
    assert codes(project(files, select=["LA402", "LA001"])) == []


def test_a_suppressed_call_site_leaves_the_others(project):
    files = dict(CONFIG_APP)
    files["app/bot.py"] = files["app/bot.py"].replace(
        'return client.messages.create(model=CHAT_MODEL, max_tokens=300, messages=[{"role": "user", "content": q}])',
        'return client.messages.create(model=CHAT_MODEL, max_tokens=300, messages=[{"role": "user", "content": q}])  # llm-audit: ignore[LA402]',
    )
    [f] = project(files, select=["LA402"]).findings
    assert "used by 2 call sites" in f.message


def test_one_literal_written_at_several_calls_is_one_finding_fixed_everywhere(project):
    result = project({"a.py": '''
        import anthropic
        client = anthropic.Anthropic()
        client.messages.create(model="claude-2.1", max_tokens=10, messages=[])
        client.messages.create(model="claude-2.1", max_tokens=10, messages=[])
    '''}, select=["LA402"])
    [f] = result.findings
    assert f.line == 4 and "written at 2 calls in this file" in f.message and [r.line for r in f.related] == [4, 5]
    assert f.fix is not None and [e.line for e in f.fix.edits] == [4, 5]
    other = project({"b.py": 'import anthropic\nanthropic.Anthropic().messages.create(model="claude-2.1", max_tokens=10, messages=[])\n'}, select=["LA402"])
    assert sorted(x.path for x in other.findings) == ["a.py", "b.py"]  # per file: each file is its own edit


def test_la403_one_finding_per_unknown_name_across_files(project):
    files = {f"m{i}.py": f'from openai import OpenAI\nOpenAI().chat.completions.create(model="gpt-9.4-mini", max_tokens=9, messages=[])\n' for i in range(4)}
    [f] = project(files, policy=LA403_GAPS, select=["LA403"]).findings
    assert f.path == "m0.py" and "used by 4 call sites" in f.message and len(f.related) == 4
    assert "did you mean" not in f.message  # gpt-4.1-mini is another model, not a typo


def test_la101_one_finding_per_dispatch_and_its_fix_caps_every_branch(project):
    root = project.root
    result = project({"llm.py": '''
        from openai import OpenAI
        client = OpenAI()


        def generate(kind, text):
            if kind == "summary":
                return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
            elif kind == "title":
                return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
            return None


        def other(text):
            return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
    '''}, select=["LA101"])
    assert [f.line for f in result.findings] == [8, 15]
    assert len(result.findings[0].fix.edits) == 2
    cli("fix", "--unsafe-fixes", "--select", "LA101", ".", cwd=root)
    text = (root / "llm.py").read_text()
    assert text.count("max_tokens=1024") == 3
    assert codes(project({}, select=["LA101"])) == []


def test_la601_one_parse_line_is_one_finding(project):
    result = project({"a.py": '''
        import json
        from openai import OpenAI
        client = OpenAI()


        def go(q, strict):
            if strict:
                r = client.chat.completions.create(model="gpt-4o", max_tokens=300, messages=[{"role": "user", "content": q}])
            else:
                r = client.chat.completions.create(model="gpt-4o-mini", max_tokens=300, messages=[{"role": "user", "content": q}])
            return json.loads(r.choices[0].message.content)
    '''}, select=["LA601"])
    [f] = result.findings
    assert f.line == 12 and len(f.related) == 2 and "the response of 2 calls" in f.message


def test_counts_and_savings_are_per_root_cause_in_the_report(project):
    from auditor.report import build_report

    result = project(CONFIG_APP, select=["LA402", "LA101"])
    report = build_report(result, result_policy(project), result.cost.usage, project.today if hasattr(project, "today") else __import__("conftest").TODAY)
    assert report.savings_by_rule.get("LA402", {}).get("findings", 1) == 1
    assert sum(len([f for f in row.findings if f.code == "LA402"]) for row in report.rows) == 3


def result_policy(project):
    from auditor.config.policy import Policy

    return Policy.load(None, start=project.root)


EVAL_GRID = {
    "evaluate.py": '''
        from openai import OpenAI

        client = OpenAI()


        def get_generation(prompt, case):
            return client.chat.completions.create(model="gpt-4o-mini", max_tokens=300, messages=[{"role": "system", "content": prompt}, {"role": "user", "content": case}]).choices[0].message.content


        def get_score(case, a, b):
            return client.chat.completions.create(model="gpt-4o-mini", max_tokens=5, messages=[{"role": "user", "content": f"Which answer is better for {case}? A: {a} B: {b}. Answer A or B."}]).choices[0].message.content


        def rank(prompt1, prompt2, test_cases):
            wins = 0
            for case in test_cases:
                g1 = get_generation(prompt1, case)
                g2 = get_generation(prompt2, case)
                wins += get_score(case, g1, g2) == "A"
            return wins


        for row in open("cases.txt"):
            client.chat.completions.create(model="gpt-4o-mini", max_tokens=50, messages=[{"role": "user", "content": row}])
    ''',
}


def test_la503_one_finding_per_loop_with_its_calls_related(project):
    # an evaluation grid: three requests per test case in one loop are one cause (the loop), a second loop its own
    result = project(EVAL_GRID, select=["LA503"])
    grid, rows = sorted(result.findings, key=lambda f: f.line)
    assert grid.line == 18 and "(3 calls in this loop)" in grid.message
    assert [r.line for r in grid.related if r.message == "called in this loop"] == [18, 19, 20]
    assert rows.line == 25 and "calls in this loop" not in rows.message


def test_la601_one_response_parsed_at_two_lines_is_one_finding(project):
    # the regex cuts the JSON out, json.loads reads the match: one parse of one response
    result = project({"tags.py": '''
        import json
        import re
        from openai import OpenAI
        client = OpenAI()


        def get_query_tags(query):
            resp = client.chat.completions.create(model="gpt-4.1-mini", max_tokens=200, messages=[{"role": "user", "content": f"Return tags only as JSON: {query}"}])
            content = resp.choices[0].message.content.strip()
            match = re.search(r'\\{.*"tags".*\\}', content, re.DOTALL)
            if match:
                return json.loads(match.group()).get("tags", [])
            return []
    '''}, select=["LA601"])
    [f] = result.findings
    assert f.line == 11 and "`re.search`" in f.message and "(and at 1 more line)" in f.message
    assert [(r.line, r.message) for r in f.related] == [(13, "also parses it: `json.loads`")]
