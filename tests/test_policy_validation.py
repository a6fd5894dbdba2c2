"""Policy values checked against the rule catalog: every mistake is exit 2 with
file:line:column and, where a close spelling exists, a did-you-mean; valid policies pass."""

from __future__ import annotations

import json
import re
import textwrap

import jsonschema
import pytest
from conftest import cli, write_tree

from auditor.config.catalog import load_rule_entries
from auditor.config.validate import param_schema

APP = {"app/llm.py": 'import litellm\nlitellm.completion(model="gpt-4o-mini", messages=[])\n'}


def _errors(tmp_path, policy: str, name: str = ".llm-audit.yaml") -> list[str]:
    (tmp_path / ".git").mkdir(exist_ok=True)
    write_tree(tmp_path, APP)
    (tmp_path / name).write_text(textwrap.dedent(policy).lstrip("\n"))
    r = cli("check", ".", cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr and r.stdout == "", r.stderr
    lines = r.stderr.removeprefix("llm-audit: error: ").strip().splitlines()
    for line in lines:
        assert re.match(rf"^.*{re.escape(name)}:\d+:\d+: invalid policy at `[^`]+`: ", line), line
    return lines


def _one(tmp_path, policy: str) -> str:
    (line,) = _errors(tmp_path, policy)
    return line


CASES = [
    # (policy, where, what)
    ("select: [LA9]\n", ":1:10: invalid policy at `select[0]`", "the prefix 'LA9' selects no rule"),
    ("select: [missing-output-caps]\n", ":1:10: invalid policy at `select[0]`", "unknown rule selector 'missing-output-caps' (did you mean 'missing-output-cap'?)"),
    ("ignore: [LA101, LA2O1]\n", ":1:17: invalid policy at `ignore[1]`", "(did you mean 'LA201'?)"),
    ("extend-select: [LA999]\n", ":1:17: invalid policy at `extend-select[0]`", "unknown rule selector 'LA999'"),
    ("severity:\n  LA101: error\n  verbose-instructions: info\n", ":3:3: invalid policy at `severity.verbose-instructions`", "did you mean 'verbose-instruction'?"),
    ("per-file-ignores:\n  'tests/*': [LA1, LA66]\n", ":2:20: invalid policy at `per-file-ignores.tests/*[1]`", "the prefix 'LA66' selects no rule"),
    ("params:\n  LA101:\n    default-cap: -5\n", ":3:5: invalid policy at `params.LA101.default-cap`", "-5 is too small (minimum 1)"),
    ("params:\n  LA101:\n    default-cap: 1.5\n", ":3:5: invalid policy at `params.LA101.default-cap`", "1.5 is not an integer"),
    ("params:\n  LA101:\n    default-cap: '512'\n", ":3:5: invalid policy at `params.LA101.default-cap`", "'512' is not of type 'integer'"),
    ("params:\n  LA101:\n    default_cap: 512\n", ":3:5: invalid policy at `params.LA101.default_cap`", "has no parameter 'default_cap' (did you mean 'default-cap'?)"),
    ("params:\n  LA1:\n    default-cap: 512\n", ":2:3: invalid policy at `params.LA1`", "params name one rule"),
    ("params:\n  missing-output-caps: {default-cap: 5}\n", ":2:3: invalid policy at `params.missing-output-caps`", "did you mean 'missing-output-cap'?"),
    ("params:\n  LA401: {simple-task-tier: smal}\n", ":2:11: invalid policy at `params.LA401.simple-task-tier`", "(did you mean 'small'?)"),
    ("params:\n  LA401: {complex-phrases: ['(unclosed']}\n", ":2:29: invalid policy at `params.LA401.complex-phrases[0]`", "not a valid regular expression"),
    ("params:\n  LA501:\n    hit-rate: 1.5\n", ":3:5: invalid policy at `params.LA501.hit-rate`", "1.5 is greater than the maximum of 1"),
    ("params:\n  LA501:\n    provider-cache:\n      openai: {cache: auto, min-tokens: 10}\n", ":4:16: invalid policy at `params.LA501.provider-cache.openai.cache`", "(did you mean 'automatic'?)"),
    ("params:\n  LA201:\n    extra-phrases:\n      - {phrase: '', rewrite: x}\n", ":4:10: invalid policy at `params.LA201.extra-phrases[0].phrase`", "should be non-empty"),
    ("params:\n  LA104:\n    extra-phrases:\n      - {phrase: one word, delimeter: '###'}\n", ":4:28: invalid policy at `params.LA104.extra-phrases[0].delimeter`", "(did you mean 'delimiter'?)"),
    ("params:\n  LA102: {max-cap: 0}\n", ":2:11: invalid policy at `params.LA102.max-cap`", "0 is too small (minimum 1)"),
    ("usage:\n  monthly-calls: .inf\n", ":2:3: invalid policy at `usage.monthly-calls`", "inf is not a finite number"),
    ("usage:\n  monthly-call: 100\n", ":2:3: invalid policy at `usage.monthly-call`", "unknown key 'monthly-call' (did you mean 'monthly-calls'?)"),
    ("budgets:\n  max-monthly: 100\n", ":2:3: invalid policy at `budgets.max-monthly`", "(did you mean 'max-monthly-usd'?)"),
    ("models:\n  my-model:\n    provider: openai\n    price: {input: .nan, output: 1}\n", ":4:13: invalid policy at `models.my-model.price.input`", "nan is not a finite number"),
    ("models:\n  my-model:\n    provider: openai\n    teir: small\n", ":4:5: invalid policy at `models.my-model.teir`", "(did you mean 'tier'?)"),
    ("call-sites: [{match: {callables: [app.ask]}}]\n", ":1:14: invalid policy at `call-sites[0]`", "'id' is a required property"),
    ("call-sites:\n  - id: app.ask\n    match: {}\n", ":3:5: invalid policy at `call-sites[0].match`", "matches nothing"),
    ("call-sites:\n  - id: app.ask\n    match: {types: [app.Client]}\n", ":3:13: invalid policy at `call-sites[0].match.types`", "`types` needs `methods`"),
    ("call-sites:\n  - id: app.ask\n    match: {callables: [app.ask]}\n    cap-insert: {default: 'max_tokens=5); import os; os.system(\"x\"'}\n",
     ":4:18: invalid policy at `call-sites[0].cap-insert.default`", "is not a parameter name: use an identifier or a dotted path"),
    ("call-sites:\n  - id: app.ask\n    match: {callables: [app.ask]}\n    cap: [max tokens]\n", ":4:11: invalid policy at `call-sites[0].cap[0]`", "not a parameter name"),
    ("call-sites:\n  - id: app.ask\n    match: {callables: [app.ask]}\n    signatur: [prompt]\n", ":4:5: invalid policy at `call-sites[0].signatur`", "(did you mean 'signature'?)"),
]


@pytest.mark.parametrize("policy,where,what", CASES, ids=[c[1].split("`")[1] for c in CASES])
def test_each_mistake_is_one_error_with_its_position(tmp_path, policy, where, what):
    line = _one(tmp_path, policy)
    assert where in line and what in line, line


def test_every_mistake_of_a_file_is_reported_at_once_in_file_order(tmp_path):
    lines = _errors(tmp_path, """
        select: [LA9, missing-output-caps]
        params:
          LA101: {default-cap: 1.5, bogus: 2}
        usage: {monthly-calls: .inf, foo: 1}
    """)
    assert [re.search(r":(\d+:\d+): ", line).group(1) for line in lines] == ["1:10", "1:15", "3:11", "3:29", "4:9", "4:30"]


def test_an_empty_matcher_is_a_policy_error_not_a_crash(tmp_path):
    lines = _errors(tmp_path, "call-sites: [{match: {}}]\n")
    assert any("'id' is a required property" in line for line in lines) and any("matches nothing" in line for line in lines)


def test_valid_policies_pass_and_change_what_runs(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, APP)
    (tmp_path / ".llm-audit.yaml").write_text(textwrap.dedent("""
        select: [LA1, verbose-instruction, ALL]
        ignore: [LA6]
        severity: {LA10: warning, missing-output-cap: error}
        per-file-ignores: {"tests/**": [LA101]}
        params:
          missing-output-cap: {default-cap: 256}
          LA102: {max-cap: null}
          LA401: {simple-task-tier: medium, complex-phrases: ["\\\\bplan\\\\b"]}
          LA501: {hit-rate: 1, provider-cache: {openai: {cache: automatic, min-tokens: 1024}}}
          LA201: {extra-phrases: [{phrase: "kindly note that", rewrite: ""}]}
        usage: {monthly-calls: 2500.5, typical-output-ratio: 0.5}
        models:
          my-finetune: {provider: openai, tier: small, price: {input: 0.3, output: 1.2}}
        call-sites:
          - id: app.ask
            provider: openai
            match: {callables: [app.llm.ask]}
            cap-insert: {default: config.max_output_tokens}
    """))
    r = cli("check", ".", "--output-format", "json", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    (f,) = [x for x in json.loads(r.stdout) if x["code"] == "LA101"]
    assert "max_tokens=256" in f["fix"]["edits"][0]["content"]


def test_pyproject_errors_name_the_line_of_the_key(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, APP)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.llm-audit]\nselect = ["LA101"]\n\n[tool.llm-audit.params.LA101]\ndefault-cap = 0\n')
    r = cli("check", ".", cwd=tmp_path)
    assert r.returncode == 2 and "pyproject.toml:8:1: invalid policy at `params.LA101.default-cap`: 0 is too small" in r.stderr, r.stderr


def test_an_extended_file_is_checked_and_the_rules_its_chain_defines_are_known(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, APP)
    write_tree(tmp_path, {"team/base.yaml": textwrap.dedent("""
        rules:
          - code: TEAM001
            name: wrapper-needs-budget
            check: required_argument
            params: {argument: budget}
        params:
          LA101: {default-cap: 0}
    """)})
    (tmp_path / ".llm-audit.yaml").write_text("extends: [team/base.yaml]\nselect: [TEAM001, LA101]\nparams:\n  TEAM001: {argument: cost_limit}\n")
    r = cli("check", ".", cwd=tmp_path)
    assert r.returncode == 2 and "team/base.yaml:8:11: invalid policy at `params.LA101.default-cap`" in r.stderr, r.stderr
    assert "TEAM001" not in r.stderr  # a rule the chain defines is a known selector
    (tmp_path / "team/base.yaml").write_text((tmp_path / "team/base.yaml").read_text().replace("default-cap: 0", "default-cap: 100"))
    assert cli("check", ".", cwd=tmp_path).returncode in (0, 1)


def test_cli_selectors_get_the_same_check(tmp_path):
    write_tree(tmp_path, APP)
    r = cli("check", ".", "--select", "missing-output-caps", cwd=tmp_path)
    assert r.returncode == 2 and "did you mean 'missing-output-cap'?" in r.stderr


@pytest.mark.parametrize("rule", load_rule_entries(), ids=lambda r: r.code)
def test_every_default_fits_its_own_parameter_schema(rule):
    for name, default in rule.params.items():
        schema = param_schema(rule, name)
        assert schema, (rule.code, name)
        jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(default)
