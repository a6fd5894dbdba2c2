"""Functions named as prompts (policy ``prompt-names``) that return text: the prompt text they
return is a prompt constant written in their body.

Eval harnesses and prompt modules write prompts as functions of their variables, with no call
site in the project: promptfoo's ``prompts: [prompts.py:simple_prompt]`` calls ``def
simple_prompt(context): return f\"\"\"...{context['vars']['animal_statement']}...\"\"\"``, a module
has ``def get_system_prompt(): return SYSTEM``. A call of the function that reaches a request is
analysed as a derived site as before; this makes the text a prompt where it is written even when
no call is seen (a prompt constant keyed by where its text lies, so a finding is made once).
Only ``return`` expressions that are text - a literal, an f-string, ``.format``/``+``/``join`` of
one, or a local name assigned such a text - are read; parameters are holes.
"""

from __future__ import annotations

import ast

from auditor.analysis.scopes import span_of
from auditor.config.names import addressed_elsewhere, name_matches
from auditor.facts import FileFacts, Message, Prompt, PromptConstant


def prompt_functions(tree: ast.Module, resolver, prompts, facts: FileFacts, names: list[str], texty) -> None:
    """Add the returned texts of this module's prompt-named functions (module level and methods)."""
    known = {_key(pc.span) for pc in facts.prompt_constants}
    for fn in _functions(tree):
        if not name_matches(fn.name, names) or addressed_elsewhere(fn.name):
            continue
        scope = resolver.scope_of.get(fn)
        if scope is None:
            continue
        for n, value in enumerate(_returns(fn), 1):
            expr = _local_text(value, fn) if isinstance(value, ast.Name) else value
            if expr is None or not texty(expr):
                continue
            segs = prompts.segments(expr, scope)
            span = span_of(expr, resolver.lines)
            if span is None or _key(span) in known or not any(s.kind == "static" and s.text.strip() for s in segs):
                continue
            known.add(_key(span))
            name = f"{fn.name}()" if n == 1 else f"{fn.name}()#{n}"
            facts.prompt_constants.append(PromptConstant(name, facts.module, facts.path, span, Prompt([Message("prompt", segs)])))


def _key(span) -> tuple:
    return (span.line, span.column, span.end_line, span.end_column)


def _functions(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node
        elif isinstance(node, ast.ClassDef):
            yield from (b for b in node.body if isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _returns(fn: ast.AST):
    """The returned expressions of ``fn``'s own body (not of functions or classes nested in it)."""
    stack = list(getattr(fn, "body", []))
    while stack:
        node = stack.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Return) and node.value is not None:
            yield node.value
            continue
        stack.extend(ast.iter_child_nodes(node))


def _local_text(name: ast.Name, fn: ast.AST) -> ast.AST | None:
    """``prompt = f\"...\"; return prompt``: the one assignment of the name in the function."""
    found = None
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name.id for t in node.targets):
            if found is not None:
                return None  # assigned more than once: built up, read where it is sent
            found = node.value
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == name.id:
            return None
    return found
