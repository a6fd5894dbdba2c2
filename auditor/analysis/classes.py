"""The project's functions and classes by qualified name, and what a call reaches.

Built in phase 2 from every module's :class:`~auditor.analysis.flowfacts.ModuleFlows`. Names are
canonicalised through re-exports (``from .llm import LLM`` in a package ``__init__``), bases are
resolved across modules, and method calls are dispatched the way Python does: ``obj.m()`` on an
instance of ``C`` looks ``m`` up along ``C``'s MRO; ``self.m()`` in a method of ``K`` reaches the
implementation every class at or below ``K`` would use (subclasses and their mixins anywhere
in the project), or only that of the receiver's class when the caller's chain knows it;
``super().m()`` continues the MRO after ``K``.
"""

from __future__ import annotations

from auditor.analysis.flowfacts import Callee, FunctionSummary
from auditor.facts import FileFacts

MAX_HOPS = 8


class ProjectIndex:
    def __init__(self, facts: list[FileFacts], by_module: dict[str, FileFacts], max_impls: int = 8):
        self.by_module = by_module
        self.max_impls = max_impls
        self.functions: dict[str, tuple[FunctionSummary, FileFacts]] = {}
        self.classes: dict[str, tuple[list[str], list[str]]] = {}  # class -> (bases as written, method names)
        self._with_instances: list[FileFacts] = []
        for f in facts:
            flows = f.extra.get("flows")
            if flows is not None and flows.instances:
                self._with_instances.append(f)
            if flows is None:
                continue
            for q, s in flows.functions.items():
                self.functions.setdefault(q, (s, f))
            for q, bases, methods in flows.class_entries():
                if q not in self.classes:
                    self.classes[q] = (bases, methods)
        self._canon: dict[str, str | None] = {}
        self._targets: dict[tuple, list[tuple[str, str | None]]] = {}
        self._mro: dict[str, list[str]] = {}
        self.subclasses: dict[str, list[str]] = {}
        for q, c in self.classes.items():
            for b in c[0]:
                cb = self.canonical(b)
                if cb is not None:
                    self.subclasses.setdefault(cb, []).append(q)

    def modules_with_instances(self) -> list[FileFacts]:
        """The modules whose flows name module-level instances of classes (``llm = LLM()``)."""
        return self._with_instances

    # ------------------------------------------------------------ names
    def canonical(self, qualname: str) -> str | None:
        """The defining qualified name of a function, method or class (following re-exports)."""
        if qualname in self._canon:
            return self._canon[qualname]
        self._canon[qualname] = None  # in progress: a cycle of re-exports resolves to nothing
        found = self._canonical(qualname)
        self._canon[qualname] = found
        return found

    def _canonical(self, qualname: str) -> str | None:
        if qualname in self.functions or qualname in self.classes:
            return qualname
        parts = qualname.split(".")
        for i in range(len(parts) - 1, 0, -1):
            mod, rest = ".".join(parts[:i]), parts[i:]
            facts = self.by_module.get(mod)
            if facts is None:
                continue
            direct = ".".join([facts.module, *rest])
            if direct in self.functions or direct in self.classes:
                return direct
            target = (facts.extra.get("imports") or {}).get(rest[0])
            if target and target != qualname:
                return self.canonical(".".join([target, *rest[1:]]))
            flows = facts.extra.get("flows")
            if len(rest) == 2 and flows is not None and rest[0] in flows.instances:
                cls = self.canonical(flows.instances[rest[0]])  # llm = LLM() there: llm.ask
                return self.method(cls, rest[1]) if cls is not None and cls in self.classes else None
            # a method of a class of that module reached by name: Bot.ask
            if len(rest) >= 2:
                cls = self.canonical(".".join([mod, *rest[:-1]]))
                if cls is not None and cls in self.classes:
                    return self.method(cls, rest[-1])
            return None
        return None

    def summary(self, qualname: str) -> tuple[FunctionSummary, FileFacts] | None:
        q = self.canonical(qualname)
        return self.functions.get(q) if q else None

    # ------------------------------------------------------------ classes
    def mro(self, cls: str) -> list[str]:
        """C3 linearisation of a project class (bases outside the project are left out)."""
        if cls in self._mro:
            return self._mro[cls]
        self._mro[cls] = [cls]  # a cycle of bases resolves to the class alone
        info = self.classes.get(cls)
        bases = [b for b in (self.canonical(x) for x in (info[0] if info else [])) if b is not None and b in self.classes]
        seqs = [list(self.mro(b)) for b in bases] + [list(bases)]
        out = [cls]
        while any(seqs):
            for seq in seqs:
                if not seq:
                    continue
                head = seq[0]
                if not any(head in s[1:] for s in seqs):
                    break
            else:  # not linearisable: depth first, first occurrence wins
                rest = [c for s in seqs for c in s]
                out.extend(dict.fromkeys(c for c in rest if c not in out))
                break
            out.append(head)
            seqs = [s[1:] if s and s[0] == head else s for s in seqs]
        self._mro[cls] = out
        return out

    def method(self, cls: str, name: str, after: str | None = None) -> str | None:
        """The qualified name of the implementation ``cls``'s MRO gives ``name`` (after ``after``)."""
        order = self.mro(cls)
        if after is not None and after in order:
            order = order[order.index(after) + 1 :]
        for c in order:
            info = self.classes.get(c)
            if info is not None and name in info[1]:
                return f"{c}.{name}"
        return None

    def below(self, cls: str) -> list[str]:
        """``cls`` and every project class that inherits from it, nearest first."""
        out, todo = [cls], [cls]
        while todo and len(out) < 256:
            for sub in self.subclasses.get(todo.pop(0), []):
                if sub not in out:
                    out.append(sub)
                    todo.append(sub)
        return out

    # ------------------------------------------------------------ calls
    def targets(self, callee: Callee, self_cls: str | None = None) -> list[tuple[str, str | None]]:
        """(function qualname, receiver class) pairs a call may reach; receiver None: not a method call."""
        key = (callee.kind, callee.name, callee.cls, self_cls)
        hit = self._targets.get(key)
        if hit is None:
            hit = self._targets[key] = self._find_targets(callee, self_cls)
        return hit

    def _find_targets(self, callee: Callee, self_cls: str | None) -> list[tuple[str, str | None]]:
        if callee.kind == "func":
            q = self.canonical(callee.name)
            if q is None:
                return []
            if q in self.classes:
                return []  # a constructor
            s = self.functions.get(q)
            if s is None:
                return []
            return [(q, s[0].cls)] if s[0].cls else [(q, None)]
        cls = self.canonical(callee.cls) if callee.cls else None
        if cls is None or cls not in self.classes:
            return []
        if callee.kind == "instance":
            impl = self.method(cls, callee.name)
            return [(impl, cls)] if impl else []
        if callee.kind == "super":
            impl = self.method(self_cls or cls, callee.name, after=cls)
            return [(impl, self_cls or cls)] if impl else []
        # self.m(): the receiver is `cls` or any class below it (unless the chain knows which)
        receivers = [self_cls] if self_cls and cls in self.mro(self_cls) else self.below(cls)
        out: list[tuple[str, str | None]] = []
        seen: set[str] = set()
        for r in receivers:
            impl = self.method(r, callee.name)
            if impl is None or (impl, r) in seen:
                continue
            seen.add((impl, r))  # type: ignore[arg-type]
            out.append((impl, r))
            if len(out) >= self.max_impls:
                break
        return out


def bound_call(callee: Callee, summary: FunctionSummary) -> bool:
    """Is the first parameter of the method filled by the receiver (``obj.m(x)``, ``self.m(x)``,
    ``Cls.make(x)`` on a classmethod), rather than by the first argument (``Cls.m(obj, x)``)?"""
    if not summary.self_param:
        return False
    if callee.kind != "func":
        return True
    parts = callee.name.split(".")
    via_class = len(parts) >= 2 and parts[-2][:1].isupper()
    return not via_class or summary.self_param == "cls"
