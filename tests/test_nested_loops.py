"""LA503 across functions: a request sent once per item of a loop in one function, that function called
once per item of a loop in another (files -> pages -> one request per page) is one cause, reported at the
innermost loop over data, not again at every caller's loop. A caller's loop over data around a callee that
only repeats a fixed handful of requests is reported at the caller."""

from __future__ import annotations

CODE = '''
import os
from openai import OpenAI

client = OpenAI()


def describe(table):
    return client.chat.completions.create(model="gpt-4o-mini", max_tokens=200,
                                          messages=[{"role": "user", "content": f"Describe: {table}"}])


def process_file(path):
    out = []
    for page in open(path).read().split("\\f"):
        out.append(describe(page))  # inner
    return out


def process_folder(folder):
    docs = []
    for name in os.listdir(folder):
        docs.extend(process_file(os.path.join(folder, name)))  # outer
    return docs


def upload(files):
    return [process_file(f.name) for f in files]  # outer2


def both_tones(text):
    for tone in ("formal", "casual"):
        describe(f"{tone}: {text}")  # handful


def rewrite_all(texts):
    for t in texts:
        both_tones(t)  # caller
'''


def _line(marker):
    return next(i for i, l in enumerate(CODE.splitlines(), 1) if l.rstrip().endswith("# " + marker))


def test_the_innermost_loop_over_data_is_the_one_finding(project):
    result = project({"app.py": CODE}, select=["LA503"])
    lines = sorted(f.line for f in result.findings if f.path == "app.py")
    assert _line("inner") in lines
    assert _line("outer") not in lines and _line("outer2") not in lines, lines


def test_a_callers_data_loop_around_a_fixed_handful_is_reported_at_the_caller(project):
    result = project({"app.py": CODE}, select=["LA503"])
    lines = sorted(f.line for f in result.findings if f.path == "app.py")
    assert _line("caller") in lines and _line("handful") not in lines, lines
