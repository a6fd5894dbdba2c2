"""Background jobs run by the worker queue (headline generation, translation, release notes)."""

from __future__ import annotations

from google import genai
from google.genai import types
from litellm import completion
from openai import AsyncOpenAI

aclient = AsyncOpenAI(timeout=20)
gclient = genai.Client()


async def headline(review: str) -> str:
    resp = await aclient.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "Write a headline of at most eight words for this review, then ###."},
            {"role": "user", "content": review},
        ],
        max_tokens=24,
        stop=["###"],
    )
    return resp.choices[0].message.content.strip()


def translate_reply(reply: str, language: str) -> str:
    resp = gclient.models.generate_content(
        model="gemini-2.5-flash",
        contents=f"Translate this customer support reply into {language}. Keep the sign-off.\n\n{reply}",
        config=types.GenerateContentConfig(max_output_tokens=256),
    )
    return resp.text


def release_notes(changelog: str) -> str:
    resp = completion(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "You write customer-facing release notes for Brightleaf's app."},
            {"role": "user", "content": f"Turn this changelog into release notes:\n{changelog}"},
        ],
    )
    return resp.choices[0].message.content
