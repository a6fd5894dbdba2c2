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
from auditor.analysis.derive import Deriver
from auditor.config.flows import load_flows
from auditor.facts import FileFacts


def derive_all(project) -> None:
    flows = load_flows()
    tried: set[str] = set()
    impls = flows.limit("max-implementations", 8)
    index = ProjectIndex(project.facts, project.by_module, impls)
    for _ in range(flows.limit("max-upgrade-rounds", 6)):
        if project.reanalyse is None:
            break
        needed = [rel for rel in needed_files(project, index) if rel not in tried]
        if not needed:
            break
        tried.update(needed)
        new = [f for f in (project.reanalyse(rel) for rel in needed) if f is not None]
        if not new:
            break
        project.replace(new)
        index = ProjectIndex(project.facts, project.by_module, impls)
    concrete, abstract = Deriver(project, index, project.providers, flows).run()
    for site in concrete + [a for a in abstract if a.extra.get("derived")]:
        project.resolve_site(site)
    project.derived = concrete
    project.abstract_sites = abstract
    project.abstract_ids = {a.id for a in abstract}


def reaching(index: ProjectIndex, project) -> set[str]:
    """Qualified names of the functions whose calls (transitively) send a request.

    A worklist over callee *names*: a call can only reach a function it is named after, so only
    calls named like something already reaching are resolved (most calls never are)."""
    live = {s.id for f in project.facts for s in f.call_sites}
    reach = {q for q, (s, _) in index.functions.items() if any(i in live for i in s.sites)}
    by_name: dict[str, list[tuple[str, object]]] = {}
    for f in project.facts:
        flows = f.extra.get("flows")
        for caller, callee, _ in flows.callees() if flows is not None else ():
            if caller != "<module>":
                by_name.setdefault(callee.name.rsplit(".", 1)[-1], []).append((caller, callee))
    todo = [q.rsplit(".", 1)[-1] for q in reach]
    seen_names: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen_names:
            continue
        seen_names.add(name)
        for caller, callee in by_name.get(name, ()):
            q = index.canonical(caller) or caller
            if q in reach:
                continue
            if any(t in reach for t, _ in index.targets(callee)):  # type: ignore[arg-type]
                reach.add(q)
                todo.append(q.rsplit(".", 1)[-1])
    return reach


def needed_files(project, index: ProjectIndex) -> list[str]:
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
    out: list[str] = []
    for f in project.facts:
        if f.kind not in ("python", "notebook") or f.extra.get("flows_deep"):
            continue
        flows = f.extra.get("flows")
        if f.extra.get("skipped"):
            if _skipped_needed(f, flows, index, reach, reach_modules, related) and _mentions(project, f.path, names):
                out.append(f.path)
        elif flows is not None and any(
            c.name.rsplit(".", 1)[-1] in names and any(q in reach for q, _ in index.targets(c)) for _, c, rec in flows.callees() if rec is None
        ):
            out.append(f.path)  # its calls reach a request: their arguments are needed
    out.extend(_helper_files(project, index))
    return sorted(set(out))


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


def _mentions(project, rel: str, names: set[str]) -> bool:
    """The file's text calls one of ``names`` (or cannot be read: let the deep read decide)."""
    if project.root is None:
        return True
    try:
        data = (project.root / rel).read_bytes()
    except OSError:
        return True
    return any(n.encode() + b"(" in data for n in names)


def _helper_files(project, index: ProjectIndex) -> list[str]:
    """Modules read shallowly that define the prompt helpers prompts call (their returns are needed)."""
    from auditor.analysis.flowfacts import CallHole

    wanted: dict[str, set[str]] = {}
    for f in project.facts:
        holes = [s for site in f.call_sites for s in site.prompt.segments if isinstance(s, CallHole)]
        flows = f.extra.get("flows")
        for s in (flows.functions.values() if flows is not None else ()):
            r = s.returns
            if r is None:
                continue
            if r.call is not None:
                holes.append(CallHole("hole", callee=r.call.callee))
            holes.extend(x for x in (r.text or []) if isinstance(x, CallHole))
        for h in holes:
            if h.callee is None or h.callee.kind != "func" or index.canonical(h.callee.name) is not None:
                continue
            mod = _module_of(h.callee.name, project.by_module)
            if mod is not None and mod.extra.get("skipped"):
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


def _module_of(qualname: str, by_module: dict) -> FileFacts | None:
    parts = qualname.split(".")
    for i in range(len(parts) - 1, 0, -1):
        f = by_module.get(".".join(parts[:i]))
        if f is not None:
            target = (f.extra.get("imports") or {}).get(parts[i])
            if target and target != qualname:
                return _module_of(".".join([target, *parts[i + 1 :]]), by_module) or f
            return f
    return None
