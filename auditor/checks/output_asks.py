"""LA205 output-inflation: instruction text that asks for exhaustive output ("as detailed as
possible", "a complete pipeline with error handling, logging and tests", "explain in detail").

The asks are ``output-inflation`` in ``rules/phrases.yaml`` (policy ``extra-phrases`` first). No
fix: what to leave out is the author's decision. Savings model: the inference-optimization guides
measure 60-80% fewer output tokens when a prompt asks for the core instead; the rule applies the
``reduction`` parameter (default 0.6, the low end) to each sending call site's typical output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from auditor.analysis.phrases import catalog_entries, catalog_vocab
from auditor.analysis.rewrites import phrase_spans
from auditor.checks import check
from auditor.checks.boundedasks import bounds_length, self_bounded, synthetic_sample_ask
from auditor.checks.context import RuleContext
from auditor.checks.deliverables import deliverable_ask
from auditor.checks.filler import shown
from auditor.checks.longform import conditional_ask, hypothetical_ask, long_document_product, named_agent_product, outlined_product
from auditor.checks.textsites import (
    Occurrence,
    emit,
    instruction_runs,
    key_of,
    merge,
    owners,
    segment_at,
    span_of,
    where,
)
from auditor.cost.sizing import run_text
from auditor.findings import Finding

# "... the Editor Agent who will write a comprehensive report", "this research will be used to create
# a comprehensive report": the verb says what someone else (another agent, a later step) will do, not
# what this request asks; "You will write a comprehensive report" is an ask and stays
_SOMEONE_ELSE_WILL = re.compile(r"(?<![\w'\u2019])(\w+)\s+will(?:\s+be\s+used\s+to|\s+then|\s+later)?\s+$", re.IGNORECASE)


def _describes_other(text: str, at: int) -> bool:
    """Whether the ask at ``at`` continues "<someone> will ..." in its sentence, someone not the
    model (rules/phrases.yaml ``grammar.you``, as the filler fixes' subject test reads it)."""
    before = re.split(r"[.!?\n:;]", text[max(0, at - 80):at])[-1]
    m = _SOMEONE_ELSE_WILL.search(before)
    return m is not None and m.group(1).lower() not in catalog_vocab().you


def _streaming_demo(owner, prompt) -> bool:
    """A fixed prompt (no hole: nothing from a user, a caller or a file) sent only to stream its
    answer - ``converse_stream``, ``stream=True``, openai-agents ``Runner.run_streamed`` - is a
    demo of streaming: the long answer arriving piece by piece is the point. The same text sent
    by another, non-streaming request is still reported there. An agent's instructions count when every run
    of the agent is ``Runner.run_streamed`` on a fixed input (analysis/streamdemo.py)."""
    if prompt.holes:
        return False
    if owner.site is not None:
        return bool(owner.site.streaming)
    return owner.streamed or "stream" in (owner.name or "").lower()  # an agent run only by run_streamed(agent, "..."); a text sink's call: run_streamed(), astream()


_TOOL_PARAMS = {"tools", "functions"}
_PROSE = re.compile(r"\b(?:answers?|responses?|repl(?:y|ies)|explanations?|essays?|articles?|reports?)\b", re.IGNORECASE)


def schema_bounded(site) -> bool:
    """Whether the request's output is bounded by a schema or grammar (``response_format``, a
    ``.parse`` method, ``with_structured_output``, a forced tool): "a detailed description" there
    asks to fill the schema's fields, not for long prose. Tools the model may leave unused (no
    ``tool_choice`` naming one) do not bound it; neither does ``response_format={"type": "text"}`` or JSON mode without a ``schema`` (``"json_object"``)."""
    if not site.extra.get("structured"):
        return False
    roots = {p.split(".")[0] for p in site.params}
    fmt = site.params.get("response_format.type")
    if fmt is not None and (fmt.value.value == "text" or (fmt.value.value == "json_object" and "response_format.schema" not in site.params)):
        # plain JSON mode fixes no fields (Fireworks' `{"type": "json_object", "schema": ...}` does)
        return False
    if roots & _TOOL_PARAMS and not roots & {"response_format", "text_format", "output_format", "response_model"} and "parse" not in site.method:
        choice = site.params.get("tool_choice.type") or site.params.get("tool_choice")
        return choice is not None and choice.value.value not in ("auto", "none", None)  # a dict names a tool (or "any"/"required")
    return True


@check("output_inflation", on="project")
def output_inflation(project, ctx: RuleContext) -> Iterable[Finding]:
    entries = catalog_entries("output-inflation", ctx.params)
    reduction = min(max(float(ctx.params.get("reduction", 0.6)), 0.0), 1.0)
    occ: dict[tuple, Occurrence] = {}
    for owner, prompt in owners(project):
        if _streaming_demo(owner, prompt):
            continue
        asked = "\n".join(run_text(run) for m in prompt.messages if m.role != "assistant" for run in instruction_runs(m.segments))
        if long_document_product(asked):
            continue  # a research report with required sections, citations, a Sources section: length is the product
        if self_bounded(prompt) or bounds_length(asked):
            continue  # "limit the report to {max_length} words", "a single, concise description" (checks/boundedasks.py), "less than {{ max_words }} words"
        typical = ctx.cost.estimate(owner.site).output_tokens if owner.site is not None else 0.0
        sends_image = owner.site is not None and bool(owner.site.extra.get("images"))
        for m in prompt.messages:
            if m.role == "assistant":
                continue
            for run in instruction_runs(m.segments):
                text = run_text(run)
                for e, a, b in phrase_spans(text, entries):
                    if _describes_other(text, a) or conditional_ask(text, a) or hypothetical_ask(text, a) or synthetic_sample_ask(text, a, b):
                        continue
                    if named_agent_product(text, a) or outlined_product(text, b):
                        continue  # a named sub-agent's output described by its coordinator; a product whose outline follows
                    if deliverable_ask(text, a, b, sends_image):
                        continue  # the detailed product is the deliverable: an indexed or image description, a list of results, an outline
                    seg, base = segment_at(run, a)
                    path, cell = where(seg, owner)
                    key = key_of(seg, path, cell, a - base, e.phrase)

                    def make(seg=seg, base=base, a=a, b=b, path=path, cell=cell, text=text) -> Occurrence:
                        message = (
                            f'"{shown(text[a:b])}" asks for exhaustive output; ask for the core of what you need '
                            f"(the inference-optimization guides measure 60-80% fewer output tokens for that)"
                        )
                        return Occurrence(path, cell, span_of(seg, a - base, b - base), message, None)

                    merge(occ, key, make, owner, round(typical * reduction))
    # schema-bounded output: an ask sent only by requests whose output a schema or grammar fixes
    # unless the ask names the prose itself ("a comprehensive answer"): a schema's free-text field holds it
    occ = {k: o for k, o in occ.items() if _PROSE.search(o.message.split('"')[1] if '"' in o.message else "") or not (o.sites and all(schema_bounded(s) for s in o.sites))}
    yield from emit(
        occ, ctx,
        f"assumption: {reduction:.0%} of the site's typical output (the guides' documented 60-80% range, param `reduction`)",
        kind="output",
    )
