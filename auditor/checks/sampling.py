"""LA108 unset-sampling-for-deterministic-task (info, off by default): a classification or
extraction call that leaves ``temperature`` at the provider's default (SpecDetect4LLM's most common
smell: the same input gets different labels from run to run).

The task signals are LA401's ``task-phrases`` (the kinds listed in this rule's ``tasks``). Models
that reject or ignore ``temperature`` (the catalog's ``rejects``; models that reason before they
answer) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.checks import check
from auditor.checks.context import RuleContext
from auditor.checks.reasoning import _la401_signals, thinks
from auditor.facts import CallSite
from auditor.findings import Finding


@check("unset_sampling")
def unset_sampling(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    api = ctx.api(site)
    if api is None:
        return
    params = [p for p in api.sampling if p.rsplit(".", 1)[-1] == "temperature"]
    if not params:
        return
    state, _ = site.first_present(params)
    if state == "present" or (state == "unknown" and not ctx.policy.strict):
        return
    model = ctx.model(site)
    if model is not None and "temperature" in model.rejects:
        return
    if thinks(site, ctx):
        return
    tasks = tuple(str(t) for t in ctx.params.get("tasks") or ["classification", "extraction"])
    signals = [s for s in _la401_signals(site, ctx) if s.startswith(tasks)]
    if not signals:
        return
    value = ctx.params.get("suggest", 0)
    yield ctx.site_finding(
        site,
        f"{'; '.join(signals)} without `{params[0]}`: the provider's default samples, so the same input can get different answers; "
        f"set `{params[0]}={value}` for repeatable results",
    )
