"""Does a file that imports an SDK bind anything of it the analysis knows? Read from its bytes.

An import of an SDK root is what lets most files through the byte pre-scan
(:mod:`auditor.sources.prescan`), yet in an SDK's own source, or an application built on one,
most such files import its loggers, exceptions, settings or response types
(``from litellm import verbose_logger``, ``from openai.types import ChatModel``): nothing a call
site, a client, a framework site or a dataflow summary can stand on. Such a file is treated like
any other module without an SDK import (skipped in phase 1; read later only if another module
refers to it or names what reaches a request).

The known names are every dotted name under an import root that the catalog data spells out
(``rules/providers.yaml``: callables, client types, resource classes, makers; ``flows.yaml``,
``reasoning.yaml``, ``vision.yaml``; the policy's own ``call-sites``). A file binds one when

* ``from M import N`` (any ``as``, parenthesised or continued lists) where ``M.N`` is a known
  name or a prefix of one, or ``from M import *`` where ``M`` is such a prefix;
* ``import M`` / ``import M as A`` where ``M`` is a prefix of a known name, and the file spells
  ``M.next`` / ``A.next`` (spaces allowed around the dot) for the name's next part, or spells
  no ``M.`` / ``A.`` at all (an import not used in the file says nothing of what it is for).

Over-approximate on purpose (a name in a comment or a string counts): a file let through costs
one parse, a file wrongly skipped could lose a finding. Any statement this reader cannot follow
(``__import__``, ``importlib``) is left to the pre-scan, which lets such files through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# literal first (the regex engine then jumps from one `from` / `import` to the next); whether the
# word starts a statement is checked after (:func:`_starts_statement`)
_FROM = re.compile(rb"from[ \t]+([A-Za-z_][\w.]*)[ \t]+import[ \t]*(\([^)]*\)|(?:[^\n\\]|\\\n|\\)*)")
_IMPORT = re.compile(rb"import[ \t]+((?:[^\n;#\\]|\\\n)+)")


def _starts_statement(data: bytes, pos: int) -> bool:
    """Is ``pos`` the start of a statement: only blanks before it on its line, or a ``;``?"""
    i = pos - 1
    while i >= 0 and data[i] in b" \t":
        i -= 1
    return i < 0 or data[i] in b"\n;"


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
_GLOB = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_*]+)+")


def _strings(data: Any):
    """Every string in ``data`` (nested dicts, lists, sets: keys and values)."""
    stack = [data]
    while stack:
        o = stack.pop()
        if isinstance(o, str):
            yield o
        elif isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, (list, tuple, set, frozenset)):
            stack.extend(o)


def glob_names(data: Any, roots: frozenset[str]) -> set[str]:
    """Every dotted glob under one of ``roots`` spelt in ``data`` (``transformers.*ForCausalLM.from_pretrained``)."""
    return {
        m.group() for o in _strings(data) for m in _GLOB.finditer(o) if "*" in m.group() and m.group().split(".", 1)[0] in roots
    }


def dotted_names(data: Any, roots: frozenset[str]) -> set[str]:
    """Every dotted name under one of ``roots`` spelt in ``data`` (nested dicts, lists, strings:
    keys and values, each string split into words)."""
    return {m.group() for o in _strings(data) for m in _NAME.finditer(o) if m.group().split(".", 1)[0] in roots}


class SdkBindings:
    """The known names, and the question :meth:`binds` (see the module docstring). ``bare``:
    names known by their last part only, under any module of ``roots`` (the agent callables of
    LA605's ``agent-bounds``: ``from langchain.agents import AgentExecutor``)."""

    def __init__(self, known: Iterable[str], bare: Iterable[str] = (), roots: Iterable[str] = (), globs: Iterable[str] = ()):
        self.known = frozenset(known)
        self.bare = frozenset(bare)
        self.roots = frozenset(roots) if self.bare else frozenset()
        # a glob's part (`*ForCausalLM`) under its module prefix and any module below it (fnmatch's `*` spans dots)
        self.globs: list[tuple[str, re.Pattern[str], bytes]] = []
        for g in sorted(set(globs)):
            parts = g.split(".")
            i = next(k for k, p in enumerate(parts) if "*" in p)
            if i == 0:
                continue
            part = "".join("[A-Za-z0-9_]*" if ch == "*" else re.escape(ch) for ch in parts[i])
            self.globs.append((".".join(parts[:i]), re.compile(part + r"\Z"), part.encode()))
        nexts: dict[str, set[str]] = {}  # a proper prefix of a known name -> the parts that follow it
        for name in self.known:
            parts = name.split(".")
            for i in range(1, len(parts)):
                nexts.setdefault(".".join(parts[:i]), set()).add(parts[i])
        self.nexts = nexts
        self._attr: dict[bytes, tuple[re.Pattern[bytes], re.Pattern[bytes]]] = {}

    def binds(self, data: bytes) -> bool:
        for m in _FROM.finditer(data):
            if not _starts_statement(data, m.start()):
                continue
            module = m.group(1).decode("ascii", "replace").rstrip(".")
            rooted = module.split(".", 1)[0] in self.roots
            globbed = [rx for prefix, rx, _ in self.globs if module == prefix or module.startswith(prefix + ".")]
            if module not in self.nexts and not rooted and not globbed:
                continue
            names = m.group(2).replace(b"\\\n", b" ").strip(b"() \t\r\n")
            for item in re.split(rb"[,\s]*,[,\s]*|\n", names):
                n = item.split(b"#", 1)[0].strip().split()
                if not n:
                    continue
                name = n[0].decode("ascii", "replace")
                if name == "*" or name in self.nexts.get(module, ()) or (rooted and name in self.bare):
                    return True
                if any(rx.match(name) for rx in globbed):
                    return True
        for m in _IMPORT.finditer(data):
            if not _starts_statement(data, m.start()):
                continue
            for item in m.group(1).replace(b"\\\n", b" ").split(b","):
                words = item.split()
                if not words:
                    continue
                module = words[0].decode("ascii", "replace")
                alias = words[2] if len(words) >= 3 and words[1] == b"as" else None
                rooted = module.split(".", 1)[0] in self.roots
                if self._globbed(data, alias or module.encode(), module):
                    return True
                if alias is not None:
                    if (module in self.nexts or rooted) and self._spells(data, alias, module):
                        return True
                    continue
                parts = module.split(".")  # `import a.b` binds `a`: code spells `a.b.x`, or `a.c.x`
                for i in range(1, len(parts) + 1):
                    prefix = ".".join(parts[:i])
                    if (prefix in self.nexts or rooted) and self._spells(data, prefix.encode(), prefix):
                        return True
        return False

    def _globbed(self, data: bytes, bound: bytes, module: str) -> bool:
        """``import transformers`` (or ``as tf``) and ``transformers.models.llama.LlamaForCausalLM``: a
        glob's part after the bound name and any submodules, for globs whose prefix ``module`` is under."""
        parts = [part for prefix, _, part in self.globs if prefix == module or prefix.startswith(module + ".")]
        if not parts:
            return False
        dotted = rb"\s*\.\s*".join(re.escape(p) for p in bound.split(b"."))
        rx = re.compile(rb"(?<![\w.])" + dotted + rb"(?:\s*\.\s*\w+)*?\s*\.\s*(?:" + b"|".join(parts) + rb")(?!\w)")
        return rx.search(data) is not None

    def _spells(self, data: bytes, bound: bytes, module: str) -> bool:
        """Does ``data`` spell ``bound.next`` for a part ``next`` following ``module`` in a known
        name - or never ``bound.`` at all (a module imported and not used here: nothing tells
        what it is for, so the file is not called unbound)?"""
        key = bound + b"\0" + module.encode()
        found = self._attr.get(key)
        if found is None:
            # literal first, the byte before checked after (:func:`_search_free`): a leading
            # look-behind would make the regex engine try every position of the file (~4x slower)
            dotted = rb"\s*\.\s*".join(re.escape(p) for p in bound.split(b".")) + rb"\s*\."
            names = self.nexts.get(module, set()) | (self.bare if module.split(".", 1)[0] in self.roots else set())
            follow = b"|".join(re.escape(n.encode()) for n in sorted(names, key=lambda n: (-len(n), n)))  # one text every run: its compiled code is kept (codecache.py)
            found = self._attr[key] = (re.compile(dotted + rb"\s*(?:" + follow + rb")(?!\w)"), re.compile(dotted))
        return _search_free(found[0], data) or not _search_free(found[1], data)


_WORD_OR_DOT = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.")


def _search_free(rx: re.Pattern[bytes], data: bytes) -> bool:
    """``rx`` matches in ``data`` where the byte before is no word byte and no ``.`` (what the
    look-behind ``(?<![\\w.])`` in front of ``rx`` would match); after a match that fails the
    test the search goes on from the next byte, so no match overlapping it is missed."""
    pos = 0
    while True:
        m = rx.search(data, pos)
        if m is None:
            return False
        i = m.start()
        if i == 0 or data[i - 1] not in _WORD_OR_DOT:
            return True
        pos = i + 1
