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
from typing import Iterator

from auditor.config.catalog import Providers
from auditor.analysis.clienttypes import ClientTypes
from auditor.analysis.scopes import MAX_DEPTH, UNKNOWN_MARK, Scope, node_text
from auditor.analysis.starimports import star_binding
from auditor.analysis.values import Values


_STMT_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")
_BODY_FIELDS: dict[type, tuple[str, ...]] = {}  # node type -> which of _STMT_FIELDS it has


class Resolver(ClientTypes, Values):
    """Holds the scopes of one module; all queries take the scope of the use."""

    def __init__(self, tree: ast.Module, module: str, providers: Providers, lines: list[str], shallow: bool = False):
        self.tree = tree
        self.module = module
        self.providers = providers
        self.lines = lines
        self.imports: dict[str, str] = {}
        # name -> [(line, qualname)] when a module imports the same name twice: a use at module level
        # (a script, a notebook's cells) means the import above it, not the last one in the file
        self.import_history: dict[str, list[tuple[int, str]]] = {}
        self.star_imports: list[str] = []  # modules of `from m import *`, in order (analysis/starimports.py)
        self.star_names: set[str] = set()  # names bound only speculatively by a project module's star import
        self.scope_of: dict[ast.AST, Scope] = {}
        self.module_scope = Scope(tree, "module", "<module>", "<module>", None)
        self.scope_of[tree] = self.module_scope
        self.functions: dict[str, ast.AST] = {}  # module-level def/class names
        self.annotations: dict[int, ast.expr] = {}  # id(assigned value) -> its annotation
        self.unpacked: dict[int, tuple[ast.Call, int]] = {}  # id(unknown mark) -> (call, i): `model, tok = load(...)`
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
        t = type(node)
        names = _BODY_FIELDS.get(t)
        if names is None:  # most statements have none: the fields of each node type, looked up once
            names = _BODY_FIELDS[t] = tuple(n for n in _STMT_FIELDS if n in t._fields)
        for name in names:
            for child in getattr(node, name, None) or ():
                if isinstance(child, ast.ExceptHandler):
                    if child.name:
                        scope.add(child.name, child.lineno, ast.Constant(value=UNKNOWN_MARK))
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
            if f.attr == "update" and self._update_sets(call, f.value, scope):
                return
            scope.mutated.add(f.value.id)
            scope.augments[f.value.id] = None

    def _update_sets(self, call: ast.Call, target: ast.Name, scope: Scope) -> bool:
        """``request.update(tools=t, tool_choice="auto")`` / ``request.update({"stream": True})``: keys
        it sets, like ``request["tools"] = t`` (True); any other update is an unknown mutation (False)."""
        if call.keywords and not call.args and all(k.arg is not None for k in call.keywords):
            pairs = [(k.arg, k.value) for k in call.keywords]
        elif len(call.args) == 1 and not call.keywords and isinstance(call.args[0], ast.Dict):
            d = call.args[0]
            if not d.keys or not all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in d.keys):
                return False
            pairs = [(k.value, v) for k, v in zip(d.keys, d.values)]  # type: ignore[union-attr]
        else:
            return False
        for key, value in pairs:
            sub = ast.copy_location(ast.Subscript(value=target, slice=ast.Constant(value=key), ctx=ast.Store()), call)
            fake = ast.copy_location(ast.Assign(targets=[sub], value=value), call)
            scope.subscript_sets.setdefault(target.id, []).append(fake)
        return True

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
                name = node.target.id
                if isinstance(node.op, ast.Add) and scope.augments.get(name, []) is not None:
                    scope.augments.setdefault(name, []).append((node.lineno, node.value))  # type: ignore[union-attr]
                else:
                    scope.augments[name] = None
        elif isinstance(node, ast.NamedExpr):
            self._bind_target(node.target, node.value, scope)

    def _bind_target(self, target: ast.AST, value: ast.AST, scope: Scope, unknown: bool = False) -> None:
        line = getattr(target, "lineno", 0)
        if isinstance(target, ast.Name):
            owner = self.module_scope if target.id in scope.globals else scope  # `global client`
            owner.add(target.id, line, ast.Constant(value=UNKNOWN_MARK) if unknown else value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._bind_target(elt, value, scope, unknown=True)
            call = value.value if isinstance(value, ast.Await) else value
            if isinstance(call, ast.Call) and not unknown and not any(isinstance(e, ast.Starred) for e in target.elts):
                for i, elt in enumerate(target.elts):  # the element a client type may come from (clienttypes)
                    if isinstance(elt, ast.Name):
                        owner = self.module_scope if elt.id in scope.globals else scope
                        mark = owner.assigns[elt.id][-1][1]
                        self.unpacked[id(mark)] = (call, i)
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            # self.client = OpenAI() inside a method: an attribute of the class
            if scope.kind == "function" and scope.cls is not None and target.value.id == scope.self_name:
                scope.cls.self_attrs.setdefault(target.attr, []).append((line, ast.Constant(value=UNKNOWN_MARK) if unknown else value))
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            if isinstance(value, ast.AST) and not unknown:
                fake = ast.Assign(targets=[target], value=value)
                ast.copy_location(fake, target)
                scope.subscript_sets.setdefault(target.value.id, []).append(fake)
            else:
                scope.mutated.add(target.value.id)
                scope.augments[target.value.id] = None

    def _add_import(self, node: ast.Import | ast.ImportFrom) -> None:
        names = [a.asname or (a.name.split(".")[0] if isinstance(node, ast.Import) else a.name) for a in node.names]
        before = {n: self.imports.get(n) for n in names}
        self._add_import_names(node)
        for name in names:
            qn = self.imports.get(name)
            if qn is not None and before[name] != qn:
                self.import_history.setdefault(name, [(0, before[name])] if before[name] else []).append((node.lineno, qn))

    def _add_import_names(self, node: ast.Import | ast.ImportFrom) -> None:
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
                if base:
                    self.star_imports.append(base)
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

    def assigned(self, name: str, scope: Scope, line: int) -> ast.AST | None:
        """The node last assigned to ``name`` before ``line`` (its ``binding`` when that is an
        assignment), else None: a parameter, an import, or a name never bound."""
        b = self.binding(name, scope, line)
        return b[1] if b is not None and b[0] == "assign" and isinstance(b[1], ast.AST) else None

    def binding(self, name: str, scope: Scope, line: int) -> tuple[str, object, Scope] | None:
        """('assign', expr, scope) | ('param', ast.arg, scope) | ('import', qualname, scope)."""
        for s in self.scope_chain(scope):
            own = False
            if name in s.assigns:
                entries = s.assigns[name]
                # the assignment nearest before the use; a use inside an assignment's own right-hand side
                # (`prompt = f"..." + prompt`) reads the binding before it
                before = [e for e in entries if e[0] <= line and not _inside_value(e[1], name, line)] if s is scope else entries
                own = s is scope and not before and any(e[0] <= line and _inside_value(e[1], name, line) for e in entries)
                if not own:
                    chosen = (before or entries)[-1]
                    return "assign", chosen[1], s
            if name in s.params:
                return "param", s.params[name], s
        if name in self.imports:
            history = self.import_history.get(name)
            if history is not None and len(history) > 1 and scope is self.module_scope:
                above = [qn for at, qn in history if at <= line]
                return "import", (above or [history[0][1]])[-1], self.module_scope
            return "import", self.imports[name], self.module_scope
        if self.star_imports:
            return star_binding(self, name)  # from langchain_openai import * / from helpers import *
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
            if kind == "assign" and isinstance(what, ast.Call) and what.func is expr and expr.id in self.imports:
                return self.imports[expr.id]  # pipeline = pipeline("text-generation"): the import, on the right
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

    def source_of(self, node: ast.AST) -> str:
        return node_text(self.lines, node) or ""


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


def _inside_value(value: object, name: str, line: int) -> bool:
    """The assigned expression reads ``name`` itself at ``line``: the use is in the assignment's own
    right-hand side (``prompt = f"..." + prompt``), which sees the binding before it."""
    if not isinstance(value, ast.expr):
        return False
    start, end = getattr(value, "lineno", None), getattr(value, "end_lineno", None)
    if start is None or end is None or not start <= line <= end:
        return False
    return any(isinstance(n, ast.Name) and n.id == name and n.lineno == line for n in ast.walk(value))
