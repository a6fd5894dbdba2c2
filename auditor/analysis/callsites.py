"""Find generation call sites in one parsed module, driven by the providers catalog.

For every ``ast.Call`` whose last name could belong to a catalogued API, the finder asks
the resolver what is being called (a qualified function, a method path on a client
instance, a constructor), maps its arguments (positional via the catalog's signature,
keywords, ``**params`` built from a literal dict, nested config dicts and config objects)
onto dotted parameter paths, and records the model, the prompt, loops and where a fix
could insert a keyword.
"""

from __future__ import annotations

import ast
import bisect
import fnmatch
import re
from dataclasses import dataclass, field

from auditor.facts import CallSite, Container, Insertion, LoopInfo, Message, Param, Prompt, Value
from auditor.config.catalog import Api, Providers
from auditor.analysis.frames import FrameInference
from auditor.analysis.prompts import PromptBuilder
from auditor.findings import Span
from auditor.analysis.resolve import Resolver
from auditor.analysis.scopes import Scope, span_of

LOOP_NODES = (ast.For, ast.AsyncFor, ast.While)
# wrappers that call their first argument later with the rest: partial(create, **kw), to_thread(create, ...)
DEFERRED_CALLABLES = {"functools.partial", "asyncio.to_thread"}
DEFERRED = {q.rsplit(".", 1)[-1] for q in DEFERRED_CALLABLES}
# a receiver of unknown type reached through other attributes (`self.llm.client`) counts only
# when its last name says it is a client; `client.agents.messages.create` is another SDK's resource
CLIENTISH = ("client", "llm", "sdk", "openai", "anthropic", "claude", "gemini", "genai", "bedrock", "runtime", "mistral", "cohere", "groq", "ollama", "model")
COMP_NODES = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass
class _Args:
    params: dict[str, Param] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    exprs: dict[str, tuple[ast.AST, Scope]] = field(default_factory=dict)  # path -> value expr
    containers: dict[str, Container] = field(default_factory=dict)


