"""Phase 1 of a run: its files -> their facts, through the per-file cache and a worker pool.

For every file of the run: its ``stat`` against the cache index (an unchanged file is not even
read), else its bytes and their sha256 against the cache; then, for the rest, the byte pre-scan
(:func:`auditor.analysis.filebytes.prescan_bytes`) in this process, and the parse of the files it
lets through (:func:`~auditor.analysis.filebytes.parse_bytes`) - in a pool of forked workers when
there are enough bytes to parse for the pool to pay (:data:`PARALLEL_MIN_BYTES`, measured),
in-process otherwise. A file that cannot be read or parsed, or that crashes a worker, becomes one
LA000. :class:`Loaded` keeps what the lazy summaries of skipped files need later.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from auditor.analysis.filebytes import parse_bytes, prescan_bytes, summarise_bytes
from auditor.cache import FactsCache
from auditor.config.catalog import load_catalog
from auditor.discover import SourceFile
from auditor.facts import FileFacts
from auditor.reads import read_bytes
from auditor.sources.callnames import found_names
from auditor.sources.prescan import remembered
from auditor.sources.python import SourceOptions, file_error

if TYPE_CHECKING:
    from auditor.parsepool import StreamPool

# Parse in worker processes only above this many bytes of files to parse (after the pre-scan).
# Measured with benchmarks/pool_threshold.py on 2 cores (numbers in benchmarks/README.md):
# parsing costs ~0.19 CPU-s per MB, a forked pool ~0.03 s + 0.016 s per MB of results to
# send back plus its start-up latency. Since the pool is forked as soon as this much is found
# and parses while the pre-scan goes on (auditor/parsepool.py), it pays from ~0.25 MB
# (re-measured in session 12); twice that, to be safe: the app corpus (0.98 MB) uses it.
# LLM_AUDIT_PARALLEL_MIN_BYTES overrides it (for measuring it, and for tests of the pool).
PARALLEL_MIN_BYTES = 500_000


def _parallel_min_bytes() -> int:
    try:
        return int(os.environ.get("LLM_AUDIT_PARALLEL_MIN_BYTES", PARALLEL_MIN_BYTES))
    except ValueError:
        return PARALLEL_MIN_BYTES


def settings_digest(opts: SourceOptions) -> str:
    payload = json.dumps(
        [opts.extra_apis, opts.prompt_names, opts.frame_patterns, opts.max_file_bytes, opts.prompt_paths, opts.prompt_keys, opts.config_paths, load_catalog().digest],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _worker_init() -> None:
    # ASTs are large graphs of GC-tracked objects with no cycles to collect: the cyclic GC only
    # rescans them (measured: parsing the bench corpus takes 2.17 s with it, 1.66 s without)
    gc.disable()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 4000))


@dataclass
class _Job:
    sf: SourceFile
    data: bytes
    digest: str
    settings: str
    opts: SourceOptions
    st: os.stat_result | None
    read_ns: int
    nb: dict | None = None
    size: int = 0  # bytes to parse: a notebook's code cells, not its outputs
    deep: bool = False  # the dataflow's deep read of a module (its calls with their arguments)
    raw: str = ""  # a notebook sent by path: pre-scanned where it is parsed (parsepool.read_notebook_job)


_FORK = sys.platform.startswith("linux")  # workers are forked (see _context)


def _parse_job(job: _Job) -> FileFacts:
    if job.raw:
        return _parse_tuple((job.raw, job.sf.rel, job.sf.kind, job.opts))
    return parse_bytes(job.data, job.sf.rel, job.sf.kind, job.opts, job.nb, deep=job.deep)


def _parse_tuple(args: tuple) -> FileFacts:  # spawn platforms: the job travels by pickle
    from auditor.parsepool import read_notebook_job  # 4-tuple: a notebook sent by path

    return read_notebook_job(*args) if len(args) == 4 else parse_bytes(*args)


def _context():
    """Where workers come from: forked on Linux (no new interpreter, nothing imported). Elsewhere
    (and for Python 3.14's forkserver) each starts as ``python -c ...`` in the working directory -
    the scanned tree - which ``-c`` puts first on ``sys.path``: a ``multiprocessing.py`` there
    would run. ``PYTHONSAFEPATH`` (Python 3.11+) keeps it off, in every child it is inherited by."""
    import multiprocessing

    if _FORK:
        return multiprocessing.get_context("fork")
    os.environ["PYTHONSAFEPATH"] = "1"
    return multiprocessing.get_context("spawn")


def _prefetch_encoding(name: str = "o200k_base") -> None:
    """Load an encoding (o200k_base) in a thread while the workers parse: phase 2 needs it on a
    cold run, and the main process is otherwise idle. Not where the pure counter's table is in place
    (cost/purebpe.py): the encoder is then built only if the run counts much text."""
    import threading

    from auditor.cost import encodings

    if not encodings.table_ready(name):
        threading.Thread(target=encodings.get_encoding, args=(name,), daemon=True).start()


def _isolated(job: _Job) -> FileFacts:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=_context(), initializer=_worker_init) as pool:
            args = (job.raw, job.sf.rel, job.sf.kind, job.opts) if job.raw else (job.data, job.sf.rel, job.sf.kind, job.opts, job.nb)
            return pool.submit(_parse_tuple, args).result()
    except BrokenProcessPool:
        facts = FileFacts(path=job.sf.rel, module="", kind=job.sf.kind)
        facts.findings.append(file_error(job.sf.rel, "the parser crashed on this file (too deeply nested?)"))
        return facts


def _read_error(sf: SourceFile, e: OSError) -> FileFacts:
    facts = FileFacts(path=sf.rel, module="", kind=sf.kind)
    facts.findings.append(file_error(sf.rel, f"cannot read file: {e.strerror or e}"))
    return facts


@dataclass
class Loaded:
    """What :func:`load_facts` leaves for the rest of the run: per file, the digest of the bytes
    analysed, and what the lazy summary loader needs (see :meth:`summary_loader`)."""

    cache: FactsCache
    options_for: Callable[[str], SourceOptions]
    texts: dict[str, bytes]  # rel -> bytes read instead of the file (standard input, overlays)
    meta: dict[str, tuple[str, str, os.stat_result | None, int]]  # rel -> (digest, settings, stat, read ns)
    paths: dict[str, SourceFile]
    codes: dict[str, bytes] = field(default_factory=dict)  # notebooks read this run -> their code cells
    pool: StreamPool | None = None  # phase 1's workers, kept for the files the dataflow reads again

    def _settings(self, rel: str) -> str:
        return self.meta[rel][1] if rel in self.meta else settings_digest(self.options_for(rel))

    def close(self) -> None:
        """Phase 2 has read what it reads again: the kept workers exit."""
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    @property
    def digests(self) -> dict[str, str]:
        return {rel: m[0] for rel, m in self.meta.items()}

    def summary_loader(self) -> Callable[[FileFacts], None]:
        """For :class:`auditor.analysis.project.Project`: fill in the summary of a module other
        modules refer to - unpacked from the cache, or parsed now if the pre-scan skipped it
        (then stored in the cache for the next run)."""

        def load(facts: FileFacts) -> None:
            if self.cache.summary(facts) or facts.kind != "python":
                return
            if not facts.extra.get("skipped") or facts.extra.get("summarised"):
                return
            sf = self.paths.get(facts.path)
            if sf is None:
                return
            ready = prepared.pop(sf.rel, None)  # summarised ahead by the kept workers
            if ready is None:
                try:
                    data = self.texts[sf.rel] if sf.rel in self.texts else read_bytes(sf.path)
                except OSError:
                    return
                ready = summarise_bytes(data, sf.rel, self.options_for(sf.rel)), "" if sf.rel in self.texts else hashlib.sha256(data).hexdigest()
            new, digest = ready
            facts.constants, facts.texts = new.constants, new.texts
            facts.extra.update(new.extra)
            meta = self.meta.get(sf.rel)
            if meta is not None and sf.rel not in self.texts and digest == meta[0]:
                self.cache.put(sf.rel, meta[0], facts, meta[1], meta[2], meta[3])

        prepared: dict[str, tuple[FileFacts, str]] = {}

        def many(files: list[FileFacts]) -> None:
            """Summarise ``files`` ahead, in the kept workers (none: ``load`` reads each when asked)."""
            if self.pool is not None:
                todo = [(f.path, self.paths[f.path], self.meta.get(f.path)) for f in files if f.path in self.paths and f.path not in self.texts]
                items = [(rel, str(sf.path), self.options_for(rel), self._settings(rel), m[2].st_size) for rel, sf, m in todo if m is not None and m[2] is not None]
                prepared.update(self.pool.summarise_now(items))

        load.many = many  # type: ignore[attr-defined]
        return load

    def reanalyser(self, deep: bool = True) -> Callable[[str], FileFacts | None]:
        """For :class:`auditor.analysis.project.Project`: phase 2 of the dataflow reads a module
        again, deeply (its calls with their arguments, whatever the pre-scan said), or with
        ``deep=False`` as phase 1 reads the files the pre-scan keeps (a file it skipped as
        *unbound*, which a flow leads to); the result replaces its cache entry (packed now,
        before phase 2 resolves it in place), so a warm run does not read it again."""

        def read(rel: str) -> bytes | None:
            sf = self.paths.get(rel)
            if sf is None or sf.kind not in ("python", "notebook"):
                return None
            try:
                if rel in self.texts:
                    return self.texts[rel]  # standard input, an editor's unsaved buffer
                return sf.path.read_bytes() if stat.S_ISREG(os.stat(sf.path).st_mode) else None
            except OSError:
                return None

        def reanalyse(rel: str) -> FileFacts | None:
            data = read(rel)
            if data is None:
                return None
            return kept(rel, data, parse_bytes(data, rel, self.paths[rel].kind, self.options_for(rel), deep=deep))

        def many(rels: list[str]) -> list[FileFacts | None]:
            """``reanalyse`` of each, Python files and notebooks (sent whole: their JSON parsed
            there) parsed by the kept workers while there are any (:class:`StreamPool.parse_now`)."""
            read_all = [(rel, read(rel)) for rel in rels]
            jobs = [
                _Job(self.paths[rel], data, "", self._settings(rel), self.options_for(rel), None, 0, None, len(data), deep)
                for rel, data in read_all
                if data is not None and self.paths[rel].kind in ("python", "notebook")
            ]
            done = {f.path: f for f in self.pool.parse_now(jobs)} if self.pool is not None and jobs else {}
            return [
                None if data is None else kept(rel, data, done[rel] if rel in done else parse_bytes(data, rel, self.paths[rel].kind, self.options_for(rel), deep=deep))
                for rel, data in read_all
            ]

        def kept(rel: str, data: bytes, facts: FileFacts) -> FileFacts | None:
            if facts.findings:  # it did not parse after all: keep what phase 1 had
                return None
            meta = self.meta.get(rel)
            if meta is not None and rel not in self.texts and hashlib.sha256(data).hexdigest() == meta[0]:
                self.cache.put(rel, meta[0], facts, meta[1], meta[2], meta[3])
            return facts

        reanalyse.many = many  # type: ignore[attr-defined]
        return reanalyse

    def mentions(self) -> Callable[[str, frozenset[str], frozenset[str]], bool]:
        """For :class:`auditor.analysis.project.Project`: does the file ``rel`` (one the pre-scan
        skipped) call one of ``calls`` or name one of ``words``? Read from its bytes; per file
        digest, the names asked and those found are kept in the cache, so a pre-commit run on a
        warm cache reads no unchanged file for them (see :meth:`save`)."""
        old = self.cache.meta.get("mentions") if self.cache.enabled else None
        self.memo = dict(old) if isinstance(old, dict) else {}
        self.memo_changed = False

        last: list = [None, None, frozenset()]  # the names asked last: the same for every file of a pass

        def check(rel: str, calls: frozenset[str], words: frozenset[str]) -> bool:
            meta = self.meta.get(rel)
            if last[0] is not calls or last[1] is not words:
                last[:] = [calls, words, calls | {"w:" + w for w in words}]
            asked = last[2]
            hit = self.memo.get(rel)
            checked, found = (hit[1], hit[2]) if meta is not None and hit is not None and hit[0] == meta[0] else (frozenset(), frozenset())
            if found & asked:
                return True
            todo = asked - checked
            if not todo:
                return False
            sf = self.paths.get(rel)
            try:
                if rel in self.codes:
                    data = self.codes[rel]
                else:
                    data = self.texts[rel] if rel in self.texts else sf.path.read_bytes() if sf is not None else b""
            except OSError:
                return True  # let the deep read decide
            new = found_names(data, {n for n in todo if not n.startswith("w:")}, {n[2:] for n in todo if n.startswith("w:")})
            if meta is not None and rel not in self.texts:
                self.memo[rel] = (meta[0], checked | todo, found | new)
                self.memo_changed = True
            return bool(new)

        def many(rels: list[str], calls: frozenset[str], words: frozenset[str]) -> None:
            """``check`` of ``rels`` ahead, by the kept workers (none: ``check`` searches each file itself)."""
            if self.pool is None:
                return
            if last[0] is not calls or last[1] is not words:
                last[:] = [calls, words, calls | {"w:" + w for w in words}]
            asked = last[2]
            items = []
            for rel in rels:
                meta, sf = self.meta.get(rel), self.paths.get(rel)
                if meta is None or sf is None or meta[2] is None or rel in self.texts or rel in self.codes:
                    continue  # no digest to keep the answer under, or bytes already here: ``check`` searches them
                hit = self.memo.get(rel)
                checked, found = (hit[1], hit[2]) if hit is not None and hit[0] == meta[0] else (frozenset(), frozenset())
                if found & asked:
                    continue
                todo = asked - checked if checked else asked
                if not todo:
                    continue
                c, w = (calls, words) if todo is asked else (frozenset(n for n in todo if n[:2] != "w:"), frozenset(n[2:] for n in todo if n[:2] == "w:"))
                items.append((rel, str(sf.path), c, w, meta[2].st_size))  # the same two sets in most items: pickled once per batch
            for rel, new in self.pool.found_now(items).items():
                meta, hit = self.meta[rel], self.memo.get(rel)
                known = hit is not None and hit[0] == meta[0]
                self.memo[rel] = (meta[0], hit[1] | asked if known else asked, hit[2] | new if known else frozenset(new))
                self.memo_changed = True

        check.many = many  # type: ignore[attr-defined]
        return check

    def save(self) -> None:
        """Keep what :meth:`mentions` learnt, for the files of this run."""
        if getattr(self, "memo_changed", False):
            # the same few name sets for thousands of files: stored once each (pickle shares an
            # object written twice), so loading it builds a dozen sets, not one per file (~7 ms)
            shared: dict[frozenset, frozenset] = {}
            self.cache.set_meta(
                "mentions",
                {rel: (v[0], shared.setdefault(v[1], v[1]), shared.setdefault(v[2], v[2])) for rel, v in self.memo.items() if rel in self.meta},
            )


def load_facts(
    files: list[SourceFile],
    opts: SourceOptions,
    cache: FactsCache,
    jobs: int | None,
    stdin: tuple[str, str] | None,
    overlays: dict[str, bytes] | None = None,
    *,
    options_for: Callable[[str], SourceOptions] | None = None,
    loaded: list[Loaded] | None = None,
) -> tuple[list[FileFacts], dict[str, int]]:
    """Every file's phase-1 facts (from the cache where unchanged), and counts. ``stdin`` and
    ``overlays`` (an editor's unsaved buffers) give texts read instead of files (never cached);
    ``options_for`` gives each file its own settings (its nearest policy's); ``loaded`` receives
    a :class:`Loaded` for the rest of the run."""
    texts = dict(overlays or {})
    if stdin is not None:
        texts[stdin[0]] = stdin[1].encode("utf-8")
    pick = options_for or (lambda rel: opts)
    digests_of: dict[int, str] = {}
    out: dict[str, FileFacts] = {}
    meta: dict[str, tuple[str, str, os.stat_result | None, int]] = {}
    todo: list[_Job] = []
    codes: dict[str, bytes] = {}
    stats = {"files": len(files), "parsed": 0, "skipped": 0, "cached": 0}
    from auditor.parsepool import StreamPool, slim_notebook
    from auditor.sources.notebook import code_source_bytes

    pool = StreamPool(jobs or os.cpu_count() or 1, _parallel_min_bytes(), len(files))
    for scanned, sf in enumerate(files, 1):
        o = pick(sf.rel)
        settings = digests_of.get(id(o))
        if settings is None:
            settings = digests_of[id(o)] = settings_digest(o)
        st, read_ns = None, 0
        if sf.rel in texts:
            data = texts[sf.rel]
        else:
            try:
                st = os.stat(sf.fspath())
                if not stat.S_ISREG(st.st_mode):  # a FIFO would block, a socket cannot be read
                    raise OSError(0, "not a regular file")
            except OSError as e:
                out[sf.rel] = _read_error(sf, e)
                continue
            known = cache.known_digest(sf.rel, st)
            hit = cache.get(sf.rel, known, settings) if known is not None else None
            if hit is not None:  # unchanged since it was read: not even read now
                out[sf.rel] = hit
                meta[sf.rel] = (known, settings, st, cache.entries[sf.rel][3])
                stats["cached"] += 1
                continue
            read_ns = time.time_ns()
            try:
                data = read_bytes(sf.path)
            except OSError as e:
                out[sf.rel] = _read_error(sf, e)
                continue
        digest = hashlib.sha256(data).hexdigest()
        meta[sf.rel] = (digest, settings, st, read_ns)
        hit = cache.get(sf.rel, digest, settings)
        if hit is not None:
            out[sf.rel] = hit
            stats["cached"] += 1
            if st is not None:
                cache.put_stat(sf.rel, st, read_ns)
            continue
        if sf.rel not in texts and pool.takes_file(sf.kind, sf.rel, data):  # read and pre-scanned by a worker
            todo.append(_Job(sf, b"", digest, settings, o, st, read_ns, None, max(1, len(data) // 20), raw=str(sf.path)))
            pool.add(todo[-1])
            continue
        if o._prescan is None and cache.enabled:  # the pre-scan, built once per settings (sources/prescan.py)
            remembered(o, settings, cache.meta, cache.set_meta)
        done, nb = prescan_bytes(data, sf.rel, sf.kind, o)  # nb: the notebook, read once
        if done is not None:
            code = done.__dict__.pop("_code", None)
            if code is not None:
                codes[sf.rel] = code  # a skipped notebook's code cells: what the dataflow searches
            out[sf.rel] = done
            stats["skipped" if done.extra.get("skipped") else "parsed"] += 1
            if sf.rel not in texts:
                cache.put(sf.rel, digest, done, settings, st, read_ns)
            continue
        size = len(data) if nb is None else sum(len(str(c.get("source", ""))) for c in nb.get("cells", []) if isinstance(c, dict))
        if nb is not None:  # its outputs are never analysed: neither kept nor sent to a worker
            nb, data = slim_notebook(nb), b""
            codes[sf.rel] = code_source_bytes(nb)  # what the swap-safety scan searches (fix/swapsafety.py)
        todo.append(_Job(sf, data, digest, settings, o, st, read_ns, nb, size))
        pool.add(todo[-1], scanned)  # parsed from now on once there is (or will be) enough to parse (auditor/parsepool.py)
    by_rel = {j.sf.rel: j for j in todo}
    keep = loaded is not None and stats["skipped"] > 0  # the dataflow may read skipped files again: kept workers parse them
    pooled = pool.started
    for facts in pool.results(keep=keep):
        out[facts.path] = facts
        code = facts.__dict__.pop("_code", None)  # a notebook sent by path: its code cells
        if code is not None:
            codes[facts.path] = code
        stats["skipped" if facts.extra.get("skipped") else "parsed"] += 1
        job = by_rel.get(facts.path)
        if job is not None and facts.path not in texts and not facts.extra.get("over_budget"):
            cache.put(facts.path, job.digest, facts, job.settings, job.st, job.read_ns)
    if pooled:  # a cold run with a site of a cl100k model (gpt-4): loaded in a thread, as o200k_base
        from auditor.cost.tokens import CL100K, encoding_name_for_model

        if any(encoding_name_for_model(s.model_name) == CL100K for f in out.values() for s in f.call_sites if s.model_name):
            _prefetch_encoding(CL100K)
    cache.prune(set(meta))
    if loaded is not None:
        loaded.append(Loaded(cache, pick, texts, meta, {sf.rel: sf for sf in files}, codes, pool if pool.started else None))
    return [out[sf.rel] for sf in files if sf.rel in out], stats

