"""LA206 repeated-long-concept: a term of at least ``min-words`` words ("customer lifetime value")
written out in full at least ``min-repeats`` times in one request's instruction text. Defining a
shorthand once ("customer lifetime value (CLV)", then "CLV") says the same in fewer tokens.

A term is a run of content words: no function word (rules/phrases.yaml ``slots.stop``) except
"of" and "for" inside it ("terms of service"), not opening with an imperative verb, no adverb in
-ly or possessive, at least two different words, no punctuation between them, not inside double
quotes (a schema value, a sample reply). Longer terms win over the shorter terms inside them. The shorthand is the initials of
the content words, upper case; an existing definition in the text ("customer lifetime value (CLV)")
is reused. The saving is exact: the tokens of the request's instruction text before minus after the
rewrite. The fix is safe when every occurrence lies in one plain literal and the shorthand is not
already a word of the text with another meaning.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass

from auditor.analysis.literals import edit_in
from auditor.analysis.phrases import catalog_vocab
from auditor.analysis.rewrites import quoted
from auditor.checks import check
from auditor.checks.context import RuleContext
from auditor.checks.quotedoutput import in_quoted_reply
from auditor.checks.textsites import (
    Occurrence,
    emit,
    instruction_runs,
    key_of,
    merge,
    owners,
    segment_at,
    site_model,
    span_of,
    where,
)
from auditor.cost.sizing import run_text, text_size
from auditor.facts import Segment
from auditor.findings import Finding, Fix

_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
_INNER = {"of", "for"}


@dataclass
class _Word:
    run: int
    start: int
    end: int
    text: str


def _words(runs: list[str]) -> list[list[_Word]]:
    """Word sequences of the texts, split wherever anything but whitespace separates two words."""
    chunks: list[list[_Word]] = []
    for i, text in enumerate(runs):
        cur: list[_Word] = []
        last = 0
        for m in _WORD.finditer(text):
            if cur and text[last : m.start()].strip():
                chunks.append(cur)
                cur = []
            cur.append(_Word(i, m.start(), m.end(), m.group(0)))
            last = m.end()
        if cur:
            chunks.append(cur)
    return chunks


def _is_term(words: list[str], stop: frozenset[str], verbs: frozenset[str], describing: frozenset[str] = frozenset(), edges: frozenset[str] = frozenset()) -> bool:
    """A run of content words: no function word except "of"/"for" inside it, not opening with an
    imperative verb ("Use Perplexity search"), no adverb in -ly, no possessive, at least two
    different words."""
    low = [w.lower() for w in words]
    if low[0] in stop or low[-1] in stop or low[0] in _INNER or low[-1] in _INNER or low[0] in verbs or low[0] in edges or low[-1] in edges:
        return False
    if describing and words[0][:1].islower() and low[0] in describing:
        return False  # "current market data": a description, not a name (written "Current Market Data" it is one)
    if any(w in stop and w not in _INNER for w in low[1:-1]):
        return False
    content = [w for w in low if w not in _INNER]
    if any(w.endswith("ly") and len(w) > 4 for w in content) or any("'" in w or "\u2019" in w for w in content):
        return False
    return len(set(content)) >= 2 and all(len(w) > 1 for w in content)


def _inside_repeated_wording(occs: list[tuple[_Word, _Word]], chunks: list[list[_Word]], where: dict) -> bool:
    """Every occurrence has the same two words just before it: the term is the tail of one
    repeated wording (a clause said again), not a concept used in different places. (The same
    words after it say less: a name the finder cut short, "Health Insurance Portability" before
    "and Accountability Act", is followed by the rest of the name every time.)"""
    def before(a: _Word) -> tuple[str, ...] | None:
        c, i = where[(a.run, a.start)]
        return tuple(w.text.lower() for w in chunks[c][i - 2 : i]) if i >= 2 else None

    got = {before(a) for a, _ in occs}
    return len(got) == 1 and None not in got


_LABEL_LEAD = re.compile(r"(?:^|\n)[ \t]*(?:[-*\u2022]\s*|\d+[.)]\s*)?$")


_IN_TOKEN = re.compile(r"[.@_][A-Za-z0-9]")  # the last word goes on as an address or identifier


def _field_label(text: str, start: int, end: int) -> bool:
    """The words open their line (after a list marker) and a colon follows: ``- Package Name: lxml``."""
    return text[end : end + 1] == ":" and _LABEL_LEAD.search(text[max(0, start - 80) : start]) is not None


_ITEM_LEAD = re.compile(r"(?:^|\n)[ \t]*(?:[-*\u2022]|\d+[.)/]|[a-z][.)])[ \t]*$")


def _opens_list_item(text: str, start: int) -> bool:
    """The words open a list item (``- ``, ``1.``, ``2)``, ``3/``): an outline's parallel items
    ("2/ overview of topic A", "3/ overview of topic B", on consecutive lines) repeat their head on
    purpose; a concept that opens items of different lists is still a concept."""
    return _ITEM_LEAD.search(text[max(0, start - 80) : start]) is not None


def _adjacent_items(runs: list[str], occs: list[tuple[_Word, _Word]]) -> bool:
    """Two of the occurrences head consecutive items (adjacent lines) of one list."""
    lines = sorted((a.run, runs[a.run].count("\n", 0, a.start)) for a, _ in occs)
    return any(r1 == r2 and l2 == l1 + 1 for (r1, l1), (r2, l2) in zip(lines, lines[1:]))


def find_terms(runs: list[str], min_words: int = 3, min_repeats: int = 3, max_words: int = 6) -> list[tuple[str, list[_Word]]]:
    """(term, [first word of each occurrence...]) for terms repeated ``min_repeats`` times; each
    occurrence is given by its words' positions (run, start of first word, end of last word)."""
    vocab = catalog_vocab()
    stop, verbs = vocab.stop, vocab.verbs
    chunks = _words(runs)
    word_starts: dict[int, list[int]] = {}  # run -> start of each word, ascending
    for chunk in chunks:
        for w in chunk:
            word_starts.setdefault(w.run, []).append(w.start)
    where: dict[tuple[int, int], tuple[int, int]] = {}  # (run, start) -> (chunk, index in it)
    for c, chunk in enumerate(chunks):
        for i, w in enumerate(chunk):
            where[(w.run, w.start)] = (c, i)
    used: set[tuple[int, int]] = set()  # (run, start) of words already in a chosen term
    out: list[tuple[str, list[_Word]]] = []
    for n in range(max_words, min_words - 1, -1):
        seen: dict[str, list[tuple[_Word, _Word]]] = {}
        for chunk in chunks:
            for k in range(len(chunk) - n + 1):
                group = chunk[k : k + n]
                if any((w.run, w.start) in used for w in group):
                    continue
                words = [w.text for w in group]
                if not _is_term(words, stop, verbs, vocab.describing, vocab.example_markers):
                    continue
                if quoted(runs[group[0].run], group[0].start, group[-1].end):
                    continue  # a schema value or a sample reply: "list of strings"
                if all(w.isupper() for w in words) or _IN_TOKEN.match(runs[group[0].run], group[-1].end):
                    continue  # a name in capitals (a section, an entity id), or words running into an address ("Jane Doe jane.doe@...")
                key = " ".join(w.lower() for w in words)
                occ = seen.setdefault(key, [])
                if occ and occ[-1][1].run == group[0].run and occ[-1][1].end > group[0].start:
                    continue  # overlaps the previous occurrence
                occ.append((group[0], group[-1]))
        for key, occs in seen.items():
            if len(occs) < min_repeats:
                continue
            if _inside_repeated_wording(occs, chunks, where):
                continue  # "if available other wise extract blog content" x3: a repeated clause, not a term
            if all(_field_label(runs[a.run], a.start, b.end) for a, b in occs):
                continue  # "- Vulnerable Package Name: lxml" in every record: a field's name, the records' format
            if all(_opens_list_item(runs[a.run], a.start) for a, _ in occs) and _adjacent_items(runs, occs):
                continue  # the head of every item of an outline: parallel structure, a shorthand would obscure it
            if key.split()[0] in vocab.describing and all(_opens_list_item(runs[a.run], a.start) for a, _ in occs):
                continue  # "- Stable user operating preferences, ...": capitalised only as each item's first word, a description
            if any((a.run, a.start) in used for a, _ in occs):
                continue
            if any(in_quoted_reply(runs[a.run], a.start) for a, _ in occs):
                continue  # also in the wording the model is told to say: a shorthand there means nothing to its reader
            spans = [_Word(a.run, a.start, b.end, key) for a, b in occs]
            for a, b in occs:
                starts = word_starts[a.run]
                for k in range(bisect.bisect_left(starts, a.start), bisect.bisect_left(starts, b.end)):
                    used.add((a.run, starts[k]))
            out.append((key, spans))
    return out


