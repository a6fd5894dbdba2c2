"""Prompt-text checks: LA104 missing-stop-sequence, LA201 verbose-instruction,
LA202 repeated-instruction, LA203 prompt-over-budget.

Text rules read only *static* text (literals, constants, prompt-file bodies), run by run: a
dynamic hole splits the text, so a phrase never matches across or inside a hole. A text is
reported once where it is written (a prompt constant's definition, an inline literal, a
prompt file's body), not again at every call site that sends it; the savings of that one
finding add up over the call sites that send it.

The phrase catalog is ``rules/phrases.yaml`` (see its header for the matching semantics),
extended per rule by policy ``params: {LA201: {extra-phrases: [...]}}`` (tried first).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from auditor.facts import CallSite, Prompt, Segment
from auditor.config.catalog import load_catalog
from auditor.checks import check
from auditor.checks.context import RuleContext
from auditor.findings import Finding, Fix, RequestChange, Savings, Span
from auditor.fix.edits import add_frontmatter_param, add_param
from auditor.cost.sizing import run_text, static_size, text_size
from auditor.analysis.roles import instruction_runs
from auditor.analysis.literals import edit_in, position_in
from auditor.fix.grammar import deletion_fits

# ------------------------------------------------------------------------------ phrases


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Case-insensitive; ``\\b`` at word-character ends; any whitespace run matches one space."""
    body = r"\s+".join(re.escape(word) for word in phrase.split(" "))
    start = r"\b" if re.match(r"\w", phrase[0]) else ""
    end = r"\b" if re.match(r"\w", phrase[-1]) else ""
    return re.compile(start + body + end, re.IGNORECASE)


# start of text, or after a sentence end / colon / line break, optionally inside a list item
_SENTENCE_START = re.compile(r"(?:\A|[.!?:]\s+|\n)[ \t]*(?:[-*\u2022][ \t]+|\d+[.)][ \t]+)?\Z")


@lru_cache(maxsize=64)
def _anywhere(entries: tuple[tuple, ...]) -> frozenset[str]:
    """Deletions that fit in any position (``context: any``); the others must open a clause."""
    return frozenset(e[0] for e in entries if len(e) > 2 and e[2] == "any")


def phrase_entries(section: str, params: dict[str, Any]) -> tuple[tuple[str, str | None], ...]:
    """Team entries (``extra-phrases``) first, then the catalog's; second element: rewrite or
    delimiter; verbose entries carry a third, the deletion's grammatical ``context``."""
    key = "rewrite" if section == "verbose" else "delimiter"
    out: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for e in list(params.get("extra-phrases") or []) + list(load_catalog().phrases.get(section) or []):
        if not isinstance(e, dict) or not isinstance(e.get("phrase"), str):
            continue
        phrase = " ".join(e["phrase"].lower().split())
        if not phrase or phrase in seen:
            continue
        seen.add(phrase)
        value = e.get(key)
        item = (phrase, str(value) if value is not None else ("" if key == "rewrite" else None))
        out.append(item + (str(e.get("context") or "clause"),) if key == "rewrite" else item)
    return tuple(out)


@dataclass
class Rewrite:
    """One verbose phrase in a text and the edit that removes it (reference semantics)."""

    start: int  # the matched phrase
    end: int
    phrase: str
    rewrite: str
    region: tuple[int, int]  # the text range the edit replaces
    replacement: str


def _begins_sentence(text: str, start: int, matched: str) -> bool:
    # the last few hundred characters decide (\A still means the text's start): linear in all
    return matched[:1].isupper() and bool(_SENTENCE_START.search(text, max(0, start - 400), start))


@lru_cache(maxsize=4096)
def _pattern(phrase: str) -> re.Pattern[str]:
    return phrase_pattern(phrase)


def _candidates(text: str, entries: tuple[tuple[str, str | None], ...]) -> list[tuple[str, str | None, re.Pattern[str]]]:
    """The entries whose phrase occurs in ``text`` once case and whitespace runs are set aside
    (what every match of the phrase's pattern is), with their patterns, in catalog order: most
    texts have none, and only the phrases a text holds are compiled."""
    norm = " ".join(text.lower().split())
    return [(e[0], e[1], _pattern(e[0])) for e in entries if e[0] and e[0] in norm]


