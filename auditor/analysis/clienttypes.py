"""Which catalogued client type an expression is an instance of, and which call made it
(``OpenAI()``, ``self.client`` set in ``__init__``, factories, annotations): the resolver's
``type_of`` question."""

from __future__ import annotations

import ast
import bisect
from typing import Iterator

from auditor.analysis.paramcallers import param_type_from_callers
from auditor.analysis.scopes import MAX_DEPTH, Scope, decorator_name


class ClientTypes:
    def _class_and_bases(self, cls: Scope) -> Iterator[Scope]:
        yield cls
        for base in cls.bases:
            if isinstance(base, ast.Name):
                b = self.binding(base.id, self.module_scope, 1 << 30)
                if b and b[0] == "assign" and isinstance(b[1], ast.ClassDef):
                    yield self.scope_of[b[1]]

    def _scope_for_line(self, cls: Scope, line: int) -> Scope | None:
        """The scope of the method of ``cls`` (a def directly in its body) whose lines hold ``line``.
        Sibling defs never overlap, so the methods' starts, found once per class, are bisected (a
        class of a few hundred methods was scanned whole for each of its attribute reads: litellm's
        Router, ~120 reads, ~5% of router.py's phase 1)."""
        memo = self.__dict__.setdefault("_method_spans", {})
        spans = memo.get(id(cls.node))
        if spans is None or spans[0] is not cls.node:
            defs = [n for n in ast.iter_child_nodes(cls.node) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]  # in source order
            spans = memo[id(cls.node)] = (cls.node, [n.lineno for n in defs], defs)
        _, starts, defs = spans
        i = bisect.bisect_right(starts, line)  # the last method starting at or before the line: the only one that can hold it
        if i and line <= (defs[i - 1].end_lineno or defs[i - 1].lineno):
            return self.scope_of.get(defs[i - 1])
        return None

    # ------------------------------------------------------------------ types
    def type_of(self, expr: ast.AST, scope: Scope, depth: int = 0) -> tuple[str, ast.Call | None, Scope] | None:
        """(client type, the call that made it, that call's scope) or None (memoised per node and
        scope, so chains like ``x = f(x)`` and many assignments stay linear)."""
        key = (id(expr), id(scope))
        hit = self._type_memo.get(key)
        if hit is not None and hit[0] is expr:
            return hit[1]
        self._type_memo[key] = (expr, None)  # in progress: a cycle resolves to "no type"
        found = self._type_of(expr, scope, depth)
        self._type_memo[key] = (expr, found)
        return found

    def _type_of(self, expr: ast.AST, scope: Scope, depth: int = 0) -> tuple[str, ast.Call | None, Scope] | None:
        """(client type, the call that made it, that call's scope) or None.

        Follows what real code does to get a client: constructor calls, aliases, annotations
        (parameters, ``client: OpenAI = make()``, dataclass fields, ``self.client: OpenAI``),
        ``self.x`` set anywhere in the class or its bases (``None`` first, the client later),
        ``global`` assignments, factories defined in the module (return annotation or
        ``return OpenAI()``), methods and properties on ``self``, ``a or OpenAI()`` and
        ``OpenAI() if x else AzureOpenAI()``."""
        if depth > MAX_DEPTH:
            return None
        ann = self.annotations.get(id(expr))
        if ann is not None:
            t = self._type_of_annotation(ann, scope)
            if t:
                return t
        if isinstance(expr, ast.AnnAssign):  # an annotation without a value
            return self._type_of_annotation(expr.annotation, scope)
        if isinstance(expr, ast.Await):
            return self.type_of(expr.value, scope, depth + 1)
        if isinstance(expr, ast.Call):
            return self._type_of_call(expr, scope, depth)
        if isinstance(expr, ast.IfExp):
            return self.type_of(expr.body, scope, depth + 1) or self.type_of(expr.orelse, scope, depth + 1)
        if isinstance(expr, ast.BoolOp):
            for v in expr.values:
                t = self.type_of(v, scope, depth + 1)
                if t:
                    return t
            return None
        if isinstance(expr, ast.NamedExpr):
            return self.type_of(expr.value, scope, depth + 1)
        if isinstance(expr, ast.Name):
            b = self.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
            if b is None:
                return None
            kind, what, s = b
            if kind == "assign":
                if isinstance(what, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    return None
                if isinstance(what, ast.Call) and what.func is expr:  # pipeline = pipeline(...): the maker, not an instance
                    return None
                t = self.type_of(what, s, depth + 1)  # type: ignore[arg-type]
                if t:
                    return t
                if id(what) in self.unpacked:  # model, processor = load_model_and_processor(...)
                    t = self._element_type(*self.unpacked[id(what)], s, depth + 1)
                    if t:
                        return t
                # client = None ... client = OpenAI(): any assignment of the name that makes a client
                for _, other in s.assigns.get(expr.id, []):
                    if other is not what and not isinstance(other, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        t = self.type_of(other, s, depth + 1)
                        if t:
                            return t
                return None
            if kind == "param":
                arg: ast.arg = what  # type: ignore[assignment]
                if arg.annotation is not None:
                    t = self._type_of_annotation(arg.annotation, s)
                    if t:
                        return t
                default = s.defaults.get(arg.arg)
                if default is not None:
                    t = self.type_of(default, s.parent or s, depth + 1)
                    if t:
                        return t
                return param_type_from_callers(self, arg, s, depth)  # helper(model) with model made in the module
            return None
        if isinstance(expr, ast.Attribute):
            if self._is_self(expr.value, scope):
                for cls in self._class_and_bases(scope.cls):  # type: ignore[arg-type]
                    t = self._attr_type(cls, expr.attr, depth)
                    if t:
                        return t
            if expr.attr in self.providers.passthrough:
                return self.type_of(expr.value, scope, depth + 1)
            on_class = self._class_attr(expr, scope, depth)
            if on_class is not None:
                return on_class
            return self._sub_resource(expr, scope, depth)
        return None

    def _class_attr(self, expr: ast.Attribute, scope: Scope, depth: int) -> tuple[str, ast.Call | None, Scope] | None:
        """``GroqService.client`` where the class keeps its client on itself (``client = None`` in the class
        body, ``GroqService.client = Groq(...)`` in a method)."""
        if not isinstance(expr.value, ast.Name):
            return None
        b = self.binding(expr.value.id, scope, getattr(expr, "lineno", 1 << 30))
        if not b or b[0] != "assign" or not isinstance(b[1], ast.ClassDef):
            return None
        cls = self.scope_of.get(b[1])
        if cls is None:
            return None
        found = self._attr_type(cls, expr.attr, depth)
        if found:
            return found
        for node in ast.walk(b[1]):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                t = node.targets[0]
                if isinstance(t, ast.Attribute) and t.attr == expr.attr and isinstance(t.value, ast.Name) and t.value.id == expr.value.id:
                    where = self._scope_for_line(cls, node.lineno) or cls
                    found = self.type_of(node.value, where, depth + 1)
                    if found:
                        return found
        return None

    def _sub_resource(self, expr: ast.Attribute, scope: Scope, depth: int) -> tuple[str, ast.Call | None, Scope] | None:
        """``OpenAI().chat.completions`` / ``chat = client.chat``: a resource of a catalogued client, typed
        ``<client type>#<path>`` (``openai.OpenAI#chat.completions``) so that ``self.client.create(...)``
        after ``self.client = OpenAI().chat.completions`` is ``chat.completions.create`` on that client."""
        if expr.attr.startswith("_"):
            return None
        base = self.type_of(expr.value, scope, depth + 1)
        if base is None:
            return None
        root, _, sub = base[0].partition("#")
        if root not in self.providers.types or sub.count(".") >= 3:
            return None
        return f"{root}#{sub + '.' if sub else ''}{expr.attr}", base[1], base[2]

    def _is_self(self, node: ast.AST, scope: Scope) -> bool:
        return isinstance(node, ast.Name) and scope.cls is not None and scope.self_name is not None and node.id == scope.self_name

    def _attr_type(self, cls: Scope, attr: str, depth: int) -> tuple[str, ast.Call | None, Scope] | None:
        """The client type of ``self.<attr>`` in a class: any assignment, annotation or property."""
        key = (id(cls), attr)
        if key in self._types:
            return self._types[key]  # type: ignore[return-value]
        self._types[key] = None  # in progress: a cycle resolves to "no type"
        found = None
        entries = sorted(cls.self_attrs.get(attr, []), key=lambda e: e[0]) + list(cls.assigns.get(attr, []))
        for line, node in entries:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if any(decorator_name(d).endswith("property") for d in node.decorator_list):
                    found = self._returns_type(node, depth + 1)  # @property def client(self) -> OpenAI
            elif not isinstance(node, ast.ClassDef):
                where = self._scope_for_line(cls, line) or cls
                found = self.type_of(node, where, depth + 1)
            if found:
                break
        self._types[key] = found
        return found

    def _local_function(self, func: ast.AST, scope: Scope) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The def a call goes to when it is a function of this module or a method on self."""
        if isinstance(func, ast.Name):
            b = self.binding(func.id, scope, getattr(func, "lineno", 1 << 30))
            if b and b[0] == "assign" and isinstance(b[1], (ast.FunctionDef, ast.AsyncFunctionDef)):
                return b[1]
        elif isinstance(func, ast.Attribute) and self._is_self(func.value, scope):
            for cls in self._class_and_bases(scope.cls):  # type: ignore[arg-type]
                for _, node in cls.assigns.get(func.attr, []):
                    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        return node
        return None

    def _returns_type(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, depth: int) -> tuple[str, ast.Call | None, Scope] | None:
        """What a factory defined here returns: its return annotation, else its ``return`` values."""
        key = id(fn)
        if key in self._types:
            return self._types[key]  # type: ignore[return-value]
        self._types[key] = None
        fs = self.scope_of.get(fn)
        found = None
        if fs is not None and depth <= MAX_DEPTH:
            if fn.returns is not None:
                found = self._type_of_annotation(fn.returns, fs.parent or fs)
            for value in fs.returns if found is None else ():
                found = self.type_of(value, fs, depth + 1)
                if found:
                    break
        self._types[key] = found
        return found

    def _element_type(self, call: ast.Call, i: int, scope: Scope, depth: int) -> tuple[str, ast.Call | None, Scope] | None:
        """Element ``i`` of what a function of this module returns as a tuple (``return model, processor``)."""
        fn = self._local_function(call.func, scope)
        fs = self.scope_of.get(fn) if fn is not None else None
        if fs is None or depth > MAX_DEPTH:
            return None
        for value in fs.returns:
            if isinstance(value, ast.Tuple) and len(value.elts) > i and not isinstance(value.elts[i], ast.Starred):
                t = self.type_of(value.elts[i], fs, depth + 1)
                if t:
                    return t
        return None

    def _type_of_call(self, call: ast.Call, scope: Scope, depth: int) -> tuple[str, ast.Call | None, Scope] | None:
        func = call.func
        keys: list[str] = []
        qn = self.qualname(func, scope)
        if qn:
            keys.append(qn)
        if isinstance(func, ast.Attribute):
            if func.attr in self.providers.passthrough:
                inner = self.type_of(func.value, scope, depth + 1)
                if inner:
                    return inner
            base = self.type_of(func.value, scope, depth + 1)
            if base:  # <T>.with_options, <google.genai.Client>.chats.create (a sub-resource's factory)
                root, _, sub = base[0].partition("#")
                keys.append(f"<{root}>.{sub + '.' if sub else ''}{func.attr}")
        for key in keys:
            for tname in self.providers.types_made_by(key):
                tinfo = self.providers.types[tname]
                if tinfo.when_arg and not self._arg_matches(call, tinfo.when_arg, scope):
                    continue
                return tname, call, scope
        fn = self._local_function(func, scope)  # get_client() / self._get_client()
        if fn is not None:
            return self._returns_type(fn, depth + 1)
        return None

    def _arg_matches(self, call: ast.Call, when: dict[str, str], scope: Scope) -> bool:
        for key, want in when.items():
            node: ast.AST | None = None
            if key.isdigit():
                i = int(key)
                node = call.args[i] if len(call.args) > i else None
            else:
                node = next((k.value for k in call.keywords if k.arg == key), None)
            if node is not None:
                v = self.value_of(node, scope)
                if v.is_literal and v.value == want:
                    return True
        return False

    def _type_of_annotation(self, ann: ast.AST, scope: Scope) -> tuple[str, ast.Call | None, Scope] | None:
        if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
            try:
                ann = ast.parse(ann.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
            return self._type_of_annotation(ann.left, scope) or self._type_of_annotation(ann.right, scope)
        if isinstance(ann, ast.Subscript):  # Optional[OpenAI], Union[...]
            inner = ann.slice
            elts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            for e in elts:
                t = self._type_of_annotation(e, scope)
                if t:
                    return t
            return None
        qn = self.qualname(ann, scope)
        if not qn:
            return None
        if qn in self.providers.types:
            return qn, None, scope
        for tname in self.providers.maker_to_type.get(qn, []):
            if not self.providers.types[tname].when_arg:
                return tname, None, scope
        for tname in self.providers.types_made_by(qn + ".from_pretrained"):  # model: AutoModelForCausalLM
            if not self.providers.types[tname].when_arg:
                return tname, None, scope
        return None
