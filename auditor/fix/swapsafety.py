"""May a model swap be offered? Not where the model's name means more than the request.

Rewriting ``"gpt-4"`` to its successor changes only the request when the string is nothing but
the model argument. It changes the program when the same name is also *compared*
(``if model == "gpt-4"``, ``model in ("gpt-4", ...)``, ``.startswith("gpt-4")``, ``case "gpt-4":``),
*asserted* (a test pins the name), or *stored* as a key (``{"gpt-4": 8192}`` capability tables,
``LIMITS[MODEL]``). The project's Python files and notebooks are scanned (text only, never run)
for such uses of the literal and, when the model comes from a constant, of the constant's name;
any one blocks the swap.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_COMPARE = re.compile(r"==|!=|\bnot\s+in\b|\bin\s*[\(\[{]|\bin\s+\w|\bis\b|\.(?:startswith|endswith|__eq__)\(|^\s*case\b|\bassert(?:Equal|In|_|\b)")


def _texts(project: Any, root: Path, cache: dict) -> dict[str, str]:
    if "texts" in cache:
        return cache["texts"]
    out: dict[str, str] = {}
    for f in project.facts:
        if f.kind not in ("python", "notebook"):
            continue
        try:
            raw = (root / f.path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if f.kind == "notebook":
            try:
                nb = json.loads(raw)
                raw = "\n".join(
                    "".join(c.get("source", "")) if isinstance(c.get("source"), list) else str(c.get("source", ""))
                    for c in nb.get("cells", []) if isinstance(c, dict) and c.get("cell_type") == "code"
                )
            except Exception:  # noqa: BLE001 - a hostile notebook is skipped, never a crash
                continue
        out[f.path] = raw
    cache["texts"] = out
    return out


def swap_blocker(project: Any, root: Path, literal: str, names: list[str], cache: dict) -> str | None:
    """Why swapping ``literal`` (read through constants ``names``) would change the program, or None."""
    texts = _texts(project, root, cache)
    quoted = re.compile(r"""(?P<q>['"])%s(?P=q)""" % re.escape(literal))
    named = [re.compile(r"(?<![\w.])%s\b" % re.escape(n)) for n in names if n]
    for path, text in texts.items():
        if literal not in text and not any(n in text for n in names if n):
            continue
        for line in text.splitlines():
            hits = [m for m in quoted.finditer(line)]
            for pat in named:
                hits.extend(pat.finditer(line))
            for m in hits:
                after = line[m.end():]
                if re.match(r"\s*:\s*[\w.\[\], |]+=", after) or re.match(r"\s*=[^=]", after):
                    continue  # NAME: str = "..." / NAME = "...": the definition itself
                if _COMPARE.search(line):
                    return f"`{m.group(0)}` is compared or asserted in {path}"
                if re.match(r"\s*:(?!=)", after) and ("{" in line[: m.start()] or line[: m.start()].strip() == ""):
                    return f"`{m.group(0)}` is a dictionary key in {path}"
                if re.search(r"\[\s*$", line[: m.start()]) and re.match(r"\s*\]", after):
                    return f"`{m.group(0)}` is used as a lookup key in {path}"
    return None
