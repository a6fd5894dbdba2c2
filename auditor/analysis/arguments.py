"""A call's arguments mapped onto the API's dotted parameter paths: positional by the catalog's
signature, keywords, ``**params`` built from a literal dict, nested config dicts and objects; and
where a fix can insert a keyword."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from auditor.analysis.configfields import later_sets
from auditor.analysis.scopes import Scope, span_of
from auditor.facts import Container, Insertion, Param, param_state
from auditor.findings import Span


@dataclass
class Args:
    params: dict[str, Param] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    exprs: dict[str, tuple[ast.AST, Scope]] = field(default_factory=dict)  # path -> value expr
    containers: dict[str, Container] = field(default_factory=dict)


def lookup(args: Args, path: str) -> tuple[str, Param | None]:
    return param_state(args.params, args.unknown, path)


def truthy(args: Args, path: str | None) -> bool:
    if not path:
        return False
    state, p = lookup(args, path)
    return bool(state == "present" and p is not None and p.value.is_literal and p.value.value)


def _text_between(lines: list[str], l0: int, c0: int, l1: int, c1: int) -> str | None:
    """Text from (l0, c0) up to (l1, c1), 1-based columns, end exclusive."""
    if l0 == l1:
        return lines[l0 - 1][c0 - 1 : c1 - 1]
    parts = [lines[l0 - 1][c0 - 1 :]]
    parts.extend(lines[l0 : l1 - 1])
    parts.append(lines[l1 - 1][: c1 - 1])
    return "\n".join(parts)


def _advance(lines: list[str], line: int, col: int, n: int) -> tuple[int, int]:
    """Move n characters forward from (line, col), crossing line ends."""
    while n > 0:
        remaining = len(lines[line - 1]) - (col - 1)
        if n <= remaining:
            return line, col + n
        n -= remaining + 1
        line, col = line + 1, 1
    return line, col


class ArgumentMapper:
    # ------------------------------------------------------------------ arguments
    def _collect_args(self, call: ast.Call, scope: Scope, signature: list[str], out: Args, direct: bool, prefix: str = "") -> None:
        for i, a in enumerate(call.args):
            if isinstance(a, ast.Starred):
                out.unknown.append(prefix.rstrip("."))
                continue
            if i < len(signature):
                self._add(out, prefix + signature[i], a, scope, direct, arg_node=a, key_node=None)
        for kw in call.keywords:
            if kw.arg is None:
                self._spread(kw.value, scope, out, prefix)
            else:
                self._add(out, prefix + kw.arg, kw.value, scope, direct, arg_node=kw, key_node=kw)

    def _spread(self, expr: ast.AST, scope: Scope, out: Args, prefix: str) -> None:
        """``**params``: expand a literal dict built in the same function, else unknown."""
        found = self.r.dict_of(expr, scope)
        if found is None:
            out.unknown.append(prefix.rstrip("."))
            return
        node, s = found
        self._container_items(node, s, out, prefix, direct=False)
        if isinstance(expr, ast.Name):
            self._subscript_items(expr.id, s, out, prefix)

    def _subscript_items(self, name: str, s: Scope, out: Args, prefix: str) -> None:
        """The keys ``name["key"] = value`` sets on a dict after its display (under ``if``s or not)."""
        for assign in s.subscript_sets.get(name, []):
            target = assign.targets[0]
            key = target.slice if isinstance(target, ast.Subscript) else None
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                self._add(out, prefix + key.value, assign.value, s, False, None, None)
            else:
                out.unknown.append(prefix.rstrip("."))

    def _container_items(self, node: ast.AST, scope: Scope, out: Args, prefix: str, direct: bool) -> None:
        if isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values):
                if k is None:
                    self._spread(v, scope, out, prefix)
                elif isinstance(k, ast.Constant) and isinstance(k.value, str):
                    self._add(out, prefix + k.value, v, scope, direct, arg_node=None, key_node=k, dict_pair=(k, v))
                else:
                    out.unknown.append(prefix.rstrip("."))
        elif isinstance(node, ast.Call):
            self._collect_args(node, scope, [], out, direct, prefix)

    def _add(self, out: Args, path: str, value: ast.AST, scope: Scope, direct: bool, arg_node, key_node, dict_pair=None) -> None:
        lines = self.r.lines
        arg_span = key_span = None
        if dict_pair is not None:
            k, v = dict_pair
            ks, vs = span_of(k, lines), span_of(v, lines)
            if ks and vs:
                arg_span = Span(ks.line, ks.column, vs.end_line, vs.end_column)
                key_span = ks
        elif arg_node is not None:
            arg_span = span_of(arg_node, lines)
            if key_node is not None and arg_span is not None and isinstance(key_node, ast.keyword):
                key_span = Span(arg_span.line, arg_span.column, arg_span.line, arg_span.column + len(key_node.arg or ""))
        out.params[path] = Param(path, self.r.value_of(value, scope), arg_span=arg_span, key_span=key_span, direct=direct)
        out.exprs[path] = (value, scope)
        container = self.r.dict_of(value, scope)
        if container is not None:
            node, s = container
            if node is value or (isinstance(value, ast.Call) and node in ast.walk(value)):
                ins = self._insertion(node)
                if ins is not None and direct:
                    out.containers[path] = Container("dict" if isinstance(node, ast.Dict) else "call", ins)
            self._container_items(node, s, out, path + ".", direct and node is value)
            if isinstance(value, ast.Name) and node is not value:  # config.max_output_tokens = 100 after the constructor
                sets = later_sets(value, s)
                if sets is None:
                    out.unknown.append(path)
                for key, v in sets or ():
                    self._add(out, f"{path}.{key}", v, s, False, None, None)
            held = _serialised_holder(self.r, value, scope)
            if held is not None:  # body = json.dumps(params): the keys set on `params` after its display
                sets = later_sets(held[0], held[1])
                if sets is None:
                    out.unknown.append(path)  # params[key] = value from a loop: what the body holds is not known
                for key, v in sets or ():
                    self._add(out, f"{path}.{key}", v, held[1], False, None, None)
        elif not out.params[path].value.is_literal:
            out.unknown.append(path)

    # ------------------------------------------------------------------ fix support
    def _insertion(self, node: ast.AST) -> Insertion | None:
        """Where to add one more keyword/key to a call or dict display written here."""
        lines = self.r.lines
        span = span_of(node, lines)
        if span is None:
            return None
        if isinstance(node, ast.Call):
            items: list[ast.AST] = [*node.args, *node.keywords]
        elif isinstance(node, ast.Dict):
            items = [v for v in node.values]
        else:
            return None
        close_line, close_col = span.end_line, span.end_column - 1  # 1-based column of ')' / '}'
        if not items:
            # right after the opening bracket: the char before the closing one on the same line
            return Insertion(close_line, close_col, prefix="", suffix="")
        last = max(items, key=lambda n: (getattr(n, "end_lineno", 0), getattr(n, "end_col_offset", 0)))
        ls = span_of(last, lines)
        if ls is None:
            return None
        # text between the last item and the closing bracket: a trailing comma?
        between = _text_between(lines, ls.end_line, ls.end_column, close_line, close_col)
        if between is None or "#" in between:
            return None
        trailing = "," in between
        comma_off = between.index(",") if trailing else 0
        pos_line, pos_col = _advance(lines, ls.end_line, ls.end_column, comma_off + 1 if trailing else 0)
        multiline = close_line > ls.end_line
        if multiline:
            first = span_of(items[0], lines)
            indent_line = lines[(first.line if first else ls.line) - 1]
            indent = indent_line[: len(indent_line) - len(indent_line.lstrip())]
            return Insertion(pos_line, pos_col, prefix=("" if trailing else ",") + "\n" + indent, suffix="," if trailing else "")
        return Insertion(pos_line, pos_col, prefix=" " if trailing else ", ", suffix="," if trailing else "")


def _serialised_holder(r, expr: ast.AST, scope: Scope, depth: int = 0) -> tuple[ast.Name, Scope] | None:
    """The name a dict display is bound to when ``expr`` reaches it through a wrapping call
    (``json.dumps(params)``, ``body`` bound to one): the keys later set on that name are in the
    request too. None when ``expr`` is the name itself (already read) or no such chain."""
    if depth > 3:
        return None
    if isinstance(expr, ast.Call) and expr.args and isinstance(expr.args[0], (ast.Name, ast.Call)):
        inner = expr.args[0]
        if isinstance(inner, ast.Name):
            b = r.binding(inner.id, scope, getattr(inner, "lineno", 1 << 30))
            if b is not None and b[0] == "assign" and isinstance(b[1], ast.Dict):
                return inner, b[2]
        return _serialised_holder(r, inner, scope, depth + 1)
    if isinstance(expr, ast.Name) and depth == 0:
        b = r.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
        if b is not None and b[0] == "assign" and isinstance(b[1], ast.Call):
            return _serialised_holder(r, b[1], b[2], depth + 1)
    return None
