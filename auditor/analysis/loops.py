"""What the loop around a call site does: the kind of loop (LA503) and a messages list that grows in
it and is sent whole (LA602)."""

from __future__ import annotations

import ast
import re

from auditor.analysis.chunkloops import chunks_of_one_text
from auditor.analysis.evalloops import compares_answer, reduced_after, tallies_own_state
from auditor.analysis.handlerloops import handler_items
from auditor.analysis.loopbounds import FIXED_ITEMS, TOOLISH, agent_loop, bounded, limited_results, literal_items, numeric_settings
from auditor.analysis.loopsources import chained_on_answer, few_samples, literal_argument, one_record_items, search_hits
from auditor.analysis.modindex import LOOPS, SCOPES, call_name
from auditor.analysis.resolve import Resolver
from auditor.analysis.scopes import Scope
from auditor.facts import CallSite, HistoryUse


class LoopFacts:
    # ------------------------------------------------------------ LA602: growing histories
    def history(self, site: CallSite, call: ast.Call, func: ast.AST | None, loops: tuple[ast.AST, ...]) -> HistoryUse | None:
        api = self.p.api(site.api)
        if api is None:
            return None
        arg_names = [p for role, p in api.prompt.items() if role in ("messages", "contents", "input") and "." not in p]
        whole: list[str] = []
        for kw in call.keywords:
            if kw.arg in arg_names:
                whole.extend(_whole_names(kw.value, self.r, self.scope(func), call.lineno))
        if not whole:
            return None
        index = self.index(func)
        for name in whole:
            grows = index.grows.get(name, [])
            if not grows or self._truncated(name, func):
                continue
            if name.startswith("self."):
                loop = next((lp for lp in loops if any(_inside(g, lp) for g in grows)), None)
                g = grows[0]
            else:
                # it must grow inside a loop that also sends it, and be created before that loop
                pair = next(((lp, g) for lp in loops for g in grows if _inside(g, lp)), None)
                if pair is None:
                    continue
                loop, g = pair
                b = self.r.binding(name, self.scope(func), getattr(loop, "lineno", 0))
                if b is None:
                    continue
                if b[0] == "assign" and isinstance(b[1], ast.AST) and _inside(b[1], loop):  # type: ignore[arg-type]
                    continue  # rebuilt on every iteration
            if loop is not None and (bounded(loop, self.r, self.scope(func)) or agent_loop(loop, [x for x in grows if _inside(x, loop)], self.r.source_of)):
                continue  # a fixed number of turns, or one task's tool-call loop
            u = self.use(g)
            if u is not None:
                return HistoryUse(name, u, getattr(loop, "lineno", None) if loop is not None else None, site.span)
        return None

    def _truncated(self, name: str, func: ast.AST | None) -> bool:
        key = (id(func), name)
        if key not in self._bounded:  # once per list and function, not per call site
            self._bounded[key] = self._truncated_in(name, func)
        return self._bounded[key]

    def _truncated_in(self, name: str, func: ast.AST | None) -> bool:
        """Any sign the list is bounded: slicing, del, pop, clear, len() checks, summarising."""
        places: list[ast.AST] = list(self.nodes(func))
        if name.startswith("self.") and func is not None and id(func) in self.walk.classes:
            cls = self.walk.classes[id(func)]
            places = [n for n in ast.walk(cls)]
        for n in places:
            if isinstance(n, ast.Subscript) and is_name(n.value, name) and isinstance(n.slice, ast.Slice):
                return True
            if isinstance(n, ast.Delete) and any(isinstance(t, ast.Subscript) and is_name(t.value, name) for t in n.targets):
                return True
            if isinstance(n, ast.Call):
                f = n.func
                if isinstance(f, ast.Attribute) and is_name(f.value, name) and f.attr in ("pop", "clear", "remove", "popleft"):
                    return True
                if isinstance(f, ast.Name) and f.id == "len" and n.args and is_name(n.args[0], name):
                    return True
                cname = call_name(n)
                if cname and TRUNCATORS.search(cname) and any(is_name(a, name) for a in list(n.args) + [k.value for k in n.keywords]):
                    return True
                if isinstance(f, ast.Name) and f.id == "deque" and any(k.arg == "maxlen" for k in n.keywords):
                    return True
            if isinstance(n, ast.Compare) and _token_budget(n, self.r.source_of):
                return True  # total_tokens_used >= MAX_CONVERSATION_TOKENS: the conversation stops at a token budget
            if isinstance(n, ast.Assign) and any(is_name(t, name) for t in n.targets) and isinstance(n.value, ast.Call):
                # history = summarise(history) / trim(history, 20) / select(...): bounded by a helper
                if any(is_name(x, name) for x in ast.walk(n.value)):
                    return True
        return False

    def bound_names(self, loops: tuple[ast.AST, ...]) -> tuple[str, ...]:
        """What can differ from one pass of the innermost loop to the next (:func:`loop_bound_names`):
        a prompt hole that reads none of these is the same on every request of the loop (LA501)."""
        loop = loops[-1]
        if id(loop) not in self._loop_bound:
            target = loop.target if isinstance(loop, (ast.For, ast.AsyncFor)) else ast.Tuple(elts=[]) if isinstance(loop, ast.While) else loop.generators[0].target  # type: ignore[attr-defined]
            self._loop_bound[id(loop)] = loop_bound_names(loop, target)
        return tuple(sorted(self._loop_bound[id(loop)]))

    # ------------------------------------------------------------ LA503: what kind of loop
    def loop_kind(self, site: CallSite, call: ast.Call, loops: tuple[ast.AST, ...], history: HistoryUse | None) -> str:
        loop = loops[-1]
        if isinstance(loop, ast.While):
            # the answer's tool calls drive the next turn: an agent's loop, not a retry
            return "dependent" if TOOLISH.search(self.r.source_of(loop)) else "while"
        if _in_handler(call, loop):
            return "retry"  # the call of an ``except`` block: a fallback when the item's request failed
        if isinstance(loop, (ast.For, ast.AsyncFor)):
            target, it = loop.target, loop.iter
            if _breaks(loop):
                return "retry"  # stops at the first good answer: a retry or a search, not a batch
        else:
            gen = loop.generators[0]  # type: ignore[attr-defined]
            target, it = gen.target, gen.iter
        if isinstance(target, ast.Name) and RETRY_NAME.match(target.id):
            return "retry"
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range":
            consts = [a.value for a in it.args if isinstance(a, ast.Constant) and isinstance(a.value, int)]
            if len(consts) == len(it.args) and consts and max(consts) <= 5:
                return "retry"
            if len(consts) == len(it.args) and 0 < len(consts) <= 3 and (len(consts) < 3 or consts[2] != 0) and len(range(*consts)) <= FIXED_ITEMS:
                return "fixed"  # for i in range(10): a handful of samples written in the loop ("10 queries for simplicity"), not data
        owner = self.walk.owner_of(getattr(loop, "lineno", 1))
        scope = self.scope(owner)
        n = literal_items(it, self.r, scope, getattr(loop, "lineno", 1 << 30))
        if n is None:
            n = literal_argument(it, owner, self.r)  # compare_prompts(prompts) called with three literal prompts
        if n is not None and n <= FIXED_ITEMS and (numeric_settings(it, self.r, scope, getattr(loop, "lineno", 1 << 30)) or not _graded(loop, it, self.r, scope)):
            return "fixed"  # for model in ["gpt-4o", "gpt-4o-mini"], four demo questions: variants, not data
        if (k := limited_results(it, self.r, scope, getattr(loop, "lineno", 1 << 30))) is not None and k <= FIXED_ITEMS // 2:
            return "fixed"  # the few results of a query capped at limit=3: a demo of each, not a batch of data
        if few_samples(it, owner, self.r, scope, getattr(loop, "lineno", 1 << 30)):
            return "fixed"  # for i in range(num_paths) with num_paths=3: a few reasoning paths of one task
        if _streams_own_answer(it, call, self.r, scope, getattr(loop, "lineno", 1 << 30)):
            return "dependent"  # async for chunk in response (response = send_chat_request(...)): one answer's stream, continued
        if self._feeds_back(site, call, loop) or TOOLISH.search(self.r.source_of(it)) or chained_on_answer(loop, call):
            return "dependent"  # a conversation, a chain, or the tool calls of a model's response
        if len(loops) > 1 and _rounds(loop, it, loops[-2]):
            return "dependent"  # rounds: each pass's items are what the last pass's answers kept (a knockout tournament)
        if _times_each_call(loop):
            return "timed"  # a latency benchmark: each request is timed, so it must run on its own
        if id(loop) not in self._loop_bound:  # once for all the calls in the loop
            self._loop_bound[id(loop)] = loop_bound_names(loop, target)
        if not _reads_the_loop(call, self._loop_bound[id(loop)]):
            return "repeat"  # the same request each pass (nothing it sends comes from the item): not items to group
        if handler_items(it, self.walk.owner_of(getattr(loop, "lineno", 1)), self.r, scope, getattr(loop, "lineno", 1 << 30)):
            return "handler"  # the items of one invocation of a Lambda-style handler: its caller waits for them
        if search_hits(it, self.r, scope, getattr(loop, "lineno", 1 << 30)):
            return "hits"  # the results of one search, summarised to answer that query: its caller waits
        if one_record_items(it, self.r, scope, getattr(loop, "lineno", 1 << 30)):
            return "record"  # the list in one cell of a frame (one hand-picked question's SQL statements): not rows of data
        if chunks_of_one_text(loop, it, loops[:-1], self.walk.owner_of(getattr(loop, "lineno", 1)), self.r, scope):
            return "chunks"  # the pieces of one over-long text, combined at once: grouping undoes the split
        if reduced_after(loop, self.walk.owner_of(getattr(loop, "lineno", 1)), call, site.result_name):
            return "chunks"  # the map step of a map-reduce: the function waits for the one answer (analysis/evalloops.py)
        if tallies_own_state(loop, self.walk.owner_of(getattr(loop, "lineno", 1)), call):
            return "tally"  # the parts of the object's own state, each asked about and counted into what the method returns
        if compares_answer(loop, call, site.result_name):
            return "graded"  # an eval: each item its own request, checked against the item's own answer
        return "data"

    def _feeds_back(self, site: CallSite, call: ast.Call, loop: ast.AST) -> bool:
        """Each request builds on earlier ones: the call reads a list that grows in the loop
        (a conversation), or a name assigned from its own response (a chain)."""
        from auditor.analysis.usage_index import LoopIndex

        exprs = [kw.value for kw in call.keywords] + list(call.args)
        read = {d for e in exprs for n in ast.walk(e) for d in [dotted(n)] if d}
        if id(loop) not in self._loop_index:  # indexed once for all the calls in the loop
            self._loop_index[id(loop)] = LoopIndex(loop)
        index = self._loop_index[id(loop)]
        if read & index.grown:
            return True
        if read & index.views_of_grown():
            return True  # prev = "\n\n".join(archive): the request reads what the earlier passes appended
        if site.result_name:
            if site.result_name in read:
                return True
            if any(targets & read for targets in index.assigns_from(site.result_name, call)):
                return True
        return False


