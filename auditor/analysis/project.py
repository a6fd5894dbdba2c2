"""The project: every file's facts, with symbolic references resolved across modules.

Phase 1 (per file, parallel, cached) leaves values and prompt segments that name an
imported constant as refs ``(module, name)``. Here they are resolved against the facts of
the other project files: a constant defined in ``app/prompts.py`` and imported as
``from app.prompts import SYSTEM`` (or ``from .prompts import SYSTEM``, or re-exported by a
package ``__init__``) becomes its literal value or text. Refs into modules outside the
project (SDKs, settings objects) become unknown.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from auditor.analysis.agconfig import bind_config_file
from auditor.analysis.filetext import file_candidates, load_file_segments
from auditor.analysis.requestmodels import bind_request_model
from auditor.analysis.framecalls import resolve_frame_call
from auditor.analysis.loaders import returned_type
from auditor.analysis.templates import DataHole, fill_deferred
from auditor.facts import CallSite, FileFacts, Prompt, Segment, Value

MAX_HOPS = 8


class Project:
    """``loader``: fills in, on first use, what other modules look up in a file whose facts are
    not all at hand (a file the pre-scan did not parse, or a cached file whose summary part is
    still packed): its constants, texts and imports. Every lookup into another module goes
    through :meth:`module_facts`, so only the modules something refers to are ever loaded.
    ``reanalyse``: phase 2 of the dataflow may read a module deeply that phase 1 read
    shallowly or skipped (see analysis/reach.py), and ``reparse`` read as phase 1 does a file
    the pre-scan skipped as *unbound* (sources/sdkbinding.py); ``mentions`` answers for a
    skipped file whether its bytes call a name (else the file under ``root`` is read)."""

    def __init__(
        self,
        facts: list[FileFacts],
        loader: Callable[[FileFacts], None] | None = None,
        root: Path | None = None,
        providers=None,
        reanalyse: Callable[[str], FileFacts | None] | None = None,
        mentions: Callable[[str, frozenset[str], frozenset[str]], bool] | None = None,
        reparse: Callable[[str], FileFacts | None] | None = None,
        reads_done: Callable[[], None] | None = None,
    ):
        self.facts = facts
        self.reads_done = reads_done  # called once the dataflow's read rounds are over (phase 1's kept workers exit)
        self._loader = loader
        self._loaded: set[str] = set()
        self.root = root
        self.providers = providers
        self.reanalyse = reanalyse
        self.reparse = reparse
        # (rel, calls, words) -> whether a file phase 1 skipped names one of them (sources/callnames.py)
        self.mentions = mentions
        self.derived: list[CallSite] = []  # requests reached through project functions (analysis/derive.py)
        self.abstract_sites: list[CallSite] = []  # sites that stand for the derived ones (checked, not counted)
        self.abstract_ids: set[str] = set()
        self._file_memo: dict = {}
        self._config_lists: dict = {}  # OAI_CONFIG_LIST files read (analysis/configlist.py)
        self._request_models: dict = {}  # modules parsed for request-model classes (analysis/requestmodels.py)
        self._index()
        # how many call sites use each prompt constant (LA502 "used by >= 2 call sites")
        self.constant_uses: dict[tuple[str, str], list[str]] = {}
        # results the checks of one run share (the engine may seed and keep some: the swap scan)
        self.memo: dict[str, dict] = {}
        self._resolve_all()
        from auditor.analysis.reach import derive_all

        derive_all(self)

    def _index(self) -> None:
        facts = self.facts
        self.by_module: dict[str, FileFacts] = {}
        self.by_path: dict[str, FileFacts] = {f.path: f for f in facts}
        by_module = self.by_module
        owner: dict[str, FileFacts] = {}  # each dotted suffix of a module name -> its first file
        shared: set[str] = set()  # ... and the suffixes named more than once
        for f in facts:
            if not f.module:
                continue
            mods = [f.module]
            if f.module.endswith(".__init__"):
                mods.append(f.module[: -len(".__init__")])
            for m in mods:
                by_module[m] = f
                i = m.find(".")
                while i >= 0:  # slices, not split and join: 3,600 modules on a pre-commit run
                    suffix = m[i + 1 :]
                    if suffix in owner:
                        shared.add(suffix)
                    else:
                        owner[suffix] = f
                    i = m.find(".", i + 1)
        for suffix, f in owner.items():
            if suffix not in by_module and suffix not in shared:
                by_module[suffix] = f

    def _reindex(self, new: list[FileFacts]) -> None:
        """:meth:`_index` after files' facts were replaced by new ones of the same paths: each
        name that led to an old one leads to its new one (a full index per round of the dataflow
        was ~0.1 CPU-s of the SDK corpus's main process). A changed module name re-indexes all."""
        by_module, by_path = self.by_module, self.by_path
        for f in new:
            old = by_path.get(f.path)
            if old is None or old.module != f.module:
                self._index()
                return
        for f in new:
            old = by_path[f.path]
            by_path[f.path] = f
            if not f.module:
                continue
            mods = [f.module]
            if f.module.endswith(".__init__"):
                mods.append(f.module[: -len(".__init__")])
            for m in mods:
                parts = m.split(".")
                for key in [m] + [".".join(parts[i:]) for i in range(1, len(parts))]:
                    if by_module.get(key) is old:
                        by_module[key] = f

    def replace(self, new: list[FileFacts]) -> None:
        """Files read again, deeply (phase 2 of the dataflow): their facts take the old ones' place."""
        by_path = {f.path: f for f in new}
        self.facts = [by_path.get(f.path, f) for f in self.facts]
        self._reindex(new)
        self._resolve_pending(new)
        for f in new:
            self._resolve_file(f)

    # ---------------------------------------------------------------- lookups
    def module_facts(self, module: str) -> FileFacts | None:
        """The facts of a project module, with its summary (constants, texts, imports) loaded."""
        facts = self.by_module.get(module)
        if facts is not None:
            self.summary_of(facts)
        return facts

    def summary_of(self, facts: FileFacts) -> None:
        """Load the summary of one file's ``facts`` (see ``loader``), once."""
        if self._loader is not None and facts.path not in self._loaded:
            self._loaded.add(facts.path)
            self._loader(facts)

    def call_sites(self) -> list[CallSite]:
        """The requests of the project: call sites written in code or prompt files and the
        derived ones at the callers of wrappers; not the sites those stand on."""
        sited = self._sited_facts()
        if not self.abstract_ids:
            return [s for f in sited for s in f.call_sites] + self.derived
        return [s for f in sited for s in f.call_sites if s.id not in self.abstract_ids] + self.derived

    def _sited_facts(self) -> list[FileFacts]:
        """The files with call sites (a few hundred of thousands; the checks ask ~30 times),
        found again whenever ``facts`` is another list (:meth:`replace`)."""
        memo = self.__dict__.get("_sited")
        if memo is None or memo[0] is not self.facts or memo[1] != len(self.facts):
            memo = self._sited = (self.facts, len(self.facts), [f for f in self.facts if f.call_sites])
        return memo[2]

    def checked_sites(self) -> list[CallSite]:
        """What call-level checks run on: the requests plus the sites they stand on."""
        return self.call_sites() + self.abstract_sites

    def sites_by_id(self) -> dict[str, CallSite]:
        """:meth:`checked_sites` by id, built again only when ``facts`` is another list (as :meth:`_sited_facts`)."""
        memo = self.__dict__.get("_by_id")
        if memo is None or memo[0] is not self.facts or memo[1] != len(self.facts):
            memo = self._by_id = (self.facts, len(self.facts), {s.id: s for s in self.checked_sites()})
        return memo[2]

    def _target(self, ref: tuple[str, str], near: str = "") -> tuple[FileFacts, str] | None:
        mod, name = ref
        if near and mod not in self.by_module:
            mod = self._sibling(mod, near) or mod
        for _ in range(MAX_HOPS):
            facts = self.module_facts(mod)
            if facts is None:
                # `import app.prompts as p; p.X` gives ("app.prompts", "X"); `from app import prompts`
                # then `prompts.X` gives the same. A ref to a submodule attribute of a package:
                if f"{mod}.{name}" in self.by_module:
                    return None
                return None
            if name in facts.constants or name in facts.texts:
                return facts, name
            target = (facts.extra.get("imports") or {}).get(name)
            if not target:
                return None
            mod, _, name = target.rpartition(".")
        return None

    def _sibling(self, mod: str, near: str) -> str | None:
        """``from prompts import X`` in a script beside ``prompts.py`` (Python puts the script's
        folder first on ``sys.path``): the module of that name in the importing file's folder,
        when the project-wide name is unknown or ambiguous (one prompts.py per example folder)."""
        folder = near.rsplit("/", 1)[0] if "/" in near else ""
        rel = mod.replace(".", "/")
        for cand in (f"{folder}/{rel}.py" if folder else f"{rel}.py", f"{folder}/{rel}/__init__.py" if folder else f"{rel}/__init__.py"):
            f = self.by_path.get(cand)
            if f is not None and f.module:
                return f.module[: -len(".__init__")] if f.module.endswith(".__init__") else f.module
        return None

    # ---------------------------------------------------------------- resolution
    def resolve_value(self, value: Value | None, depth: int = 0) -> Value | None:
        if value is None or value.kind != "ref" or value.ref is None:
            return value
        found = self._target(value.ref)
        if found is None or depth > MAX_HOPS:
            return replace(value, kind="unknown")
        facts, name = found
        target = facts.constants.get(name)
        if target is None:
            return replace(value, kind="unknown")
        resolved = self.resolve_value(target, depth + 1)
        if resolved is None or resolved.kind != "literal":
            return replace(value, kind="unknown")
        origin = "env-default" if resolved.origin == "env-default" else "import"
        defined = resolved.defined
        if defined is not None and defined.path is None:
            defined = replace(defined, path=facts.path)  # written in the other file
        return replace(value, kind="literal", value=resolved.value, origin=origin, defined=defined)

    def resolve_segments(self, segments: list[Segment], owner: str, depth: int = 0) -> list[Segment]:
        out: list[Segment] = []
        for seg in segments:
            if isinstance(seg, DataHole) and seg.frame_call:
                resolve_frame_call(self, seg)  # x = imported_fn(...); x.to_csv(): what that function returns
            if seg.kind != "ref" or seg.ref is None:
                out.append(seg)
                continue
            files = file_candidates(seg)
            if files is not None:  # text read from a file: static text located in that file
                out.extend(self._file_text(seg, files))
                continue
            found = self._target(seg.ref, (owner or "").split("::", 1)[0]) if depth <= MAX_HOPS else None
            if found is None:
                out.append(Segment("hole", expr=seg.expr, hole_kind="unknown", span=seg.span, cell=seg.cell, path=seg.path))
                continue
            facts, name = found
            if owner:
                self.constant_uses.setdefault((facts.path, name), []).append(owner)
            if name in facts.texts:
                inner = self.resolve_segments(copy.deepcopy(facts.texts[name]), owner, depth + 1)
            else:
                v = self.resolve_value(facts.constants[name])
                if v is not None and v.is_literal and isinstance(v.value, str):
                    inner = [Segment("static", text=v.value, span=v.span)]
                else:
                    inner = [Segment("hole", expr=seg.expr, hole_kind="unknown", span=seg.span, cell=seg.cell)]
            for s in inner:
                if s.path is None:
                    s.path = facts.path
                    s.editable = False  # text lives in another file: linted at its definition
                s.extra_ref = (facts.path, name)  # type: ignore[attr-defined]
                s.via = seg.via + s.via
            # IMPORTED_TEMPLATE.format(...): fill the fields now that the text is known
            inner = fill_deferred(seg, inner)
            out.extend(inner)
        return out

    def _file_text(self, seg: Segment, files: list[str]) -> list[Segment]:
        loaded = load_file_segments(self.root, files, self._file_memo)
        if loaded is None:
            return [Segment("hole", expr=seg.expr, hole_kind="unknown", span=seg.span, cell=seg.cell, path=seg.path)]
        rel, inner = loaded
        for s in inner:
            s.path = rel
            s.cell = None
        return fill_deferred(seg, inner)

    def _resolve_prompt(self, prompt: Prompt, owner: str) -> None:
        for m in prompt.messages:
            m.segments = self.resolve_segments(m.segments, owner)

    def _client_type(self, qualname: str) -> str | None:
        """The client type of a module-level name in another project module (following re-exports,
        star imports included), or of what a project function returns (``mod.load_llm()``,
        ``mod.load_model()[0]``: :mod:`auditor.analysis.loaders`)."""
        if qualname.endswith(")") or qualname.endswith("]"):
            return returned_type(self, qualname)
        found = self._follow(qualname)
        return found[1] if found is not None else None

    def _import_target(self, qualname: str) -> str | None:
        """The qualified name outside the project that a project module's name is bound to by its
        imports (``evaluation.evalute_rag.ChatOpenAI`` -> ``langchain_openai.ChatOpenAI``)."""
        found = self._follow(qualname)
        return found[0] if found is not None and found[1] is None else None

    def _follow(self, qualname: str, depth: int = 0) -> tuple[str, str | None] | None:
        """(where a project name leads, its client type): a client type in some module, or the first
        qualified name outside the project, through imports, re-exports and star imports."""
        mod, _, name = qualname.rpartition(".")
        for _ in range(MAX_HOPS):
            facts = self.module_facts(mod)
            if facts is None:
                return (f"{mod}.{name}", None) if depth or mod != qualname.rpartition(".")[0] else None
            t = (facts.extra.get("client_names") or {}).get(name)
            if t is not None:
                return f"{mod}.{name}", t
            target = (facts.extra.get("imports") or {}).get(name)
            if not target:
                for star in reversed(facts.extra.get("star_imports") or []) if depth < 3 else ():
                    found = self._follow(f"{star}.{name}", depth + 1)
                    if found is not None and (found[1] is not None or not self._in_project(found[0])):
                        return found
                return None
            mod, _, name = target.rpartition(".")
        return None

    def _in_project(self, qualname: str) -> bool:
        parts = qualname.split(".")
        return any(".".join(parts[:i]) in self.by_module for i in range(len(parts), 0, -1))

    def _resolve_pending(self, facts: list[FileFacts] | None = None) -> None:
        """Keep call sites on clients imported from other modules only when the type matches."""
        for f in facts if facts is not None else self.facts:
            kept = []
            for site in f.call_sites:
                pending = site.extra.pop("pending", None)
                if pending is None:
                    kept.append(site)
                    continue
                if pending.get("kind") == "name":  # from helpers import *; ChatOpenAI(...)
                    targets = {self._import_target(ref) for ref in pending["refs"]}
                    match = next((c for c in pending["candidates"] if c[0] in targets), None)
                    if match is not None:
                        site.api, site.provider = match[1], match[2]
                        kept.append(site)
                    continue
                t = self._client_type(pending["ref"])
                match = next((c for c in pending["candidates"] if c[0] == t), None)
                if match is None and pending.get("fallback") and (pending.get("loader") or not self._in_project(pending["ref"])):
                    match = [None, *pending["fallback"]]  # outside the project: the method path decides
                if match is None:
                    continue
                site.api, site.provider = match[1], match[2]
                kept.append(site)
            f.call_sites = kept

    def _resolve_all(self) -> None:
        self._resolve_pending()
        for f in self.facts:
            self._resolve_file(f)

    def _resolve_file(self, f: FileFacts) -> None:
        for site in f.call_sites:
            self.resolve_site(site)
            # same-module constants used by a call site count as uses too (read through Segment.via)
            named = {n for seg in site.prompt.segments if seg.kind == "static" and seg.path is None for n, _ in seg.via if n in f.texts}
            for name in sorted(named):
                uses = self.constant_uses.setdefault((f.path, name), [])
                if site.id not in uses:
                    uses.append(site.id)
        for pc in f.prompt_constants:
            self._resolve_prompt(pc.prompt, f"{f.path}::{pc.name}")

    def resolve_site(self, site: CallSite) -> None:
        if "config_file" in site.extra:  # an AG2 config list read from a project file (analysis/configlist.py)
            bind_config_file(self.root, site, self._config_lists, self.by_path)
        if "request_model" in site.extra:  # **request.model_dump() of a project pydantic class (analysis/requestmodels.py)
            api = next((a for a in (self.providers.apis if self.providers is not None else []) if a.id == site.api), None)
            bind_request_model(self, site, api.cap if api is not None else [], self._request_models)
        site.model = self.resolve_value(site.model)
        for p in site.params.values():
            if p.value.kind == "ref":
                p.value = self.resolve_value(p.value) or p.value
        self._resolve_prompt(site.prompt, site.id)
