"""Which catalogued generation API a call is: a qualified function, a method path on a client
instance (typed, imported, named like an SDK module, or untyped with the API's own arguments),
a method alias, or a create method deferred through ``partial``/``to_thread``."""

from __future__ import annotations

import ast
import fnmatch

from auditor.analysis.handles import handed_in
from auditor.analysis.loaders import loader_ref
from auditor.analysis.ownmethods import project_receiver
from auditor.analysis.paramcallers import typed_by_callers
from auditor.analysis.scopes import Scope
from auditor.analysis.starimports import star_candidates, star_refs
from auditor.config.catalog import Api


class ApiMatcher:
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
            prefix = f"{self.r.module}." if self.r.module else ""
            api = self.subclass_ctors.get(qn[len(prefix):] if qn.startswith(prefix) else qn)
            if api is not None:  # class Wrapped(ChatOpenAI) in this module, then Wrapped(...)
                return api, api.provider, qn.rsplit(".", 1)[-1], None
            if isinstance(func, ast.Name) and func.id in self.r.star_names:
                starred = self._star_bound(func.id, call)  # from helper_functions import *; ChatOpenAI(...)
                if starred is not None:
                    return starred
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
            handed = handed_in(self, call, func, scope)  # def _retry(self, create, params): create(**params)
            if handed is not None:
                return handed
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
            root, _, sub = t[0].partition("#")  # a sub-resource: openai.OpenAI#chat.completions
            method = ".".join(([sub] if sub else []) + [p for p in path if p not in self.p.passthrough])
            api = self.p.by_type_method.get((root, method))
            if api is None:
                api = self.p.by_callable.get(f"<{root}>.{method}")
            if api is not None:
                maker = (t[1], t[2]) if t[1] is not None else None
                return api, api.provider_by_type.get(root, api.provider), method, maker
            if typed_by_callers(self.r, base, scope):  # helper(client): a caller's client may be another one
                break
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

    def _subclass_constructors(self) -> tuple[dict[str, Api], set[str]]:
        """Module-level classes that subclass a catalogued model constructor, directly or through other
        classes of the module (``class Wrapped(ChatOpenAI)``, ``class WrappedAzure(AzureChatOpenAI,
        Wrapped)``): constructing one is that API's call site. Also the names the classes are assigned
        to (``model: Type[Wrapped] = Wrapped``), for the hot-line filter."""
        classes = {n.name: n for n in self.r.tree.body if isinstance(n, ast.ClassDef)}
        found: dict[str, Api] = {}

        def api_of(name: str, depth: int) -> Api | None:
            if name in found or depth > 6:
                return found.get(name)
            for base in classes[name].bases:
                if isinstance(base, ast.Name) and base.id in classes and base.id != name:
                    api = api_of(base.id, depth + 1)
                else:
                    qn = self.r.qualname(base, self.r.module_scope)
                    api = self.p.by_callable.get(qn) if qn else None
                    api = api if api is not None and api.constructor else None
                if api is not None:
                    found[name] = api
                    return api
            return None

        try:
            for name in classes:
                api_of(name, 0)
        finally:
            del api_of  # a recursive closure is a reference cycle: it would keep the tree alive (the run pauses the GC)
        names = set(found)
        if found:
            for node in ast.walk(self.r.tree):
                value = getattr(node, "value", None)
                if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(value, ast.Name) and value.id in found:
                    for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                        if isinstance(t, ast.Name):
                            names.add(t.id)
        return found, names

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

    def _star_bound(self, name: str, call: ast.Call):
        """A name only a project module's star import binds, spelled like a catalogued callable: pending
        until the project phase finds that the module really binds it to that callable."""
        cands = star_candidates(self.r, name)
        if not cands:
            return None
        self.pending[id(call)] = {"refs": star_refs(self.r, name), "kind": "name", "candidates": [[qn, a.id, a.provider] for qn, a in cands]}
        api = cands[0][1]
        return api, api.provider, name, None

    def _imported_client(self, prefixes, scope: Scope, call: ast.Call):
        """``from app.clients import client; client.chat.completions.create(...)``.

        The client's type lives in another project module, so the site is recorded as
        pending (``extra["pending"]``) with the APIs its method path could mean, and
        :mod:`auditor.analysis.project` keeps it only if that module really makes such a client."""
        if not prefixes or not isinstance(prefixes[-1][0], ast.Name):
            return None
        root, path = prefixes[-1]
        qn = self.r.qualname(root, scope)
        loader = None
        if not qn:  # llm = load_llm() / model, tok = load_model(...) with the loader in another module
            qn = loader = loader_ref(self.r, root, scope, self.sdk_roots)
        if not qn or qn.split(".")[0] in self.sdk_roots:
            return None
        for k in (0, 1) if loader is None else (0,):  # `client.chat...` or `clients.client.chat...` (module attribute)
            method = ".".join(p for p in path[k:] if p not in self.p.passthrough)
            cands = [(t, a) for (t, m), a in self.p.by_type_method.items() if m == method]
            # `completions = client.chat.completions` in the other module: a sub-resource typed T#chat.completions
            cands += [(f"{t}#{m[: -len(method) - 1]}", a) for (t, m), a in self.p.by_type_method.items() if m.endswith("." + method)]
            if cands:
                ref = ".".join([qn, *path[:k]])
                pending = {"ref": ref, "candidates": [[t, a.id, a.provider_by_type.get(t, a.provider)] for t, a in cands]}
                # if the other module turns out not to make a catalogued client (or is not in
                # the project), the distinctive-method-path match still stands, when it applies
                fallback = self._untyped(prefixes, call, scope)
                if fallback is not None:
                    pending["fallback"] = [fallback[0].id, fallback[1]]
                elif loader is not None:
                    pending["fallback"] = None  # a loader of unknown return: nothing stands without it
                if loader is not None:
                    pending["loader"] = True
                self.pending[id(call)] = pending
                api = cands[0][1]
                return api, api.provider, method, None
        return None

    def _untyped(self, prefixes: list[tuple[ast.AST, list[str]]], call: ast.Call, scope: Scope):
        """No type known for any receiver: a distinctive method path (longest first), e.g.
        ``self.get_client().chat.completions.create(model=...)`` on a vendor's openai-shaped client."""
        for base, path in reversed(prefixes):
            method = ".".join(p for p in path if p not in self.p.passthrough)
            apis = self.untyped_all.get(method) or []
            if apis:
                weak = all(a.untyped_requires == [] for a in apis)
                if project_receiver(self.r, self.p, base, path, scope, weak):  # self.generate_content() of a wrapper class
                    return None
                api = next((a for a in apis if self._untyped_ok(call, base, a, scope)), None)
                if api is None:
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
        if api.untyped_models and not self._untyped_model(call, api, scope):
            return False
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

    def _untyped_model(self, call: ast.Call, api: Api, scope: Scope) -> bool:
        """The call's model argument is a string (a literal, or a name assigned one) that one of the
        API's ``untyped.models`` globs matches: ``co.chat(model="command-r-plus", ...)`` on a client
        whose cell does not parse; ``agent.chat(model="gpt-4o")`` and ``bot.chat(msg)`` do not."""
        node = next((kw.value for kw in call.keywords if kw.arg in api.model), None)
        if isinstance(node, ast.Name):
            b = self.r.binding(node.id, scope, getattr(node, "lineno", 1 << 30))
            node = b[1] if b and b[0] == "assign" else None
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            return False
        name = node.value.lower().rsplit("/", 1)[-1]
        return any(fnmatch.fnmatchcase(name, g) for g in api.untyped_models)

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
            for ref in method_refs(value):
                found = self.match_as(ref, call, s)
                if found is not None:
                    return found
        return None

    def match_as(self, ref: ast.expr, call: ast.Call, scope: Scope):
        """What ``call`` would match if it called ``ref`` (a method path a name or a parameter stands for)
        with its own arguments."""
        fake = ast.Call(func=ref, args=list(call.args), keywords=list(call.keywords))
        ast.copy_location(fake, call)
        found = self._match(fake, scope)
        if found is not None and id(fake) in self._untyped_calls:
            self._untyped_calls.add(id(call))
        return found

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


