"""Does the function a loop calls build an agent for each item? (LA503)

``for idea in ideas: do_idea(idea)`` where ``do_idea`` creates a coding agent
(``coder = Coder.create(main_model=..., fnames=...)``, aider) and runs experiments, a write-up and
a review with it: one item is an agent run with tools and file edits, many dependent requests,
not one request that a Batch API or a grouped prompt could serve. The evidence is the callee's own
body: the derived site's first hop (SPEC §2 "Derived call sites") lies inside it, and it calls one
of the rule's ``agent-constructors`` (matched on the end of the dotted callee name). A callee that
only formats a prompt and calls a wrapper builds no agent. Only the callee's file is parsed, once
per run; notebooks' cells and unreadable files give no evidence.
"""

from __future__ import annotations

import ast
import unicodedata

from auditor.analysis.modindex import dotted_name
from auditor.checks.context import RuleContext
from auditor.facts import CallSite
from auditor.reads import read_bytes
from auditor.sources.python import decode_source


def builds_agent(site: CallSite, ctx: RuleContext) -> bool:
    """The loop's callee (the first function of the derived site's chain) constructs an agent."""
    chain = (site.extra.get("derived") or {}).get("chain") or []
    if not chain or chain[0].get("cell") is not None:
        return False
    hop = chain[0]
    makers = tuple(str(m) for m in ctx.params.get("agent-constructors") or [])
    if not makers:
        return False
    memo = ctx.extra.setdefault("agent_callees", {})
    key = (hop["path"], hop["line"])
    if key not in memo:
        memo[key] = _callee_builds(ctx, hop["path"], int(hop["line"]), makers)
    return memo[key]


def _callee_builds(ctx: RuleContext, path: str, line: int, makers: tuple[str, ...]) -> bool:
    trees = ctx.extra.setdefault("agent_callee_trees", {})
    if path not in trees:
        try:
            text = decode_source(read_bytes(ctx.policy.root / path))
            # a call named like a maker spells each of its names (identifiers as the parser reads
            # them: NFKC): a file lacking them is not parsed (every derived loop site of the
            # project is asked, on a pre-commit run too: litellm's 310 KB router.py was ~25% of it)
            named = text if text.isascii() else unicodedata.normalize("NFKC", text)
            spelt = any(all(part in named for part in m.split(".")) for m in makers)
            trees[path] = ast.parse(text) if spelt else None
        except (OSError, ValueError, SyntaxError, RecursionError, MemoryError):
            trees[path] = None
    tree = trees[path]
    if tree is None:
        return False
    func = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno <= line <= (node.end_lineno or node.lineno):
            if func is None or node.lineno > func.lineno:
                func = node  # the innermost def holding the hop
    if func is None:
        return False
    for node in ast.walk(func):
        if isinstance(node, ast.Call):
            name = dotted_name(node.func)
            if name and any(name == m or name.endswith("." + m) for m in makers):
                return True
    return False

