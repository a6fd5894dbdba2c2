"""Clients, models and prompts defined in one project module and used in another."""

from __future__ import annotations

from conftest import codes


def test_client_imported_from_another_module(project):
    result = project({
        "app/__init__.py": "from .clients import client as default_client\n",
        "app/clients.py": """
            from openai import AsyncOpenAI, OpenAI
            from anthropic import Anthropic
            client = OpenAI(timeout=10)
            aclient = AsyncOpenAI()
            claude = Anthropic()
            NOT_A_CLIENT = object()
        """,
        "app/jobs.py": """
            from app.clients import client, claude, aclient, NOT_A_CLIENT
            from app import clients
            from app import default_client

            def run(texts):
                a = client.chat.completions.create(model="gpt-4o-mini", messages=[])
                b = clients.claude.messages.create(model="claude-haiku-4-5", messages=[], max_tokens=10)
                c = NOT_A_CLIENT.chat.completions.create(model="gpt-4o", messages=[])
                d = default_client.responses.create(model="gpt-4.1-mini", input="hi")
                return claude.messages.create(model="claude-haiku-4-5", messages=[])

            async def later():
                return await aclient.chat.completions.create(model="gpt-4o-mini", messages=[], max_tokens=5)
        """,
    }, select=["LA101"])
    sites = {(s.span.line, s.provider, s.api) for s in result.project.call_sites() if s.path == "app/jobs.py"}
    assert sites == {(7, "openai", "openai.chat"), (8, "anthropic", "anthropic.messages"), (10, "openai", "openai.responses"),
                     (11, "anthropic", "anthropic.messages"), (14, "openai", "openai.chat")}
    assert sorted(f.line for f in result.findings) == [7, 10, 11]
    assert codes(result) == ["LA101"] * 3


def test_distinctive_call_on_object_imported_from_outside_the_project(project):
    """`vendor_sdk` is not part of the project: its client's type is unknown, but a
    distinctive OpenAI method path with model and messages is still a call site; a
    Twilio-style `messages.create` is not."""
    result = project({
        "app/jobs.py": """
            from vendor_sdk import llm_client, sms
            def run(text):
                llm_client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
                sms.messages.create(to="+15555550100", from_="+15555550101", body=text)
        """,
    }, select=["LA101"])
    sites = [(s.span.line, s.api) for s in result.project.call_sites()]
    assert sites == [(4, "openai.chat")], sites
