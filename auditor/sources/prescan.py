"""The byte pre-scan: can this file hold a call site or a prompt constant at all?

Only files that can are parsed; every other file costs one regex search over its bytes (for a
notebook, over its code cells' sources: outputs are never scanned). A file passes when it has

* an import of an SDK root (``import openai``, ``from google import genai``, ``import os, openai``,
  ``__import__("ollama")``, ``importlib.import_module("openai")``) that binds a name the catalog
  knows under it (``from openai import OpenAI``; not ``from litellm import verbose_logger``:
  :mod:`auditor.sources.sdkbinding`; such a file is *unbound*, skipped, and read later if a flow
  leads to it), or an import of an agent framework (``from autogen import ...``,
  ``from agents import Runner``: LA605 reads their bounds),
* a distinctive method path (``completions.create``, ``messages.create``, ``generate_content``: a
  client may come from another module),
* the name of a policy wrapper (``call-sites:``) as a whole word,
* a provider's endpoint URL (``api.anthropic.com/v1/messages``, ``/chat/completions``) in a file that
  calls ``.post(`` or ``request(`` (raw HTTP requests: :mod:`auditor.analysis.rawhttp`), or
* a module-level assignment to a name matching ``prompt-names`` (word-wise, any case, see
  :mod:`auditor.config.names`).

The search is one regex of plain literals (fast: no anchors or character classes in front), run
over the lines where a hit can decide anything (:mod:`auditor.sources.prelines`), and each hit is
then confirmed on its own line; the first confirmed hit ends the scan.
"""

from __future__ import annotations

import re

from auditor.config.catalog import Providers, load_catalog
from auditor.config.names import literal_words, name_matches
from auditor.sources.prelines import CandidateLines
from auditor.sources.sdkbinding import SdkBindings, dotted_names, glob_names

_IDENT = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_ASSIGN = re.compile(rb"([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?::[^=\n]*)?=(?!=)")
# `return` of a text literal that reads like words: a triple-quoted string, or a quoted one with
# two spaces on its line (`return "dict-prompt"`, a type tag, is no prompt)
_RETURNS_TEXT = re.compile(rb"""\breturn[ \t]+\(?[ \t]*[rRfFuU]{0,2}(?:\"\"\"|'''|"[^"\n]* [^"\n]* |'[^'\n]* [^'\n]* )""")
_DEF = re.compile(rb"[ \t]*(?:async[ \t]+)?def[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(")
_NEXT_DEF = re.compile(rb"\n[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]")


def _returns_text(data: bytes, body_start: int) -> bool:
    """Does the function whose ``def`` line ends at ``body_start`` return a literal text (up to the
    next ``def`` or ``class``)?"""
    nxt = _NEXT_DEF.search(data, body_start)
    return _RETURNS_TEXT.search(data, body_start, nxt.start() if nxt else len(data)) is not None
_DYNAMIC_IMPORT = re.compile(rb"(?:__import__|import_module)\(\s*[\"']$")
# agent frameworks whose bound parameters LA605 reads (its `agent-bounds`): a file that builds an
# agent with one holds no call site of an SDK the providers list, yet has facts to check
PARSE, SKIP, UNBOUND = "parse", "skip", "unbound"  # the verdicts of Prescan.verdict
_STAR = re.compile(rb"^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]+\*", re.M)
AGENT_ROOTS = ("autogen", "autogen_agentchat", "agents", "langgraph", "crewai", "smolagents", "llama_index")


def known_names(providers: Providers, extra_apis: list[dict], roots: set[str]) -> set[str]:
    """The dotted names under ``roots`` the catalog and the policy's ``call-sites`` spell out
    (see :mod:`auditor.sources.sdkbinding`)."""
    catalog = load_catalog()
    data = [catalog.providers_data, catalog.flows, catalog.reasoning, catalog.vision, extra_apis, [r.params for r in catalog.rules]]
    data += [list(providers.types), providers.maker_to_type, sorted(providers.passthrough), providers.import_roots]
    data += [[*api.match_callables, *api.match_types, *api.provider_by_type] for api in providers.apis]
    return dotted_names(data, frozenset(roots))


