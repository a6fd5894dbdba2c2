"""The language server: LSP features registered on a pygls ``LanguageServer``, served over stdio.

Diagnostics are published on open, save and (debounced) change of text documents and
notebooks, for every open document of the project that was analysed, since an edit in one file
(a prompt constant) can change the findings of another (its callers). The engine runs in one
worker thread so the event loop keeps answering hovers and code actions meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from urllib.parse import unquote

from lsprotocol import types
from lsprotocol.converters import get_converter
from pygls.lsp.server import LanguageServer

from auditor import __version__
from auditor.config.policy import PolicyError
from auditor.findings import Finding
from auditor.server import actions, convert, hover
from auditor.server.documents import Debouncer, snapshots, split_lines, uri_path
from auditor.server.projects import SETTINGS_FILES, Analysis, OpenFile, Projects

log = logging.getLogger("llm-audit.server")
CONVERTER = get_converter()
DEBOUNCE_SECONDS = 0.3
# what the client is asked to watch: settings (policies are reloaded) and sources (closed files
# that change on disk, e.g. after a checkout, change the project the open files are analysed in)
WATCHED = [f"**/{name}" for name in SETTINGS_FILES] + ["**/*.py", "**/*.ipynb", "**/*.{prompty,prompt,j2,jinja,jinja2}"]


class AuditServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "llm-audit",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[types.NotebookDocumentFilterWithCells(cells=[types.NotebookCellLanguage(language="python")], notebook="*")],
                save=True,
            ),
        )
        self.projects = Projects()
        self.debouncer = Debouncer(self.analyse)
        self.engine = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm-audit-engine")
        self.debounce = DEBOUNCE_SECONDS
        self.today: date | None = None  # initializationOptions "today" (like --today); else today
        self.published: dict[str, str] = {}  # uri -> last published diagnostics (JSON), to skip repeats
        self.shown_messages: set[str] = set()  # policy errors and run notes, each shown once
        self.warmed = False

    # ---------------------------------------------------------------- analysis and publishing
    async def analyse(self, uris: set[str]) -> None:
        """Analyse the projects holding ``uris`` (all projects when empty) and publish."""
        try:
            folders = [uri_path(f.uri) for f in self.workspace.folders.values()]
            if not folders and self.workspace.root_uri:
                folders = [uri_path(self.workspace.root_uri)]
            self.projects.folders = [f for f in folders if f is not None]  # they change with didChangeWorkspaceFolders
            grouped, errors = self.projects.group(snapshots(self.workspace))
        except Exception:  # noqa: BLE001 - a bug of ours must not stop the server
            log.exception("llm-audit: cannot group the open documents")
            return
        for root, error in errors.items():
            if error not in self.shown_messages:
                self.shown_messages.add(error)
                self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=f"llm-audit: {error}"))
        loop = asyncio.get_running_loop()
        for root, (policy, files) in grouped.items():
            if uris and not any(of.snap.uri in uris or any(c.uri in uris for c in of.snap.cells) for of in files):
                continue
            try:
                analysis = await loop.run_in_executor(self.engine, self.projects.analyse, policy, files, self.today)
            except PolicyError as e:  # a nested policy file of the project is broken
                if str(e) not in self.shown_messages:
                    self.shown_messages.add(str(e))
                    self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=f"llm-audit: {e}"))
                continue
            except Exception as e:  # noqa: BLE001 - an engine bug: report it, keep serving
                log.exception("llm-audit: analysis failed")
                self.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=f"llm-audit: analysis of {root} failed: {e.__class__.__name__}: {e}"))
                continue
            for note in analysis.result.notes:
                if note in self.shown_messages:
                    continue
                self.shown_messages.add(note)
                self.window_log_message(types.LogMessageParams(type=types.MessageType.Warning, message=f"llm-audit: {note}"))
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Log, message=f"llm-audit: analysed {root} in {analysis.ms} ms"))
            self.publish(analysis, uris)
            if not self.warmed:  # after the first diagnostics: load what code actions need
                self.warmed = True
                self.engine.submit(_warm_fixes)

    def locate(self, analysis: Analysis, rel: str, cell: int | None, line: int, column: int) -> types.Location:
        for of in analysis.files.values():
            if of.rel == rel:
                text = of.snap.text_of(cell) or ""
                lines = split_lines(text)
                return types.Location(uri=of.snap.uri_of(cell), range=convert.to_range(lines, line, column, line, column, self.workspace.position_codec))
        return convert.file_location(analysis.root, rel, line, column)

    def diagnostics_of(self, analysis: Analysis, of: OpenFile) -> list[tuple[Finding, types.Diagnostic]]:
        rules = {r.code: r for r in analysis.policy.all_rules()}
        project = analysis.result.project
        out = []
        for f in analysis.findings.get(of.rel, []):
            text = of.snap.text_of(f.cell) if of.snap.notebook else of.snap.text
            if text is None:  # a notebook finding without a cell: shown on the first cell
                text = of.snap.text_of(0) or ""
            rule = rules.get(f.code)
            related = convert.related_information(f, project, lambda p, c, l, col: self.locate(analysis, p, c, l, col))
            out.append((f, convert.diagnostic(f, text, self.workspace.position_codec, rule.help_uri if rule else None, related)))
        return out

    def publish(self, analysis: Analysis, forced: set[str]) -> None:
        for uri, of in analysis.files.items():
            pairs = self.diagnostics_of(analysis, of)
            if of.snap.notebook:
                per_uri: dict[str, list[types.Diagnostic]] = {c.uri: [] for c in of.snap.cells}
                for f, d in pairs:
                    per_uri.setdefault(of.snap.uri_of(f.cell), []).append(d)
                force = uri in forced or any(u in forced for u in per_uri)
            else:
                per_uri = {uri: [d for _, d in pairs]}
                force = uri in forced
            for target, diags in per_uri.items():
                body = json.dumps(CONVERTER.unstructure(diags), sort_keys=True)
                if not force and self.published.get(target) == body:
                    continue
                self.published[target] = body
                self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=target, diagnostics=diags, version=of.snap.version if not of.snap.notebook else None))

    def clear(self, uris: list[str]) -> None:
        for uri in uris:
            self.published.pop(uri, None)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def _warm_fixes() -> None:
    import libcst

    libcst.parse_module("x = 1\n")  # the first parse loads libcst's native parser (~0.3 s)


server = AuditServer()


# ---------------------------------------------------------------- lifecycle
@server.feature(types.INITIALIZE)
def initialize(ls: AuditServer, params: types.InitializeParams) -> None:
    options = params.initialization_options if isinstance(params.initialization_options, dict) else {}
    try:
        ls.debounce = max(0.0, float(options.get("debounceMs", DEBOUNCE_SECONDS * 1000)) / 1000)
    except (TypeError, ValueError):
        log.warning("llm-audit: initializationOptions.debounceMs is not a number; using %s ms", DEBOUNCE_SECONDS * 1000)
    try:
        ls.today = date.fromisoformat(options["today"]) if options.get("today") else None
    except (TypeError, ValueError):
        log.warning("llm-audit: initializationOptions.today is not YYYY-MM-DD; using today")


@server.feature(types.INITIALIZED)
async def initialized(ls: AuditServer, params: types.InitializedParams) -> None:
    caps = ls.client_capabilities.workspace
    if caps is None or caps.did_change_watched_files is None or not caps.did_change_watched_files.dynamic_registration:
        return
    watchers = [types.FileSystemWatcher(glob_pattern=g) for g in WATCHED]
    registration = types.Registration(
        id="llm-audit-watched-files",
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
    )
    try:
        await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
    except Exception as e:  # noqa: BLE001 - the client refused: settings reload on save of open files only
        log.warning("llm-audit: file watching not registered: %s", e)


@server.feature(types.SHUTDOWN)
def shutdown(ls: AuditServer, params: None) -> None:
    ls.engine.shutdown(wait=False, cancel_futures=True)


# ---------------------------------------------------------------- documents
@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: AuditServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.debouncer.request({params.text_document.uri}, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: AuditServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.debouncer.request({params.text_document.uri}, ls.debounce)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: AuditServer, params: types.DidSaveTextDocumentParams) -> None:
    _saved(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: AuditServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.clear([params.text_document.uri])
    ls.debouncer.request(set(), 0)  # the others now see the file as it is on disk


@server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
def notebook_open(ls: AuditServer, params: types.DidOpenNotebookDocumentParams) -> None:
    ls.debouncer.request({params.notebook_document.uri}, 0)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
def notebook_change(ls: AuditServer, params: types.DidChangeNotebookDocumentParams) -> None:
    ls.debouncer.request({params.notebook_document.uri}, ls.debounce)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
def notebook_save(ls: AuditServer, params: types.DidSaveNotebookDocumentParams) -> None:
    _saved(ls, params.notebook_document.uri)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
def notebook_close(ls: AuditServer, params: types.DidCloseNotebookDocumentParams) -> None:
    ls.clear([c.uri for c in params.cell_text_documents])
    ls.debouncer.request(set(), 0)


def _saved(ls: AuditServer, uri: str) -> None:
    path = uri_path(uri)
    if path is not None and path.name in SETTINGS_FILES:
        ls.projects.reload()
        ls.debouncer.request(set(), 0)
    else:
        ls.debouncer.request({uri}, 0)


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def watched_files(ls: AuditServer, params: types.DidChangeWatchedFilesParams) -> None:
    names = {Path(uri_path(c.uri) or c.uri).name for c in params.changes}
    if names & set(SETTINGS_FILES):
        ls.projects.reload()
        ls.shown_messages.clear()
        ls.debouncer.request(set(), 0)
    elif params.changes:
        ls.debouncer.request(set(), ls.debounce)


# ---------------------------------------------------------------- hover and code actions
def _current_text(ls: AuditServer, uri: str) -> str | None:
    doc = ls.workspace.text_documents.get(unquote(uri))
    return doc.source if doc is not None else None


@server.feature(types.TEXT_DOCUMENT_HOVER)
def on_hover(ls: AuditServer, params: types.HoverParams) -> types.Hover | None:
    hit = ls.projects.find(params.text_document.uri)
    if hit is None:
        return None
    analysis, of, cell = hit
    text = of.snap.text_of(cell) or ""
    lines = split_lines(text)
    line, column = convert.from_position(lines, params.position, ls.workspace.position_codec)
    findings = [f for f in analysis.findings.get(of.rel, []) if f.cell == cell or not of.snap.notebook]
    site = hover.site_at(analysis.result.project.call_sites(), of.rel, cell, line, column)
    here = [f for f in findings if hover.contains(hover.finding_span(f), line, column)]
    if site is not None:
        mine = [f for f in findings if f.call_site_id == site.id]
        mine += [f for f in here if f not in mine]
        value = hover.site_markdown(site, analysis.result.cost, mine)
        span = site.span
    elif here:
        value, span = hover.findings_markdown(here), hover.finding_span(here[0])
    else:
        return None
    rng = convert.to_range(lines, span.line, span.column, span.end_line, span.end_column, ls.workspace.position_codec)
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=value), range=rng)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=actions.KINDS))
def on_code_action(ls: AuditServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    hit = ls.projects.find(params.text_document.uri)
    if hit is None:
        return None
    analysis, of, cell = hit
    # the edits are computed on the analysed text: none while the document has changed since
    texts = [(c.uri, c.text) for c in of.snap.cells] if of.snap.notebook else [(of.snap.uri, of.snap.text)]
    if any(_current_text(ls, uri) != text for uri, text in texts):
        return []
    codec = ls.workspace.position_codec
    lines = split_lines(of.snap.text_of(cell) or "")
    first, _ = convert.from_position(lines, params.range.start, codec)
    last, _ = convert.from_position(lines, params.range.end, codec)
    findings = analysis.findings.get(of.rel, [])
    in_range = []
    for f in findings:
        if (of.snap.notebook and f.cell != cell) or f.line > last or f.end_line < first:
            continue
        diag = next((d for d in params.context.diagnostics if d.code == f.code and d.range.start.line == f.line - 1), None)
        in_range.append((f, diag))
    return actions.code_actions(of, findings, in_range, codec, params.context.only)


def serve() -> None:
    """Serve LSP over stdio. Anything else printed to stdout would corrupt the protocol, so
    ``sys.stdout`` is pointed at stderr and the real stdout is given to pygls; ``sys.stdin``
    becomes /dev/null, so nothing but pygls' reader thread ever touches the real one."""
    import os

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s: %(message)s")
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    server.start_io(stdin, stdout)