def shorthand(term: str) -> str:
    return "".join(w[0].upper() for w in term.split() if w not in _INNER)


def _defined(text: str, term: str) -> str | None:
    """An abbreviation the text already defines for the term: "customer lifetime value (CLV)"."""
    m = re.search(re.escape(term).replace(r"\ ", r"\s+") + r"\s*\(([A-Z][A-Za-z0-9&-]{1,9})\)", text, re.IGNORECASE)
    return m.group(1) if m else None


def rewrite_runs(runs: list[str], spans: list[_Word], abbr: str, defined: bool) -> list[str]:
    """The texts with the first occurrence defined as "term (ABBR)" (kept as is when the text
    defines it already) and every later one replaced by ABBR."""
    out = list(runs)
    for i, sp in sorted(enumerate(spans), key=lambda p: (p[1].run, -p[1].start)):
        text = out[sp.run]
        original = text[sp.start : sp.end]
        if i == 0:
            rep = original if defined else f"{original} ({abbr})"
        else:
            rep = abbr
        out[sp.run] = text[: sp.start] + rep + text[sp.end :]
    return out


def _fix(runs: list[list[Segment]], texts: list[str], spans: list[_Word], abbr: str, defined: bool) -> Fix | None:
    edits = []
    segs = set()
    for i, sp in enumerate(spans):
        if i == 0 and defined:
            continue
        seg, base = segment_at(runs[sp.run], sp.start)
        if sp.end - base > len(seg.text):
            return None
        segs.add(id(seg))
        original = texts[sp.run][sp.start : sp.end]
        rep = f"{original} ({abbr})" if i == 0 else abbr
        edit = edit_in(getattr(seg, "pieces", None) or [], sp.start - base, sp.end - base, rep)
        if edit is None:
            return None
        edits.append(edit)
    if len(segs) != 1 or not edits:
        return None  # the occurrences are in several literals (or constants): no safe edit
    return Fix("safe", f"Define `{abbr}` once and use it", edits)


