"""Reading a file's (or a notebook code cell's) lines, for snippets and baseline fingerprints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

SourceLines = Callable[[str, "int | None"], "list[str] | None"]


def file_lines(root: Path, texts: dict[str, str] | None = None) -> SourceLines:
    """A cached reader of a file's (or a notebook cell's) lines for snippets; ``texts``
    gives the content of files that are not on disk as analysed (standard input)."""
    cache: dict[tuple[str, int | None], list[str] | None] = {}

    def read(path: str, cell: int | None) -> list[str] | None:
        key = (path, cell)
        if key not in cache:
            try:
                p = root / path if not Path(path).is_absolute() else Path(path)
                text = texts[path] if texts and path in texts else p.read_text(encoding="utf-8", errors="replace")
                if cell is not None:
                    nb = json.loads(text)
                    cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
                    src = cells[cell].get("source", "")
                    text = "".join(src) if isinstance(src, list) else src
                cache[key] = text.splitlines()
            except (OSError, ValueError, IndexError, KeyError, AttributeError):
                cache[key] = None
        return cache[key]

    return read
