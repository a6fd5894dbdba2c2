"""Functions that share a last name, and the whole-program reach through them.

A notebook defines its own ``generate_response`` (a direct SDK call) while the package it imports
has another ``generate_response`` that reaches the SDK only through ``send_request``; an
evaluation helper calls the package's one, and the notebook passes its ``EVALUATOR`` model
constant down that chain. Which functions reach a request was once found by a worklist over
names that looked at each name once: when the notebook's function put the name on the list
first, the package's callers were never looked at again, so the finding at ``EVALUATOR`` came
and went with Python's hash seed (llm-applications' rag.ipynb, fresh set 5). Every seed must
give the same findings; a constant no call uses stays silent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from conftest import notebook

GENERATE = """
    from openai import OpenAI

    client = OpenAI()


    def send_request(llm, messages, max_tokens=200):
        resp = client.chat.completions.create(model=llm, messages=messages, max_tokens=max_tokens)
        return resp.choices[0].message.content


    def generate_response(llm, system_content="", user_content=""):
        messages = [{"role": "system", "content": system_content}, {"role": "user", "content": user_content}]
        return send_request(llm, messages)
"""

EVALUATE = """
    from rag.generate import generate_response


    def evaluate_responses(evaluator, answers):
        scores = []
        for answer in answers:
            scores.append(generate_response(llm=evaluator, system_content="Score the answer from 1 to 5.", user_content=answer))
        return scores
"""

CELLS = [
    "from openai import OpenAI\nclient = OpenAI()",
    (
        "def generate_response(llm, user_content=''):\n"
        "    resp = client.chat.completions.create(model=llm, messages=[{'role': 'user', 'content': user_content}], max_tokens=100)\n"
        "    return resp.choices[0].message.content"
    ),
    "from rag.evaluate import evaluate_responses",
    'EVALUATOR = "gpt-4"\nUNUSED_MODEL = "gpt-4"',
    (
        "def run_experiment(experiment_name, evaluator, num_samples=None):\n"
        "    evaluate_responses(evaluator=evaluator, answers=[experiment_name][:num_samples])\n"
        "    print(experiment_name, 'done')"
    ),
    'run_experiment("with-context", evaluator=EVALUATOR)',
]


def _project(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "rag").mkdir()
    (tmp_path / "rag" / "__init__.py").write_text("")
    (tmp_path / "rag" / "generate.py").write_text(textwrap.dedent(GENERATE))
    (tmp_path / "rag" / "evaluate.py").write_text(textwrap.dedent(EVALUATE))
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "rag.ipynb").write_text(json.dumps(notebook(*CELLS)))
    return tmp_path


def _findings(root, seed: str, target: str) -> list[tuple]:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    out = subprocess.run(
        [sys.executable, "-m", "auditor", "check", "--no-cache", "--exit-zero", "--output-format", "json", "--today", "2026-12-02", target],
        cwd=root, env=env, capture_output=True, text=True, check=True,
    )
    return sorted((f["code"], f["path"], f.get("cell"), f["line"]) for f in json.loads(out.stdout))


def test_the_evaluator_constant_is_found_through_the_package_chain_whatever_the_hash_seed(tmp_path):
    root = _project(tmp_path)
    runs = {seed: _findings(root, seed, "notebooks/rag.ipynb") for seed in ("0", "2", "3", "5")}
    first = runs["0"]
    assert all(r == first for r in runs.values()), runs
    at_constant = [f for f in first if f[0] == "LA402" and f[2] == 3 and f[3] == 1]
    assert at_constant, first  # EVALUATOR's literal, reached through run_experiment -> evaluate_responses -> ...
    assert not [f for f in first if f[0] == "LA402" and f[2] == 3 and f[3] == 2], first  # UNUSED_MODEL: no call uses it


def test_the_whole_project_run_agrees_with_the_notebook_run(tmp_path):
    root = _project(tmp_path)
    whole = [f for f in _findings(root, "3", ".") if f[1] == "notebooks/rag.ipynb"]
    assert whole == _findings(root, "3", "notebooks/rag.ipynb")


def test_a_call_at_the_same_line_and_column_as_a_site_in_another_cell_is_still_derived(tmp_path):
    # cell 1's `    resp = client.chat.completions.create(` and cell 4's `    return evaluate_responses(` both start
    # at line 2, column 12: positions of a notebook count per cell, so the two are different calls
    cells = list(CELLS)
    cells[4] = "def run_experiment(experiment_name, evaluator):\n    return evaluate_responses(evaluator=evaluator, answers=[experiment_name])"
    root = _project(tmp_path)
    (root / "notebooks" / "rag.ipynb").write_text(json.dumps(notebook(*cells)))
    found = _findings(root, "0", "notebooks/rag.ipynb")
    assert [f for f in found if f[0] == "LA402" and f[2] == 3 and f[3] == 1], found
