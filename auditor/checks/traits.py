"""What the cost model needs from the checks' reading of a call site (wired in by the engine).

The cost model prices a request; some of what a request costs depends on how the checks read
the prompt, and the same reading must serve both so a finding's saving and the site's cost
agree: the short answer a prompt asks for (LA104's phrase list sizes the typical output, and a
stop sequence bounds the worst case), how the provider's prefix cache meets the prompt (the
LA501/LA502 cache view: a static prefix at or above the model's minimum is read from the cache
on ``hit-rate`` of calls where the provider caches it as written), and the DataFrame model's
parameters (LA301 / LA302).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from auditor.checks.caching import _marked, cache_view
from auditor.checks.context import RuleContext
from auditor.checks.prompt import answer_tokens, short_answer_hit
from auditor.cost.model import SiteTraits
from auditor.facts import CallSite

if TYPE_CHECKING:  # pragma: no cover
    from auditor.analysis.project import Project
    from auditor.config.catalog import Providers
    from auditor.config.policy import Policy
    from auditor.cost.model import CostModel


def site_traits(policy: Policy, providers: Providers, project: Project, cost: CostModel, today: date) -> Callable[[CallSite], SiteTraits]:
    rules = {r.code: r for r in policy.all_rules()}

    def ctx(code: str) -> RuleContext | None:
        rule = rules.get(code)
        return RuleContext(rule, policy.params_of(rule), policy, providers, project, cost, today) if rule is not None else None

    stop_ctx, cache_ctx = ctx("LA104"), ctx("LA502")
    frame_params = dict(ctx("LA301").params) if "LA301" in rules else {}  # type: ignore[union-attr]
    id_params = dict(ctx("LA302").params) if "LA302" in rules else {}  # type: ignore[union-attr]
    hit_rate = _hit_rate(cache_ctx.params if cache_ctx else {})

    def traits(site: CallSite) -> SiteTraits:
        t = SiteTraits(hit_rate=hit_rate, frame_params=frame_params, id_params=id_params)
        if stop_ctx is not None and not site.extra.get("structured"):
            hit = short_answer_hit(site, stop_ctx.params)
            if hit is not None:
                t.answer_phrase = hit[0]
                t.answer_tokens = answer_tokens(hit[0], stop_ctx.params)  # None: length not known
                api = providers.api(site.api)
                if api is not None and api.stop and site.first_present(api.stop)[0] == "present":
                    t.stopped = True
                    t.stop_worst_tokens = int(stop_ctx.params.get("worst-case-with-stop") or 256)
        if cache_ctx is not None:
            view = cache_view(site, cache_ctx)
            if view is not None and view.mode != "none":
                t.cache_mode, t.cache_minimum = view.mode, view.minimum
                cacheable = view.mode in ("automatic", "implicit") or _marked(site, cache_ctx) == "marked"
                t.cache_prefix_tokens = float(view.prefix_tokens) if cacheable else 0.0
        return t

    return traits


def _hit_rate(params: dict[str, Any]) -> float:
    try:
        return min(1.0, max(0.0, float(params.get("hit-rate", 0.9))))
    except (TypeError, ValueError):
        return 0.9
