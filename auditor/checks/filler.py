"""LA201 verbose-instruction: filler in instruction text, found by the phrase patterns of
``rules/phrases.yaml`` (``verbose``; grammar in :mod:`auditor.analysis.phrases`), extended by policy
``params: {LA201: {extra-phrases: [...]}}`` (tried first).

Only static instruction text is read, run by run (a hole or a data segment splits the text, so a
phrase never matches across it). The saving is exact: the tokens of the run before minus after the
rewrite, with the model's tokenizer. The fix is safe and offered only where the edited range lies in
one verbatim piece of a plain literal (:func:`auditor.analysis.literals.edit_in`), and not where it
would leave a message with no text ("You are a helpful assistant." as the whole system message:
remove the message instead).
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.analysis.literals import edit_in
from auditor.analysis.phrases import catalog_entries
from auditor.analysis.rewrites import Rewrite, find_rewrites
from auditor.checks.fillerscope import fixed_test_message, replaces_framework_default, test_query
from auditor.checks.outputprefix import in_output_prefix, output_prefix
from auditor.checks import check
from auditor.checks.context import RuleContext
from auditor.checks.quotedoutput import in_quoted_reply, told_to_say
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
from auditor.cost.deltas import EXACT_TEXT_CHARS, saved_tokens
from auditor.cost.sizing import run_text, text_size
from auditor.facts import Message, Segment
from auditor.findings import Finding, Fix


def rewrite_fix(seg: Segment, base: int, r: Rewrite, label: str) -> Fix | None:
    """A safe fix for one rewrite when its range lies inside one verbatim piece of ``seg``."""
    a, b = r.region[0] - base, r.region[1] - base
    if not (0 <= a and b <= len(seg.text)):
        return None
    edit = edit_in(getattr(seg, "pieces", None) or [], a, b, r.replacement)
    return Fix("safe", label, [edit]) if edit is not None else None


def empties_message(m: Message, run: list[Segment], text: str, r: Rewrite) -> bool:
    """Would the rewrite leave the message with no text at all?"""
    a, b = r.region
    if len(text) - (b - a) > 1000:
        return False  # the rest of the text is left (and a long text is not all whitespace)
    after = text[:a] + r.replacement + text[b:]
    return not after.strip() and all(s in run or (s.kind == "static" and not s.text.strip()) for s in m.segments)


def shown(text: str) -> str:
    return " ".join(text.split())


@check("verbose_instruction", on="project")
def verbose_instruction(project, ctx: RuleContext) -> Iterable[Finding]:
    entries = catalog_entries("verbose", ctx.params)
    unfixable = {e.phrase for e in entries if not e.fixable}  # `fix: none`: reported, no fix
    occ: dict[tuple, Occurrence] = {}
    for owner, prompt in owners(project):
        model, provider = site_model(owner)
        for m in prompt.messages:
            if test_query(m, owner):
                continue  # a test's own short query to an agent (checks/fillerscope.py)
            prefix = output_prefix(m.segments)
            for run in instruction_runs(m.segments):
                text = run_text(run)
                found = [r for r in find_rewrites(text, entries) if not in_output_prefix(text, r.start, prefix) and not told_to_say(text, r.start) and not in_quoted_reply(text, r.start)]
                if not found:
                    continue

                def size(t: str, model=model, provider=provider) -> int:
                    return text_size(t, model, provider, ctx.providers, ctx.policy.models).tokens

                before = size(text) if len(text) <= EXACT_TEXT_CHARS else None
                for r in found:
                    seg, base = segment_at(run, r.start)
                    path, cell = where(seg, owner)
                    key = key_of(seg, path, cell, r.start - base, r.phrase)
                    saved = saved_tokens(text, r.region, r.replacement, size, before)
                    if saved <= 0:
                        continue  # the shorter wording tokenizes no shorter ("Please summarize" -> "Summarize")
                    empties = empties_message(m, run, text, r)
                    if empties and (replaces_framework_default(m, owner) or fixed_test_message(m, owner.path)):
                        continue  # the framework's longer default comes back; a test's fixed input (checks/fillerscope.py)

                    def make(seg=seg, base=base, r=r, path=path, cell=cell, text=text, empties=empties) -> Occurrence:
                        matched = shown(text[r.start : r.end])
                        label = f'Rewrite "{matched}" as "{r.said}"' if r.rewrite else f'Delete "{matched}"'
                        fix = None if empties or r.phrase in unfixable else rewrite_fix(seg, base, r, label)
                        if r.rewrite:
                            message = f'verbose instruction "{matched}": "{r.said}" says the same'
                        elif r.why:
                            message = f'filler "{matched}": {r.why}'
                        else:
                            message = f'filler "{matched}": the instruction reads the same without it'
                        if empties:
                            message += "; it is the whole message, so remove the message rather than its text"
                        return Occurrence(path, cell, span_of(seg, r.start - base, r.end - base), message, fix)

                    merge(occ, key, make, owner, saved)
    for f in emit(occ, ctx, "exact: tokens of the prompt text before and after the rewrite"):
        if f.savings is not None and f.savings.tokens_per_call:
            f.message += f" - saves {int(f.savings.tokens_per_call)} token{'s' if f.savings.tokens_per_call != 1 else ''} per call"
        yield f
