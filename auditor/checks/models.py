"""The models family's request-parameter rules: LA105 excessive-samples (several completions
per call) and LA106 unsupported-parameter (a parameter the model rejects).

The family's other rules (``rules/checks/models.yaml``) have modules of their own: LA401
oversized-model in :mod:`auditor.checks.modelfit`, LA402 retired-model and LA404
superseded-model in :mod:`auditor.checks.lifecycle`, LA403 unknown-model in
:mod:`auditor.checks.unknownmodel`; where the model is written at a call, the swap fix and what a
swap saves are :mod:`auditor.checks.modelswap`'s.

Which parameters ask for several samples comes from the providers catalog (``samples``); which
parameters a model rejects from the model catalog (``rules/models.yaml`` plus policy ``models:``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from auditor.checks import check
from auditor.checks.context import RuleContext
from auditor.analysis.testmodules import is_test_path
from auditor.checks.modelids import dropped_by_sdk
from auditor.analysis.sampleuse import consumed_by
from auditor.cost.model import LOCAL_PROVIDERS
from auditor.facts import CallSite, Param
from auditor.findings import Edit, Finding, Fix, RequestChange
from auditor.fix.edits import remove_param
from auditor.sources.lines import split_lines
from auditor.sources.python import decode_source
from auditor.reads import read_bytes, read_text


# ---------------------------------------------------------------- shared helpers
def _compile(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    out = []
    for p in patterns or []:
        try:
            out.append(re.compile(p, re.IGNORECASE))
        except re.error:
            continue
    return out


def _literal_int(param: Param | None) -> int | None:
    if param is None or not param.value.is_literal:
        return None
    v = param.value.value
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _literal_true(param: Param | None) -> bool:
    return param is not None and param.value.is_literal and param.value.value is True


# ---------------------------------------------------------------- LA105
@check("excessive_samples")
def excessive_samples(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    api = ctx.api(site)
    if api is None or not api.samples or site.extra.get("every_choice"):
        return  # every sample is read (voting, reranking): the extra completions are the design
    if is_test_path(site.path):
        return  # a test of the SDK's n= handling (parsing several choices), not a bill
    limit = int(ctx.params.get("max-samples", 1))
    names = set(ctx.params.get("sample-params") or ["n", "best_of", "candidate_count", "num_return_sequences"])
    if consumed_by(site.extra.get("handed_to") or [], list(ctx.params.get("sample-consumers") or [])):
        return  # handed to a consumer that uses every sample (HyDE embeds and averages them)
    beam = _literal_true(site.lookup("use_beam_search")[1])
    for path in api.samples:
        if path.rsplit(".", 1)[-1] not in names:
            continue
        state, param = site.lookup(path)
        value = _literal_int(param) if state == "present" else None
        if value is None or value <= limit:
            continue
        if path.endswith("best_of") and (beam or site.provider in LOCAL_PROVIDERS or value <= (_literal_int(site.lookup(path[: -len("best_of")] + "n")[1]) or 0)):
            continue  # a beam width, a local engine's decoding setting, or no candidate beyond `n`
        est = ctx.cost.estimate(site)
        extra = value - limit
        savings = None
        if site.provider not in LOCAL_PROVIDERS:
            savings = ctx.savings(
                site, change=RequestChange(site.id, "samples", value=limit), tokens=extra * est.output_tokens,
                basis=f"{extra} extra completion(s) x ~{est.output_tokens:,.0f} output tokens",
            )
        what = "candidates are generated (and billed) server-side" if path.endswith("best_of") else "completions are generated and billed"
        yield ctx.finding(
            f"`{path}={value}`: {value} {what} per call; the policy allows at most {limit} (output cost x{value})",
            site.path, param.arg_span or site.span, site=site, savings=savings,  # type: ignore[union-attr]
        )


# ---------------------------------------------------------------- LA106
def _source_lines(ctx: RuleContext, site: CallSite) -> list[str] | None:
    """The lines of the file (or notebook cell) holding the call, for an edit that removes text."""
    path = ctx.policy.root / site.path
    try:
        if site.cell is None:
            return split_lines(decode_source(read_bytes(path)))
        nb = json.loads(read_text(path, encoding="utf-8-sig"))
        cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
        src = cells[site.cell].get("source", "")
        return split_lines("".join(src) if isinstance(src, list) else str(src))
    except (OSError, ValueError, IndexError, AttributeError, LookupError, SyntaxError, RecursionError):
        return None


def _remove_fix(site: CallSite, ctx: RuleContext, param: Param, applicability: str) -> Fix | None:
    if not param.direct or param.arg_span is None or param.key_span is None or "." in param.path:
        return None
    lines = _source_lines(ctx, site)
    if lines is None or param.arg_span.line > len(lines):
        return None
    name = param.path
    if not lines[param.arg_span.line - 1][param.arg_span.column - 1 :].startswith(name):
        return None  # the file changed since it was analysed (or came from stdin)
    span = param.arg_span
    before = lines[span.line - 1][: span.column - 1]
    after = lines[span.end_line - 1][span.end_column - 1 :].strip()
    if not before.strip() and after in ("", ",") and span.end_line < len(lines):
        # the keyword has its own line(s): remove them whole, indentation included
        edits = [Edit(span.line, 1, span.end_line + 1, 1, "")]
    else:
        edits = remove_param(param, lines)
    return Fix(applicability, f"Remove `{name}`", edits) if edits else None


@check("unsupported_parameter")
def unsupported_parameter(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    model = ctx.model(site)
    if model is None or not model.rejects:
        return
    if is_test_path(site.path):
        return  # a test's request: an SDK's generated tests send every parameter to a mock server
    api = ctx.api(site)
    handled = set(ctx.params.get("skip") or ["max_tokens"])  # max_tokens: LA103 renames it
    defaults = dict(ctx.params.get("accepted-defaults") or {})
    sampling = set(api.sampling if api else [])
    env = site.model is not None and site.model.origin == "env-default"
    for path, param in sorted(site.params.items()):
        leaf = path.rsplit(".", 1)[-1]
        if leaf not in model.rejects or leaf in handled:
            continue
        if "." in path and path not in sampling:
            continue  # a key inside some other structure (e.g. a tool schema), not a request parameter
        if param.value.is_literal and leaf in defaults and param.value.value == defaults[leaf]:
            continue  # the default value is accepted (temperature=1 on reasoning models)
        if dropped_by_sdk(site.api, model.name, leaf, ctx.params.get("dropped-by-sdk")):
            continue  # the SDK wrapper removes it before sending (LangChain's ChatOpenAI on gpt-5)
        how = " (the default of an environment variable)" if env else ""
        shown = f"`{path}={param.value.source}`" if param.value.source and len(param.value.source) < 40 else f"`{path}`"
        message = f"{shown} is rejected by {model.name}{how}: the API returns a 400 error for it"
        # safe only when the model is certain; an env default may be overridden in production
        fix = _remove_fix(site, ctx, param, "unsafe" if env else "safe")
        yield ctx.finding(message, site.path, param.arg_span or site.span, site=site, fix=fix)
