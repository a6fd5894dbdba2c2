"""LA605 unbounded-agent-loop: a tool-calling generation loop with no visible bound.

Two shapes (phase-1 facts in :mod:`auditor.analysis.agentloops`):

* a generation call inside a ``while`` loop with no ordering test (``while True``, ``while not
  done``, ``while resp.stop_reason == "tool_use"``) whose body handles the answer's tool calls,
  with no counter, length or clock check that leaves the loop and no enclosing ``for ... in
  range(n)``; reported once per loop;
* an agent framework's iteration bound switched off or set very high: ``AgentExecutor(...,
  max_iterations=None)``, ``max_consecutive_auto_reply=None``, ``Runner.run(..., max_turns=10_000)``,
  ``config={"recursion_limit": 10**6}``: callables, parameters and the threshold are this rule's
  parameters (``agent-bounds``, ``max-iterations``). Not in a unit test module that makes no request
  (``build_run_config("t", {"recursion_limit": 100_000_000})`` checking a clamp: no agent runs).
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.analysis.testmodules import requestless_tests
from auditor.checks import check
from auditor.checks.context import RuleContext
from auditor.facts import FileFacts
from auditor.findings import Finding


@check("unbounded_agent_loop", on="project")
def unbounded_agent_loop(project, ctx: RuleContext) -> Iterable[Finding]:
    seen: set[tuple] = set()
    for site in project.checked_sites():
        loop = site.extra.get("agent_loop")
        if loop is None:
            continue  # (the sites wrappers stand on are checked: the loop is written there, not at the callers)
        key = (site.path, loop.cell, loop.span.line, loop.span.column)
        if key in seen:
            continue  # one finding per loop, whatever the number of calls in it
        seen.add(key)
        yield ctx.finding(
            f"`{loop.text}` runs {site.method}() again for as long as the model keeps calling tools: nothing bounds the number "
            f"of turns (each turn resends the whole conversation); count the turns and stop after a maximum "
            f"(e.g. `for turn in range(MAX_TURNS):`)",
            site.path, loop.span, cell=loop.cell, site=site,
        )
    tests = None
    for facts in project.facts:
        if facts.extra.get("bounds"):
            if tests is None:  # a unit test's bounds handed to code under test, no agent runs there
                tests = requestless_tests(project.facts, project.checked_sites())
            if facts.path not in tests:
                yield from _configs(facts, ctx)


def _unbounded(value, limit: float) -> bool:
    return value is None or (isinstance(value, (int, float)) and value > limit)


def _configs(facts: FileFacts, ctx: RuleContext) -> Iterable[Finding]:
    table = {str(k): [str(p) for p in (v or [])] for k, v in (ctx.params.get("agent-bounds") or {}).items()}
    limit = float(ctx.params.get("max-iterations") or 100)
    for b in facts.extra.get("bounds") or []:
        callee, param, value = b["callee"], b["param"], b["value"]
        params = next((ps for name, ps in table.items() if callee == name or callee.endswith("." + name)), None)
        if param == "recursion_limit":
            params = ["recursion_limit"]
        if not params or param not in params or not _unbounded(value, limit):
            continue
        others = [p for p in params if p != param and p in b["others"] and b["others"][p] not in (None, "?") and not _unbounded(b["others"][p], limit)]
        if others:
            continue  # another bound holds (max_execution_time=60)
        what = "switches the bound off" if value is None else f"allows {value:,.0f} iterations"
        u = b["use"]
        yield ctx.finding(
            f"`{param}={value!r}` {what} for `{callee}`: an agent that keeps calling tools never stops on its own "
            f"(each step resends the conversation); keep a bound (at most {limit:,.0f})",
            facts.path, u.span, cell=u.cell,
        )