@lru_cache(maxsize=64)
def find_verbose(text: str, entries: tuple[tuple[str, str | None], ...]) -> list[Rewrite]:
    """Non-overlapping verbose phrases in ``text``, earlier catalog entries first (memoised: a
    prompt constant and the call sites sending it share one scan; callers must not mutate)."""
    taken: list[tuple[int, int]] = []  # sorted, non-overlapping
    out: list[Rewrite] = []
    anywhere = _anywhere(entries)
    for phrase, rewrite, pat in _candidates(text, entries):
        for m in pat.finditer(text):
            a, b = m.span()
            i = bisect.bisect_left(taken, (a, a))
            if (i < len(taken) and taken[i][0] < b) or (i > 0 and taken[i - 1][1] > a):
                continue
            if not rewrite and phrase not in anywhere and not deletion_fits(text, a, b):
                continue  # the phrase governs what follows ("to make sure you ..."): not filler here
            taken.insert(i, (a, b))
            out.append(_rewrite(text, a, b, phrase, rewrite or ""))
    out.sort(key=lambda r: r.start)
    return out


def _rewrite(text: str, a: int, b: int, phrase: str, rewrite: str) -> Rewrite:
    capital = _begins_sentence(text, a, text[a:b])
    if rewrite:
        first = rewrite[0].upper() if capital else rewrite[0].lower()
        return Rewrite(a, b, phrase, rewrite, (a, b), first + rewrite[1:])
    rest = text[b:]
    after = rest.lstrip()
    if after and after[0].isalnum():
        ws = len(rest) - len(after)
        if capital and after[0] != after[0].upper():
            return Rewrite(a, b, phrase, rewrite, (a, b + ws + 1), after[0].upper())
        return Rewrite(a, b, phrase, rewrite, (a, b + ws), "")
    head = text[:a].rstrip(" \t")
    return Rewrite(a, b, phrase, rewrite, (len(head), b), "")


def apply_rewrites(text: str, entries: tuple[tuple[str, str | None], ...]) -> str:
    """``text`` with every verbose phrase rewritten (repeated until stable, like ``fix``)."""
    for _ in range(10):
        found = find_verbose(text, entries)
        if not found:
            return text
        out, last = [], 0
        for r in found:
            a, b = r.region
            if a < last:
                continue
            out.append(text[last:a] + r.replacement)
            last = b
        out.append(text[last:])
        new = "".join(out)
        if new == text:
            return text
        text = new
    return text


def asks_short_answer(text: str, entries: tuple[tuple[str, str | None], ...]) -> tuple[str, str | None, int] | None:
    """(phrase, delimiter or None, offset) of a short/delimited-answer phrase in ``text``.

    A phrase that names the answer's end marker wins over one that does not, so the fix can
    use it ("Reply with yes or no. End your answer with ###." -> ``###``)."""
    first = None
    for phrase, delimiter, pat in _candidates(text, entries):
        m = pat.search(text)
        if m:
            if delimiter:
                return phrase, delimiter, m.start()
            first = first or (phrase, delimiter, m.start())
    return first


# ------------------------------------------------------------------------------ text locations


@dataclass
class TextOwner:
    """Who sends a text: a call site (with its model), or a prompt constant / prompt file body."""

    path: str
    site: CallSite | None = None
    name: str = ""
    cell: int | None = None


def _owners(project) -> Iterable[tuple[TextOwner, Prompt]]:
    for site in project.call_sites():
        yield TextOwner(site.path, site, cell=site.cell), site.prompt
    for pc in prompt_constants(project):
        yield TextOwner(pc.path, None, pc.name, pc.cell), pc.prompt


def prompt_constants(project) -> Iterable:
    """Prompt constants whose segments lie where the constant is (cell and span).

    A guard: if a reader ever hands over segments located elsewhere (a notebook's line
    remapping applied twice to shared objects), the constant is skipped rather than a fix
    pointed at the wrong lines; call sites that send its text still report it."""
    for f in project.facts:
        for pc in f.prompt_constants:
            ok = True
            for seg in pc.prompt.segments:
                if seg.path is not None or seg.span is None:
                    continue
                s, c = seg.span, pc.span
                if (seg.cell is not None and seg.cell != pc.cell) or (s.line, s.column) < (c.line, c.column) or (s.end_line, s.end_column) > (c.end_line, c.end_column):
                    ok = False
                    break
            if ok:
                yield pc


def _segment_at(run: list[Segment], offset: int) -> tuple[Segment, int]:
    """The segment of ``run`` holding ``offset`` and the offset of that segment in the run."""
    pos = 0
    for seg in run:
        if offset < pos + len(seg.text) or seg is run[-1]:
            return seg, pos
        pos += len(seg.text)
    return run[-1], pos - len(run[-1].text)


