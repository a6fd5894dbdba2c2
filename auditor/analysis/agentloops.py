"""Agent loops with no visible bound (LA605): the phase-1 facts.

* ``agent_loop`` (per call site): the generation call runs in a ``while`` loop whose test has no
  ordering comparison (``while True``, ``while not done``, ``while resp.stop_reason == "tool_use"``),
  whose body handles tool calls (the answer's tool calls drive the next iteration), with no ``if``
  in the body that compares a counter, a length or a clock and leaves the loop (or, past the count,
  stops offering tools: ``if calls < MAX_CALLS: request.update(tools=...)``), no enclosing
  ``for`` loop over ``range(...)``, and no read of the user's next message in it (``input("Ask: ")``:
  a chat whose turns the user drives).
* ``bounds`` (per file): keyword arguments named like an iteration bound (``max_iterations=``,
  ``max_turns=``, ``max_consecutive_auto_reply=``, ``recursion_limit`` in a config dict ...) with
  their literal values, so LA605 can flag ``AgentExecutor(..., max_iterations=None)`` and friends
  against the callables and thresholds in its rule parameters.
"""

from __future__ import annotations

import ast
import re

from auditor.analysis.modindex import LOOPS, SCOPES, find_lines
from auditor.facts import CallSite, Use

# the loop body reacts to the answer's tool calls
TOOL_MARKERS = re.compile(
    r"tool_calls|tool_use|function_call|tool_call_id|requires_action|\.function\.arguments|stop_reason|finish_reason\s*==\s*[\"']tool",
)
# the loop reads the user's next message each pass: input("Ask: "), st.chat_input(...), Prompt.ask(...)
USER_TURN = re.compile(r"(?<![\w.])input\(|\.chat_input\(|\bPrompt\.ask\(")
BOUND_KEYWORD = re.compile(r"^(?:max_(?!.*tokens?)\w+|recursion_limit)$")
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_LEAVES = (ast.Break, ast.Return, ast.Raise)


class AgentLoopFacts:
    # ------------------------------------------------------------ per call site
    def agent_loop(self, site: CallSite, call: ast.Call, loops: tuple[ast.AST, ...]) -> Use | None:
        """The unbounded tool-calling ``while`` loop around the call, if any (a Use at its header)."""
        if any(isinstance(lp, (ast.For, ast.AsyncFor)) and _over_range(lp) for lp in loops):
            return None
        for loop in reversed(loops):
            if not isinstance(loop, ast.While):
                continue
            if _ordered(loop.test):
                return None  # while turns < MAX_TURNS
            body = self.r.source_of(loop)
            if not TOOL_MARKERS.search(body):
                continue
            if any(not isinstance(st, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try)) and USER_TURN.search(self.r.source_of(st)) for st in loop.body):
                continue  # every pass waits for the user's next message (a chat REPL): the user ends it, not the model;
                # an input() only when the last message is the assistant's (`if ...: input()`) still lets tool turns run on
            if _leaves_on_bound(loop):
                return None
            head = f"while {self.r.source_of(loop.test)}:"
            u = self.use(loop, head if len(head) <= 60 else head[:57] + "...")
            if u is not None:
                u.span.end_line, u.span.end_column = u.span.line, u.span.column + len("while")
            return u
        return None

    # ------------------------------------------------------------ per file
    def bounds(self) -> list[dict]:
        """Iteration-bound keywords written in calls: {callee, param, value, others, use}."""
        out: list[dict] = []
        for line in find_lines(self.text, ["max_", "recursion_limit"]):
            for call, _ in self.walk.leaf_calls(line):
                callee = _callee(call.func)
                kws = {k.arg: k.value for k in call.keywords if k.arg}
                values = {name: _literal(v) for name, v in kws.items() if BOUND_KEYWORD.match(name)}
                for arg in list(call.args) + list(kws.values()):  # config={"recursion_limit": N}
                    if isinstance(arg, ast.Dict):
                        for k, v in zip(arg.keys, arg.values):
                            if isinstance(k, ast.Constant) and k.value == "recursion_limit":
                                values["recursion_limit"] = _literal(v)
                for name, value in values.items():
                    node = kws.get(name, call)
                    u = self.use(node, f"{callee}(..., {name}={self.r.source_of(node) if name in kws else value})")
                    if u is not None:
                        out.append({"callee": callee, "param": name, "value": value, "others": {k: v for k, v in values.items() if k != name}, "use": u})
        return out


def _callee(f: ast.AST) -> str:
    parts: list[str] = []
    while isinstance(f, ast.Attribute):
        parts.append(f.attr)
        f = f.value
    if isinstance(f, ast.Name):
        parts.append(f.id)
    return ".".join(reversed(parts))


def _literal(v: ast.AST):
    """None, an int, or "?" (not a literal)."""
    if isinstance(v, ast.Constant) and (v.value is None or (isinstance(v.value, (int, float)) and not isinstance(v.value, bool))):
        return v.value
    if isinstance(v, ast.Attribute) and v.attr in ("inf", "maxsize"):  # math.inf, sys.maxsize
        return float("inf")
    if isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id == "float" and v.args and isinstance(v.args[0], ast.Constant) and str(v.args[0].value).lower() in ("inf", "infinity"):
        return float("inf")
    return "?"


def _ordered(test: ast.AST) -> bool:
    return any(isinstance(n, ast.Compare) and any(isinstance(op, _ORDERING) for op in n.ops) for n in ast.walk(test))


def _over_range(loop: ast.AST) -> bool:
    it = getattr(loop, "iter", None)
    return isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"


def _leaves_on_bound(loop: ast.While) -> bool:
    """An ``if`` in the loop's own body whose test compares in order (a counter, a length, a
    clock) and that breaks, returns or raises."""
    stack: list[ast.AST] = list(loop.body)
    while stack:
        n = stack.pop()
        if isinstance(n, SCOPES) or (isinstance(n, LOOPS) and n is not loop):
            continue
        if isinstance(n, ast.If) and _ordered(n.test) and any(isinstance(x, _LEAVES) for s in n.body for x in ast.walk(s)):
            return True
        if isinstance(n, ast.If) and _ordered(n.test) and _sets_tools(n):
            return True  # past the count the request offers no tools (or forces an answer): the loop ends
        stack.extend(ast.iter_child_nodes(n))
    return False


_TOOL_KEYS = ("tools", "tool_choice", "functions", "function_call")


def _sets_tools(node: ast.If) -> bool:
    """The branch decides whether the request offers tools: ``request.update(tools=...)``,
    ``kwargs["tools"] = ...``, ``tools = []`` or ``tool_choice="none"`` in its body or else."""
    for s in node.body + node.orelse:
        for x in ast.walk(s):
            if isinstance(x, ast.keyword) and x.arg in _TOOL_KEYS:
                return True
            if isinstance(x, ast.Subscript) and isinstance(x.ctx, ast.Store) and isinstance(x.slice, ast.Constant) and x.slice.value in _TOOL_KEYS:
                return True
            if isinstance(x, (ast.Assign, ast.AnnAssign)):
                targets = x.targets if isinstance(x, ast.Assign) else [x.target]
                if any(isinstance(t, ast.Name) and t.id in _TOOL_KEYS for t in targets):
                    return True
    return False
