"""Caps in a pydantic request model spread into the call (analysis/requestmodels.py).

Cohere's toolkit keeps the chat parameters as ``class CohereChatRequest(BaseChatRequest)`` with
``max_tokens: Optional[int] = Field(None, ...)`` in a schemas module and sends
``self.client.chat(**chat_request.model_dump(exclude={...}))``: the field's default is the request's
cap, so ``None`` is an uncapped request by default (LA101 names the field). Look-alikes stay silent:
a numeric default, a cap field excluded from the dump, a class without a cap field (its cap stays
unknown), a parameter without an annotation, a computed default.
"""

from __future__ import annotations

SCHEMAS_BASE = '''
    from typing import Optional

    from pydantic import BaseModel, Field


    class BaseChatRequest(BaseModel):
        message: str = Field(..., title="Message")
        conversation_id: str = Field(default="", title="Conversation id")
        max_tokens: Optional[int] = Field(None, title="Max Tokens", ge=1)
'''

SCHEMAS = '''
    from typing import Any, Optional

    from pydantic import Field

    from backend.schemas.chat import BaseChatRequest


    class CohereChatRequest(BaseChatRequest):
        model: Optional[str] = Field("command-r-plus", title="Model")
        temperature: Optional[float] = Field(None, ge=0.0)
        stream: bool = True


    class CappedRequest(BaseChatRequest):
        max_tokens: Optional[int] = Field(default=700)


    class LooseRequest(BaseChatRequest):
        pass


    class OtherRequest:
        message: str = ""
'''

DEPLOYMENT = '''
    from typing import Any

    import cohere

    from backend.schemas.cohere_chat import CappedRequest, CohereChatRequest, OtherRequest


    class CohereDeployment:
        def __init__(self, api_key: str):
            self.client = cohere.Client(api_key=api_key)

        async def invoke_chat(self, chat_request: CohereChatRequest, **kwargs: Any) -> Any:
            response = self.client.chat(**chat_request.model_dump(exclude={"stream", "conversation_id"}))
            return response.text

        async def invoke_bedrock(self, chat_request: CohereChatRequest) -> Any:
            req = chat_request.model_dump(exclude={"model", "stream"}, exclude_none=True)
            return self.client.chat(**req)

        async def capped(self, chat_request: CappedRequest) -> Any:
            return self.client.chat(**chat_request.model_dump())

        async def excluded(self, chat_request: CohereChatRequest) -> Any:
            return self.client.chat(**chat_request.model_dump(exclude={"max_tokens"}))

        async def untyped(self, chat_request) -> Any:
            return self.client.chat(**chat_request.model_dump())

        async def other(self, chat_request: OtherRequest) -> Any:
            return self.client.chat(**chat_request.dict())
'''


def test_a_field_defaulting_to_none_is_an_uncapped_request(project):
    files = {
        "src/backend/__init__.py": "", "src/backend/schemas/__init__.py": "",
        "src/backend/schemas/chat.py": SCHEMAS_BASE, "src/backend/schemas/cohere_chat.py": SCHEMAS,
        "src/backend/model_deployments/__init__.py": "", "src/backend/model_deployments/cohere_platform.py": DEPLOYMENT,
    }
    result = project(files, select=["LA101"])
    found = sorted((f.path, f.line) for f in result.findings if f.code == "LA101")
    assert found == [("src/backend/model_deployments/cohere_platform.py", 14), ("src/backend/model_deployments/cohere_platform.py", 19)]
    f = next(f for f in result.findings if f.code == "LA101")
    assert "`max_tokens` from a field of its request model whose default is None" in f.message
    assert f.fix is None  # the default is written in another file


def test_a_class_without_a_cap_field_stays_unknown(project):
    files = {
        "backend/__init__.py": "", "backend/schemas/__init__.py": "",
        "backend/schemas/chat.py": SCHEMAS_BASE.replace('    max_tokens: Optional[int] = Field(None, title="Max Tokens", ge=1)\n', ""),
        "backend/schemas/cohere_chat.py": SCHEMAS, "backend/deploy.py": DEPLOYMENT,
    }
    result = project(files, select=["LA101"])
    assert [(f.path, f.line) for f in result.findings if f.code == "LA101"] == []
