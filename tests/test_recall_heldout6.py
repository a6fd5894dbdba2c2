"""A false positive of recall held-out-6 (docs/recall.md), fixed after its first run: Bedrock ``invoke_model``
naming an **embedding model** (``modelId = "amazon.titan-embed-text-v1"``, ``body = {"inputText": ...}``) in a
notebook cell or a script is an embedding request, not a generation call site (AWS's Bedrock samples,
``Setup.ipynb``). The catalog skipped such calls only inside an embedder (``skip-in: ["*embed*"]`` on the enclosing
function's name); ``skip-models`` now skips them by the model the call names.

Look-alikes keep their sites: a text model in the same cell, a model id that is not known (a parameter), and a
generation model whose name merely contains "embed" somewhere else in the call (the prompt text).
"""

from __future__ import annotations

import textwrap

from test_recall_heldout4 import _notebook, _written
from test_resolution import SELECT


def test_embedding_model_invoke_model_is_not_a_call_site(project):
    nb = _notebook(
        """
        import json
        import boto3
        bedrock = boto3.client(service_name="bedrock-runtime")
        """,
        """
        body = json.dumps({"prompt": "Human: Say hi\\n\\nAssistant:", "max_tokens_to_sample": 200})
        modelId = "anthropic.claude-instant-v1"
        response = bedrock.invoke_model(body=body, modelId=modelId, accept="application/json", contentType="application/json")
        """,
        """
        body = json.dumps({"inputText": "Embed this sentence about embeddings"})
        modelId = "amazon.titan-embed-text-v1"
        response = bedrock.invoke_model(body=body, modelId=modelId, accept="application/json", contentType="application/json")
        embedding = json.loads(response.get("body").read()).get("embedding")
        """,
        """
        out = bedrock.invoke_model(modelId="cohere.embed-english-v3", body=json.dumps({"texts": ["a"], "input_type": "search_document"}))
        """,
    )
    result = project({"Setup.ipynb": nb}, select=SELECT)
    sites = _written(result, "Setup.ipynb")
    assert [(c, line) for c, line, _ in sites] == [(1, 4)]
    assert not [f for f in result.findings if f.code == "LA101" and f.path == "Setup.ipynb"]


def test_generation_models_and_unknown_models_keep_their_sites(project):
    files = {
        "rag/answer.py": textwrap.dedent("""
            import json
            import boto3

            client = boto3.client("bedrock-runtime")

            def answer(question, model_id):
                # an unknown model id: still a generation call
                body = {"messages": [{"role": "user", "content": question}], "anthropic_version": "bedrock-2023-05-31"}
                return client.invoke_model(modelId=model_id, body=json.dumps(body))

            def summarise(text):
                prompt = "Summarise, do not embed code: " + text
                return client.invoke_model(modelId="meta.llama3-8b-instruct-v1:0", body=json.dumps({"prompt": prompt}))
        """),
    }
    result = project(files, select=SELECT)
    assert [line for _, line, _ in _written(result, "rag/answer.py")] == [10, 14]
    la101 = sorted(f.line for f in result.findings if f.code == "LA101" and f.path == "rag/answer.py")
    assert 14 in la101  # no max_gen_len in the Llama body