class CallSiteFinder:
    def __init__(self, resolver: Resolver, providers: Providers, path: str, frame_patterns: list[str] | None = None):
        self.r = resolver
        self.p = providers
        self.path = path
        self.frames = FrameInference(resolver, frame_patterns)
        self.prompts = PromptBuilder(resolver, self.frames)
        self.sites: list[CallSite] = []
        self._counts: dict[str, int] = {}
        self._wildcards = [c for c in providers.by_callable if "*" in c]
        # last names that can end a generation call: a cheap filter before resolving
        self.last_names: set[str] = set()
        for api in providers.apis:
            for c in api.match_callables:
                self.last_names.add(c.rsplit(".", 1)[-1])
            for m in api.match_methods:
                self.last_names.add(m.rsplit(".", 1)[-1])
        self.bound: dict[int, list[ast.Call]] = {}  # id(constructor call) -> .bind(...) calls
        self.partials: dict[int, tuple[ast.Call, Scope]] = {}  # id(call) -> the functools.partial it calls
        self.untyped: dict[str, Api] = {}  # distinctive method path -> API, for receivers of unknown type
        for api in providers.apis:
            for m in api.match_untyped:
                self.untyped.setdefault(m, api)
        self._untyped_calls: set[int] = set()
        # names bound to callable instances (generator = pipeline(...); ask = partial(create, ...))
        self.instance_names = self._instance_names()
        self._targets: dict[int, str] = {}  # id(call) -> the name its result is assigned to
        self.pending: dict[int, dict] = {}  # id(call) -> client imported from another module
        self.sdk_roots = {r.split(".")[0] for r in providers.import_roots}

    # ------------------------------------------------------------------ walk
    def run(self) -> list[CallSite]:
        self.hot = self._hot_lines()
        if any(".bind(" in line for line in self.r.lines):
            self._collect_binds(self.r.tree, self.r.module_scope)
        self._walk(self.r.tree, self.r.module_scope, [])
        return self.sites

    def _collect_binds(self, node: ast.AST, scope: Scope) -> None:
        """``llm.bind(max_tokens=200)`` anywhere in the module adds parameters to the
        constructor call that made ``llm``, even when the bind comes after it."""
        for child in ast.iter_child_nodes(node):
            inner = self.r.scope_of.get(child, scope) if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else scope
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "bind":
                self._note_bind(child, scope)
            self._collect_binds(child, inner)

    def _instance_names(self) -> set[str]:
        """Names (and ``self.`` attributes) assigned a ``functools.partial``, an instance whose
        type has a ``__call__`` API, or a method reference (``completion = client.chat.completions.create``,
        ``func = a.generate_content_stream if stream else a.generate_content``): calls through
        them carry no catalogued last name."""
        makers = {"partial"}
        for (tname, method) in self.p.by_type_method:
            if method == "__call__":
                for maker in self.p.types[tname].made_by if tname in self.p.types else []:
                    makers.add(maker.rsplit(".", 1)[-1])
        names: set[str] = set()
        for scope in {id(s): s for s in self.r.scope_of.values()}.values():
            for table in (scope.assigns, scope.self_attrs):
                for name, entries in table.items():
                    for _, value in entries:
                        f = value.func if isinstance(value, ast.Call) else None
                        last = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
                        if last in makers or any(r.attr in self.last_names for r in _method_refs(value)):
                            names.add(name)
        return names

    def _hot_lines(self) -> list[int]:
        """Lines that mention a name a generation call could end with (or .bind): only
        statements spanning one of them are walked. One match per line is enough."""
        if self._wildcards:
            return list(range(1, len(self.r.lines) + 1))
        pattern = _hot_pattern(self.p, frozenset(self.instance_names))
        text = "\n".join(self.r.lines)
        hot: list[int] = []
        pos = last = 0
        line = 1
        while True:
            m = pattern.search(text, pos)
            if m is None:
                break
            line += text.count("\n", last, m.start())
            last = m.start()
            hot.append(line)
            nl = text.find("\n", m.start())
            if nl < 0:
                break
            pos = nl + 1
        return hot

    def _cold(self, node: ast.AST) -> bool:
        start = getattr(node, "lineno", None)
        if start is None:
            return False
        end = getattr(node, "end_lineno", start) or start
        i = bisect.bisect_left(self.hot, start)
        return i >= len(self.hot) or self.hot[i] > end

    def _walk(self, node: ast.AST, scope: Scope, loops: list[LoopInfo]) -> None:
        for child in ast.iter_child_nodes(node):
            self._visit(child, scope, loops, node)

    def _visit(self, child: ast.AST, scope: Scope, loops: list[LoopInfo], parent: ast.AST) -> None:
        """Visit one node (and everything below it) with the scope and loops around it."""
        if isinstance(child, ast.stmt) and self._cold(child):
            return
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for d in getattr(child, "decorator_list", []):
                self._visit(d, scope, loops, child)
            self._walk(child, self.r.scope_of[child], [])
            return
        if isinstance(child, LOOP_NODES):
            it = child.iter if isinstance(child, (ast.For, ast.AsyncFor)) else child.test
            self._visit(it, scope, loops, child)
            info = LoopInfo("for" if not isinstance(child, ast.While) else "while", self.r.source_of(it)[:120], span_of(child, self.r.lines))
            for stmt in child.body:
                self._visit(stmt, scope, loops + [info], child)
            for stmt in child.orelse:
                self._visit(stmt, scope, loops, child)
            return
        if isinstance(child, COMP_NODES):
            gens = child.generators
            self._visit(gens[0].iter, scope, loops, child)
            info = LoopInfo("comprehension", self.r.source_of(gens[0].iter)[:120], span_of(child, self.r.lines))
            for g in gens[1:]:
                self._visit(g.iter, scope, loops + [info], child)
            for g in gens:
                for cond in g.ifs:
                    self._visit(cond, scope, loops + [info], child)
            for part in ("elt", "key", "value"):
                sub = getattr(child, part, None)
                if sub is not None:
                    self._visit(sub, scope, loops + [info], child)
            return
        if isinstance(child, ast.Assign) and len(child.targets) == 1 and isinstance(child.targets[0], ast.Name):
            value = child.value.value if isinstance(child.value, ast.Await) else child.value
            self._targets[id(value)] = child.targets[0].id  # resp = client...create(...)
        if isinstance(child, ast.Call):
            self._visit_call(child, scope, loops, parent)
        self._walk(child, scope, loops)

    # ------------------------------------------------------------------ one call
    def _visit_call(self, call: ast.Call, scope: Scope, loops: list[LoopInfo], parent: ast.AST) -> None:
        func = call.func
        last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if last in DEFERRED and call.args and not isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
            deferred = self._deferred(call, scope)
            if deferred is not None:
                call = deferred  # partial(client.messages.create, **kw) handed to an executor
        elif last is not None and last not in self.last_names and last not in self.instance_names and not self._wildcards and not isinstance(func, ast.Name):
            return
        match = self._match(call, scope)
        if match is None:
            return
        api, provider, method, maker = match
        if api.skip_in and any(fnmatch.fnmatchcase(f"{self.path}::{scope.qualname}".lower(), g) for g in api.skip_in):
            return  # e.g. Bedrock invoke_model inside an embedder: not a generation call
        self._record(call, scope, loops, api, provider, method, maker, parent)

    def _match(self, call: ast.Call, scope: Scope) -> tuple[Api, str, str, tuple[ast.Call, Scope] | None] | None:
        func = call.func
        # 1. a qualified function or constructor: litellm.completion, ChatOpenAI(...)
        qn = self.r.qualname(func, scope)
        if qn:
            api = self.p.by_callable.get(qn) or self._wildcard(qn)
            if api is not None:
                # openai.chat.completions.create (module-level client) -> chat.completions.create
                method = next((m for m in api.match_methods if qn.endswith("." + m)), qn)
                return api, api.provider, method, None
        # 2. calling an instance: pipeline("text-generation")(...), ask = partial(client...create, ...)
        last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if isinstance(func, ast.Name) and last in self.instance_names:
            alias = self._method_alias(call, func, scope)
            if alias is not None:
                return alias
            partial = self._partial(func, scope)
            if partial is not None:
                pcall, pscope = partial
                target = ast.Call(func=pcall.args[0], args=[], keywords=[])
                ast.copy_location(target, pcall)
                found = self._match(target, pscope)
                if found is not None:
                    self.partials[id(call)] = partial
                return found
        if not isinstance(func, ast.Attribute) or last in self.instance_names:
            t = self.r.type_of(func, scope) if isinstance(func, (ast.Name, ast.Call, ast.Attribute)) else None
            if t is not None:
                api = self.p.by_type_method.get((t[0], "__call__"))
                if api is not None:
                    return api, api.provider_by_type.get(t[0], api.provider), "__call__", (t[1], t[2]) if t[1] is not None else None
            if not isinstance(func, ast.Attribute):
                return None
        # 3. a method path on a client instance: self.client.chat.completions.create(...)
        chain: list[str] = []
        node: ast.AST = func
        while isinstance(node, ast.Attribute):
            chain.insert(0, node.attr)
            node = node.value
        prefixes: list[tuple[ast.AST, list[str]]] = []
        node = func
        rest: list[str] = []
        while isinstance(node, ast.Attribute):
            rest.insert(0, node.attr)
            node = node.value
            prefixes.append((node, list(rest)))
        for base, path in prefixes:
            t = self.r.type_of(base, scope)
            if t is None:
                continue
            method = ".".join(p for p in path if p not in self.p.passthrough)
            api = self.p.by_type_method.get((t[0], method))
            if api is None:
                api = self.p.by_callable.get(f"<{t[0]}>.{method}")
            if api is not None:
                maker = (t[1], t[2]) if t[1] is not None else None
                return api, api.provider_by_type.get(t[0], api.provider), method, maker
            return None
        # a module reached through self.x or a factory: self.client = litellm; self.get_client().completion(...)
        if isinstance(func, ast.Attribute) and isinstance(func.value, (ast.Attribute, ast.Call)):
            mod = self.r.module_of(func.value, scope)
            api = self.p.by_callable.get(f"{mod}.{func.attr}") if mod else None
            if api is not None:
                return api, api.provider, f"{mod}.{func.attr}", None
        named = self._named_like_module(func, qn, call, scope)
        if named is not None:
            return named
        return self._imported_client(prefixes, scope, call) or self._untyped(prefixes, call, scope)

    def _named_like_module(self, func: ast.Attribute, qn: str | None, call: ast.Call, scope: Scope):
        """``litellm = get_litellm()`` / ``from app.llm import litellm`` (a lazy loader), then
        ``litellm.completion(model=..., messages=...)``: a name spelled like an SDK module, used
        with that module's generation function and its model or prompt arguments, is that module."""
        base = func.value
        if not isinstance(base, ast.Name) or base.id not in self.sdk_roots:
            return None
        if qn and qn.split(".")[0] in self.sdk_roots:
            return None  # the real SDK module: already matched, or not a generation function
        api = self.p.by_callable.get(f"{base.id}.{func.attr}")
        if api is None or not self._untyped_ok(call, base, api, scope):
            return None
        self._untyped_calls.add(id(call))
        return api, api.provider, f"{base.id}.{func.attr}", None

    def _imported_client(self, prefixes, scope: Scope, call: ast.Call):
        """``from app.clients import client; client.chat.completions.create(...)``.

        The client's type lives in another project module, so the site is recorded as
        pending (``extra["pending"]``) with the APIs its method path could mean, and
        :mod:`auditor.analysis.project` keeps it only if that module really makes such a client."""
        if not prefixes or not isinstance(prefixes[-1][0], ast.Name):
            return None
        root, path = prefixes[-1]
        qn = self.r.qualname(root, scope)
        if not qn or qn.split(".")[0] in self.sdk_roots:
            return None
        for k in (0, 1):  # `client.chat...` or `clients.client.chat...` (module attribute)
            method = ".".join(p for p in path[k:] if p not in self.p.passthrough)
            cands = [(t, a) for (t, m), a in self.p.by_type_method.items() if m == method]
            if cands:
                ref = ".".join([qn, *path[:k]])
                pending = {"ref": ref, "candidates": [[t, a.id, a.provider_by_type.get(t, a.provider)] for t, a in cands]}
                # if the other module turns out not to make a catalogued client (or is not in
                # the project), the distinctive-method-path match still stands, when it applies
                fallback = self._untyped(prefixes, call, scope)
                if fallback is not None:
                    pending["fallback"] = [fallback[0].id, fallback[1]]
                self.pending[id(call)] = pending
                api = cands[0][1]
                return api, api.provider, method, None
        return None

    def _untyped(self, prefixes: list[tuple[ast.AST, list[str]]], call: ast.Call, scope: Scope):
        """No type known for any receiver: a distinctive method path (longest first), e.g.
        ``self.get_client().chat.completions.create(model=...)`` on a vendor's openai-shaped client."""
        for base, path in reversed(prefixes):
            method = ".".join(p for p in path if p not in self.p.passthrough)
            api = self.untyped.get(method)
            if api is not None:
                if not self._untyped_ok(call, base, api, scope):
                    return None
                self._untyped_calls.add(id(call))
                return api, api.provider, method, None
        return None

    def _untyped_ok(self, call: ast.Call, receiver: ast.AST, api: Api, scope: Scope) -> bool:
        """The call names the API's model or prompt parameter (``model=``, ``modelId=``,
        ``messages=``; Twilio's ``messages.create(to=, body=)`` and an Assistants thread's
        ``messages.create(thread_id=, content=)`` do not) or spreads ``**kwargs`` on a plain receiver
        (``client``, ``self.client``, ``self.get_client()``; not ``client.agents``)."""
        requires = api.untyped_requires
        if requires is None:  # the model or a prompt argument: model=, messages=, input=, contents=
            requires = api.model + [p for p in api.prompt.values() if "." not in p]
        while isinstance(receiver, ast.Await):
            receiver = receiver.value
        if isinstance(receiver, ast.Call):
            receiver = receiver.func
        plain = isinstance(receiver, ast.Name) or (
            isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name) and receiver.value.id in (scope.self_name, "self", "cls")
        )
        if not plain:
            # x.agents.messages.create(...) is a resource of some other SDK; x.llm.client.chat... is a client,
            # and so is CLIENTS["openai"].chat... (clients kept in a dict or list)
            holder = receiver.value if isinstance(receiver, ast.Subscript) else receiver
            last = (holder.attr if isinstance(holder, ast.Attribute) else getattr(holder, "id", "")).lower()
            if not any(w in last for w in CLIENTISH):
                return False
        if not requires:
            return True
        if any(kw.arg in requires for kw in call.keywords):
            return True
        return plain and any(kw.arg is None for kw in call.keywords)

    def _deferred(self, call: ast.Call, scope: Scope) -> ast.Call | None:
        """``functools.partial(client.chat.completions.create, **kw)`` or ``asyncio.to_thread(...)``
        not bound to a name (handed straight to ``run_in_executor``): the generation call it
        stands for, located at the wrapper so a fix edits the wrapper's arguments."""
        if self.r.qualname(call.func, scope) not in DEFERRED_CALLABLES or isinstance(call.args[0], ast.Starred):
            return None
        target = call.args[0]
        inner = target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else None
        if inner is None or (inner not in self.last_names and inner not in self.instance_names):
            return None
        fake = ast.Call(func=target, args=list(call.args[1:]), keywords=list(call.keywords))
        ast.copy_location(fake, call)
        return fake

    def _method_alias(self, call: ast.Call, func: ast.Name, scope: Scope):
        """``completion = client.chat.completions.create`` (in any branch) then ``completion(...)``."""
        b = self.r.binding(func.id, scope, getattr(func, "lineno", 1 << 30))
        if not b or b[0] != "assign":
            return None
        chosen, s = b[1], b[2]
        values = [chosen] + [v for _, v in s.assigns.get(func.id, []) if v is not chosen]
        for value in values:
            for ref in _method_refs(value):
                fake = ast.Call(func=ref, args=list(call.args), keywords=list(call.keywords))
                ast.copy_location(fake, call)
                found = self._match(fake, s)
                if found is not None:
                    if id(fake) in self._untyped_calls:
                        self._untyped_calls.add(id(call))
                    return found
        return None

    def _partial(self, func: ast.Name, scope: Scope) -> tuple[ast.Call, Scope] | None:
        """``ask = functools.partial(client.chat.completions.create, model=...)`` -> that call."""
        b = self.r.binding(func.id, scope, getattr(func, "lineno", 1 << 30))
        if not b or b[0] != "assign" or not isinstance(b[1], ast.Call) or not b[1].args:
            return None
        pcall, pscope = b[1], b[2]
        if self.r.qualname(pcall.func, pscope) != "functools.partial":
            return None
        return pcall, pscope

    def _wildcard(self, qn: str) -> Api | None:
        for pattern in self._wildcards:
            if fnmatch.fnmatchcase(qn, pattern):
                return self.p.by_callable[pattern]
        return None

    def _note_bind(self, call: ast.Call, scope: Scope) -> None:
        base = call.func.value  # type: ignore[attr-defined]
        if isinstance(base, ast.Name):
            b = self.r.binding(base.id, scope, call.lineno)
            if b and b[0] == "assign" and isinstance(b[1], ast.Call):
                self.bound.setdefault(id(b[1]), []).append(call)
        elif isinstance(base, ast.Call):
            self.bound.setdefault(id(base), []).append(call)

    # ------------------------------------------------------------------ record
    def _record(self, call, scope, loops, api: Api, provider: str, method: str, maker, parent) -> None:
        args = _Args()
        if maker is not None and api.instance_params:
            mcall, mscope = maker
            tinfo = None
            t = self.r.type_of(mcall, mscope)
            if t is not None:
                tinfo = self.p.types.get(t[0])
            self._collect_args(mcall, mscope, (tinfo.signature if tinfo else []), args, direct=False)
        if id(call) in self._untyped_calls:
            if api.instance_params:
                args.unknown.append("")  # the instance (and the caps it was made with) is not known
        partial = self.partials.get(id(call))
        if partial is not None:  # keywords frozen by functools.partial(create, model=...)
            self._collect_args(partial[0], partial[1], [], args, direct=False)
        self._collect_args(call, scope, api.signature, args, direct=True)
        for bcall in self.bound.get(id(call), []):
            self._collect_args(bcall, scope, [], args, direct=False)

        model: Value | None = None
        for name in api.model:
            state, p = _lookup(args, name)
            if state == "present" and p is not None:
                model = p.value
                break
            if state == "unknown":
                model = Value("unknown")
        qual = scope.qualname if scope.kind != "module" else "<module>"
        n = self._counts.get(qual, 0) + 1
        self._counts[qual] = n
        span = span_of(call, self.r.lines)
        assert span is not None
        site = CallSite(
            id=f"{self.path}::{qual}#{n}",
            path=self.path,
            span=span,
            provider=provider,
            api=api.id,
            method=method,
            qualname=qual,
            model=model,
            params=args.params,
            unknown=sorted(set(args.unknown)),
            prompt=self._prompt(api, args),
            insertion=self._insertion(call),
            loop=loops[-1] if loops else None,
            is_async=isinstance(parent, ast.Await) or self._async_type(maker),
            streaming=method in api.stream_methods or _truthy(args, api.stream_param),
            source=" ".join(self.r.source_of(call).split())[:400],
            result_name=self._targets.get(id(call)),
        )
        site.containers = args.containers
        if id(call) in self.pending:
            site.extra["pending"] = self.pending[id(call)]
        site.extra["in_function"] = scope.kind == "function"
        site.extra["untyped"] = id(call) in self._untyped_calls
        site.extra["function"] = scope.name if scope.kind == "function" else None
        site.extra["structured"] = method in api.structured_methods or any(
            _lookup(args, p)[0] == "present" for p in api.structured_params
        )
        self.sites.append(site)

    def _async_type(self, maker) -> bool:
        if maker is None:
            return False
        t = self.r.type_of(maker[0], maker[1])
        return bool(t and self.p.types.get(t[0]) and self.p.types[t[0]].is_async)

    def _prompt(self, api: Api, args: _Args) -> Prompt:
        messages: list[Message] = []
        for role, path in api.prompt.items():
            found = args.exprs.get(path)
            if found is None:
                continue
            expr, scope = found
            if role in ("messages", "contents"):
                messages.extend(self.prompts.messages_of(expr, scope, default_role="user"))
            else:
                messages.append(Message(role, self.prompts.content_segments(expr, scope)))
        return Prompt(messages=messages)

    # ------------------------------------------------------------------ arguments
    def _collect_args(self, call: ast.Call, scope: Scope, signature: list[str], out: _Args, direct: bool, prefix: str = "") -> None:
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

    def _spread(self, expr: ast.AST, scope: Scope, out: _Args, prefix: str) -> None:
        """``**params``: expand a literal dict built in the same function, else unknown."""
        found = self.r.dict_of(expr, scope)
        if found is None:
            out.unknown.append(prefix.rstrip("."))
            return
        node, s = found
        self._container_items(node, s, out, prefix, direct=False)
        if isinstance(expr, ast.Name):
            for assign in s.subscript_sets.get(expr.id, []):
                target = assign.targets[0]
                key = target.slice if isinstance(target, ast.Subscript) else None
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    self._add(out, prefix + key.value, assign.value, s, False, None, None)
                else:
                    out.unknown.append(prefix.rstrip("."))

    def _container_items(self, node: ast.AST, scope: Scope, out: _Args, prefix: str, direct: bool) -> None:
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

    def _add(self, out: _Args, path: str, value: ast.AST, scope: Scope, direct: bool, arg_node, key_node, dict_pair=None) -> None:
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