# wrappers that call their first argument later with the rest: partial(create, **kw), to_thread(create, ...)
DEFERRED_CALLABLES = {"functools.partial", "asyncio.to_thread"}


DEFERRED = {q.rsplit(".", 1)[-1] for q in DEFERRED_CALLABLES}


# a receiver of unknown type reached through other attributes (`self.llm.client`) counts only
# when its last name says it is a client; `client.agents.messages.create` is another SDK's resource
CLIENTISH = ("client", "llm", "sdk", "openai", "anthropic", "claude", "gemini", "genai", "bedrock", "runtime", "mistral", "cohere", "groq", "ollama", "model")


def method_refs(value: ast.AST) -> list[ast.Attribute]:
    """The method references an assigned value can be: ``a.b.create`` or either side of an if-else."""
    if isinstance(value, ast.Attribute):
        return [value]
    if isinstance(value, ast.IfExp):
        return method_refs(value.body) + method_refs(value.orelse)
    if isinstance(value, ast.Call) and len(value.args) == 2 and not value.keywords:
        # typing.cast(Any, client.responses.create): the same method, retyped for a checker
        name = value.func.attr if isinstance(value.func, ast.Attribute) else getattr(value.func, "id", None)
        if name == "cast":
            return method_refs(value.args[1])
    if isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords and isinstance(value.args[0], ast.Attribute):
        # backoff.on_exception(backoff.expo, RateLimitError)(client.chat.completions.create), retry(...)(fn):
        # a decorator applied to the method returns a callable that sends the same request
        if isinstance(value.func, ast.Call) or (getattr(value.func, "attr", None) or getattr(value.func, "id", "")).lower().find("retry") >= 0:
            return [value.args[0]]
    return []