def _where(seg: Segment, owner: TextOwner) -> tuple[str, int | None]:
    if seg.path is not None:
        return seg.path, seg.cell
    return owner.path, seg.cell if seg.cell is not None else owner.cell


def _span_of(seg: Segment, a: int, b: int) -> Span | None:
    pieces = getattr(seg, "pieces", None) or []
    p0 = position_in(pieces, a)
    p1 = position_in(pieces, b - 1) if b > a else None
    if p0 is None or p1 is None:
        return seg.span
    return Span(p0[0], p0[1], p1[0], p1[1] + 1)


def _key(seg: Segment, path: str, cell: int | None, offset: int, what: str) -> tuple:
    pos = position_in(getattr(seg, "pieces", None) or [], offset)
    if pos is not None:
        return (path, cell, pos, what)
    span = seg.span
    return (path, cell, (span.line, span.column) if span else None, offset, seg.text[:60], what)


@dataclass
class Occurrence:
    path: str
    cell: int | None
    span: Span | None
    message: str
    fix: Fix | None
    tokens: dict[int, int] = field(default_factory=dict)  # id(site) -> tokens saved per call
    sites: list[CallSite] = field(default_factory=list)
    constant_tokens: int = 0  # when no call site sends it


def _site_model(owner: TextOwner) -> tuple[str | None, str | None]:
    return (owner.site.model_name, owner.site.provider) if owner.site is not None else (None, None)


def _merge(occ: dict[tuple, Occurrence], key: tuple, make, owner: TextOwner, tokens: int) -> None:
    o = occ.get(key)
    if o is None:
        o = occ[key] = make()
    if owner.site is not None:
        if all(s is not owner.site for s in o.sites):
            o.sites.append(owner.site)
            o.tokens[id(owner.site)] = tokens
    else:
        o.constant_tokens = max(o.constant_tokens, tokens)


def _savings(o: Occurrence, ctx: RuleContext, basis: str) -> Savings | None:
    if not o.sites:
        if o.constant_tokens <= 0:
            return None
        return Savings(tokens_per_call=float(o.constant_tokens), basis=f"{basis}; not sent by a call site found in this run")
    parts: list[Savings] = []
    tokens = 0
    for site in o.sites:
        t = o.tokens.get(id(site), 0)
        s = ctx.savings(site, change=RequestChange(site.id, "input", tokens=float(t)), tokens=t, basis=basis)
        if s is None or t <= 0:
            continue
        parts.append(s)
        tokens = max(tokens, t)
    if tokens <= 0:
        return None
    n = len(o.sites)
    return Savings.combined(parts, basis=basis + (f"; sent by {n} call sites" if n > 1 else ""), tokens_per_call=float(tokens))


def _emit(occ: dict[tuple, Occurrence], ctx: RuleContext, basis: str) -> Iterable[Finding]:
    for o in occ.values():
        site = o.sites[0] if len(o.sites) == 1 and o.sites[0].path == o.path else None
        yield ctx.finding(o.message, o.path, o.span, cell=o.cell, site=site, fix=o.fix, savings=_savings(o, ctx, basis))


# ------------------------------------------------------------------------------ LA201


EXACT_TEXT_CHARS = 50_000  # longer texts: each rewrite's saving is counted on the text around it


def _saved_tokens(text: str, r: Rewrite, size, before: int) -> int:
    """Tokens the rewrite ``r`` saves. Short texts are counted whole before and after; in a long
    text (a 1.7 MB prompt has thousands of phrases) recounting it per phrase is quadratic, so
    the count is of a window around the edit cut at line or word starts, where tokens break."""
    a, b = r.region
    if len(text) <= EXACT_TEXT_CHARS:
        return before - size(text[:a] + r.replacement + text[b:])
    lo, hi = _token_break(text, a - 256, -1), _token_break(text, b + 256, 1)
    return size(text[lo:hi]) - size(text[lo:a] + r.replacement + text[b:hi])


_WORD_START = re.compile(r"(?<=\S) (?=\w)")  # the space a word's token starts with


