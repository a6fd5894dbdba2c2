"""A light resolver: imports, scopes and assignments of one module, without importing it.

It answers three questions the call-site finder asks about an expression:

* :meth:`Resolver.qualname` - what imported thing does it name (``oa.OpenAI`` -> ``openai.OpenAI``)?
* :meth:`Resolver.type_of` - is it an instance of a catalogued client type, and which call made it?
* :meth:`Resolver.value_of` - what literal does it evaluate to (constants, imported constants as
  symbolic refs, ``os.getenv("X", "default")``, parameter defaults)?

It is deliberately small: one pass collects scopes (module, classes, functions, lambdas are
ignored), a binding is the assignment nearest before the use, and everything it cannot
see through is *unknown*, never guessed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterator

from auditor.facts import Value
from auditor.config.catalog import Providers
from auditor.findings import Span

MAX_DEPTH = 12


@dataclass
class Scope:
    node: ast.AST
    kind: str  # module | class | function
    name: str
    qualname: str
    parent: "Scope | None"
    assigns: dict[str, list[tuple[int, ast.AST]]] = field(default_factory=dict)
    params: dict[str, ast.arg] = field(default_factory=dict)
    defaults: dict[str, ast.expr] = field(default_factory=dict)
    self_attrs: dict[str, list[tuple[int, ast.AST]]] = field(default_factory=dict)  # classes
    subscript_sets: dict[str, list[ast.Assign]] = field(default_factory=dict)  # params["k"] = v
    mutated: set[str] = field(default_factory=set)  # names passed to .update()/mutated unknowably
    bases: list[ast.expr] = field(default_factory=list)
    self_name: str | None = None  # first parameter of a method
    cls: "Scope | None" = None  # the class a method belongs to
    globals: set[str] = field(default_factory=set)  # names declared `global` in a function
    returns: list[ast.expr] = field(default_factory=list)  # values of `return` statements

    def add(self, name: str, line: int, value: ast.AST) -> None:
        self.assigns.setdefault(name, []).append((line, value))


_STMT_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


class _Unknown(Exception):
    pass


class Resolver:
    """Holds the scopes of one module; all queries take the scope of the use."""

    def __init__(self, tree: ast.Module, module: str, providers: Providers, lines: list[str], shallow: bool = False):
        self.tree = tree
        self.module = module
        self.providers = providers
        self.lines = lines
        self.imports: dict[str, str] = {}
        self.scope_of: dict[ast.AST, Scope] = {}
        self.module_scope = Scope(tree, "module", "<module>", "<module>", None)
        self.scope_of[tree] = self.module_scope
        self.functions: dict[str, ast.AST] = {}  # module-level def/class names
        self.annotations: dict[int, ast.expr] = {}  # id(assigned value) -> its annotation
        self._types: dict[object, object] = {}  # memo: id(def) / (id(class), attr) -> client type (or None)
        self._type_memo: dict[tuple[int, int], tuple[ast.AST, object]] = {}  # (id(node), id(scope)) -> (node, type)
        if shallow:  # module-level names only (constants of files that hold no call site)
            for stmt in tree.body:
                if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                    self._add_import(stmt)
                elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                    self._collect_assign(stmt, self.module_scope)
        else:
            self._collect(tree, self.module_scope)

    # ------------------------------------------------------------------ collection pass
    def _collect(self, node: ast.AST, scope: Scope) -> None:
        # bindings live in statements: walk statement lists only, never expression trees
        for name in _STMT_FIELDS:
            for child in getattr(node, name, None) or ():
                if isinstance(child, ast.ExceptHandler):
                    if child.name:
                        scope.add(child.name, child.lineno, ast.Constant(value=_UNKNOWN_MARK))
                    self._collect(child, scope)
                elif isinstance(child, ast.match_case):
                    self._collect(child, scope)
                else:
                    self._collect_node(child, scope)

    def _collect_node(self, node: ast.AST, scope: Scope) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self._add_import(node)
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            qual = node.name if scope.kind == "module" else f"{scope.qualname}.{node.name}"
            fs = Scope(node, "function", node.name, qual, scope)
            if scope.kind == "module":
                self.functions[node.name] = node
            args = node.args
            positional = args.posonlyargs + args.args
            for a in positional + args.kwonlyargs + [x for x in (args.vararg, args.kwarg) if x]:
                fs.params[a.arg] = a
            for a, d in zip(positional[len(positional) - len(args.defaults):], args.defaults):
                fs.defaults[a.arg] = d
            for a, d in zip(args.kwonlyargs, args.kw_defaults):
                if d is not None:
                    fs.defaults[a.arg] = d
            if scope.kind == "class" and positional:
                fs.self_name = positional[0].arg
                fs.cls = scope
            elif scope.kind == "function" and scope.cls is not None:
                fs.cls, fs.self_name = scope.cls, scope.self_name  # nested helper keeps self
            scope.add(node.name, node.lineno, node)
            self.scope_of[node] = fs
            for d in node.decorator_list:
                self._collect_node(d, scope)
            self._collect(node, fs)
            return
        if isinstance(node, ast.ClassDef):
            qual = node.name if scope.kind == "module" else f"{scope.qualname}.{node.name}"
            cs = Scope(node, "class", node.name, qual, scope, bases=list(node.bases))
            if scope.kind == "module":
                self.functions[node.name] = node
            scope.add(node.name, node.lineno, node)
            self.scope_of[node] = cs
            self._collect(node, cs)
            return
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
            self._collect_assign(node, scope)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._bind_target(node.target, node, scope, unknown=True)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self._bind_target(item.optional_vars, item.context_expr, scope)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            self._collect_mutation(node.value, scope)
        elif isinstance(node, ast.Global) and scope.kind == "function":
            scope.globals.update(node.names)
        elif isinstance(node, ast.Return) and node.value is not None and scope.kind == "function":
            scope.returns.append(node.value)
        if isinstance(node, ast.stmt):
            self._collect(node, scope)

    def _collect_mutation(self, call: ast.Call, scope: Scope) -> None:
        f = call.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.attr in ("update", "setdefault", "pop", "clear"):
            scope.mutated.add(f.value.id)

    def _collect_assign(self, node: ast.AST, scope: Scope) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self._bind_target(target, node.value, scope)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.annotations[id(node.value)] = node.annotation  # client: OpenAI = make()
                self._bind_target(node.target, node.value, scope)
            elif isinstance(node.target, ast.Name):
                scope.add(node.target.id, node.lineno, node)  # annotation only
            elif isinstance(node.target, ast.Attribute):
                self._bind_target(node.target, node, scope)  # self.client: OpenAI (annotation only)
        elif isinstance(node, ast.AugAssign):
            if isinstance(node.target, ast.Name):
                scope.mutated.add(node.target.id)
        elif isinstance(node, ast.NamedExpr):
            self._bind_target(node.target, node.value, scope)

    def _bind_target(self, target: ast.AST, value: ast.AST, scope: Scope, unknown: bool = False) -> None:
        line = getattr(target, "lineno", 0)
        if isinstance(target, ast.Name):
            owner = self.module_scope if target.id in scope.globals else scope  # `global client`
            owner.add(target.id, line, ast.Constant(value=_UNKNOWN_MARK) if unknown else value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._bind_target(elt, value, scope, unknown=True)
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            # self.client = OpenAI() inside a method: an attribute of the class
            if scope.kind == "function" and scope.cls is not None and target.value.id == scope.self_name:
                scope.cls.self_attrs.setdefault(target.attr, []).append((line, ast.Constant(value=_UNKNOWN_MARK) if unknown else value))
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            if isinstance(value, ast.AST) and not unknown:
                fake = ast.Assign(targets=[target], value=value)
                ast.copy_location(fake, target)
                scope.subscript_sets.setdefault(target.value.id, []).append(fake)
            else:
                scope.mutated.add(target.value.id)

    def _add_import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.imports[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    self.imports.setdefault(root, root)
            return
        base = node.module or ""
        if node.level:
            parts = self.module.split(".") if self.module else []
            if parts and parts[-1] == "__init__":
                parts = parts[:-1]  # a package's __init__: level 1 is the package itself
                keep = len(parts) - (node.level - 1)
            else:
                keep = len(parts) - node.level
            pkg = ".".join(parts[: max(keep, 0)])
            base = f"{pkg}.{base}".strip(".") if base else pkg
        for alias in node.names:
            if alias.name == "*":
                continue
            self.imports[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name

    # ------------------------------------------------------------------ lookups
    def scope_chain(self, scope: Scope) -> Iterator[Scope]:
        s: Scope | None = scope
        first = True
        while s is not None:
            if first or s.kind != "class":  # class bodies are not enclosing scopes for methods
                yield s
            first = False
            s = s.parent

    def binding(self, name: str, scope: Scope, line: int) -> tuple[str, object, Scope] | None:
        """('assign', expr, scope) | ('param', ast.arg, scope) | ('import', qualname, scope)."""
        for s in self.scope_chain(scope):
            if name in s.assigns:
                entries = s.assigns[name]
                before = [e for e in entries if e[0] <= line] if s is scope else entries
                chosen = (before or entries)[-1]
                return "assign", chosen[1], s
            if name in s.params:
                return "param", s.params[name], s
        if name in self.imports:
            return "import", self.imports[name], self.module_scope
        return None

    def qualname(self, expr: ast.AST, scope: Scope, depth: int = 0) -> str | None:
        """The dotted name of an imported (or module-level) thing an expression refers to."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, ast.Name):
            b = self.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
            if b is None:
                return None
            kind, what, s = b
            if kind == "import":
                return what  # type: ignore[return-value]
            if kind == "assign" and isinstance(what, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                prefix = f"{self.module}." if self.module else ""
                return prefix + (what.name if s.kind == "module" else f"{s.qualname}.{what.name}")
            if kind == "assign" and isinstance(what, (ast.Name, ast.Attribute)):
                return self.qualname(what, s, depth + 1)  # alias: Chat = openai.ChatCompletion
            if kind == "assign" and isinstance(what, ast.Constant) and what.value is None and expr.id in self.imports:
                return self.imports[expr.id]  # try: import cohere / except ImportError: cohere = None
            if kind == "assign" and isinstance(what, ast.Call):
                return _dynamic_import(what)  # ollama = __import__("ollama"); importlib.import_module("openai")
            return None
        if isinstance(expr, ast.Attribute):
            base = self.qualname(expr.value, scope, depth + 1)
            return f"{base}.{expr.attr}" if base else None
        return None

    def module_of(self, expr: ast.AST, scope: Scope, depth: int = 0) -> str | None:
        """The imported thing an expression holds when it is reached through ``self.x`` or a
        factory defined here: ``self.client = litellm`` / ``def get_client(self): return litellm``."""
        if depth > 4:
            return None
        if isinstance(expr, ast.Call):
            fn = self._local_function(expr.func, scope)
            fs = self.scope_of.get(fn) if fn is not None else None
            for value in fs.returns if fs is not None else ():
                found = self.module_of(value, fs, depth + 1)  # type: ignore[arg-type]
                if found:
                    return found
            return None
        if isinstance(expr, ast.Attribute) and self._is_self(expr.value, scope):
            for cls in self._class_and_bases(scope.cls):  # type: ignore[arg-type]
                for line, node in sorted(cls.self_attrs.get(expr.attr, []), key=lambda e: e[0]):
                    if isinstance(node, (ast.Name, ast.Attribute)):
                        found = self.module_of(node, self._scope_for_line(cls, line) or cls, depth + 1)
                        if found:
                            return found
            return None
        if isinstance(expr, (ast.Name, ast.Attribute)):
            qn = self.qualname(expr, scope)
            if qn and isinstance(expr, ast.Name):
                b = self.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
                return qn if b is not None and b[0] == "import" else None
            return qn
        return None

    def attr_binding(self, expr: ast.Attribute, scope: Scope) -> tuple[ast.AST, Scope] | None:
        """self.x / cls.x inside a method -> the expression assigned to it."""
        if not isinstance(expr.value, ast.Name):
            return None
        if scope.self_name is None or expr.value.id != scope.self_name or scope.cls is None:
            return None
        for cls in self._class_and_bases(scope.cls):
            entries = cls.self_attrs.get(expr.attr) or cls.assigns.get(expr.attr)
            if entries:
                init_first = sorted(entries, key=lambda e: e[0])
                method_scope = self._scope_for_line(cls, init_first[0][0])
                return init_first[0][1], method_scope or cls
        return None

    def _class_and_bases(self, cls: Scope) -> Iterator[Scope]:
        yield cls
        for base in cls.bases:
            if isinstance(base, ast.Name):
                b = self.binding(base.id, self.module_scope, 1 << 30)
                if b and b[0] == "assign" and isinstance(b[1], ast.ClassDef):
                    yield self.scope_of[b[1]]

    def _scope_for_line(self, cls: Scope, line: int) -> Scope | None:
        best = None
        for node in ast.iter_child_nodes(cls.node):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno <= line <= (node.end_lineno or node.lineno):
                best = self.scope_of.get(node)
        return best

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
                t = self.type_of(what, s, depth + 1)  # type: ignore[arg-type]
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
                    return self.type_of(default, s.parent or s, depth + 1)
            return None
        if isinstance(expr, ast.Attribute):
            if self._is_self(expr.value, scope):
                for cls in self._class_and_bases(scope.cls):  # type: ignore[arg-type]
                    t = self._attr_type(cls, expr.attr, depth)
                    if t:
                        return t
            if expr.attr in self.providers.passthrough:
                return self.type_of(expr.value, scope, depth + 1)
        return None

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
                if any(_decorator_name(d).endswith("property") for d in node.decorator_list):
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
            if base:
                keys.append(f"<{base[0]}>.{func.attr}")
        for key in keys:
            for tname in self.providers.maker_to_type.get(key, []):
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
        return None

    # ------------------------------------------------------------------ values
    def value_of(self, expr: ast.AST, scope: Scope, depth: int = 0, origin: str = "literal") -> Value:
        source = self.source_of(expr)
        span = span_of(expr, self.lines)
        try:
            v = self._value(expr, scope, depth, origin)
        except _Unknown:
            return Value("unknown", source=source, span=span)
        v.source, v.span = source, span
        return v

    def _value(self, expr: ast.AST, scope: Scope, depth: int, origin: str) -> Value:
        if depth > MAX_DEPTH:
            raise _Unknown
        if isinstance(expr, ast.Constant):
            if expr.value is _UNKNOWN_MARK or isinstance(expr.value, bytes) or expr.value is Ellipsis:
                raise _Unknown
            return Value("literal", expr.value, origin=origin)
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub) and isinstance(expr.operand, ast.Constant):
            if isinstance(expr.operand.value, (int, float)):
                return Value("literal", -expr.operand.value, origin=origin)
        if isinstance(expr, (ast.List, ast.Tuple)):
            items = [self._value(e, scope, depth + 1, origin) for e in expr.elts]
            return Value("literal", [i.value for i in items], origin=origin)
        if isinstance(expr, ast.Name):
            b = self.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
            if b is None:
                raise _Unknown
            kind, what, s = b
            if kind == "assign":
                if isinstance(what, ast.AST) and not isinstance(what, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.AnnAssign)):
                    if expr.id in s.mutated:
                        raise _Unknown
                    o = "constant" if s.kind == "module" and origin == "literal" else origin
                    return self._value(what, s, depth + 1, o)
                raise _Unknown
            if kind == "param":
                default = s.defaults.get(expr.id)
                if default is not None:
                    return self._value(default, s.parent or s, depth + 1, "param-default")
                raise _Unknown
            if kind == "import":
                mod, _, name = str(what).rpartition(".")
                return Value("ref", ref=(mod, name), origin="import")
        if isinstance(expr, ast.Attribute):
            bound = self.attr_binding(expr, scope)
            if bound is not None:
                return self._value(bound[0], bound[1], depth + 1, origin)
            qn = self.qualname(expr, scope)
            if qn:
                mod, _, name = qn.rpartition(".")
                return Value("ref", ref=(mod, name), origin="import")
            raise _Unknown
        if isinstance(expr, ast.Call):
            qn = self.qualname(expr.func, scope)
            if qn in ("os.getenv", "os.environ.get", "os.environ.setdefault") or (
                qn is None and isinstance(expr.func, ast.Name) and expr.func.id == "getenv"
            ):
                default = expr.args[1] if len(expr.args) > 1 else next((k.value for k in expr.keywords if k.arg == "default"), None)
                if default is None:
                    raise _Unknown
                return self._value(default, scope, depth + 1, "env-default")
            raise _Unknown
        if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
            # os.environ.get("MODEL") or "gpt-4o-mini"
            last = expr.values[-1]
            v = self._value(last, scope, depth + 1, "env-default")
            return v
        if isinstance(expr, ast.IfExp):
            raise _Unknown
        if isinstance(expr, ast.JoinedStr) and all(isinstance(p, ast.Constant) for p in expr.values):
            return Value("literal", "".join(str(p.value) for p in expr.values), origin=origin)  # type: ignore[attr-defined]
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left = self._value(expr.left, scope, depth + 1, origin)
            right = self._value(expr.right, scope, depth + 1, origin)
            if left.is_literal and right.is_literal and isinstance(left.value, str) and isinstance(right.value, str):
                return Value("literal", left.value + right.value, origin=origin)
            raise _Unknown
        raise _Unknown

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

    def source_of(self, node: ast.AST) -> str:
        return _segment(self.lines, node) or ""


