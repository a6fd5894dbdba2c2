"""A scripted editor for the language server tests: starts ``python -m auditor server`` as a
subprocess and talks LSP to it over stdio with pytest-lsp's client (built on pygls)."""

from __future__ import annotations

import asyncio
import re
import sys
import time
from pathlib import Path

from conftest import TODAY
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import client_capabilities
from pytest_lsp.client import make_test_lsp_client

SERVER = [sys.executable, "-m", "auditor", "server"]


def uri_of(path: Path) -> str:
    return from_fs_path(str(path))


def offset(text: str, pos: types.Position) -> int:
    lines = re.split(r"(?<=\n)", text)
    return sum(len(line) for line in lines[: pos.line]) + pos.character


def apply_edits(text: str, edits) -> str:
    """Apply LSP text edits (ASCII test texts: UTF-16 units are characters)."""
    spans = sorted(((offset(text, e.range.start), offset(text, e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


class Editor:
    """``async with Editor(root) as ed:`` - an initialized session on the workspace ``root``."""

    def __init__(self, root: Path, notebooks: bool = True, options: dict | None = None):
        self.root = root
        self.client = make_test_lsp_client()
        self.registrations: list[types.Registration] = []
        self.notebooks = notebooks
        self.options = {"today": TODAY.isoformat(), **(options or {})}
        self.versions: dict[str, int] = {}

        @self.client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params: types.RegistrationParams) -> None:
            self.registrations.extend(params.registrations)

    async def __aenter__(self) -> Editor:
        await self.client.start_io(*SERVER, cwd=str(self.root))
        caps = client_capabilities("visual-studio-code")
        if self.notebooks:
            caps.notebook_document = types.NotebookDocumentClientCapabilities(
                synchronization=types.NotebookDocumentSyncClientCapabilities(dynamic_registration=False)
            )
        self.init = await self.client.initialize_session(
            types.InitializeParams(
                capabilities=caps,
                root_uri=uri_of(self.root),
                workspace_folders=[types.WorkspaceFolder(uri=uri_of(self.root), name=self.root.name)],
                initialization_options=self.options,
            )
        )
        return self

    async def __aexit__(self, *exc) -> None:
        if self.client._server is not None and self.client._server.returncode is None:
            await asyncio.wait_for(self.client.shutdown_session(), 10)
        await self.client.stop()

    @property
    def alive(self) -> bool:
        return self.client._server is not None and self.client._server.returncode is None

    # ---------------------------------------------------------------- documents
    def open(self, rel: str, text: str | None = None, language: str = "python") -> str:
        path = self.root / rel
        uri = uri_of(path)
        self.versions[uri] = 1
        if text is None:
            text = path.read_text(encoding="utf-8")
        self.client.diagnostics.pop(uri, None)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)))
        return uri

    def change(self, uri: str, text: str) -> None:
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def open_notebook(self, rel: str, cells: list[tuple[str, str]]) -> tuple[str, list[str]]:
        """Open ``rel`` through notebook sync; ``cells`` are (kind "code"|"markdown", text)."""
        uri = uri_of(self.root / rel)
        cell_uris = [f"vscode-notebook-cell:{uri[len('file:'):]}#C{i}" for i in range(len(cells))]
        kinds = {"code": types.NotebookCellKind.Code, "markdown": types.NotebookCellKind.Markup}
        self.client.notebook_document_did_open(
            types.DidOpenNotebookDocumentParams(
                notebook_document=types.NotebookDocument(
                    uri=uri, notebook_type="jupyter-notebook", version=1,
                    cells=[types.NotebookCell(kind=kinds[k], document=u) for (k, _), u in zip(cells, cell_uris)],
                ),
                cell_text_documents=[
                    types.TextDocumentItem(uri=u, language_id="python" if k == "code" else "markdown", version=1, text=t)
                    for (k, t), u in zip(cells, cell_uris)
                ],
            )
        )
        self.versions[uri] = 1
        return uri, cell_uris

    def change_cell(self, nb_uri: str, cell_uri: str, text: str) -> None:
        self.versions[nb_uri] += 1
        self.client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(
                notebook_document=types.VersionedNotebookDocumentIdentifier(uri=nb_uri, version=self.versions[nb_uri]),
                change=types.NotebookDocumentChangeEvent(
                    cells=types.NotebookDocumentCellChanges(
                        text_content=[
                            types.NotebookDocumentCellContentChanges(
                                document=types.VersionedTextDocumentIdentifier(uri=cell_uri, version=self.versions[nb_uri]),
                                changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
                            )
                        ]
                    )
                ),
            )
        )

    def files_changed(self, *paths: Path) -> None:
        self.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=uri_of(p), type=types.FileChangeType.Changed) for p in paths])
        )

    # ---------------------------------------------------------------- waiting and asking
    async def diagnostics(self, uri: str, until=lambda ds: True, timeout: float = 10.0) -> list[types.Diagnostic]:
        """The latest diagnostics published for ``uri`` once ``until(diagnostics)`` holds."""
        deadline = time.perf_counter() + timeout
        while True:
            ds = self.client.diagnostics.get(uri)
            if ds is not None and until(list(ds)):
                return list(ds)
            if time.perf_counter() > deadline:
                raise AssertionError(f"no matching diagnostics for {uri} within {timeout}s; last: {[(d.code, d.message) for d in ds or []]}")
            await asyncio.sleep(0.01)

    async def code_actions(self, uri: str, rng: types.Range, diagnostics=(), only=None) -> list[types.CodeAction]:
        params = types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=rng,
            context=types.CodeActionContext(diagnostics=list(diagnostics), only=only),
        )
        return list(await self.client.text_document_code_action_async(params) or [])

    async def hover(self, uri: str, line: int, character: int) -> types.Hover | None:
        params = types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character))
        return await self.client.text_document_hover_async(params)


def codes(diagnostics) -> list[str]:
    return [d.code for d in diagnostics]