def _token_break(text: str, at: int, step: int) -> int:
    """A position near ``at`` (looking back for ``step`` -1, ahead for 1) where a token starts:
    after a line break, else before the space that starts a word, else ``at`` itself."""
    if at <= 0 or at >= len(text):
        return min(max(at, 0), len(text))
    lo, hi = (max(0, at - 512), at) if step < 0 else (at, min(len(text), at + 512))
    nl = text.rfind("\n", lo, hi) if step < 0 else text.find("\n", lo, hi)
    if nl >= 0:
        return nl + 1
    if step > 0:
        m = _WORD_START.search(text, lo, hi)
        return m.start() if m is not None else at
    p = text.rfind(" ", lo, hi)
    while p > lo and not (not text[p - 1].isspace() and p + 1 < len(text) and (text[p + 1].isalnum() or text[p + 1] == "_")):
        p = text.rfind(" ", lo, p)
    return p if p > lo else at


@check("verbose_instruction", on="project")
def verbose_instruction(project, ctx: RuleContext) -> Iterable[Finding]:
    entries = phrase_entries("verbose", ctx.params)
    occ: dict[tuple, Occurrence] = {}
    for owner, prompt in _owners(project):
        model, provider = _site_model(owner)
        for m in prompt.messages:
            for run in instruction_runs(m.segments):
                text = run_text(run)
                found = find_verbose(text, entries)
                if not found:
                    continue
                def size(t: str, model=model, provider=provider) -> int:
                    return text_size(t, model, provider, ctx.providers, ctx.policy.models).tokens

                before = size(text) if len(text) <= EXACT_TEXT_CHARS else 0
                for r in found:
                    seg, base = _segment_at(run, r.start)
                    path, cell = _where(seg, owner)
                    key = _key(seg, path, cell, r.start - base, r.phrase)
                    saved = max(0, _saved_tokens(text, r, size, before))

                    def make(seg=seg, base=base, r=r, path=path, cell=cell, text=text) -> Occurrence:
                        matched = text[r.start : r.end]
                        shown = " ".join(matched.split())
                        fix = None
                        a, b = r.region[0] - base, r.region[1] - base
                        if 0 <= a and b <= len(seg.text):
                            edit = edit_in(getattr(seg, "pieces", None) or [], a, b, r.replacement)
                            if edit is not None:
                                label = f'Rewrite "{shown}" as "{r.rewrite}"' if r.rewrite else f'Delete "{shown}"'
                                fix = Fix("safe", label, [edit])
                        if r.rewrite:
                            message = f'verbose instruction "{shown}": "{r.replacement}" says the same'
                        else:
                            message = f'filler "{shown}": the instruction reads the same without it'
                        return Occurrence(path, cell, _span_of(seg, r.start - base, r.end - base), message, fix)

                    _merge(occ, key, make, owner, saved)
    for f in _emit(occ, ctx, "exact: tokens of the prompt text before and after the rewrite"):
        if f.savings is not None and f.savings.tokens_per_call:
            f.message += f" - saves {int(f.savings.tokens_per_call)} token{'s' if f.savings.tokens_per_call != 1 else ''} per call"
        yield f


# ------------------------------------------------------------------------------ LA202

# an instruction sentence starts like prose (after an optional list marker); markup and code do not count
_PROSE = re.compile(r"(?:[-*\u2022]\s+|\d+[.)]\s+)?[A-Za-z]")
_MARKUP = re.compile(r"[<>{};=|`\\]")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?:])\s+|\s*\n\s*")


def _sentences(text: str) -> Iterable[tuple[int, int, str]]:
    """(start, end, normalised text) of each sentence, clause after a colon, or line of ``text``."""
    pos = 0
    for m in list(_SENTENCE_BREAK.finditer(text)) + [None]:
        end = m.start() if m is not None else len(text)
        raw = text[pos:end]
        a = pos + (len(raw) - len(raw.lstrip()))
        b = pos + len(raw.rstrip())
        if _PROSE.match(text[a:b]) and not _MARKUP.search(text[a:b]):
            norm = " ".join(re.sub(r"[^\w\s']", " ", text[a:b].lower()).split())
            if norm:
                yield a, b, norm
        if m is not None:
            pos = m.end()


