"""Thin wrapper around the LLM providers used by Review Insights."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pandas as pd
from anthropic import Anthropic
from openai import OpenAI

from insights_app.prompts import (
    EXTRACTION_PROMPT,
    SENTIMENT_INSTRUCTION,
    SUMMARY_PROMPT,
    SUPPORT_POLICY_PROMPT,
)

SUPPORT_MODEL = "claude-sonnet-4-5"


class LLMClient:
    """One place for model choices, so the pipeline and the notebooks stay provider-agnostic."""

    def __init__(self) -> None:
        self.client = OpenAI(timeout=30)
        self.anthropic = Anthropic()

    def classify_sentiment(self, text: str) -> str:
        resp = self.client.chat.completions.create(
            model="gpt-4o",
            messages=[
                {"role": "system", "content": SENTIMENT_INSTRUCTION},
                {"role": "user", "content": text},
            ],
            temperature=0,
        )
        return resp.choices[0].message.content.strip().lower()

    def summarize(self, df: pd.DataFrame) -> str:
        prompt = SUMMARY_PROMPT.format(table=df.to_csv(index=False))
        resp = self.client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": prompt}],
            max_tokens=600,
        )
        return resp.choices[0].message.content

    def answer_ticket(self, question: str) -> str:
        msg = self.anthropic.messages.create(
            model=SUPPORT_MODEL,
            system=SUPPORT_POLICY_PROMPT,
            messages=[{"role": "user", "content": question}],
            max_tokens=400,
        )
        return msg.content[0].text

    def stream_chat_reply(self, question: str) -> Iterator[str]:
        """Live-chat widget: same policy as email tickets, streamed token by token."""
        with self.anthropic.messages.stream(
            model=SUPPORT_MODEL,
            system=SUPPORT_POLICY_PROMPT,
            messages=[{"role": "user", "content": question}],
            max_tokens=400,
        ) as stream:
            yield from stream.text_stream

    def extract_fields(self, review: str) -> dict:
        params = {
            "model": "gpt-4o-mini",
            "max_tokens": 300,
            "temperature": 0,
            "response_format": {"type": "json_object"},
        }
        resp = self.client.chat.completions.create(
            messages=[
                {"role": "system", "content": EXTRACTION_PROMPT},
                {"role": "user", "content": review},
            ],
            **params,
        )
        return json.loads(resp.choices[0].message.content)
