"""Call sites on receivers of unknown type told by the model they name (`untyped: {models: [...]}` in
rules/providers.yaml), and SDK clients the catalog learnt from the recall corpus (docs/recall.md):
Cohere's SageMaker SDK (`cohere_aws.Client`, `SagemakerClient().sagemaker_finetuning.chat`) and causal
LMs loaded by quantisation or adapter libraries (AutoGPTQ, AutoAWQ, PEFT) whose `generate()` is
transformers'. Look-alikes (another framework's `chat(model="gpt-4o")`, a bot's `chat(text)`, a model
passed as an unknown value, a constructor that is not a causal LM) stay silent."""

from __future__ import annotations

import json

from test_resolution import SELECT, _expect, _sites


def _notebook(*cells: str) -> str:
    return json.dumps({
        "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c} for c in cells],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    })


def _nb_sites(result, path):
    return sorted((s.cell, s.span.line, s.api, s.model.value if s.model is not None and s.model.is_literal else None)
                  for s in result.project.call_sites() if s.path == path)


def test_client_made_in_a_cell_that_does_not_parse(project):
    # the cohere tutorials' first cell reads `co = cohere.ClientV2(api_key"...")`: `co` has no type
    nb = _notebook(
        'import cohere\n\nco = cohere.ClientV2(api_key"COHERE_API_KEY")\n',
        'response = co.chat(model="command-r-plus-08-2024",\n                   messages=[{"role": "user", "content": "Write an intro."}])\n',
        'MODEL = "command-a-03-2025"\nfor event in co.chat_stream(model=MODEL, messages=[{"role": "user", "content": "Hi"}], max_tokens=200):\n    print(event)\n',
        'legacy = co.chat(message="Hello", model="command-r")\n',
    )
    result = project({"tutorial.ipynb": nb}, select=SELECT)
    assert _nb_sites(result, "tutorial.ipynb") == [
        (1, 1, "cohere.chat.v2", "command-r-plus-08-2024"),
        (2, 2, "cohere.chat.v2", "command-a-03-2025"),
        (3, 1, "cohere.chat", "command-r"),
    ]
    flagged = sorted((f.cell, f.line) for f in result.findings if f.code == "LA101")
    assert flagged == [(1, 1), (3, 1)]  # the stream sets max_tokens


def test_common_method_on_unknown_receivers_stays_silent(project):
    code = """
        from myframework import Agent, ChatBot

        agent = Agent()
        bot = ChatBot()

        def answer(question, model_name, co):
            agent.chat(model="gpt-4o", messages=[{"role": "user", "content": question}])
            bot.chat(question)
            bot.chat(messages=[{"role": "user", "content": question}])
            co.chat(model=model_name, messages=[{"role": "user", "content": question}])
            agent.memory.chat(model="command-r", messages=[])
            return agent.chat_stream(model="llama3", message=question)
    """
    result = project({"app.py": code}, select=SELECT)
    assert _sites(result) == []


def test_cohere_sagemaker_clients(project):
    code = """
        import cohere
        from cohere_aws import Client

        co = Client(region_name="us-east-1")
        co.connect_to_endpoint(endpoint_name="command-ft")
        result = co.chat(message="Summarise the report", return_prompt=True)  # site LA101
        capped = co.generate(prompt="Once upon a time", max_tokens=100)  # site

        sm = cohere.SagemakerClient(aws_region="us-east-1")
        sm.sagemaker_finetuning.create_endpoint(arn="arn:aws:sagemaker:x", endpoint_name="ft")
        answer = sm.sagemaker_finetuning.chat(message="What changed?", temperature=0)  # site LA101
        sm.sagemaker_finetuning.delete_endpoint()
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("cohere.chat", None), ("cohere.generate", None), ("cohere.chat", None)])


def test_quantised_and_adapter_causal_lms(project):
    code = """
        from auto_gptq import AutoGPTQForCausalLM, BaseQuantizeConfig
        from awq import AutoAWQForCausalLM
        from peft import AutoPeftModelForCausalLM, LoraConfig
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained("mistralai/Mistral-7B-Instruct-v0.3")
        gptq = AutoGPTQForCausalLM.from_quantized("out/gptq", device="cuda:0")
        awq = AutoAWQForCausalLM.from_quantized("out/awq", device="cuda:0")
        tuned = AutoPeftModelForCausalLM.from_pretrained("out/lora")
        config = BaseQuantizeConfig(bits=4, group_size=128)
        lora = LoraConfig(r=8)

        inputs = tokenizer("How are you today?", return_tensors="pt")
        a = gptq.generate(**inputs, max_new_tokens=32)  # site
        b = awq.generate(**inputs, max_new_tokens=32)  # site
        c = tuned.generate(input_ids=inputs["input_ids"])  # site LA101
        tokenizer.decode(a[0], skip_special_tokens=True)
    """
    result = project({"quant.py": code}, select=SELECT)
    _expect(result, code, [("transformers.generate", None)] * 3, path="quant.py")