def _dynamic_import(call: ast.Call) -> str | None:
    """The module a literal ``__import__("x")`` / ``importlib.import_module("x")`` loads."""
    f = call.func
    name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
    if name not in ("__import__", "import_module") or not call.args:
        return None
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value and not arg.value.startswith("."):
        return arg.value
    return None


def _decorator_name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


class _UnknownMark:
    def __repr__(self) -> str:  # pragma: no cover
        return "<unknown>"


_UNKNOWN_MARK = _UnknownMark()


def _char_col(line: str, byte_col: int) -> int:
    if line.isascii():
        return byte_col
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))


def span_of(node: ast.AST, lines: list[str]) -> Span | None:
    line = getattr(node, "lineno", None)
    if line is None:
        return None
    end_line = getattr(node, "end_lineno", line) or line
    col = getattr(node, "col_offset", 0)
    end_col = getattr(node, "end_col_offset", col) or col
    l0 = lines[line - 1] if 0 < line <= len(lines) else ""
    l1 = lines[end_line - 1] if 0 < end_line <= len(lines) else ""
    return Span(line, _char_col(l0, col) + 1, end_line, _char_col(l1, end_col) + 1)


def _segment(lines: list[str], node: ast.AST) -> str | None:
    span = span_of(node, lines)
    return span.text(lines) if span is not None else None