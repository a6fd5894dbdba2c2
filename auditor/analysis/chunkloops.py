"""Loops over the chunks of one text (the ``chunks`` loop kind of LA503).

``chunks = chunk_text(article)`` followed by one request per chunk is how code fits one over-long
text into a model's context: a map-reduce summary, the quotes of one article, the parts of one
over-long prompt. The chunks exist because the text is too long for one request, so grouping them
undoes the split, and the caller waits for the combined answer: not batch work. Chunks of many
documents stay data: a chunker over a list of documents (``split_documents(docs)``), a loop over
documents around the chunk loop, or chunks handed in from elsewhere (an indexer's ``tag_chunks(chunks)``).
"""

from __future__ import annotations

import ast
import re

from auditor.analysis.modindex import call_name
from auditor.analysis.resolve import Resolver
from auditor.analysis.scopes import Scope

# a function that cuts one text into pieces: chunk_text, chunk_large_text, split_text, split_into_chunks, textwrap.wrap
CHUNKER = re.compile(r"chunk|(?:^|_)split_?(?:text|into)|^wrap$", re.IGNORECASE)
# names of many texts: a chunker over them splits a corpus, not one text
MANY = re.compile(r"(?:docs|documents|texts|pages|files|records|rows|items|articles|papers|corpus)$", re.IGNORECASE)
WRAPPERS = ("enumerate", "tqdm", "list", "tuple", "iter")


def chunks_of_one_text(loop: ast.AST, it: ast.AST, outer: tuple[ast.AST, ...], owner: ast.AST | None, r: Resolver, scope: Scope) -> bool:
    """The loop runs over the chunks a chunker cut from one text, in the same function, and no
    enclosing loop of that function runs it once per document."""
    if any(_within(o, owner) for o in outer):
        return False  # for doc in docs: for chunk in chunk_text(doc): the chunks of every document
    while isinstance(it, ast.Call) and call_name(it) in WRAPPERS and it.args:
        it = it.args[0]
    if isinstance(it, ast.Name):
        b = r.binding(it.id, scope, getattr(loop, "lineno", 1 << 30))
        if b is None or b[0] != "assign" or not isinstance(b[1], ast.Call):
            return False  # a parameter or a name bound elsewhere: chunks handed in (an indexer's batch)
        it = b[1]
    if not isinstance(it, ast.Call) or not CHUNKER.search(call_name(it)):
        return False
    text = it.args[0] if it.args else next((k.value for k in it.keywords if k.arg in ("text", "content", "document")), None)
    return text is not None and _one_text(text)


def _one_text(expr: ast.AST) -> bool:
    if isinstance(expr, (ast.JoinedStr, ast.BinOp)):
        return True  # f"..." or document1 + document2: one string
    name = expr.attr if isinstance(expr, ast.Attribute) else expr.id if isinstance(expr, ast.Name) else None
    if isinstance(expr, ast.Subscript):
        key = expr.slice
        return isinstance(key, ast.Constant) and isinstance(key.value, str)  # doc["content"], not docs[i]
    return name is not None and not MANY.search(name)


def _within(node: ast.AST, owner: ast.AST | None) -> bool:
    if owner is None:
        return True
    line = getattr(node, "lineno", 0)
    return getattr(owner, "lineno", 0) <= line <= (getattr(owner, "end_lineno", 0) or 0)