def agent_callables() -> set[str]:
    """The first names of LA605's ``agent-bounds`` callables (``AgentExecutor``, ``Runner``):
    known by name under any SDK root (sources/sdkbinding.py)."""
    rule = load_catalog().rule("LA605")
    bounds = (rule.params or {}).get("agent-bounds") if rule is not None else None
    return {str(k).split(".")[0] for k in bounds or {}}


def _sinks() -> tuple[set[str], set[str]]:
    """(import roots, callable names) of the frameworks whose prompt text rules/flows.yaml
    ``text-sinks`` and LangChain templates read."""
    from auditor.config.flows import load_flows

    flows = load_flows()
    roots = {r.split(".")[0] for s in flows.text_sinks for r in s.roots} | {r for t in flows.templates for r in t.roots}
    names = {n for s in flows.text_sinks for n in s.names} | {t.method.split(".")[0] for t in flows.templates}
    return roots, names


def trie_regex(literals: list[bytes]) -> bytes:
    """One regex matching any of ``literals``, longest first, factored by common prefixes:
    the regex engine tries the branches of an alternation one by one, and a branch that starts
    with the wrong byte is skipped at once, so a trie is several times faster than a flat list."""
    trie: dict = {}
    for lit in literals:
        node = trie
        for b in lit:
            node = node.setdefault(b, {})
        node[None] = True

    def emit(node: dict) -> bytes:
        branches = [re.escape(bytes([b])) + emit(child) for b, child in sorted((k, v) for k, v in node.items() if k is not None)]
        end = None in node
        if not branches:
            return b""
        body = branches[0] if len(branches) == 1 and not end else b"(?:" + b"|".join(branches) + b")"
        return body + b"?" if end else body  # a literal ending here: the longer ones are tried first

    return emit(trie)


