"""Prompt text built with ``+=`` (``PROMPT = ""`` then ``if X: PROMPT += f"...{X}"``): a read of the
name sees its binding and every ``+=`` between that binding and the read, so filler in the pieces
reaches the request (anthropic-courses lesson 9 builds its prompt this way). A ``+=`` after the
request, or a name mutated otherwise, is not read into it."""

from __future__ import annotations

from conftest import notebook

WRAPPER = '''
import anthropic

client = anthropic.Anthropic()


def get_completion(prompt: str, system_prompt=""):
    message = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=2000,
        system=system_prompt,
        messages=[{"role": "user", "content": prompt}],
    )
    return message.content[0].text
'''


def la201(result):
    return sorted((f.cell, f.line, f.message.split('"')[1]) for f in result.findings if f.code == "LA201")


def test_prompt_elements_combined_under_ifs_in_notebook_cells(project):
    cells = [
        WRAPPER,
        'TASK_CONTEXT = "You will be acting as an AI career coach named Joe. Your goal is to give career advice to users."\n'
        'TONE_CONTEXT = "You should maintain a friendly customer service tone."\n'
        'QUESTION = "How do I get a job?"\n'
        '\n'
        'PROMPT = ""\n'
        'if TASK_CONTEXT:\n'
        '    PROMPT += f"""{TASK_CONTEXT}"""\n'
        'if TONE_CONTEXT:\n'
        '    PROMPT += f"""\\n\\n{TONE_CONTEXT}"""\n'
        'if QUESTION:\n'
        '    PROMPT += f"""\\n\\nPlease answer the following question: {QUESTION}"""\n',
        "print(get_completion(PROMPT))",
    ]
    result = project({"lesson.ipynb": notebook(*cells)}, select=["LA201"])
    assert la201(result) == [(1, 1, "Your goal is to give"), (1, 11, "Please answer"), (1, 11, "the following question:")]


def test_accumulated_in_a_function_and_after_the_request(project):
    code = WRAPPER + '''

def answer(question, docs):
    prompt = "You answer questions about our product."
    if docs:
        prompt += "\\n\\nPlease make sure to cite the documents."
    prompt += f"\\n\\nQuestion: {question}"
    return get_completion(prompt)


def chat(question):
    prompt = "Answer briefly."
    first = get_completion(prompt)
    prompt += " Please make sure to be polite."  # after the request: never sent with it
    return first


def edited(question):
    parts = ["Answer briefly."]
    parts += ["Please make sure to be polite."]  # a list, not text
    return get_completion(question)
'''
    result = project({"app.py": code}, select=["LA201"])
    assert la201(result) == [(None, 20, "Please make sure to cite")]
