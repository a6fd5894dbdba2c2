"""The CI gate: a report against a saved one (``report --compare-to BASE.json``), on both the
typical and the worst-case monthly cost, and which of them rose (``--fail-on-increase USD``).

Works on plain dicts: the base is a saved ``report --format json``; the head sites are the same
shape (id, path, line, cell, model, monthly_calls, monthly_cost_usd, worst_case_monthly_cost_usd,
output_cap, output_tokens_max). Removing an output cap or a stop sequence leaves the typical
cost about where it was (or lower) and raises the worst case to the model's maximum output: the
gate compares both, so such a change fails it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class CompareError(Exception):
    pass


def usd(x: float | None, signed: bool = False) -> str:
    """$1,234.56; small amounts keep significant digits ($0.00042)."""
    if x is None:
        return "n/a"
    sign = ("+" if x > 0 else "-" if x < 0 else "") if signed else ("-" if x < 0 else "")
    a = abs(x)
    if a == 0:
        body = "0.00"
    elif a < 0.01:
        body = f"{a:.2g}" if a >= 1e-6 else "0.000001"
        body = f"{float(body):.6f}".rstrip("0")
    else:
        body = f"{a:,.2f}"
    return f"{sign}${body}"


@dataclass
class Comparison:
    base_total: float
    head_total: float
    base_worst: float
    head_worst: float
    lines: list[dict[str, Any]]  # change (+ ~ -), id, location, before/after (typical and worst), delta, note
    base_path: str

    @property
    def delta(self) -> float:
        return self.head_total - self.base_total

    @property
    def worst_delta(self) -> float:
        return self.head_worst - self.base_worst

    @property
    def headline(self) -> str:
        d = self.delta
        if abs(d) < 0.005:
            typical = f"Monthly estimate unchanged at {usd(self.head_total)}"
        else:
            word = "increased" if d > 0 else "decreased"
            typical = f"Monthly estimate {word} by {usd(abs(d))} (from {usd(self.base_total)} to {usd(self.head_total)})"
        w = self.worst_delta
        if abs(w) < 0.005:
            return typical + f"; worst case unchanged at {usd(self.head_worst)}"
        word = "increased" if w > 0 else "decreased"
        return typical + f"; worst case {word} by {usd(abs(w))} (from {usd(self.base_worst)} to {usd(self.head_worst)})"

    def over(self, limit: float) -> list[str]:
        """What rose by more than ``limit``, in words (empty: the gate passes)."""
        out = []
        if self.delta > limit:
            out.append(f"typical monthly cost rose by {usd(self.delta)} (from {usd(self.base_total)} to {usd(self.head_total)})")
        if self.worst_delta > limit:
            why = [f"{x['location']}: {x['note']}" for x in self.lines if (x.get("worst_delta_usd") or 0) > 0 and x.get("note")]
            out.append(
                f"worst-case monthly cost rose by {usd(self.worst_delta)} (from {usd(self.base_worst)} to {usd(self.head_worst)})"
                + (f" - {'; '.join(why[:3])}" if why else "")
            )
        return out


def load_base(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise CompareError(f"{path}: cannot read: {e.strerror or e}") from e
    except (ValueError, RecursionError) as e:
        raise CompareError(f"{path}: not a report JSON (llm-audit report --format json): {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("call_sites"), list):
        raise CompareError(f"{path}: not a report JSON (no `call_sites`); write one with `llm-audit report --format json -o {path.name}`")
    return data


def _f(x: Any) -> float:
    try:
        return float(x or 0.0)
    except (TypeError, ValueError):
        return 0.0


def _worst(s: dict[str, Any]) -> float:
    w = s.get("worst_case_monthly_cost_usd")
    return _f(w if w is not None else s.get("monthly_cost_usd"))


def location(s: dict[str, Any]) -> str:
    cell = f":cell {s['cell'] + 1}" if isinstance(s.get("cell"), int) else ""
    return f"{s.get('path')}{cell}:{s.get('line')}"


def _cap_note(old: dict[str, Any], new: dict[str, Any]) -> str:
    a, b = old.get("output_cap"), new.get("output_cap")
    ma, mb = old.get("output_tokens_max"), new.get("output_tokens_max")
    if a is not None and b is None:
        return f"output cap {a:,} removed: worst case {ma or a:,} -> {mb:,} output tokens" if mb else f"output cap {a:,} removed"
    if a is None and b is not None:
        return f"output cap {b:,} added"
    if a is not None and b is not None and a != b:
        return f"output cap {a:,} -> {b:,}"
    if ma != mb and ma is not None and mb is not None:
        return f"worst-case output {ma:,} -> {mb:,} tokens"
    return ""


def compare(head_sites: list[dict[str, Any]], head_totals: tuple[float, float], base: dict[str, Any], base_path: str) -> Comparison:
    head = {str(s["id"]): s for s in head_sites}
    before = {str(s.get("id")): s for s in base["call_sites"] if isinstance(s, dict)}
    lines: list[dict[str, Any]] = []
    for sid, s in head.items():
        after, after_w = _f(s.get("monthly_cost_usd")), _worst(s)
        old = before.get(sid)
        if old is None:
            lines.append({"change": "+", "id": sid, "location": location(s), "before_usd": None, "after_usd": round(after, 2), "delta_usd": round(after, 2),
                          "worst_before_usd": None, "worst_after_usd": round(after_w, 2), "worst_delta_usd": round(after_w, 2), "note": f"new call site ({s.get('model') or 'model not resolved'})"})
            continue
        was, was_w = _f(old.get("monthly_cost_usd")), _worst(old)
        notes = []
        if (old.get("model") or None) != (s.get("model") or None):
            notes.append(f"model {old.get('model')} -> {s.get('model')}")
        if old.get("monthly_calls") != s.get("monthly_calls"):
            notes.append(f"calls {_f(old.get('monthly_calls')):,.0f} -> {_f(s.get('monthly_calls')):,.0f}")
        cap = _cap_note(old, s)
        if cap:
            notes.append(cap)
        if abs(after - was) >= 0.005 or abs(after_w - was_w) >= 0.005 or notes:
            lines.append({"change": "~", "id": sid, "location": location(s), "before_usd": round(was, 2), "after_usd": round(after, 2), "delta_usd": round(after - was, 2),
                          "worst_before_usd": round(was_w, 2), "worst_after_usd": round(after_w, 2), "worst_delta_usd": round(after_w - was_w, 2), "note": "; ".join(notes)})
    for sid, old in before.items():
        if sid not in head:
            was, was_w = _f(old.get("monthly_cost_usd")), _worst(old)
            lines.append({"change": "-", "id": sid, "location": location(old), "before_usd": round(was, 2), "after_usd": None, "delta_usd": round(-was, 2),
                          "worst_before_usd": round(was_w, 2), "worst_after_usd": None, "worst_delta_usd": round(-was_w, 2), "note": "call site removed"})
    lines.sort(key=lambda x: (-max(abs(x["delta_usd"] or 0.0), abs(x["worst_delta_usd"] or 0.0)), x["id"]))
    base_total = _f(base.get("total_monthly_cost_usd")) if base.get("total_monthly_cost_usd") is not None else sum(_f(s.get("monthly_cost_usd")) for s in before.values())
    base_worst = _f(base.get("total_worst_case_monthly_cost_usd")) if base.get("total_worst_case_monthly_cost_usd") is not None else sum(_worst(s) for s in before.values())
    return Comparison(base_total=base_total, head_total=round(head_totals[0], 2), base_worst=base_worst, head_worst=round(head_totals[1], 2), lines=lines, base_path=base_path)
