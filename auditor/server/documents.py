"""The open documents as the engine should see them, and the debounce of analysis requests.

A :class:`Snapshot` is taken on the event loop (where pygls keeps the documents) and handed
to the analysis thread: it holds the unsaved text of a file, or the Python code cells of a
notebook opened through LSP 3.17 notebook sync. A notebook is given to the engine as nbformat
JSON made of exactly those cells, so a finding's ``cell`` (the index among code cells) is the
index into :attr:`Snapshot.cells`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from lsprotocol import types
from pygls.uris import to_fs_path
from pygls.workspace import Workspace

# lines end where Python's tokenizer (and LSP) end them: \r\n, \r or \n, nothing else
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` without their endings (a final line break gives a last empty line)."""
    return LINE_BREAK.split(text)


def uri_path(uri: str) -> Path | None:
    """The absolute file path of a ``file:`` URI (None for untitled buffers, cells and the like)."""
    if not uri.startswith("file:"):
        return None
    fs = to_fs_path(uri)
    return Path(fs).resolve() if fs else None


@dataclass
class Cell:
    uri: str
    text: str


@dataclass
class Snapshot:
    """One open document: a text file, or a notebook's Python code cells."""

    uri: str
    path: Path
    version: int | None
    text: str = ""
    notebook: bool = False
    cells: list[Cell] = field(default_factory=list)

    def overlay(self) -> bytes:
        """What the engine reads instead of the file on disk."""
        if not self.notebook:
            return self.text.encode("utf-8")
        nb = {
            "cells": [
                {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": c.text}
                for c in self.cells
            ],
            # only Python cells are listed, so the notebook is Python whatever its kernel says
            "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        return json.dumps(nb).encode("utf-8")

    def text_of(self, cell: int | None) -> str | None:
        if not self.notebook:
            return self.text
        if cell is None or not 0 <= cell < len(self.cells):
            return None
        return self.cells[cell].text

    def uri_of(self, cell: int | None) -> str:
        """The URI a location in this document is published on (a notebook's cell)."""
        if self.notebook and self.cells:
            return self.cells[cell if cell is not None and 0 <= cell < len(self.cells) else 0].uri
        return self.uri

    def cell_of(self, uri: str) -> int | None:
        """The index of the code cell with ``uri`` (None for a text document or another cell)."""
        return next((i for i, c in enumerate(self.cells) if c.uri == uri), None)


def _is_python_cell(cell: types.NotebookCell, doc_language: str | None) -> bool:
    if cell.kind != types.NotebookCellKind.Code:
        return False
    return not doc_language or doc_language.lower().startswith("python")


def snapshots(workspace: Workspace) -> list[Snapshot]:
    """Every open ``file:`` document and notebook, with its current unsaved content.

    URIs are kept as the client sent them (pygls keys its dictionaries by unquoted URIs), so
    diagnostics are published on exactly the URIs the client knows."""
    out: list[Snapshot] = []
    cell_keys: set[str] = set()
    for nb in list(workspace.notebook_documents.values()):
        cell_keys.update(unquote(c.document) for c in nb.cells)
        path = uri_path(nb.uri)
        if path is None:
            continue
        cells = []
        for c in nb.cells:
            doc = workspace.text_documents.get(unquote(c.document))
            if doc is not None and _is_python_cell(c, doc.language_id):
                cells.append(Cell(c.document, doc.source))
        out.append(Snapshot(nb.uri, path, nb.version, notebook=True, cells=cells))
    for key, doc in list(workspace.text_documents.items()):
        if key in cell_keys:
            continue
        path = uri_path(doc.uri)
        if path is None or path.suffix.lower() == ".ipynb":
            continue  # a notebook opened as raw JSON text: only notebook sync maps its cells
        out.append(Snapshot(doc.uri, path, doc.version, text=doc.source))
    return out


class Debouncer:
    """Coalesces analysis requests: one run at a time, started ``delay`` seconds after the last
    request; requests that arrive during a run start one more run after it."""

    def __init__(self, action: Callable[[set[str]], Awaitable[None]]):
        self._action = action
        self._pending: set[str] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task | None = None
        self._again = False

    def request(self, uris: set[str], delay: float) -> None:
        self._pending |= uris
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(max(0.0, delay), self._fire)

    def _fire(self) -> None:
        self._timer = None
        if self._task is not None and not self._task.done():
            self._again = True
            return
        uris, self._pending = self._pending, set()
        self._task = asyncio.ensure_future(self._run(uris))

    async def _run(self, uris: set[str]) -> None:
        try:
            await self._action(uris)
        finally:
            if self._again:  # requested meanwhile: run again once this task has finished
                self._again = False
                asyncio.get_running_loop().call_soon(self._fire)