@check("repeated_instruction", on="project")
def repeated_instruction(project, ctx: RuleContext) -> Iterable[Finding]:
    """One finding per repeated block: consecutive sentences that all repeat earlier text of the
    same request (a duplicated paragraph, ``"..." * 300``) are one cause, reported at its first
    sentence with the whole block's tokens."""
    min_words = int(ctx.params.get("min-words") or 6)
    occ: dict[tuple, Occurrence] = {}
    for owner, prompt in _owners(project):
        model, provider = _site_model(owner)
        seen: dict[str, str] = {}  # sentence -> role of the message it was first seen in
        for m in prompt.messages:
            for run in instruction_runs(m.segments):
                text = run_text(run)
                block: list[tuple[int, int, str]] = []
                for a, b, norm in list(_sentences(text)) + [(-1, -1, "")]:
                    long = len(norm.split()) >= min_words
                    repeat = norm in seen
                    if norm and not repeat:
                        seen[norm] = m.role
                    if norm and repeat and (long or block):
                        block.append((a, b, norm))
                        continue
                    if any(len(n.split()) >= min_words for _, _, n in block):
                        _repeated_block(occ, ctx, owner, run, text, block, seen, m.role, min_words, model, provider)
                    block = []
                    if norm and repeat and long:
                        block = [(a, b, norm)]
    yield from _emit(occ, ctx, "exact: tokens of the repeated text")


def _repeated_block(occ, ctx: RuleContext, owner: TextOwner, run: list[Segment], text: str, block: list[tuple[int, int, str]], seen: dict[str, str], role: str, min_words: int, model, provider) -> None:
    while block and len(block[-1][2].split()) < min_words:
        block.pop()  # a block ends with its last long sentence
    a, b = block[0][0], block[-1][1]
    first_long = next(n for _, _, n in block if len(n.split()) >= min_words)
    seg, base = _segment_at(run, a)
    last, last_base = _segment_at(run, max(a, b - 1))
    path, cell = _where(seg, owner)
    key = _key(seg, path, cell, a - base, first_long)
    first = " ".join(text[block[0][0] : block[0][1]].split())
    tokens = text_size(text[a:b], model, provider, ctx.providers, ctx.policy.models).tokens
    first_role = seen.get(first_long, role)
    where = "earlier in the same text" if first_role == role else f"in the {first_role} message too"
    distinct = {n for _, _, n in block}

    def make() -> Occurrence:
        short = first if len(first) <= 80 else first[:77] + "..."
        if len(block) == 1:
            message = f'repeated instruction "{short}" is sent twice in one request ({where}); say it once'
        elif len(distinct) == 1:
            message = f'repeated instruction "{short}" is sent {len(block) + 1} times in one request ({where}); say it once'
        else:
            message = f'a block of {len(block)} sentences starting "{short}" is sent twice in one request ({where}); say it once'
        span = _span_of(seg, a - base, b - base) if seg is last else _join_spans(_span_of(seg, a - base, a - base + 1), _span_of(last, b - 1 - last_base, b - last_base), seg, last)
        return Occurrence(path, cell, span, message, None)

    _merge(occ, key, make, owner, tokens)


def _join_spans(first: Span | None, last: Span | None, seg: Segment, other: Segment) -> Span | None:
    if first is None or last is None or seg.path != other.path or seg.cell != other.cell:
        return first
    return Span(first.line, first.column, last.end_line, last.end_column)


# ------------------------------------------------------------------------------ LA203


def _used_constants(project) -> set[tuple[str, str]]:
    """Prompt constants (path, name) whose text some call site sends."""
    spans: dict[str, list[tuple[str, Span]]] = {}
    for f in project.facts:
        for pc in f.prompt_constants:
            spans.setdefault(pc.path, []).append((pc.name, pc.span))
    used: set[tuple[str, str]] = set()
    for site in project.call_sites():
        for seg in site.prompt.segments:
            path = seg.path or site.path
            if seg.span is None or path not in spans:
                continue
            for name, span in spans[path]:
                if (span.line, span.column) <= (seg.span.line, seg.span.column) and (seg.span.end_line, seg.span.end_column) <= (span.end_line, span.end_column):
                    used.add((path, name))
    return used


_MARKUP_DOCUMENT = re.compile(r"\s*(?:<!DOCTYPE\s|<html[\s>]|<\?xml\s)", re.IGNORECASE)