def _streams_own_answer(it: ast.AST, call: ast.Call, r: Resolver, scope: Scope, line: int) -> bool:
    """The loop runs over the answer of a call of the same function as its request (``response, rid =
    await send_chat_request(body)``, then ``async for chunk in response``): the chunks of one streamed
    answer, and the request in the loop continues it (tool results sent back), not items of data."""
    if not isinstance(it, ast.Name):
        return False
    b = r.binding(it.id, scope, line)
    if not (b and b[0] == "assign" and isinstance(b[1], ast.AST)):
        return False
    v = r.unpacked.get(id(b[1]), (b[1],))[0]
    v = v.value if isinstance(v, ast.Await) else v
    return isinstance(v, ast.Call) and call_name(v) == call_name(call)


USED_TOKENS = re.compile(r"(?:total|used|usage|count|consumed|spent)\w*tokens|tokens\w*(?:total|used|usage|count|consumed|spent)", re.IGNORECASE)
TOKEN_LIMIT = re.compile(r"(?:max|limit|budget)\w*tokens|tokens\w*(?:max|limit|budget)", re.IGNORECASE)


def _token_budget(n: ast.Compare, source_of) -> bool:
    """``self.total_tokens_used >= Config.MAX_CONVERSATION_TOKENS``: the tokens a conversation has used,
    counted from the responses, checked against a limit (not ``max_tokens > 4096``, a cap's own check)."""
    if len(n.ops) != 1 or not isinstance(n.ops[0], (ast.Gt, ast.GtE, ast.Lt, ast.LtE)):
        return False
    sides = [source_of(n.left), source_of(n.comparators[0])]
    return any(USED_TOKENS.search(a) and TOKEN_LIMIT.search(b) for a, b in (sides, sides[::-1]))


