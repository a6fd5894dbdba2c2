"""Identifier and personal-data column names (LA302, and the DataFrame token model)."""

from __future__ import annotations

import fnmatch
import re


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower().replace("-", "_").replace(" ", "_")


def identifier_columns(columns: list[str], patterns: list[str]) -> list[str]:
    """The columns that match the identifier / PII patterns (case-insensitive, camelCase aware)."""
    pats = [p.lower() for p in patterns]
    return [c for c in columns if any(fnmatch.fnmatchcase(snake(c), p) for p in pats)]
