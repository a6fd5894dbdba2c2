"""``llm-audit server``: a Language Server (LSP over stdio, built on pygls) on top of the engine.

- :mod:`auditor.server.app` registers the LSP features and starts the server;
- :mod:`auditor.server.documents` turns the open documents (text files and notebooks) into the
  engine's overlays, and debounces analysis requests;
- :mod:`auditor.server.projects` finds each document's project (nearest policy), runs the engine
  with the unsaved text of the open documents and keeps the last result per project;
- :mod:`auditor.server.convert` maps findings to diagnostics, positions and text edits;
- :mod:`auditor.server.actions` builds the code actions (fixes, fix all, ignore comments);
- :mod:`auditor.server.hover` renders a call site's model, tokens and cost.

pygls is an optional dependency: ``pip install "llm-audit[server]"``.
"""