# clocks read to time a request: `time.time() - start`, `perf_counter() - t0`
CLOCKS = {"time", "perf_counter", "perf_counter_ns", "monotonic", "monotonic_ns", "time_ns", "default_timer", "now", "utcnow"}


def _times_each_call(loop: ast.AST) -> bool:
    """The loop body measures elapsed time: a clock read minus an earlier reading, directly
    (``time.time() - start``) or through a name read from a clock in the loop (``end = time(); end - start``)."""
    read = {t.id for n in ast.walk(loop) if isinstance(n, ast.Assign) and _clock_read(n.value) for t in n.targets if isinstance(t, ast.Name)}
    for n in ast.walk(loop):
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub):
            if _clock_read(n.left) or (isinstance(n.left, ast.Name) and n.left.id in read and isinstance(n.right, ast.Name)):
                return True
    return False


def _clock_read(e: ast.AST) -> bool:
    if not (isinstance(e, ast.Call) and not e.args):
        return False
    f = e.func
    return (f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else "") in CLOCKS


RETRY_NAME = re.compile(r"^_*(attempt|attempts|retry|retries|tries|try_|n_try|trial)s?_*\w*$", re.IGNORECASE)


TRUNCATORS = re.compile(r"summar|trim|truncat|compact|prune|window|shorten|condense|compress|limit", re.IGNORECASE)