@check("prompt_budget", on="project")
def prompt_over_budget(project, ctx: RuleContext) -> Iterable[Finding]:
    budget = ctx.params.get("max-static-tokens")
    if budget is None:
        return
    budget = int(budget)
    for site in project.call_sites():
        size = static_size(site.prompt, site.model_name, site.provider, ctx.providers, ctx.policy.models)
        if size.tokens <= budget:
            continue
        how = "" if size.exact else f" ({size.note})"
        yield ctx.site_finding(
            site,
            f"the static prompt of this call is {size.tokens:,} tokens{how}, over the budget of {budget:,} (`max-static-tokens`)",
            savings=ctx.savings(site, change=RequestChange(site.id, "budget", value=budget), tokens=size.tokens - budget, basis=f"tokens over the budget ({'exact' if size.exact else 'estimated'} count)"),
        )
    used = _used_constants(project)
    for pc in prompt_constants(project):
        if (pc.path, pc.name) in used:
            continue
        if _MARKUP_DOCUMENT.match(pc.prompt.static_text):
            continue  # an HTML / XML document template named like a prompt, sent to no model
        size = static_size(pc.prompt, None, None, ctx.providers, ctx.policy.models)
        if size.tokens > budget:
            yield ctx.finding(
                f"prompt `{pc.name}` is {size.tokens:,} tokens of static text, over the budget of {budget:,} (`max-static-tokens`)",
                pc.path,
                pc.span,
                cell=pc.cell,
                savings=Savings(tokens_per_call=float(size.tokens - budget), basis="tokens over the budget; not sent by a call site found in this run"),
            )


# ------------------------------------------------------------------------------ LA104


def short_answer_hit(site: CallSite, params: dict[str, Any]) -> tuple[str, str | None, int] | None:
    """(phrase, delimiter, offset) of the short-answer ask in the site's static prompt, if any."""
    entries = phrase_entries("short-answer", params)
    hit = None
    for m in site.prompt.messages:
        if m.role == "assistant":
            continue
        for run in instruction_runs(m.segments):
            found = asks_short_answer(run_text(run), entries)
            if found and (hit is None or (found[1] and not hit[1])):
                hit = found
    return hit


def answer_tokens(phrase: str, params: dict[str, Any]) -> int | None:
    """What the answer a short-answer phrase asks for weighs: the phrase entry's ``answer-tokens``
    (rules/phrases.yaml), a team entry's (``extra-phrases``; LA104's ``answer-tokens`` when it
    gives none); None when the phrase does not say how long the answer is."""
    for e in list(params.get("extra-phrases") or []):
        if isinstance(e, dict) and " ".join(str(e.get("phrase", "")).lower().split()) == phrase:
            return int(e.get("answer-tokens") or params.get("answer-tokens") or 16)
    for e in list(load_catalog().phrases.get("short-answer") or []):
        if isinstance(e, dict) and " ".join(str(e.get("phrase", "")).lower().split()) == phrase:
            return int(e["answer-tokens"]) if isinstance(e.get("answer-tokens"), int) else None
    return None


@check("stop_sequence")
def missing_stop_sequence(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    api = ctx.api(site)
    if api is None or not api.stop:
        return
    state, _ = site.first_present(api.stop)
    if state == "present" or (state == "unknown" and not ctx.policy.strict):
        return
    model = ctx.model(site)
    if model is not None and any(p.split(".")[-1] in model.rejects for p in api.stop + ["stop"]):
        return  # the model does not accept a stop sequence
    if site.extra.get("structured"):
        return  # structured output ends where the schema ends
    hit = short_answer_hit(site, ctx.params)
    if hit is None:
        return
    param = api.stop[0]
    what = site.method if site.extra.get("frontmatter") else f"{site.method}()"
    phrase, delimiter, _ = hit
    message = f'the prompt asks for a short answer ("{phrase}") but {what} sends no stop sequence (`{param}`)'
    fix = None
    if delimiter:
        value = json.dumps([delimiter])
        edits = add_frontmatter_param(site, param, value) if site.extra.get("frontmatter") else add_param(site, param, value)
        if edits:
            fix = Fix("unsafe", f"Add `{param}={value}` (the delimiter the prompt names)", edits)
            message += f"; the prompt names its end marker {json.dumps(delimiter)}"
    yield ctx.site_finding(site, message, fix=fix, savings=_stop_savings(site, ctx, api))


def _stop_savings(site: CallSite, ctx: RuleContext, api) -> Savings | None:
    est = ctx.cost.estimate(site)
    worst = int(ctx.params.get("worst-case-with-stop") or 256)
    if est.output_max is None or est.output_max <= worst:
        return None
    change = RequestChange(site.id, "stop", value=worst)
    return ctx.cost.savings(site, change=change, tokens=est.output_max - worst, basis=f"worst case: up to {est.output_max:,} output tokens; a stop sequence ends a short answer within ~{worst:,} (`worst-case-with-stop`)")
