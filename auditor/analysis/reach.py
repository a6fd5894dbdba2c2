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
    if not any(f.extra.get("flows") is not None for f in project.facts):
        return
    tried: set[str] = set()
    for _ in range(flows.limit("max-upgrade-rounds", 6)):
        if project.reanalyse is None:
            break
        index = ProjectIndex(project.facts, project.by_module, flows.limit("max-implementations", 8))
        needed = [rel for rel in needed_files(project, index) if rel not in tried]
        if not needed:
            break
        tried.update(needed)
        for rel in needed:
            new = project.reanalyse(rel)
            if new is not None:
                project.replace(new)
    index = ProjectIndex(project.facts, project.by_module, flows.limit("max-implementations", 8))
    concrete, abstract = Deriver(project, index, project.providers, flows).run()
    for site in concrete + [a for a in abstract if a.extra.get("derived")]:
        project.resolve_site(site)
    project.derived = concrete
    project.abstract_sites = abstract
    project.abstract_ids = {a.id for a in abstract}


def reaching(index: ProjectIndex, project) -> set[str]:
    """Qualified names of the functions whose calls (transitively) send a request."""
    live = {s.id for f in project.facts for s in f.call_sites}
    reach = {q for q, (s, _) in index.functions.items() if any(i in live for i in s.sites)}
    edges: list[tuple[str, list[str]]] = []
    for f in project.facts:
        flows = f.extra.get("flows")
        for rec in flows.calls if flows is not None else ():
            if rec.caller == "<module>":
                continue
            own = index.summary(rec.caller)
            rcls = own[0].cls if own is not None else None
            edges.append((index.canonical(rec.caller) or rec.caller, [q for q, _ in index.targets(rec.callee, rcls or None)]))
    changed = True
    while changed:
        changed = False
        for caller, targets in edges:
            if caller not in reach and any(t in reach for t in targets):
                reach.add(caller)
                changed = True
    return reach


def needed_files(project, index: ProjectIndex) -> list[str]:
    reach = reaching(index, project)
    reach_modules = {q.rsplit(".", 1)[0] for q in reach}
    reach_classes = {index.functions[q][0].cls for q in reach if q in index.functions and index.functions[q][0].cls}
    related: set[str] = set()  # classes that inherit a reaching method, or are bases of one that does
    for c in index.classes:
        mro = index.mro(c)
        if any(rc in mro for rc in reach_classes):
            related.add(c)
            related.update(mro)
    out: list[str] = []
    for f in project.facts:
        flows = f.extra.get("flows")
        deep = bool(f.extra.get("flows_deep"))
        if f.kind not in ("python", "notebook") or deep:
            continue
        if _needed(f, flows, index, reach, reach_modules, related):
            out.append(f.path)
    out.extend(_helper_files(project, index))
    return sorted(set(out))


def _needed(f: FileFacts, flows, index: ProjectIndex, reach: set[str], reach_modules: set[str], related: set[str]) -> bool:
    if flows is not None:
        for rec in flows.calls:  # its calls reach a request: their arguments are needed
            if any(q in reach for q, _ in index.targets(rec.callee)):
                return True
        if any(c in related for c in flows.classes):
            return True
    if f.extra.get("skipped") or flows is None or not flows.functions:
        for target in (f.extra.get("imports") or {}).values():
            q = index.canonical(target)
            if q is not None and (q in reach or q in related):
                return True
            if target in reach_modules or any(m == target or m.startswith(target + ".") for m in reach_modules if len(target.split(".")) >= 2):
                return True
    return False


def _helper_files(project, index: ProjectIndex) -> list[str]:
    """Modules that define the prompt helpers prompts call, when they were read shallowly."""
    from auditor.analysis.flowfacts import CallHole

    wanted: set[str] = set()
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
            if mod is not None and not mod.extra.get("flows_deep"):
                wanted.add(mod.path)
    return sorted(wanted)


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