def dotted(expr: ast.AST) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == "self":
        return f"self.{expr.attr}"
    return None


def is_name(expr: ast.AST, name: str) -> bool:
    return dotted(expr) == name


def _whole_names(expr: ast.AST, r: Resolver, scope: Scope, line: int, depth: int = 0) -> list[str]:
    """Lists an argument sends whole: ``msgs``, ``[system, *history]``, ``system + history``."""
    if depth > 4:
        return []
    d = dotted(expr)
    if d is not None:
        out = [d]
        if isinstance(expr, ast.Name):
            b = r.binding(expr.id, scope, line)
            if b and b[0] == "assign" and isinstance(b[1], (ast.List, ast.BinOp)):
                out += _whole_names(b[1], r, b[2], line, depth + 1)  # type: ignore[arg-type]
        return out
    if isinstance(expr, (ast.List, ast.Tuple)):
        return [x for e in expr.elts if isinstance(e, ast.Starred) for x in _whole_names(e.value, r, scope, line, depth + 1)]
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return _whole_names(expr.left, r, scope, line, depth + 1) + _whole_names(expr.right, r, scope, line, depth + 1)
    return []


def is_growth(n: ast.AST, name: str) -> bool:
    """``h.append(x)``, ``h.extend(xs)``, ``h += [...]``, ``h = h + [...]``, ``h = [*h, x]``."""
    if isinstance(n, ast.AugAssign):
        return isinstance(n.op, ast.Add) and is_name(n.target, name)
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
        return n.func.attr in ("append", "extend", "insert") and is_name(n.func.value, name)
    if isinstance(n, ast.Assign) and any(is_name(t, name) for t in n.targets):
        v = n.value
        if isinstance(v, ast.BinOp) and isinstance(v.op, ast.Add):
            return is_name(v.left, name) or is_name(v.right, name)
        if isinstance(v, ast.List):
            return any(isinstance(e, ast.Starred) and is_name(e.value, name) for e in v.elts)
    return False


def grown_names(n: ast.AST) -> list[str]:
    """Every ``name`` for which ``is_growth(n, name)`` holds, in one look at ``n``."""
    if isinstance(n, ast.AugAssign):
        d = dotted(n.target)
        return [d] if d and isinstance(n.op, ast.Add) else []
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
        d = dotted(n.func.value)
        return [d] if d and n.func.attr in ("append", "extend", "insert") else []
    if isinstance(n, ast.Assign):
        return [d for t in n.targets for d in [dotted(t)] if d and is_growth(n, d)]
    return []


# an evaluation: items that carry the expected answer, or a loop that grades what comes back
_GOLD_KEY = re.compile(r"(?:^|_)(?:golden|gold|expected|ground_?truth|reference|correct|label|target|answer)(?:_(?:answer|output|label|response|text|value|result|class|category))?s?$", re.IGNORECASE)  # not target_lang
_ONE_REFERENCE = re.compile(r"^(?:\w*golden\w*|expected\w*)$", re.IGNORECASE)
_GRADING = re.compile(r"^(?:grade\w*|grading|\w*golden\w*|expected\w*|accuracy|\w*_correct|correct\w*|is_correct)$", re.IGNORECASE)


