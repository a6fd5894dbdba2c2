"""Finding, Fix, Edit and Savings: what checks produce and renderers consume.

Positions are 1-based lines and 1-based columns (like Ruff and flake8), in characters of the
file (for notebooks: of the code cell, with ``cell`` the 0-based index among code cells).
An :class:`Edit` replaces the text between two positions with ``content``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SEVERITIES = ("info", "warning", "error")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


@dataclass
class Span:
    line: int
    column: int
    end_line: int
    end_column: int

    def __reduce__(self):
        # pickled as its four numbers: every cached file holds thousands of spans, and a
        # constructor call unpickles ~3x faster than the default object-and-__dict__ rebuild
        return (type(self), (self.line, self.column, self.end_line, self.end_column))

    def text(self, lines: list[str]) -> str:
        """The source text this span covers, given the file's lines."""
        if self.line == self.end_line:
            return lines[self.line - 1][self.column - 1 : self.end_column - 1]
        first = lines[self.line - 1][self.column - 1 :]
        middle = lines[self.line : self.end_line - 1]
        last = lines[self.end_line - 1][: self.end_column - 1]
        return "\n".join([first, *middle, last])


@dataclass
class Edit:
    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass
class RequestChange:
    """What a finding's fix does to one call site's request, for the savings simulation
    (:mod:`auditor.cost.savings` applies the changes of all findings on a site in a fixed order).

    ``kind`` and what it reads: ``input`` (``tokens`` removed from the prompt per call),
    ``frame-rows`` (the DataFrame hole ``key`` sends at most ``value`` rows), ``frame-columns``
    (``value`` columns dropped from hole ``key``), ``budget`` (static prompt cut to ``value``
    tokens), ``cap`` (output cap ``value``), ``stop`` (a stop sequence: worst-case output
    ``value``), ``samples`` (``n`` = ``value``), ``cache`` (``tokens`` of static prefix
    cacheable), ``model`` (swap to ``model``), ``batch`` (Batch API prices)."""

    site_id: str
    kind: str
    tokens: float = 0.0
    value: float | None = None
    model: str | None = None
    key: str = ""
    names: list[str] = field(default_factory=list)  # frame-columns: the columns dropped


@dataclass
class Fix:
    applicability: str  # "safe" | "unsafe"
    message: str
    edits: list[Edit] = field(default_factory=list)
    # what applying it does to the request when the finding claims no saving for it (a swap to a
    # model that costs more, or away from a retired one): the "what fix does" simulation uses it
    changes: list[RequestChange] = field(default_factory=list)


@dataclass
class SiteShare:
    """One call site's part of a finding's savings (marginal, in the simulation's order)."""

    site_id: str
    usd_per_month: float = 0.0  # expected: typical usage
    worst_case_usd_per_month: float = 0.0  # what the worst-case monthly cost drops by
    monthly_calls: float = 0.0
    calls_source: str = ""  # where the monthly calls come from (usage file, policy default, telemetry)


@dataclass
class Savings:
    tokens_per_call: float = 0.0
    usd_per_call: float = 0.0
    usd_per_month: float = 0.0  # expected (typical usage), after the per-site attribution
    basis: str = ""  # what the figure assumes, in words
    worst_case_usd_per_month: float = 0.0  # worst-case exposure removed (outputs at their maximum)
    monthly_calls: float | None = None  # the volume the figures assume (summed over sites)
    calls_source: str = ""
    sites: list[SiteShare] = field(default_factory=list)
    changes: list[RequestChange] = field(default_factory=list)  # input of the simulation (not rendered)

    @classmethod
    def combined(cls, parts: list["Savings"], basis: str = "", tokens_per_call: float | None = None) -> "Savings | None":
        """One finding standing for several (a root cause, a text several sites send): shares,
        changes and monthly figures add up; per call the largest."""
        parts = [p for p in parts if p is not None]
        if not parts:
            return None
        calls = [p.monthly_calls for p in parts if p.monthly_calls is not None]
        sources = sorted({p.calls_source for p in parts if p.calls_source})
        return cls(
            tokens_per_call=tokens_per_call if tokens_per_call is not None else max(p.tokens_per_call for p in parts),
            usd_per_call=max(p.usd_per_call for p in parts),
            usd_per_month=round(sum(p.usd_per_month for p in parts), 4),
            basis=basis or parts[0].basis,
            worst_case_usd_per_month=round(sum(p.worst_case_usd_per_month for p in parts), 4),
            monthly_calls=sum(calls) if calls else None,
            calls_source="; ".join(sources),
            sites=[s for p in parts for s in p.sites],
            changes=[c for p in parts for c in p.changes],
        )


@dataclass
class Related:
    """Another place a finding stands for: a call site that uses the cause, or a step of the
    chain from where the text is written to the request (JSON ``related``, SARIF ``relatedLocations``)."""

    path: str
    line: int
    column: int = 1
    cell: int | None = None
    message: str = ""


@dataclass
class Finding:
    code: str
    name: str
    severity: str
    message: str
    path: str  # relative to the run root, forward slashes
    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1
    cell: int | None = None
    call_site_id: str | None = None
    fix: Fix | None = None
    savings: Savings | None = None
    # normalised source of the node the finding is about (baseline fingerprints)
    snippet: str = ""
    related: list[Related] = field(default_factory=list)

    def sort_key(self) -> tuple:
        return (self.path, self.cell if self.cell is not None else -1, self.line, self.column, self.code)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def location(self) -> str:
        if self.cell is not None:
            return f"{self.path}:cell {self.cell + 1}:{self.line}:{self.column}"
        return f"{self.path}:{self.line}:{self.column}"
