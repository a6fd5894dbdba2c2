"""Prompt-text checks: LA104 missing-stop-sequence, LA202 repeated-instruction,
LA203 prompt-over-budget. (LA201 is in :mod:`auditor.checks.filler`; where texts are written and
who sends them, in :mod:`auditor.checks.textsites`.)

Text rules read only *static instruction* text (literals, constants, prompt-file bodies), run by
run: a dynamic hole splits the text, so a phrase never matches across or inside a hole.

LA104's short-answer phrases are ``short-answer`` in ``rules/phrases.yaml``, extended per rule by
policy ``params: {LA104: {extra-phrases: [...]}}`` (tried first).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from auditor.analysis.phrases import catalog_entries
from auditor.analysis.rewrites import first_phrase
from auditor.checks import check
from auditor.checks.alternatives import Alternatives, exclusive
from auditor.checks.codeanswer import asks_for_code, asks_for_json
from auditor.checks.context import RuleContext
from auditor.checks.fieldspecs import field_key
from auditor.checks.parallel import in_parallel_sections
from auditor.checks.reminders import Place, is_reminder
from auditor.config.catalog import load_catalog
from auditor.checks.textsites import (
    Occurrence,
    TextOwner,
    emit,
    instruction_runs,
    key_of,
    merge,
    owners,
    prompt_constants,
    segment_at,
    site_model,
    span_of,
    where,
)
from auditor.cost.sizing import run_text, static_size, text_size
from auditor.facts import CallSite, Segment
from auditor.findings import Finding, Fix, RequestChange, Savings, Span
from auditor.fix.edits import add_frontmatter_param, add_param


def names_delimiter(entry) -> bool:
    """Does the catalog entry name the answer's end marker (a named function: its results are
    memoised between runs under its name)?"""
    return bool(entry.delimiter)


def heading_syntax(text: str, n: int) -> bool:
    """Does the prompt use ``n`` or more "#" as Markdown heading syntax: a heading line ("### Findings")
    or the marker named as such ("### for subsections"), or the marker followed by a heading title
    ("End with ### Sources that lists each source")? Then a "###" stop sequence would cut the
    answer at its first such heading."""
    marks = "#{%d,6}" % n
    return bool(re.search(
        rf"(?m)^[ \t]*{marks}[ \t]+\w|(?<!#){marks}[ \t]+for[ \t]+(?:the[ \t]+)?(?:sub)?(?:sections?|headings?|headers?|titles?)\b"
        rf"|(?<!#){marks}[ \t]+[A-Z]\w+",
        text,
    ))


def asks_short_answer(text: str, entries) -> tuple[str, str | None, int] | None:
    """(phrase, delimiter or None, offset) of a short/delimited-answer phrase in ``text``.

    A phrase that names the answer's end marker wins over one that does not, so the fix can
    use it ("Reply with yes or no. End your answer with ###." -> ``###``)."""
    if "#" in text:  # "###" the prompt uses as heading syntax is not an end marker
        entries = tuple(e for e in entries if not (e.delimiter and set(e.delimiter) == {"#"} and heading_syntax(text, len(e.delimiter))))
    hit = first_phrase(text, entries, prefer=names_delimiter)
    if hit is None:
        return None
    e, offset = hit
    if e.delimiter is None and asks_for_code(text, offset):
        return None  # "Return ONLY the Python code without any explanation": the code is the answer (checks/codeanswer.py)
    return e.phrase, e.delimiter, offset


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


_DIGITS = re.compile(r"\d")


def _not_an_instruction(text: str, end: int, norm: str, start: int = 0) -> bool:
    """A question or label that the rest of its line answers (``Thought: Do I need to use a tool? No``:
    the stem of a format, written once per variant), a label alone on its line that opens a section of a
    format ("Failures and how to do differently:" in each task record of an output template), or a row of
    data (a log line, a record: three or more of its words, and a quarter of them, carry digits)."""
    if text[end - 1 : end] in ("?", ":"):
        nl = text.find("\n", end)
        if text[end : nl if nl >= 0 else len(text)].strip():
            return True
        if text[end - 1] == ":" and not text[text.rfind("\n", 0, start) + 1 : start].strip(" \t-*#>\u2022"):
            return True  # a label alone on its line ("Failures and how to do differently:"): a section of a format
    words = norm.split()
    digits = sum(1 for w in words if _DIGITS.search(w))
    return digits >= 3 and digits * 4 >= len(words)


# the label of a worked example's field: "Answer:", "- Answer:", "AI Response:", "# Q:", "Gold target:"
_EXAMPLE_FIELD = re.compile(
    r"^[ \t#*>-]*(?:q|a|question|answer|context|information|input|output|response|ai response|ai|user|assistant|human|"
    r"example(?:[ \t]+\d+)?|gold target|predicted answer(?:[ \t]+\d+)?|generated answer|review|email)[ \t]*:",
    re.IGNORECASE,
)


_BULLET_LINE = re.compile(r"^[ \t]+[-*\u2022][ \t]")


def _in_example(text: str, at: int) -> bool:
    """The sentence at ``at`` lies in a labelled field of a worked example: its own line opens with a
    field label, or it is an indented bullet under one (``- Answer:`` above the answer's bullets, no
    blank line between). A label whose value is a hole (``Question: {{ question }}``) is the live
    request's field, not an example. Few-shot examples repeat their answers and contexts by design."""
    start = text.rfind("\n", 0, at) + 1
    for _ in range(12):
        end = text.find("\n", start)
        line = text[start : end if end >= 0 else len(text)]
        if _EXAMPLE_FIELD.match(line):
            return "{" not in line
        if not _BULLET_LINE.match(line) or start == 0:
            return False
        start = text.rfind("\n", 0, start - 1) + 1
    return False


@check("repeated_instruction", on="project")
def repeated_instruction(project, ctx: RuleContext) -> Iterable[Finding]:
    """One finding per repeated block: consecutive sentences that all repeat earlier text of the
    same request (a duplicated paragraph, ``"..." * 300``) are one cause, reported at its first
    sentence with the whole block's tokens."""
    min_words = int(ctx.params.get("min-words") or 6)
    occ: dict[tuple, Occurrence] = {}
    for owner, prompt in owners(project):
        model, provider = site_model(owner)
        seen: dict[str, tuple[Segment, str]] = {}
        alts, branches = Alternatives(), {}  # a sentence written once per branch of a choice (checks/alternatives.py)
        places: dict[str, Place] = {}  # where each sentence was first written (checks/reminders.py)
        for mi, m in enumerate(prompt.messages):
            for run in instruction_runs(m.segments):
                text = run_text(run)
                at = alts.feed(text)
                start = next(i for i, s in enumerate(m.segments) if s is run[0])
                block: list[tuple[int, int, str]] = []
                for a, b, norm in list(_sentences(text)) + [(-1, -1, "")]:
                    if norm and (_not_an_instruction(text, b, norm, a) or _in_example(text, a)):
                        norm = ""  # a format's stem ("Thought: Do I need a tool? Yes"), a row of data, a worked example's field
                    long = len(norm.split()) >= min_words
                    norm = field_key(text, a, norm) if norm else norm  # a schema field's spec goes with its label
                    here = at(a) if norm else ()
                    repeat = norm in seen and not all(exclusive(p, here) for p in branches[norm])
                    if repeat and is_reminder(m.segments, places[norm], Place(mi, start, start + len(run), a, b, segment_at(run, a)[0], text), text):
                        repeat = False  # restated after the data it applies to: a reminder
                    if repeat and _parallel(places[norm], mi, m.segments, start, a, b):
                        repeat = False  # opens or closes each of sibling sections (checks/parallel.py)
                    if norm:
                        branches.setdefault(norm, []).append(here)
                    if norm and not repeat and norm not in seen:
                        places[norm] = Place(mi, start, start + len(run), a, b, segment_at(run, a)[0], text)
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
    yield from emit(occ, ctx, "exact: tokens of the repeated text")


def _parallel(first: Place, mi: int, segments: list[Segment], start: int, a: int, b: int) -> bool:
    """Both copies open or close sibling sections of the message's text (holes count one character)."""
    if first.message != mi:
        return False
    offs, pos = [], 0
    for seg in segments:
        offs.append(pos)
        pos += len(seg.text) if seg.kind == "static" else 1
    text = "".join(seg.text if seg.kind == "static" else "\x00" for seg in segments)
    x, y = offs[first.run_start], offs[start]
    return in_parallel_sections(text, (x + first.offset, x + first.end), (y + a, y + b))


def _repeated_block(occ, ctx: RuleContext, owner: TextOwner, run: list[Segment], text: str, block: list[tuple[int, int, str]], seen: dict[str, str], role: str, min_words: int, model, provider) -> None:
    while block and len(block[-1][2].split()) < min_words:
        block.pop()  # a block ends with its last long sentence
    a, b = block[0][0], block[-1][1]
    first_long = next(n for _, _, n in block if len(n.split()) >= min_words)
    seg, base = segment_at(run, a)
    last, last_base = segment_at(run, max(a, b - 1))
    path, cell = where(seg, owner)
    key = key_of(seg, path, cell, a - base, first_long)
    first = " ".join(text[block[0][0] : block[0][1]].split())
    tokens = text_size(text[a:b], model, provider, ctx.providers, ctx.policy.models).tokens
    first_role = seen.get(first_long, role)
    seen_at = "earlier in the same text" if first_role == role else f"in the {first_role} message too"
    distinct = {n for _, _, n in block}

    def make() -> Occurrence:
        short = first if len(first) <= 80 else first[:77] + "..."
        if len(block) == 1:
            message = f'repeated instruction "{short}" is sent twice in one request ({seen_at}); say it once'
        elif len(distinct) == 1:
            message = f'repeated instruction "{short}" is sent {len(block) + 1} times in one request ({seen_at}); say it once'
        else:
            message = f'a block of {len(block)} sentences starting "{short}" is sent twice in one request ({seen_at}); say it once'
        span = span_of(seg, a - base, b - base) if seg is last else _join_spans(span_of(seg, a - base, a - base + 1), span_of(last, b - 1 - last_base, b - last_base), seg, last)
        return Occurrence(path, cell, span, message, None)

    merge(occ, key, make, owner, tokens)


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
    entries = catalog_entries("short-answer", params)
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
    cap = _literal_cap(site, api)
    if cap is not None and cap <= int(ctx.params.get("answer-tokens") or 16):
        return  # the cap already bounds a short answer: a stop sequence saves nothing
    hit = short_answer_hit(site, ctx.params)
    if hit is None or (hit[1] is None and answer_tokens(hit[0], ctx.params) is None and _json_answer(site, hit[0])):
        return  # "Return ONLY valid JSON": the object is the answer, no stop string ends it (response_format does, LA601)
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


def _json_answer(site: CallSite, phrase: str) -> bool:
    """Does a sentence of the site's instruction text that holds the short-answer phrase ask for JSON?"""
    for run in instruction_runs(site.prompt):
        text = run_text(run)
        for m in re.finditer(r"[^.!?\n]*" + re.escape(phrase.split()[0]) + r"[^.!?\n]*", text, re.IGNORECASE):
            if asks_for_json(m.group(0)):
                return True
    return False


def _literal_cap(site: CallSite, api) -> int | None:
    state, p = site.first_present(api.cap)
    if state == "present" and p is not None and p.value.is_literal and isinstance(p.value.value, int) and not isinstance(p.value.value, bool):
        return int(p.value.value)
    return None


def _stop_savings(site: CallSite, ctx: RuleContext, api) -> Savings | None:
    est = ctx.cost.estimate(site)
    worst = int(ctx.params.get("worst-case-with-stop") or 256)
    if est.output_max is None or est.output_max <= worst:
        return None
    change = RequestChange(site.id, "stop", value=worst)
    return ctx.cost.savings(site, change=change, tokens=est.output_max - worst, basis=f"worst case: up to {est.output_max:,} output tokens; a stop sequence ends a short answer within ~{worst:,} (`worst-case-with-stop`)")