def _method_refs(value: ast.AST) -> list[ast.Attribute]:
    """The method references an assigned value can be: ``a.b.create`` or either side of an if-else."""
    if isinstance(value, ast.Attribute):
        return [value]
    if isinstance(value, ast.IfExp):
        return _method_refs(value.body) + _method_refs(value.orelse)
    return []


def _lookup(args: _Args, path: str) -> tuple[str, Param | None]:
    if path in args.params:
        return "present", args.params[path]
    parts = path.split(".")
    for i in range(len(parts)):
        if ".".join(parts[:i]) in args.unknown:
            return "unknown", None
    return "missing", None


def _truthy(args: _Args, path: str | None) -> bool:
    if not path:
        return False
    state, p = _lookup(args, path)
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


_HOT: dict[tuple[int, frozenset], re.Pattern] = {}


def _hot_pattern(providers: Providers, instance_names: frozenset) -> re.Pattern:
    """The names that can end a generation call, as one regex (cached per catalog)."""
    key = (id(providers), instance_names)
    pat = _HOT.get(key)
    if pat is None:
        names = {"bind"} | {c.rsplit(".", 1)[-1] for c in providers.by_callable} | set(instance_names)
        for api in providers.apis:
            for m in api.match_methods + getattr(api, "match_untyped", []):
                names.add(m.rsplit(".", 1)[-1])
                names.add(m.split(".")[0])
        words = sorted(n for n in names if n and "*" not in n and "<" not in n)
        pat = _HOT[key] = re.compile(r"\b(?:" + trie_regex(words) + r")\b")
    return pat


def trie_regex(words: list[str]) -> str:
    """An alternation of ``words`` factored by common prefixes (``c(?:hat|omplete)``):
    Python's ``re`` tries a flat alternation branch by branch at every position; the trie
    form rejects most positions at the first character (measured 0.34 s -> 0.24 s)."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts = [re.escape(ch) + build(node[ch]) for ch in sorted(k for k in node if k)]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if "" in node:  # a word ends here and longer ones go on
            body = f"(?:{body})?"
        return body

    return build(trie) if words else "(?!)"