@check("repeated_long_concept", on="project")
def repeated_long_concept(project, ctx: RuleContext) -> Iterable[Finding]:
    min_words = int(ctx.params.get("min-words") or 3)
    min_repeats = int(ctx.params.get("min-repeats") or 3)
    max_terms = int(ctx.params.get("max-terms") or 3)
    occ: dict[tuple, Occurrence] = {}
    for owner, prompt in owners(project):
        model, provider = site_model(owner)
        runs = [run for m in prompt.messages if m.role != "assistant" for run in instruction_runs(m.segments)]
        texts = [run_text(r) for r in runs]
        if sum(len(t) for t in texts) < 60:
            continue
        candidates = []
        joined = "\n".join(texts)

        def size(t: str, model=model, provider=provider) -> int:
            return text_size(t, model, provider, ctx.providers, ctx.policy.models).tokens if t else 0

        before: dict[int, int] = {}
        for term, spans in find_terms(texts, min_words, min_repeats):
            existing = _defined(joined, term)
            abbr = existing or shorthand(term)
            clash = existing is None and re.search(rf"(?<![\w-]){re.escape(abbr)}(?![\w-])", joined) is not None
            after = rewrite_runs(texts, spans, abbr, existing is not None)
            touched = {sp.run for sp in spans}
            for i in touched:
                if i not in before:
                    before[i] = size(texts[i])
            saved = sum(before[i] - size(after[i]) for i in touched)
            if saved > 0:
                candidates.append((saved, term, spans, abbr, existing, clash))
        # the terms that save most (a pasted document can repeat dozens of phrases)
        for saved, term, spans, abbr, existing, clash in sorted(candidates, key=lambda c: -c[0])[:max_terms]:
            first = spans[1] if existing else spans[0]  # defined already: point at the first repeat
            seg, base = segment_at(runs[first.run], first.start)
            path, cell = where(seg, owner)
            key = key_of(seg, path, cell, first.start - base, term)

            def make(seg=seg, base=base, first=first, path=path, cell=cell, term=term, spans=spans, abbr=abbr, existing=existing, clash=clash, runs=runs, texts=texts) -> Occurrence:
                written = " ".join(texts[first.run][first.start : first.end].split())
                how = f'it is defined as "{abbr}" already: use it' if existing else f'define it once as "{written} ({abbr})" and write "{abbr}" after that'
                fix = None if clash else _fix(runs, texts, spans, abbr, existing is not None)
                message = f'"{written}" is written out {len(spans)} times in one request; {how}'
                if clash:
                    message += f' (pick another shorthand: "{abbr}" is already a word of this prompt)'
                return Occurrence(path, cell, span_of(seg, first.start - base, first.end - base), message, fix)

            merge(occ, key, make, owner, saved)
    yield from emit(occ, ctx, "exact: tokens of the request's instruction text before and after the shorthand")
