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
class Fix:
    applicability: str  # "safe" | "unsafe"
    message: str
    edits: list[Edit] = field(default_factory=list)


@dataclass
class Savings:
    tokens_per_call: float = 0.0
    usd_per_call: float = 0.0
    usd_per_month: float = 0.0
    basis: str = ""  # what the figure assumes, in words


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
