"""Which modules the dataflow needs read deeply, and the derived call sites of the project.

Phase 1 reads deeply (summaries, call records) only the files the byte pre-scan keeps, and
records their calls without arguments; other files get a shallow pass (constants, imports,
top-level classes). Phase 2 then finds what reaches a generation request and reads further
only where a flow leads (measured cheap: a handful of files in an app; none where nothing
reaches): files whose calls reach a request (their arguments are needed), files that import a
function, class or module that reaches one, files whose classes share a hierarchy with a class
whose methods reach one (base classes, mixins), and files defining the prompt helpers that
prompts call. Repeated until nothing new is needed (``max-upgrade-rounds``).
"""

from __future__ import annotations

from auditor.analysis.classes import ProjectIndex
from auditor.analysis.flowfacts import Callee
from auditor.analysis.derive import Deriver
from auditor.config.flows import load_flows
from auditor.facts import FileFacts
from auditor.sources.callnames import names_in


class _Modules:
    """``by_module`` for the class index, each module's summary (imports: re-exports) loaded
    on first use through :meth:`Project.module_facts` (a cached file keeps it packed, a file
    the pre-scan skipped is parsed for it only when something refers to it)."""

    def __init__(self, project):
        self.project = project

    def get(self, module: str, default=None):
        found = self.project.module_facts(module)
        return default if found is None else found

    def __contains__(self, module: str) -> bool:
        return module in self.project.by_module


def derive_all(project) -> None:
    flows = load_flows()
    tried: set[str] = set()
    impls = flows.limit("max-implementations", 8)
    index = _index(project, impls)
    read: set[str] = set()  # files the pre-scan skipped as unbound, read since as phase 1 reads
    for _ in range(flows.limit("max-upgrade-rounds", 6)):
        if project.reanalyse is None:
            break
        unbound: list[str] = []
        needed = [rel for rel in needed_files(project, index, unbound) if rel not in tried]
        while unbound and project.reparse is not None:
            # a flow leads to files phase 1 would have parsed but for their SDK imports binding
            # nothing known: read them as it would, and judge them as if it had (no round spent)
            todo = [rel for rel in dict.fromkeys(unbound) if rel not in read]
            read.update(todo)
            many = getattr(project.reparse, "many", None)  # all at once: in parallel where it can
            new = [f for f in (many(todo) if many is not None else map(project.reparse, todo)) if f is not None]
            if not new:
                break
            project.replace(new)
            del index
            index = _index(project, impls)
            unbound = []
            needed = [rel for rel in needed_files(project, index, unbound) if rel not in tried]
        if not needed:
            break
        tried.update(needed)
        deep_many = getattr(project.reanalyse, "many", None)  # all at once: in parallel where it can
        new = [f for f in (deep_many(needed) if deep_many is not None else map(project.reanalyse, needed)) if f is not None]
        if not new:
            break
        project.replace(new)
        del index  # one index at a time: it is the largest thing phase 2 builds
        index = _index(project, impls)
    if getattr(project, "reads_done", None) is not None:
        project.reads_done()  # what is still read from here on is read in this process, as without workers
    concrete, abstract = Deriver(project, index, project.providers, flows).run()
    for site in concrete + [a for a in abstract if a.extra.get("derived")]:
        project.resolve_site(site)
    project.derived = concrete
    project.abstract_sites = abstract
    project.abstract_ids = {a.id for a in abstract}
    del index
    for f in project.facts:  # the summaries have served (the caches keep them): the checks need less memory
        f.extra.pop("flows", None)


