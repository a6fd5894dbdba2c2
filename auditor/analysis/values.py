"""What literal an expression evaluates to (constants, imported constants as symbolic refs,
``os.getenv("X", "default")``, parameter defaults, ``**params`` dicts): the resolver's
``value_of`` question."""

from __future__ import annotations

import ast

from auditor.analysis.scopes import MAX_DEPTH, UNKNOWN_MARK, Scope, Unknown, span_of
from auditor.facts import Location, Value, tagged


class Values:
    # ------------------------------------------------------------------ values
    def value_of(self, expr: ast.AST, scope: Scope, depth: int = 0, origin: str = "literal") -> Value:
        source = self.source_of(expr)
        span = span_of(expr, self.lines)
        try:
            v = self._value(expr, scope, depth, origin)
        except Unknown:
            return tagged(Value("unknown", source=source, span=span), self.param_of(expr, scope))
        v.source, v.span = source, span
        return tagged(v, self.param_of(expr, scope))

    def follow(self, expr: ast.AST, scope: Scope) -> tuple[ast.AST, Scope]:
        """A name (or ``self.x``, or an ``await``) followed to the value it was assigned
        (``with open(P) as f`` included), as far as assignments go."""
        for _ in range(MAX_DEPTH):
            if isinstance(expr, ast.Name):
                b = self.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
                if b and b[0] == "assign" and isinstance(b[1], ast.expr) and expr.id not in b[2].mutated:
                    expr, scope = b[1], b[2]
                    continue
            elif isinstance(expr, ast.Attribute):
                bound = self.attr_binding(expr, scope)
                if bound is not None and isinstance(bound[0], ast.expr):
                    expr, scope = bound[0], bound[1]
                    continue
            elif isinstance(expr, ast.Await):
                expr = expr.value
                continue
            break
        return expr, scope

    def _env_lookup(self, expr: ast.AST, scope: Scope) -> bool:
        """``os.getenv("X")``, ``os.environ.get("X")``, ``os.environ["X"]``."""
        if isinstance(expr, ast.Subscript):
            return self.qualname(expr.value, scope) == "os.environ"
        if isinstance(expr, ast.Call):
            qn = self.qualname(expr.func, scope)
            return qn in ("os.getenv", "os.environ.get") or (qn is None and isinstance(expr.func, ast.Name) and expr.func.id == "getenv")
        return False

    def param_of(self, expr: ast.AST, scope: Scope) -> str | None:
        """The parameter of the function around ``scope`` that ``expr`` names, if it is one
        (function summaries follow it from the caller's argument)."""
        if not isinstance(expr, ast.Name) or scope.kind != "function" or expr.id not in scope.params:
            return None
        b = self.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
        return expr.id if b is not None and b[0] == "param" and b[2] is scope else None

    def _value(self, expr: ast.AST, scope: Scope, depth: int, origin: str) -> Value:
        if depth > MAX_DEPTH:
            raise Unknown
        if isinstance(expr, ast.Constant):
            if expr.value is UNKNOWN_MARK or isinstance(expr.value, bytes) or expr.value is Ellipsis:
                raise Unknown
            return Value("literal", expr.value, origin=origin, defined=self._location(expr))
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub) and isinstance(expr.operand, ast.Constant):
            if isinstance(expr.operand.value, (int, float)):
                return Value("literal", -expr.operand.value, origin=origin)
        if isinstance(expr, (ast.List, ast.Tuple)):
            items = [self._value(e, scope, depth + 1, origin) for e in expr.elts]
            return Value("literal", [i.value for i in items], origin=origin)
        if isinstance(expr, ast.Name):
            b = self.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
            if b is None:
                raise Unknown
            kind, what, s = b
            if kind == "assign":
                if isinstance(what, ast.AST) and not isinstance(what, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.AnnAssign)):
                    if expr.id in s.mutated:
                        raise Unknown
                    o = "constant" if s.kind == "module" and origin == "literal" else origin
                    return self._value(what, s, depth + 1, o)
                raise Unknown
            if kind == "param":
                default = s.defaults.get(expr.id)
                if default is not None:
                    return self._value(default, s.parent or s, depth + 1, "param-default")
                raise Unknown
            if kind == "import":
                mod, _, name = str(what).rpartition(".")
                return Value("ref", ref=(mod, name), origin="import")
        if isinstance(expr, ast.Attribute):
            get = expr.value
            if isinstance(get, ast.Call) and isinstance(get.func, ast.Attribute) and get.func.attr == "get" and len(get.args) == 2 and isinstance(get.args[1], ast.Dict):
                # config.get("Model", {"value": "gpt-3.5-turbo"}).value: the default entry's field when the key is absent
                for k, v in zip(get.args[1].keys, get.args[1].values):
                    if isinstance(k, ast.Constant) and k.value == expr.attr:
                        return self._value(v, scope, depth + 1, "config-default")
                raise Unknown
            bound = self.attr_binding(expr, scope)
            if bound is not None:
                return self._value(bound[0], bound[1], depth + 1, origin)
            qn = self.qualname(expr, scope)
            if qn:
                mod, _, name = qn.rpartition(".")
                return Value("ref", ref=(mod, name), origin="import")
            raise Unknown
        if isinstance(expr, ast.Call):
            qn = self.qualname(expr.func, scope)
            if qn in ("os.getenv", "os.environ.get", "os.environ.setdefault") or (
                qn is None and isinstance(expr.func, ast.Name) and expr.func.id == "getenv"
            ):
                default = expr.args[1] if len(expr.args) > 1 else next((k.value for k in expr.keywords if k.arg == "default"), None)
                if default is None:
                    raise Unknown
                return self._value(default, scope, depth + 1, "env-default")
            raise Unknown
        if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
            # os.environ.get("MODEL") or "gpt-4o-mini": an environment variable's default; `self.config.model
            # or DEFAULT_MODEL` is the fallback of a setting, the constant itself (not an environment default)
            last = expr.values[-1]
            env = any(self._env_lookup(v, scope) for v in expr.values[:-1])
            v = self._value(last, scope, depth + 1, "env-default" if env else origin)
            return v
        if isinstance(expr, ast.IfExp):
            raise Unknown
        if isinstance(expr, ast.JoinedStr) and all(isinstance(p, ast.Constant) for p in expr.values):
            return Value("literal", "".join(str(p.value) for p in expr.values), origin=origin, defined=self._location(expr))  # type: ignore[attr-defined]
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left = self._value(expr.left, scope, depth + 1, origin)
            right = self._value(expr.right, scope, depth + 1, origin)
            if left.is_literal and right.is_literal and isinstance(left.value, str) and isinstance(right.value, str):
                return Value("literal", left.value + right.value, origin=origin, defined=self._location(expr))
            raise Unknown
        raise Unknown

    def _location(self, expr: ast.AST) -> Location | None:
        """Where a literal is written (``Value.defined``)."""
        span = span_of(expr, self.lines)
        return Location(span) if span is not None else None

    def dict_of(self, expr: ast.AST, scope: Scope, depth: int = 0) -> tuple[ast.AST, Scope] | None:
        """The container literal (dict display, dict(...) or config-object call) an expression is.

        ``json.dumps({...})`` counts as its argument (Bedrock ``body=``)."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, ast.Dict):
            return expr, scope
        if isinstance(expr, ast.Call):
            qn = self.qualname(expr.func, scope) or ""
            if qn in ("json.dumps",) and expr.args:
                return self.dict_of(expr.args[0], scope, depth + 1)
            if isinstance(expr.func, ast.Name) and expr.func.id == "dict" and not expr.args:
                return expr, scope
            # a config object: types.GenerateContentConfig(...), GenerationConfig(...), ...
            last = expr.func.attr if isinstance(expr.func, ast.Attribute) else getattr(expr.func, "id", "")
            if last[:1].isupper() and not expr.args and ("Config" in last or "Options" in last or "Params" in last):
                return expr, scope
            # **self._build_payload(): the dict display the module's function or method returns
            fn = self._local_function(expr.func, scope)  # type: ignore[attr-defined]
            fs = self.scope_of.get(fn) if fn is not None else None  # type: ignore[attr-defined]
            if fs is not None and len(fs.returns) == 1:
                ret = fs.returns[0]
                if isinstance(ret, ast.Name) and (ret.id in fs.subscript_sets or ret.id in fs.mutated or len(fs.assigns.get(ret.id, [])) != 1):
                    return None  # body["inferenceConfig"] = {...} under an if: keys the display does not show
                return self.dict_of(ret, fs, depth + 1)
            return None
        if isinstance(expr, ast.Name):
            b = self.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
            if b and b[0] == "assign" and isinstance(b[1], ast.AST) and expr.id not in b[2].mutated:
                return self.dict_of(b[1], b[2], depth + 1)  # type: ignore[arg-type]
        if isinstance(expr, ast.Attribute):
            bound = self.attr_binding(expr, scope)
            if bound is not None:
                return self.dict_of(bound[0], bound[1], depth + 1)
        return None