def _graded(loop: ast.AST, it: ast.AST, r: Resolver, scope: Scope) -> bool:
    """A handful of literal items that is an eval set, not variants: dict items with a gold answer
    (``{"text": ..., "golden_answer": ...}``), or a loop body that grades each answer."""
    expr = it.args[0] if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id in ("enumerate", "zip", "list") and it.args else it
    if isinstance(expr, ast.Name):
        b = r.binding(expr.id, scope, getattr(loop, "lineno", 1 << 30))
        expr = b[1] if b and b[0] == "assign" and isinstance(b[1], ast.AST) else expr  # type: ignore[assignment]
    if isinstance(expr, (ast.List, ast.Tuple)) and expr.elts and all(isinstance(e, ast.Dict) for e in expr.elts):
        keys = [k.value for e in expr.elts for k in e.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]  # type: ignore[union-attr]
        if any(_GOLD_KEY.search(k) for k in keys):
            return True
    bound: frozenset[str] | None = None
    for stmt in getattr(loop, "body", None) or []:  # names the code grades with, not its comments
        for n in ast.walk(stmt):
            name = n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else n.value if isinstance(n, ast.Constant) and isinstance(n.value, str) and len(n.value) < 40 else None
            if name and _GRADING.match(name):
                if isinstance(n, ast.Name) and _ONE_REFERENCE.match(name):
                    bound = loop_bound_names(loop, getattr(loop, "target", ast.Tuple(elts=[]))) if bound is None else bound
                    if name not in bound:
                        continue  # one expected_content for every item: variants of one task compared, not an eval set
                return True
    return False


def _rounds(loop: ast.AST, it: ast.AST, outer: ast.AST) -> bool:
    """The loop's iterable is rebuilt, in the enclosing loop, from a list this loop fills:
    ``while len(winners) > 1: nxt = []; for i in range(0, len(winners), 2): nxt.append(pick(...)); winners = nxt``."""
    read = {n.id for n in ast.walk(it) if isinstance(n, ast.Name)}
    if not read:
        return False
    filled = {d for n in ast.walk(loop) for d in grown_names(n)}
    for n in ast.walk(outer):
        if isinstance(n, ast.Assign) and not _inside(n, loop) and isinstance(n.value, ast.Name) and n.value.id in filled:
            if any(isinstance(t, ast.Name) and t.id in read for t in n.targets):
                return True
    return False


MUTATORS = {"append", "extend", "insert", "update", "add", "setdefault", "push", "put"}


def loop_bound_names(loop: ast.AST, target: ast.AST) -> frozenset[str]:
    """The loop's item names and every name its body assigns or stores into (``x = ...``,
    ``state.k = ...``, ``items.append(...)``): what can differ from one pass to the next."""
    bound = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    for n in ast.walk(loop):
        targets: list[ast.AST] = []
        if isinstance(n, ast.Assign):
            targets = list(n.targets)
        elif isinstance(n, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.comprehension, ast.NamedExpr)):
            targets = [n.target]
        elif isinstance(n, (ast.With, ast.AsyncWith)):
            targets = [i.optional_vars for i in n.items if i.optional_vars is not None]
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in MUTATORS:
            targets = [n.func.value]
        for t in targets:
            while isinstance(t, (ast.Attribute, ast.Subscript, ast.Starred)):
                t = t.value
            bound.update(x.id for x in ast.walk(t) if isinstance(x, ast.Name))
    return frozenset(bound)


def _reads_the_loop(call: ast.Call, bound: frozenset[str]) -> bool:
    """The call's arguments or receiver read a name the loop binds (:func:`loop_bound_names`)."""
    read = [call.func.value] if isinstance(call.func, ast.Attribute) else []
    read += list(call.args) + [kw.value for kw in call.keywords]
    return any(isinstance(x, ast.Name) and x.id in bound for e in read for x in ast.walk(e))


def _in_handler(call: ast.Call, loop: ast.AST) -> bool:
    """The call lies in an ``except`` handler inside the loop."""
    for n in ast.walk(loop):
        if isinstance(n, ast.ExceptHandler) and any(x is call for b in n.body for x in ast.walk(b)):
            return True
    return False


def assigned_name(call: ast.Call, loop: ast.AST) -> str | None:
    """The name a call's result is assigned to inside ``loop`` (``result = ask(f"{result}")``), if any."""
    for n in ast.walk(loop):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            value = n.value.value if isinstance(n.value, ast.Await) else n.value
            if value is call:
                return n.targets[0].id
    return None


def _inside(node: ast.AST, outer: ast.AST) -> bool:
    line = getattr(node, "lineno", None)
    if line is None:
        return False
    start, end = getattr(outer, "lineno", 0), getattr(outer, "end_lineno", 0) or 0
    if not (start <= line <= end):
        return False
    return not (line == start and getattr(node, "col_offset", 0) < getattr(outer, "col_offset", 0))


def _breaks(loop: ast.AST) -> bool:
    """A ``break`` or ``return`` in the loop body itself (not in a nested loop or def)."""
    stack = list(getattr(loop, "body", []))
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.Break, ast.Return)):
            return True
        if isinstance(n, LOOPS + SCOPES):
            continue
        stack.extend(ast.iter_child_nodes(n))
    return False