def _ahead(project, names, files: list[FileFacts] | None = None) -> None:
    """Have the skipped modules that ``names`` lead to summarised ahead, in parallel where phase
    1's workers are kept (``Loaded.summary_loader().many``): the module ``ProjectIndex._canonical``
    reads for each name (its longest module prefix, through the re-exports of modules already
    read), and ``files`` themselves. Only a head start: a summary is still taken when asked for."""
    many = getattr(getattr(project, "_loader", None), "many", None)
    if many is None:
        return
    out: dict[str, FileFacts] = {f.path: f for f in files or () if f.kind == "python" and f.path not in project._loaded}
    seen: set[str] = set()

    def follow(name: str) -> None:
        if name in seen or len(seen) > 20_000:
            return
        seen.add(name)
        parts = name.split(".")
        for i in range(len(parts) - 1, 0, -1):
            m = project.by_module.get(".".join(parts[:i]))
            if m is None:
                continue
            if m.extra.get("skipped") and not m.extra.get("summarised") and m.path not in project._loaded:
                if m.kind == "python" and not m.extra.get("packed_summary"):
                    out[m.path] = m  # its re-exports are in its summary: followed from there when asked
                return
            target = (m.extra.get("imports") or {}).get(parts[i])
            if target:
                follow(".".join([target, *parts[i + 1 :]]))
            return

    for name in names:
        follow(name)
    if out:
        many(list(out.values()))


def _index(project, impls: int) -> ProjectIndex:
    """The class index, the summaries it reads first (the modules of the bases) parsed ahead."""
    _ahead(project, (b for f in project.facts if f.extra.get("flows") is not None for _, bases, _ in f.extra["flows"].class_entries() for b in bases))
    return ProjectIndex(project.facts, _Modules(project), impls)


def reaching(index: ProjectIndex, project) -> set[str]:
    """Qualified names of the functions whose calls (transitively) send a request.

    A worklist over callee *names*: a call can only reach a function it is named after, so only
    calls named like something already reaching are resolved (most calls never are)."""
    live = {s.id for f in project.facts for s in f.call_sites}
    reach = {q for q, (s, _) in index.functions.items() if any(i in live for i in s.sites)}
    by_name: dict[str, list[tuple]] = {}  # callee's last name -> (caller, kind, name, class): no objects per call
    for f in project.facts:
        flows = f.extra.get("flows")
        if flows is None:
            continue
        for rec in flows.calls:
            if rec.caller != "<module>":
                by_name.setdefault(rec.callee.name.rsplit(".", 1)[-1], []).append((rec.caller, rec.callee.kind, rec.callee.name, rec.callee.cls))
        for edge in flows.raw_edges():
            if edge[0] != "<module>":
                by_name.setdefault(edge[2].rsplit(".", 1)[-1], []).append(edge)
    # a name is looked at again whenever another function of that name joins: two functions may
    # share a last name (a notebook's `generate_response` and `rag.generate.generate_response`),
    # and the callers of the second reach only once it does, whatever order the set gives
    todo = list(dict.fromkeys(q.rsplit(".", 1)[-1] for q in sorted(reach)))
    while todo:
        name = todo.pop()
        for caller, kind, cname, cls in by_name.get(name, ()):
            q = index.canonical(caller) or caller
            if q in reach:
                continue
            if any(t in reach for t, _ in index.targets(Callee(kind, cname, cls))):
                reach.add(q)
                todo.append(q.rsplit(".", 1)[-1])
    return reach


