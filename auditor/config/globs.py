"""Glob patterns from rule parameters and the policy (``ignore-models``, ``media-models``,
``per-file-ignores``): does a name match any of them (case-sensitive, ``fnmatch`` syntax)."""

from __future__ import annotations

import fnmatch


def glob_match(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)
