"""Prompt-file text -> its YAML front matter (round-trip mapping with positions) and body lines.

What the front matter and body *say* (call-site parameters, messages, holes) is
:mod:`auditor.analysis.promptfile`'s.
"""

from __future__ import annotations

import re
from typing import Any


class FrontMatter:
    """Parsed front matter: the round-trip YAML mapping and where its text sits in the file."""

    def __init__(self, data: Any, first_line: int, close_line: int):
        self.data = data  # ruamel CommentedMap
        self.first_line = first_line  # 1-based file line of the first YAML line (after ---)
        self.close_line = close_line  # 1-based file line of the closing ---

    def pos(self, line0: int, col0: int) -> tuple[int, int]:
        return self.first_line + line0, col0 + 1


def yaml_loader():
    from auditor.config.yamlsafe import yaml

    return yaml("rt", preserve_quotes=True)  # alias bombs rejected: a YAML error like any other


def split_front_matter(lines: list[str]) -> tuple[FrontMatter | None, int, tuple[str, int, int] | None]:
    """(front matter or None, 1-based first body line, LA000 (reason, line, column) or None)."""
    if not lines or lines[0].rstrip("\r").rstrip() != "---":
        return None, 1, None
    close = None
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r").rstrip() in ("---", "..."):
            close = i
            break
    if close is None:
        return None, 1, ("front matter opened on line 1 is never closed with `---`", 1, 1)
    yaml_text = "\n".join(line.rstrip("\r") for line in lines[1:close])
    try:
        data = yaml_loader().load(yaml_text) if yaml_text.strip() else None
    except Exception as e:  # noqa: BLE001 - any YAML error is the file's problem, reported as LA000
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = 2 + (mark.line if mark is not None else 0)
        col = 1 + (mark.column if mark is not None else 0)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        return None, close + 2, (f"broken front matter: {problem} (line {line})", line, col)
    if data is None:
        return None, close + 2, None
    from ruamel.yaml.comments import CommentedMap

    if not isinstance(data, CommentedMap):
        return None, close + 2, (f"broken front matter: expected a mapping of keys, got {type(data).__name__}", 2, 1)
    return FrontMatter(data, 2, close + 1), close + 2, None


def plain_value(v: Any) -> Any:
    """ruamel's round-trip scalars and containers -> plain Python values."""
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    if isinstance(v, str):
        return str(v)
    if isinstance(v, dict):
        return {str(k): plain_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain_value(x) for x in v]
    return v if v is None else str(v)


def value_end(lines: list[str], line: int, col: int) -> tuple[int, int]:
    """End (line, column) of a one-line YAML value starting at (line, col), before a comment."""
    text = lines[line - 1].rstrip("\r") if 0 < line <= len(lines) else ""
    rest = text[col - 1 :]
    m = re.search(r"\s+#", rest)
    if m and not rest.lstrip().startswith(("'", '"')):
        rest = rest[: m.start()]
    return line, col + len(rest.rstrip())