def needed_files(project, index: ProjectIndex, unbound: list[str] | None = None) -> list[str]:
    """The files to read deeply now; ``unbound`` receives the files skipped as unbound (see
    sources/sdkbinding.py) that a flow leads to: to be read as phase 1 reads first."""
    reach = reaching(index, project)
    if not reach:
        return []
    reach_modules: set[str] = set()  # modules holding a reaching function (import app.llm; from app import llm)
    for q in reach:
        found = index.functions.get(q)
        if found is not None and found[1].module:
            mod = found[1].module
            reach_modules.add(mod[: -len(".__init__")] if mod.endswith(".__init__") else mod)
            reach_modules.add(mod)
    reach_classes = {index.functions[q][0].cls for q in reach if q in index.functions and index.functions[q][0].cls}
    related: set[str] = set()  # classes that inherit a reaching method, or are bases of one that does
    for rc in reach_classes:
        for c in index.below(rc):
            if c not in related:
                related.add(c)
                related.update(index.mro(c))
    names = {q.rsplit(".", 1)[-1] for q in reach}
    calls, words = _asked_names(index, reach, related, project.by_module)
    many = getattr(project.mentions, "many", None)  # every skipped file searched at once, in parallel where it can
    if many is not None and (calls or words):
        many([f.path for f in project.facts if f.extra.get("skipped") and f.kind in ("python", "notebook") and not f.extra.get("flows_deep")], calls, words)
    out: list[str] = []
    passing: list[FileFacts] = []  # skipped files whose bytes name what reaches: judged by their summaries
    for f in project.facts:
        if f.kind not in ("python", "notebook") or f.extra.get("flows_deep"):
            continue
        flows = f.extra.get("flows")
        if f.extra.get("skipped"):
            # not parsed in phase 1: its bytes decide first (sources/callnames.py), then its
            # imports and classes, parsed now (and cached) only for the files that pass
            if not (calls or words) or not _mentions(project, f.path, calls, words):
                continue
            if unbound is not None and f.extra.get("unbound") and project.reparse is not None:
                unbound.append(f.path)
                continue
            passing.append(f)
        elif flows is not None and any(
            name.rsplit(".", 1)[-1] in names and any(q in reach for q, _ in index.targets(Callee(kind, name, cls))) for _, kind, name, cls in flows.raw_edges()
        ):
            out.append(f.path)  # its calls reach a request: their arguments are needed
    _ahead(project, (), passing)  # their own summaries, then what their imports lead to
    for f in passing:
        project.summary_of(f)
    _ahead(project, (t for f in passing for t in (f.extra.get("imports") or {}).values()))
    out.extend(f.path for f in passing if f.kind == "notebook" or _skipped_needed(f, f.extra.get("flows"), index, reach, reach_modules, related))
    out.extend(_helper_files(project, index, unbound))
    return sorted(set(out))


def _asked_names(index: ProjectIndex, reach: set[str], related: set[str], modules=None) -> tuple[frozenset[str], frozenset[str]]:
    """What a skipped file's bytes must name to be worth parsing: a module-level function that
    reaches a request (``name(``: another file can call only what a Python module defines, nothing
    imports from a notebook), or a class of a hierarchy whose methods do - a subclass, a base as
    written, a module-level instance (``llm = LLM()``). A method is never asked by its name alone:
    a call ``x.create(`` needs its receiver's class, which the file must name. A base imported
    from outside the project (``abc.ABC``: no part of its name is a module of ``modules``) is
    not asked: no project file defines it, and the hierarchy leaves it out."""

    def outside(base: str) -> bool:
        parts = base.split(".")
        return modules is not None and len(parts) > 1 and not any(".".join(parts[:i]) in modules for i in range(1, len(parts)))

    calls = {q.rsplit(".", 1)[-1] for q in reach if q in index.functions and index.functions[q][1].kind == "python" and not index.functions[q][0].cls}
    words = {c.rsplit(".", 1)[-1] for c in related}
    for c in related:
        info = index.classes.get(c)
        words.update(b.rsplit(".", 1)[-1] for b in (info[0] if info else ()) if not outside(b))
    for f in index.modules_with_instances():
        for name, cls in f.extra["flows"].instances.items():
            q = index.canonical(cls)
            if q is not None and q in related:
                words.add(name)
    return frozenset(calls), frozenset(w for w in words if len(w) >= 3)


def _skipped_needed(f: FileFacts, flows, index: ProjectIndex, reach: set[str], reach_modules: set[str], related: set[str]) -> bool:
    """A file read shallowly (no call site) that imports what reaches a request, or whose
    classes share a hierarchy with a class whose methods do (a base class, a mixin)."""
    if flows is not None and any(c in related for c in flows.class_names()):
        return True
    for target in (f.extra.get("imports") or {}).values():
        if target in reach_modules:
            return True
        q = index.canonical(target)
        if q is not None and (q in reach or q in related):
            return True
    return False


