"""Code actions: a finding's fix, "fix all safe fixes" and "add ignore comment".

The new text comes from the same functions ``llm-audit fix`` and ``check --add-ignore`` use,
with the same guards: a fixed Python file must still parse with libcst, a notebook cell with its
magics neutralised, a prompt file's YAML must still load; an ignore comment must leave the AST
(or the front matter's data) unchanged. The action's edit is the difference between the text
the analysis saw and the new text, so actions are only offered while the document is unchanged
since that analysis.
"""

from __future__ import annotations

import copy

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from auditor.findings import Finding
from auditor.server.convert import text_edits
from auditor.server.projects import OpenFile

FIX_ALL_KIND = "source.fixAll.llm-audit"
KINDS = [types.CodeActionKind.QuickFix, FIX_ALL_KIND]


def _crlf(f: Finding, text: str) -> Finding:
    """A copy of ``f`` whose inserted line breaks match a CRLF text."""
    f = copy.deepcopy(f)
    if "\r\n" in text and f.fix is not None:
        for e in f.fix.edits:
            if "\n" in e.content and "\r\n" not in e.content:
                e.content = e.content.replace("\n", "\r\n")
    return f


def fixed_text(kind: str, rel: str, text: str, findings: list[Finding]) -> tuple[str, list[Finding]]:
    """``text`` with the fixes of ``findings`` applied where valid, and the findings applied."""
    from auditor.fix.edits import fix_promptfile_text, fix_text, parses
    from auditor.fix.guard import NativeParserRisk

    findings = [_crlf(f, text) for f in findings]
    try:
        return _fixed(kind, rel, text, findings, fix_promptfile_text, fix_text, parses)
    except NativeParserRisk:  # a text libcst could crash on: no fix offered
        return text, []


def _fixed(kind, rel, text, findings, fix_promptfile_text, fix_text, parses) -> tuple[str, list[Finding]]:
    if kind == "promptfile":
        new, applied, _ = fix_promptfile_text(text, rel, findings)
    elif kind == "notebook":
        from auditor.sources.notebook import neutralise

        new, applied, _ = fix_text(text, findings, must_parse=False)
        if new != text and parses(neutralise(new)) is not None:
            return text, []
    else:
        new, applied, _ = fix_text(text, findings, must_parse=True)
    return new, applied


def ignored_text(kind: str, text: str, f: Finding) -> str:
    """``text`` with ``# llm-audit: ignore[CODE]`` for ``f``, or ``text`` when none may go there."""
    from auditor.fix.suppress import add_to_front_matter, add_to_text, same_tree

    if kind == "promptfile":
        new, p = add_to_front_matter(text, [f])
        return new if p.covered else text
    if kind == "notebook":
        from auditor.sources.notebook import neutralise

        checked = neutralise(text)
        magic = {n for n, (a, b) in enumerate(zip(text.split("\n"), checked.split("\n")), start=1) if a != b}
        new, p = add_to_text(text, [f], check_text=checked, protected=magic)
        return new if p.covered and same_tree(checked, neutralise(new)) else text
    new, p = add_to_text(text, [f])
    return new if p.covered and same_tree(text, new) else text


def _wanted(kind: str, only: list[str] | None) -> bool:
    return not only or any(kind == o or kind.startswith(o + ".") for o in only)


def code_actions(
    of: OpenFile,
    findings: list[Finding],
    in_range: list[tuple[Finding, types.Diagnostic | None]],
    codec: PositionCodec,
    only: list[str] | None = None,
) -> list[types.CodeAction]:
    """Quick fixes and ignore comments for the findings in range, and "fix all" for the file."""
    out: list[types.CodeAction] = []
    snap = of.snap

    def edit(changes: dict[str, tuple[str, str]]) -> types.WorkspaceEdit | None:
        edits = {uri: text_edits(old, new, codec) for uri, (old, new) in changes.items() if old != new}
        return types.WorkspaceEdit(changes=edits) if edits else None

    if _wanted(types.CodeActionKind.QuickFix, only):
        for f, diag in in_range:
            text = snap.text_of(f.cell)
            if text is None:
                continue
            uri = snap.uri_of(f.cell)
            diags = [diag] if diag is not None else None
            if f.fix is not None and f.fix.edits:
                new, applied = fixed_text(of.kind, of.rel, text, [f])
                we = edit({uri: (text, new)}) if applied else None
                if we is not None:
                    unsafe = f.fix.applicability != "safe"
                    title = f"Fix {f.code}: {f.fix.message}" + (" (unsafe)" if unsafe else "")
                    out.append(types.CodeAction(title=title, kind=types.CodeActionKind.QuickFix, diagnostics=diags, is_preferred=not unsafe, edit=we))
            we = edit({uri: (text, ignored_text(of.kind, text, f))})
            if we is not None:
                where = "in the front matter" if of.kind == "promptfile" else "for this line"
                out.append(types.CodeAction(title=f"Ignore {f.code} {where} (# llm-audit: ignore[{f.code}])", kind=types.CodeActionKind.QuickFix, diagnostics=diags, edit=we))
    if _wanted(FIX_ALL_KIND, only):
        safe = [f for f in findings if f.fix is not None and f.fix.edits and f.fix.applicability == "safe"]
        groups: dict[int | None, list[Finding]] = {}
        for f in safe:
            groups.setdefault(f.cell if snap.notebook else None, []).append(f)
        changes: dict[str, tuple[str, str]] = {}
        count = 0
        for cell, fs in groups.items():
            text = snap.text_of(cell)
            if text is None:
                continue
            new, applied = fixed_text(of.kind, of.rel, text, fs)
            if applied:
                changes[snap.uri_of(cell)] = (text, new)
                count += len(applied)
        we = edit(changes)
        if we is not None:
            out.append(types.CodeAction(title=f"llm-audit: fix all safe fixes ({count})", kind=FIX_ALL_KIND, edit=we))
    return out
