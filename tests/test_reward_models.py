"""Reward models are called through chat endpoints but return a score of the conversation they are sent,
one conversation per request: LA101 (no cap) and LA503 (per-item loop) stay silent for them; a chat model
in the same loop is still reported."""

from __future__ import annotations

CODE = '''
import asyncio
from openai import AsyncOpenAI, OpenAI

reward_client = OpenAI(base_url="https://integrate.api.nvidia.com/v1", api_key="k")
client = OpenAI()


def get_reward_scores(question, answer):
    completion = reward_client.chat.completions.create(
        model="nvidia/nemotron-4-340b-reward",
        messages=[{"role": "user", "content": question}, {"role": "assistant", "content": answer}],
    )
    return completion.choices[0].message.content


def label(text):
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])


def score_all(rows):
    for row in rows:
        get_reward_scores(row["question"], row["answer"])
        label(row["answer"])
'''


def test_reward_model_is_neither_uncapped_nor_batchable(project):
    result = project({"app.py": CODE}, select=["LA101", "LA503"])
    found = sorted((f.code, f.line) for f in result.findings if f.path == "app.py")
    lines = CODE.splitlines()
    label_call = next(i for i, l in enumerate(lines, 1) if "client.chat.completions.create(model=\"gpt-4o-mini\"" in l)
    loop_label = next(i for i, l in enumerate(lines, 1) if l.strip() == 'label(row["answer"])')
    assert ("LA101", label_call) in found
    assert ("LA503", loop_label) in found
    assert not any(line in (10, 26) for _, line in found), found  # the reward call and its loop line