def _mentions(project, rel: str, calls: frozenset[str], words: frozenset[str]) -> bool:
    """A skipped file's bytes call one of ``calls`` or name one of ``words`` (unreadable: let the deep read decide)."""
    if project.mentions is not None:
        return project.mentions(rel, calls, words)
    if project.root is None:
        return True
    try:
        data = (project.root / rel).read_bytes()
    except OSError:
        return True
    return names_in(data, calls, words)


def _helper_files(project, index: ProjectIndex, unbound: list[str] | None = None) -> list[str]:
    """Modules not read deeply that define the prompt helpers prompts call, when what those
    return is not known yet (a lean pass keeps only returns that look like prompt text)."""
    from auditor.analysis.flowfacts import CallHole

    def returned(r) -> list:
        if r is None:
            return []
        out = [CallHole("hole", callee=r.call.callee)] if r.call is not None else []
        return out + [x for x in (r.text or []) if isinstance(x, CallHole)]

    # from the holes of the requests' prompts, through the returns of the helpers already known
    # (a helper's return may call another helper); never the returns of functions no prompt calls
    holes = [s for f in project.facts for site in f.call_sites for s in site.prompt.segments if isinstance(s, CallHole)]
    holes += _arg_holes(project, CallHole)  # analyze(table) with table = await execute_query(q): the step's result
    wanted: dict[str, set[str]] = {}
    seen: set[str] = set()
    while holes:
        h = holes.pop()
        if h.callee is None or h.callee.kind != "func" or h.callee.name in seen:
            continue
        seen.add(h.callee.name)
        found = index.summary(h.callee.name)
        if found is not None and (found[0].returns is not None or found[1].extra.get("flows_deep")):
            holes.extend(returned(found[0].returns))  # what it returns is known (or known not to be text)
            continue
        mod = found[1] if found is not None else _module_of(h.callee.name, _Modules(project))
        if mod is not None and not mod.extra.get("flows_deep") and mod.kind in ("python", "notebook"):
            if unbound is not None and mod.extra.get("unbound") and project.reparse is not None:
                unbound.append(mod.path)  # phase 1 would have read its returns
                continue
            wanted.setdefault(mod.path, set()).add(h.callee.name.rsplit(".", 1)[-1])
    out = []
    for rel, names in wanted.items():
        if project.root is None:
            out.append(rel)
            continue
        try:
            data = (project.root / rel).read_bytes()
        except OSError:
            continue
        if b"return" in data and any(b"def " + n.encode() + b"(" in data for n in names):
            out.append(rel)
    return sorted(out)


def _arg_holes(project, kind) -> list:
    """Helper calls in the arguments of the calls the flows keep with their arguments (those
    toward a request): what such a helper returns goes into the callee's prompt."""
    out = []
    for f in project.facts:
        flows = f.extra.get("flows")
        for rec in (flows.calls if flows is not None else ()):
            for arg in list(rec.args) + list(rec.kwargs.values()):
                out.extend(s for s in arg.segments if isinstance(s, kind))
    return out


def _module_of(qualname: str, by_module, seen: frozenset[str] = frozenset()) -> FileFacts | None:
    """The module that defines ``qualname``, following re-exports (``from .a import X`` in a package's
    ``__init__``); a cycle of re-exports (a imports X from b, b from a) ends at the module where it closes."""
    parts = qualname.split(".")
    for i in range(len(parts) - 1, 0, -1):
        f = by_module.get(".".join(parts[:i]))
        if f is not None:
            target = (f.extra.get("imports") or {}).get(parts[i])
            if target and target != qualname and qualname not in seen and len(seen) < 64:
                return _module_of(".".join([target, *parts[i + 1 :]]), by_module, seen | {qualname}) or f
            return f
    return None
