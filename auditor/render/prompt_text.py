"""A call site's prompt as text: the one-line preview of the report JSON and the messages of
the HTML page, holes shown as ``{expr}``."""

from __future__ import annotations

from auditor.facts import CallSite

PREVIEW_CHARS = 300
PROMPT_CHARS = 4000  # per message, in the HTML page


def prompt_preview(site: CallSite, limit: int = PREVIEW_CHARS) -> str:
    text = " | ".join(f"{m.role}: {message_text(m)}" for m in site.prompt.messages)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def message_text(message, limit: int | None = None) -> str:
    """A message as text, holes shown as ``{expr}``."""
    parts = []
    for s in message.segments:
        parts.append(s.text if s.kind == "static" else "{" + (s.expr or s.hole_kind) + "}")
    text = "".join(parts)
    if limit is not None and len(text) > limit:
        return text[:limit] + f"\n... ({len(text) - limit:,} more characters)"
    return text
