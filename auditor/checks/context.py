"""What a check can see: its rule and parameters, the catalogs, the policy and the project."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from auditor.facts import CallSite
from auditor.config.catalog import Api, ModelInfo, Providers, Rule
from auditor.config.modelcatalog import without_lifecycle
from auditor.analysis.endpoints import endpoint_by_id, endpoint_for_url
from auditor.checks.confighost import config_host
from auditor.findings import Finding, Fix, Savings, Span

if TYPE_CHECKING:  # pragma: no cover
    from auditor.config.policy import Policy
    from auditor.analysis.project import Project
    from auditor.cost.model import CostModel


@dataclass
class RuleContext:
    rule: Rule
    params: dict[str, Any]
    policy: "Policy"
    providers: Providers
    project: "Project"
    cost: "CostModel"
    today: date
    extra: dict[str, Any] = field(default_factory=dict)

    # ---------------------------------------------------------------- lookups
    def api(self, site: CallSite) -> Api | None:
        return self.providers.api(site.api)

    def model(self, site: CallSite) -> ModelInfo | None:
        """The catalog entry of the site's model. On an OpenAI-compatible endpoint of another provider
        (rules/endpoints.yaml: NVIDIA NIM, Groq, Fireworks...) an id catalogued only under a different
        host keeps its tier and prices but not that host's retirement dates and successor: Together
        retiring ``mixtral-8x7b-instruct`` says nothing about NVIDIA serving it."""
        info = self.policy.models.lookup(site.model_name, site.provider)
        served = endpoint_by_id(str(site.extra["endpoint"])) if site.extra.get("endpoint") else None
        host = None
        if "base_url" in site.extra:  # a model id in a config file, with a base URL beside it
            served = endpoint_for_url(str(site.extra["base_url"]))
            host = config_host(str(site.extra["base_url"]), served)
        if host is None:
            host = served.provider if served is not None and not served.router and served.id not in ("openai", "azure-openai") else None
        if info is not None and host and info.provider != host:
            return without_lifecycle(info, host)
        return info

    def savings(self, site: CallSite, **kw: Any) -> Savings | None:
        """Savings at this site's prices and monthly calls (see :class:`auditor.cost.model.CostModel`);
        none for a model past its retirement date: its calls fail (or run on, and are billed as,
        another model), so no figure computed from its prices would be true."""
        model = self.model(site)
        if model is not None and model.retired is not None and model.retired <= self.today:
            if kw.get("change") is not None:  # what the fix still does to the request (the "fix" figure)
                self.extra.setdefault("unclaimed", []).append(kw["change"])
            return None
        return self.cost.savings(site, **kw)

    # ---------------------------------------------------------------- building findings
    def finding(
        self,
        message: str,
        path: str,
        span: Span | None,
        *,
        cell: int | None = None,
        site: CallSite | None = None,
        fix: Fix | None = None,
        savings: Savings | None = None,
        snippet: str = "",
        severity: str | None = None,
    ) -> Finding:
        s = span or Span(1, 1, 1, 1)
        unclaimed = self.extra.pop("unclaimed", None)
        if unclaimed and savings is None and fix is not None and fix.edits and site is not None:
            fix.changes.extend(c for c in unclaimed if c.site_id == site.id and c not in fix.changes)
        return Finding(
            code=self.rule.code,
            name=self.rule.name,
            severity=severity or self.rule.severity,
            message=message,
            path=path,
            line=s.line,
            column=s.column,
            end_line=s.end_line,
            end_column=s.end_column,
            cell=cell if cell is not None else (site.cell if site else None),
            call_site_id=site.id if site else None,
            fix=fix,
            savings=savings,
            snippet=snippet or (site.source if site else ""),
        )

    def site_finding(self, site: CallSite, message: str, **kw: Any) -> Finding:
        return self.finding(message, site.path, site.span, site=site, **kw)
