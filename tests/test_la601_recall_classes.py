"""LA601 on the recall corpus (docs/precision.md, "Session 14: the loop and text rules on the recall
corpus"): Bedrock's raw response body decoded into a name and then ``json.loads``-ed is the provider's
envelope, not the model's text; a Converse request with ``outputConfig`` (a JSON schema) asks for
structured output. Each beside the true parse of free text it resembles."""

from __future__ import annotations

from datetime import date

TODAY = date(2026, 12, 1)

INVOKE = '''
import json
import boto3

client = boto3.client("bedrock-runtime")

def topics(description):
    body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 500,
                       "messages": [{"role": "user", "content": f"List denied topics as JSON for: {description}"}]})
    response = client.invoke_model(body=body, modelId="anthropic.claude-3-haiku-20240307-v1:0")
    PARSE
'''


def _la601(project, src):
    return [f for f in project({"app.py": src}, select=["LA601"], today=TODAY).findings if f.code == "LA601"]


def test_the_decoded_response_body_is_the_envelope(project):
    src = INVOKE.replace("PARSE", 'response_body = response["body"].read().decode("utf-8")\n    print(json.dumps(json.loads(response_body), indent=2))')
    assert _la601(project, src) == []


def test_the_model_text_inside_the_envelope_is_still_parsed_free_text(project):
    src = INVOKE.replace("PARSE", 'response_body = json.loads(response.get("body").read())\n    text = response_body["content"][0]["text"]\n    return json.loads(text)')
    assert len(_la601(project, src)) == 1


CONVERSE = '''
import json
import boto3

runtime = boto3.client("bedrock-runtime")

def extract(email):
    response = runtime.converse(
        modelId="anthropic.claude-haiku-4-5-20251001-v1:0",
        messages=[{"role": "user", "content": [{"text": f"Extract the lead from this email: {email}"}]}],
        inferenceConfig={"maxTokens": 1024},
        EXTRA
    )
    return json.loads(response["output"]["message"]["content"][0]["text"])
'''

SCHEMA = 'outputConfig={"textFormat": {"type": "json_schema", "structure": {"jsonSchema": {"schema": json.dumps({"type": "object"}), "name": "lead"}}}},'


def test_converse_with_an_output_schema_is_structured(project):
    assert _la601(project, CONVERSE.replace("EXTRA", SCHEMA)) == []


def test_converse_without_one_is_reported(project):
    assert len(_la601(project, CONVERSE.replace("EXTRA", ""))) == 1


NOTEBOOK_CHAIN = '''
from openai import OpenAI
import json

client = OpenAI()
info = client.chat.completions.create(model="gpt-4o-mini", max_tokens=500,
    messages=[{"role": "user", "content": "Describe every item, price and quantity on this receipt."}]).choices[0].message.content
extract = client.chat.completions.create(model="gpt-4o-mini", max_tokens=500, SCHEMA
    messages=[{"role": "system", "content": "Extract the receipt as JSON."}, {"role": "user", "content": info}])
output = json.loads(extract.choices[0].message.content)
'''


def test_the_answer_of_a_structured_request_is_not_the_text_it_was_sent(project):
    # info (free text) is sent to a second, structured request; the parse reads that request's answer
    src = NOTEBOOK_CHAIN.replace("SCHEMA", 'response_format={"type": "json_schema", "json_schema": {"name": "r", "schema": {"type": "object"}}},')
    assert _la601(project, src) == []


def test_the_answer_of_an_unstructured_second_request_is_still_reported(project):
    found = _la601(project, NOTEBOOK_CHAIN.replace("SCHEMA", ""))
    assert len(found) == 1 and "line 8" in found[0].message  # the second request, whose answer is parsed
