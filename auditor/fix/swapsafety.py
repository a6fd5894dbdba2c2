"""May a model swap be offered? Not where the model's name means more than the request.

Rewriting ``"gpt-4"`` to its successor changes only the request when the string is nothing but
the model argument. It changes the program when the same name is also *compared*
(``if model == "gpt-4"``, ``model in ("gpt-4", ...)``, ``.startswith("gpt-4")``, ``case "gpt-4":``),
*asserted* (a test pins the name), or *stored* as a key (``{"gpt-4": 8192}`` capability tables,
``LIMITS[MODEL]``). The project's Python files and notebooks are scanned (text only, never run)
for such uses of the literal and, when the model comes from a constant, of the constant's name;
any one blocks the swap.

The answer for each file is remembered with the digest of the bytes it was found in
(:class:`SwapScan`; the engine keeps it in the cache), so a warm run reads no file and a run after
an edit reads only the edited files that hold the name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from auditor.reads import read_bytes

_COMPARE = re.compile(r"==|!=|\bnot\s+in\b|\bin\s*[\(\[{]|\bin\s+\w|\bis\b|\.(?:startswith|endswith|__eq__)\(|^\s*case\b|\bassert(?:Equal|In|_|\b)")


def _code_text(kind: str, raw: bytes) -> str | None:
    """The code text of one file (a notebook's code cells joined); None for a broken notebook."""
    text = raw.decode("utf-8", errors="replace")
    if kind != "notebook":
        return text
    try:
        nb = json.loads(text)
        return "\n".join(
            "".join(c.get("source", "")) if isinstance(c.get("source"), list) else str(c.get("source", ""))
            for c in nb.get("cells", []) if isinstance(c, dict) and c.get("cell_type") == "code"
        )
    except Exception:  # noqa: BLE001 - a hostile notebook is skipped, never a crash
        return None


def _file_blocker(path: str, text: str, literal: str, names: list[str]) -> str | None:
    """Why swapping ``literal`` would change what ``text`` does, or None."""
    if literal not in text and not any(n in text for n in names if n):
        return None
    quoted = re.compile(r"""(?P<q>['"])%s(?P=q)""" % re.escape(literal))
    named = [re.compile(r"(?<![\w.])%s\b" % re.escape(n)) for n in names if n]
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


class SwapScan:
    """One run's scan of the project's Python files and notebooks for uses of model names.

    ``digests``: path -> sha256 of the bytes the run analysed; ``texts``: bytes the run read
    instead of a file (standard input, an editor's unsaved buffer); ``stored``: the answers of an
    earlier run, ``{path: (digest, {query: reason or None})}``, reused where the digest is the
    same. Without a digest a file is read and its answers are not kept."""

    KEEP_BYTES = 16_000_000  # what later queries of the run search again without reading (~6 MB on the app corpus)

    def __init__(
        self, root: Path, digests: dict[str, str] | None = None, texts: dict[str, bytes] | None = None, stored: dict | None = None, codes: dict[str, bytes] | None = None
    ):
        self.root = root
        self.codes = codes or {}  # notebooks the run read -> their code cells' sources (auditor.phase1.Loaded.codes)
        self.digests = digests or {}
        self.texts = texts or {}
        self.stored: dict[str, tuple[str, dict]] = dict(stored) if isinstance(stored, dict) else {}
        self.changed = False
        self._forms: dict[str, bytes | str] = {}  # path -> what a query searches (see _searchable)
        self._kept = 0

    def _answer(self, path: str, kind: str, literal: str, names: list[str], query: str, needles: tuple[list[str], list[bytes]]) -> str | None:
        digest = self.digests.get(path)
        entry = self.stored.get(path) if digest is not None else None
        if entry is not None and entry[0] == digest and query in entry[1]:
            return entry[1][query]
        form = self._searchable(path, kind)
        if form is None:
            return None
        if isinstance(form, str):  # a notebook's code cells (never its outputs)
            text = form if any(n in form for n in needles[0]) else None
        else:  # the bytes hold the literal or a name wherever the text does
            text = _code_text(kind, form) if any(n in form for n in needles[1]) else None
        reason = _file_blocker(path, text, literal, names) if text is not None else None
        if digest is not None:
            answers = entry[1] if entry is not None and entry[0] == digest else {}
            answers[query] = reason
            self.stored[path] = (digest, answers)
            self.changed = True
        return reason

    def _searchable(self, path: str, kind: str) -> bytes | str | None:
        """What a query searches in ``path``: a Python file's bytes, a notebook's code text
        (its JSON read once, not once per query: outputs are most of a notebook's bytes); None
        if it cannot be read. Kept for the run's later queries up to :attr:`KEEP_BYTES` in all."""
        form = self._forms.get(path)
        if form is not None:
            return form
        code = self.codes.get(path) if kind == "notebook" else None
        if code is not None:  # its code cells, read by the pre-scan
            form = code.decode("utf-8", "surrogatepass")
            self._forms[path] = form
            return form
        raw = self.texts.get(path)
        if raw is None:
            try:
                raw = read_bytes(self.root / path)  # never a FIFO: it would block the run
            except OSError:
                return None
        form = raw if kind != "notebook" else (_code_text(kind, raw) or "")
        if self._kept + len(form) <= self.KEEP_BYTES:
            self._forms[path] = form
            self._kept += len(form)
        return form

    def blocker(self, project: Any, literal: str, names: list[str]) -> str | None:
        """Why swapping ``literal`` (read through constants ``names``) would change the program, or None."""
        query = "\x00".join([literal, *names])
        texts = [literal] + [n for n in names if n]
        needles = (texts, [n.encode("utf-8", "surrogatepass") for n in texts])  # once per query, not per file
        for f in project.facts:
            if f.kind in ("python", "notebook"):
                reason = self._answer(f.path, f.kind, literal, names, query, needles)
                if reason is not None:
                    return reason  # the files after it are asked when this one changes
        return None

    def keep(self, paths: set[str]) -> dict[str, tuple[str, dict]]:
        """The answers to store for the next run: files of this run only."""
        return {p: e for p, e in self.stored.items() if p in paths}


def swap_blocker(project: Any, root: Path, literal: str, names: list[str], cache: dict) -> str | None:
    """Why swapping ``literal`` (read through constants ``names``) would change the program, or
    None; ``cache`` holds the run's :class:`SwapScan` (made here if the engine set none)."""
    scan = cache.get("scan")
    if scan is None:
        scan = cache["scan"] = SwapScan(root)
    return scan.blocker(project, literal, names)
