"""Request payloads built by another method of the class (or a function of the module) and spread
into the SDK call: ``client.messages.create(**self._build_payload(text))``. The dict display the
method returns gives the request's model, cap and prompt; a method with several returns, or one
that returns a dict it edits, stays unknown (never "missing")."""

from __future__ import annotations

CODE = '''
from anthropic import Anthropic


class Summarizer:
    def __init__(self, model="claude-opus-4-5"):
        self.client = Anthropic()
        self.model = model

    def _build_payload(self, text):
        return {
            "model": self.model,
            "max_tokens": 512,
            "system": "You are a summarizer. Please make sure to keep it short.",
            "messages": [{"role": "user", "content": text}],
        }

    def summarize(self, text):
        return self.client.messages.create(**self._build_payload(text)).content[0].text


def payload(text):
    body = {"model": "claude-opus-4-5", "messages": [{"role": "user", "content": text}]}
    return body


def uncapped(text):
    return Anthropic().messages.create(**payload(text))


class Branchy:
    def _payload(self, text, long=False):
        if long:
            return {"model": "claude-opus-4-5", "max_tokens": 4096, "messages": [{"role": "user", "content": text}]}
        return {"model": "claude-opus-4-5", "messages": [{"role": "user", "content": text}]}

    def run(self, text):
        return Anthropic().messages.create(**self._payload(text))


def edited(text, **extra):
    body = {"model": "claude-opus-4-5", "messages": [{"role": "user", "content": text}]}
    body.update(extra)
    return body


def forwarded(text, **extra):
    return Anthropic().messages.create(**edited(text, **extra))
'''


def test_payload_dicts_from_methods(project):
    result = project({"svc.py": CODE}, select=["LA101", "LA201"])
    found = sorted((f.code, f.line) for f in result.findings)
    assert ("LA201", 14) in found  # the system text in the method's dict
    assert ("LA101", 19) not in found  # max_tokens=512 in the method's dict
    assert ("LA101", 28) in found  # the module function's dict (through a local name) has no cap
    assert ("LA101", 38) not in found and ("LA101", 48) not in found  # two returns / an edited dict: unknown
    assert {line for code, line in found if code == "LA101"} == {28}


def test_a_returned_dict_completed_by_subscripts_stays_unknown(project):
    code = '''
import json

import boto3


class Simulator:
    def __init__(self):
        self.client = boto3.client("bedrock-runtime")

    def format_input(self, model_input):
        formatted = {"messages": model_input["messages"]}
        if "inferenceConfig" in model_input:
            formatted["inferenceConfig"] = {"maxTokens": model_input["inferenceConfig"].get("maxTokens", 5000)}
        return formatted

    def invoke(self, model_input):
        body = self.format_input(model_input)
        return self.client.invoke_model(modelId="amazon.nova-lite-v1:0", body=json.dumps(body))
'''
    result = project({"sim.py": code}, select=["LA101"])
    assert [f.line for f in result.findings] == []