class Prescan:
    def __init__(self, providers: Providers, extra_apis: list[dict], prompt_names: list[str]):
        roots = {r.split(".")[0] for r in providers.import_roots} | {r.split(".")[-1] for r in providers.import_roots} | set(AGENT_ROOTS)
        paths: set[str] = set()
        for api in providers.apis:
            for m in api.match_methods:
                parts = m.split(".")
                if len(parts) >= 2:
                    paths.add(".".join(parts[-2:]))
                elif len(m) >= 12:
                    paths.add(m)  # long single names: generate_content, converse_stream
            for m in api.match_untyped:  # matched on clients of unknown type: `client.converse(`
                paths.add(m if "." in m else m + "(")
            for c in api.match_callables:  # `litellm.completion(` through a lazily loaded module object
                parts = c.split(".")
                if len(parts) == 2 and "<" not in c and "*" not in c:
                    paths.add(c + "(")
        # raw HTTP requests to a provider's endpoint (rules/providers.yaml `http-requests`): the URL, and a POST
        http = load_catalog().providers_data.get("http-requests") or {}
        self.http_urls = [str(lit).encode() for lit in http.get("prescan") or []]
        self.http_calls = [f"{m}(".encode() for m in http.get("methods") or []]
        words = set()
        for api in extra_apis:
            for c in (api.get("match") or {}).get("callables", []):
                w = c.split(".")[-1].replace("*", "")
                if w:
                    words.add(w)
        self.prompt_names = list(prompt_names)
        name_words = literal_words(self.prompt_names)
        # `def simple_prompt(`: the prompt-name words as written in identifiers, found by byte search;
        # only "prompt" and "instruction" (`system`, `template` are everywhere in other code, django's
        # get_template_names: a def named by them is read when its file is parsed for another reason)
        self.prompt_def_words = sorted({v.encode() for w in name_words if w.lower() in ("prompt", "instruction", "instructions")
                                        for v in (w.lower(), w.upper(), w.capitalize())})
        self._def_spellings = frozenset(self.prompt_def_words)
        self._def_words_lower = sorted({(w.lower(), len(w)) for w in self.prompt_def_words})
        self.any_name = "" in name_words  # a glob like `*`: every module-level assignment counts
        self.kind: dict[bytes, str] = {}
        for r in roots:
            self.kind[r.encode()] = "root"
        for w in words:
            self.kind.setdefault(w.encode(), "word")
        for w in name_words:
            if w:
                for variant in (w, w.upper(), w.capitalize()):
                    self.kind.setdefault(variant.encode(), "name")
        for p in paths:  # precise already: a hit is enough
            self.kind[p.encode()] = "path"
        # a framework root that holds no call site (agno, langchain_core, pydantic_ai): the file
        # passes when that import names one of its prompt-text callables (Agent, SystemMessage)
        sink_roots, sink_names = _sinks()
        for r in sink_roots - roots:
            self.kind.setdefault(r.encode(), "sink")
        self.sink_names = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in sorted(sink_names)) + rb")\b") if sink_names else None
        self.regex = re.compile(trie_regex(list(self.kind))) if self.kind else None
        self.lines = CandidateLines(self.kind)
        self.roots = frozenset(r.encode() for r in roots)
        rest = [lit for lit, k in self.kind.items() if k != "root" or lit.decode() in AGENT_ROOTS]
        self.regex_rest = re.compile(trie_regex(rest)) if rest else None  # once the file's imports bind nothing
        tops = {r.split(".")[0] for r in roots}
        catalog = load_catalog()
        globs = glob_names([catalog.providers_data, [g for g, _ in getattr(providers, "maker_globs", [])]], frozenset(tops))
        # known by name under any SDK root: LA605's agent callables, the text sinks and templates (`from langchain.schema import SystemMessage`)
        self.bindings = SdkBindings(known_names(providers, extra_apis, tops), agent_callables() | sink_names, tops, globs)
        # `from helper_functions import *` then `ChatOpenAI(...)`: a star import may bind a catalogued
        # callable by its last name (analysis/starimports.py); such a file is parsed
        star = sorted({c.rsplit(".", 1)[-1] for c in providers.by_callable if "." in c and "<" not in c and "*" not in c})
        self.star_words = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in star) + rb")\s*\(") if star else None

    def matches(self, data: bytes) -> bool:
        """Can ``data`` (Python source, or a notebook's code cells joined) hold a call site or
        a prompt constant?"""
        return self.verdict(data) == PARSE

    def verdict(self, data: bytes) -> str:
        """:data:`PARSE` (``data`` can hold a call site or a prompt constant), :data:`SKIP`, or
        :data:`UNBOUND`: skipped, yet it imports an SDK (binding nothing the analysis knows of it,
        :mod:`auditor.sources.sdkbinding`): the dataflow reads such a file as phase 1 would
        when another file's flow leads to it (analysis/reach.py)."""
        if self.any_name and _ASSIGN.search(data):
            return PARSE
        if self.star_words is not None and b"import *" in data and _STAR.search(data) and self.star_words.search(data):
            return PARSE
        if self.http_urls and any(u in data for u in self.http_urls) and any(c in data for c in self.http_calls):
            return PARSE  # a provider's endpoint URL and a `.post(` / `request(` call (a few byte searches)
        rx = self.regex
        if rx is None:
            return SKIP
        unbound = False
        # only the lines where a hit can decide anything (sources/prelines.py), each as before
        for line_start, line_end in self.lines.lines(data):
            pos = line_start
            while True:
                m = rx.search(data, pos, line_end)
                if m is None:
                    break
                lit = m.group()
                kind = self.kind[lit]
                start, end = m.start(), m.end()
                if kind == "path":
                    return PARSE
                if kind == "name":
                    if self._assigns_prompt(data, line_start, line_end):
                        return PARSE
                    break  # the line is decided
                if start > 0 and data[start - 1] in _IDENT or end < len(data) and data[end] in _IDENT:
                    pos = end  # part of a longer identifier
                    continue
                if kind == "sink":
                    if self._imports(data, line_start, start, lit) and self._imports_sink(data, end):
                        return PARSE
                    pos = end
                    continue
                if kind == "word":
                    return PARSE
                if self._imports(data, line_start, start, lit):
                    if lit.decode() in AGENT_ROOTS or b"__import__" in data or b"import_module" in data:
                        return PARSE
                    if not self.bindings.binds(data):  # the whole file's imports: asked once
                        unbound = True
                        rx = self.regex_rest  # the other roots need not be searched (an agent framework's still are)
                        if rx is None:
                            return UNBOUND
                        pos = end
                        continue
                    return PARSE
                pos = end
        if self._prompt_function(data):
            return PARSE
        return UNBOUND if unbound else SKIP

    def _imports(self, data: bytes, line_start: int, start: int, lit: bytes) -> bool:
        """Is the root ``lit`` at ``start`` imported on its line?"""
        before = data[line_start:start]
        head = before.lstrip(b" \t")
        if head.startswith(b"from") and head[4:].strip(b" \t") == b"" and head[4:5] in (b" ", b"\t"):
            return True  # from openai ...
        if head.startswith(b"import") and head[6:7] in (b" ", b"\t") and b"#" not in head and b"(" not in head:
            return True  # import openai / import os, openai as oa
        return bool(_DYNAMIC_IMPORT.search(before))

    def _imports_sink(self, data: bytes, end: int) -> bool:
        """Does the import statement from ``end`` on name a text-sink callable (``import (...)`` too)
        that the file calls?"""
        line_end = data.find(b"\n", end)
        line_end = len(data) if line_end < 0 else line_end
        paren = data.find(b"(", end, line_end)
        if paren >= 0:
            close = data.find(b")", paren)
            line_end = len(data) if close < 0 else close
        if self.sink_names is None:
            return False
        for m in self.sink_names.finditer(data, end, line_end):
            name = m.group()
            if name + b"(" in data or name + b".from_" in data:
                return True  # imported and called (not only an isinstance() check or an annotation)
        return False

    def _assigns_prompt(self, data: bytes, line_start: int, line_end: int) -> bool:
        """Is this line a module-level assignment to a name matching ``prompt-names``?"""
        m = _ASSIGN.match(data, line_start, line_end)
        if m is None:
            return False
        return name_matches(m.group(1).decode("ascii"), self.prompt_names)

    def _prompt_function(self, data: bytes) -> bool:
        """Does ``data`` define a function named like ``prompt-names`` whose own body returns a
        literal text (its returned text is a prompt: analysis/promptfuncs.py)?"""
        if not self.prompt_def_words:
            return False
        # the words searched in the lower-cased bytes (one search per word, not per spelling); a
        # hit counts only in one of the spellings searched (``prompt``, ``Prompt``, ``PROMPT``)
        low, spelt = data.lower(), self._def_spellings
        for word, n in self._def_words_lower:  # a hit is tried only on a def line
            i = low.find(word)
            while i >= 0:
                if data[i : i + n] not in spelt:
                    i = low.find(word, i + 1)  # another spelling: the line may hold one of ours further on
                    continue
                line_start = data.rfind(b"\n", 0, i) + 1
                m = _DEF.match(data, line_start)
                if m is not None and m.end(1) >= i and name_matches(m.group(1).decode("ascii"), self.prompt_names) and _returns_text(data, m.end()):
                    return True
                nl = data.find(b"\n", i)
                i = low.find(word, nl) if nl >= 0 else -1
        return False


def remembered(opts, settings: str, meta: dict, store) -> None:
    """Give ``opts`` its pre-scan from ``meta`` (the facts cache's, signed) when a run under the
    same settings built it; else build it and ``store("prescan", ...)`` its pickle for the next
    run. Building it (the catalog's dotted names, two trie regexes, the candidate lines) was ~4%
    of a pre-commit run that pre-scans one file; loading it takes ~1 ms. ``settings`` (the
    settings digest: the policy's phase-1 settings and the catalog's digest; the cache itself is
    keyed by the code's) covers every input while ``opts`` holds the catalog's providers data."""
    import pickle

    if opts._prescan is not None or opts.providers_data is not load_catalog().providers_data:
        return
    kept = meta.get("prescan")
    kept = dict(kept) if isinstance(kept, dict) else {}
    if isinstance(kept.get(settings), bytes):
        try:
            opts._prescan = pickle.loads(kept[settings])
            return
        except Exception:  # noqa: BLE001 - built again whatever went wrong
            opts._prescan = None
    kept = dict(list(kept.items())[-7:])  # one per policy of the project, a few at most
    kept[settings] = pickle.dumps(opts.prescanner, protocol=pickle.HIGHEST_PROTOCOL)
    store("prescan", kept)
