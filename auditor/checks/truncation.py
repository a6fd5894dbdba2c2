"""LA606 unchecked-truncation: a capped call whose answer text is parsed, returned or stored
without a look at why generation stopped (the troubleshooting row "repetitive or truncated outputs:
max tokens misaligned"). Phase-1 facts: :mod:`auditor.analysis.truncation`.

Skipped: uncapped calls, streaming calls, constructors (LangChain models: the answer is read
elsewhere), and structured-output methods whose SDK raises on truncation (OpenAI ``.parse``). The
check each API needs is this rule's ``checks`` parameter.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.checks import check
from auditor.checks.context import RuleContext
from auditor.facts import CallSite
from auditor.findings import Finding


@check("unchecked_truncation")
def unchecked_truncation(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    facts = site.extra.get("truncation")
    if not facts or facts.get("checked") or site.streaming:
        return
    api = ctx.api(site)
    if api is None or api.constructor or not api.cap:
        return
    if site.method in set(ctx.params.get("raising-methods") or []):
        return
    state, param = site.first_present(api.cap)
    if state != "present" or param is None:
        return
    cap = f"`{param.path}={param.value.source}`" if param.value.source and len(param.value.source) <= 30 else f"`{param.path}`"
    kinds = {"parsed": "parsed", "returned": "returned", "stored": "stored"}
    first = {}
    for kind, use in facts.get("uses") or []:
        first.setdefault(kind, use)
    how = ", ".join(f"{kinds[k]} (line {u.span.line})" for k, u in first.items())
    checks = ctx.params.get("checks") or {}
    hint = checks.get(site.api) or checks.get(site.provider) or checks.get("default") or 'finish_reason == "length"'
    yield ctx.site_finding(
        site,
        f"{site.method}() is capped by {cap} and its text is {how} without a look at why generation stopped: "
        f"an answer cut at the cap is used as if complete; check `{hint}` and retry with a larger cap or continue the answer",
    )
