"""Phase 1's parsing streamed to worker processes while the pre-scan is still running.

:func:`auditor.phase1.load_facts` hands each file the byte pre-scan lets through to a
:class:`StreamPool` as soon as it is found. Jobs wait in this process until there are
:data:`auditor.phase1.PARALLEL_MIN_BYTES` to parse (measured, see benchmarks/README.md); then the
workers are forked - early, while this process is still small (each forked worker counts the
parent's pages in the tree's RSS) - are given the jobs so far, and each later job is sent to them
as the pre-scan finds it, so the pre-scan of the rest and the parsing overlap on two cores. A run
that never reaches the threshold parses in-process, as before. A notebook is sent without its
outputs (plots, tables: nothing in the analysis reads them), so little is pickled.

A worker that crashes (a C-level stack overflow on a hostile file) breaks the pool: the jobs
whose results did not come back are each parsed in a process of their own
(:func:`auditor.phase1._isolated`), so the crash costs one LA000 for its file, and the jobs the
pre-scan finds after the break go to a fresh pool.

Kept until the dataflow is done, the workers also do its bulk reads ahead: the files the
pre-scan skipped searched for the names a flow asks (:meth:`StreamPool.found_now`), and the
summaries the class index will read (:meth:`StreamPool.summarise_now`), two cores instead of one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from auditor.facts import FileFacts
    from auditor.phase1 import _Job
    from auditor.sources.python import SourceOptions


def slim_notebook(nb: dict) -> dict:
    """The notebook without its cells' outputs (what a worker is sent: nothing reads them)."""
    cells = nb.get("cells")
    if not isinstance(cells, list):
        return nb
    return {**nb, "cells": [{k: v for k, v in c.items() if k != "outputs"} if isinstance(c, dict) else c for c in cells]}


_SHARED: dict[int, SourceOptions] = {}  # id -> the settings known when the workers were forked (inherited)
_RECEIVED: dict[str, SourceOptions] = {}  # in a worker: settings digest -> the settings sent once


def _parse_sent(args: tuple) -> FileFacts:
    """In a worker: one job. Its settings are the inherited ones, or those sent with it - kept by
    digest, so what they build once (the providers, the pre-scan) is built once per worker."""
    from auditor.analysis.filebytes import parse_bytes

    data, rel, kind, opts, nb, settings, deep, raw = args
    opts = _SHARED[opts] if isinstance(opts, int) else _RECEIVED.setdefault(settings, opts)
    if raw:
        return read_notebook_job(raw, rel, kind, opts)
    return parse_bytes(data, rel, kind, opts, nb, deep=deep)


def read_notebook_job(path: str, rel: str, kind: str, opts: SourceOptions) -> FileFacts:
    """A notebook (or a YAML config, :meth:`StreamPool.takes_file`) found once the workers run, sent by path: read,
    its JSON parsed, pre-scanned on its code cells and parsed here - in a worker, not the main
    process (on the application corpus ~0.09 of its ~1.3 CPU-s, 30 MB of JSON, mostly outputs).
    The code cells ride back on the facts as ``_code`` (what the dataflow and the swap-safety scan
    search; popped before the facts are cached), as for a notebook the main process pre-scans."""
    from auditor.analysis.filebytes import parse_bytes, prescan_bytes
    from auditor.facts import FileFacts
    from auditor.reads import read_bytes
    from auditor.sources.notebook import code_source_bytes
    from auditor.sources.python import file_error

    try:
        data = read_bytes(path)
    except OSError as e:
        facts = FileFacts(path=rel, module="", kind=kind)
        facts.findings.append(file_error(rel, f"cannot read file: {e.strerror or e}"))
        return facts
    done, nb = prescan_bytes(data, rel, kind, opts)
    if done is not None:
        return done  # a skipped one carries its code cells as ``_code`` already
    if nb is None:
        return parse_bytes(data, rel, kind, opts)
    nb = slim_notebook(nb)  # as in the main process: the outputs go before the parse
    facts = parse_bytes(b"", rel, kind, opts, nb)
    facts.__dict__["_code"] = code_source_bytes(nb)
    return facts


def _parse_batch(batch: list[tuple]) -> list[FileFacts]:
    return [_parse_sent(args) for args in batch]


def _summarise_batch(batch: list[tuple]) -> list[tuple[str, FileFacts | None, str]]:
    """In a worker: for each ``(rel, path, opts, settings)``, the summary of a file the pre-scan
    skipped (:func:`auditor.analysis.filebytes.summarise_bytes`) and the sha256 of the bytes it
    read, or None when it cannot be read."""
    import hashlib

    from auditor.analysis.filebytes import summarise_bytes

    out: list[tuple[str, FileFacts | None, str]] = []
    for rel, path, opts, settings in batch:
        opts = _SHARED[opts] if isinstance(opts, int) else _RECEIVED.setdefault(settings, opts)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            out.append((rel, None, ""))
            continue
        out.append((rel, summarise_bytes(data, rel, opts), hashlib.sha256(data).hexdigest()))
    return out


def _found_batch(batch: list[tuple]) -> list[tuple[str, set[str] | None]]:
    """In a worker: for each ``(rel, path, calls, words)``, the names its bytes hold
    (:func:`auditor.sources.callnames.found_names`), or None when it cannot be read."""
    from auditor.sources.callnames import found_names

    out: list[tuple[str, set[str] | None]] = []
    for rel, path, calls, words in batch:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            out.append((rel, None))
            continue
        out.append((rel, found_names(data, calls, words)))
    return out


def _args(job: _Job, fork: bool) -> tuple:
    # a notebook job carries its JSON already read: its bytes are not needed to parse it
    opts = id(job.opts) if fork and id(job.opts) in _SHARED else job.opts
    return (job.data if job.nb is None else b"", job.sf.rel, job.sf.kind, opts, job.nb, job.settings, job.deep, job.raw)


_PENDING: list[_Job] = []  # what forked workers parse, by index (inherited, never pickled)


def _parse_index(i: int) -> FileFacts:
    from auditor.phase1 import _parse_job

    return _parse_job(_PENDING[i])


def _parse_many(jobs: list[_Job], workers: int) -> list[FileFacts]:
    """``jobs`` parsed at once (the jobs found after a pool broke): in a pool of their own when
    they are enough to pay for it, each job read by its index in the inherited ``_PENDING``."""
    from auditor.phase1 import _FORK, _context, _parallel_min_bytes, _parse_job, _parse_tuple, _prefetch_encoding, _worker_init

    if workers <= 1 or not jobs or sum(j.size for j in jobs) < _parallel_min_bytes():
        return [_parse_job(j) for j in jobs]
    from concurrent.futures import (
        ProcessPoolExecutor,  # only runs that parse a lot pay for it
    )
    from concurrent.futures.process import BrokenProcessPool

    results: list[FileFacts | None] = [None] * len(jobs)
    fork = _FORK
    try:
        _PENDING[:] = jobs
        with ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=_worker_init) as pool:
            chunk = max(1, min(16, len(jobs) // (workers * 8) or 1))
            if fork:
                results_iter = pool.map(_parse_index, range(len(jobs)), chunksize=chunk)
            else:
                args = [(j.raw, j.sf.rel, j.sf.kind, j.opts) if j.raw else (j.data, j.sf.rel, j.sf.kind, j.opts, j.nb) for j in jobs]
                results_iter = pool.map(_parse_tuple, args, chunksize=chunk)
            _prefetch_encoding()  # workers are forked by now: safe to start a thread
            for i, facts in enumerate(results_iter):
                results[i] = facts
    except BrokenProcessPool:
        # a file crashed its worker: redo the rest one by one, each in its own process
        for i, job in enumerate(jobs):
            if results[i] is None:
                from auditor.phase1 import _isolated

                results[i] = _isolated(job)
    finally:
        _PENDING.clear()
    return [r for r in results if r is not None]


def _cl100k_sites(facts: list[FileFacts]) -> bool:
    """Does one of these files call a model counted with ``cl100k_base`` (gpt-4, gpt-3.5)? Phase 2
    then loads that encoding too (~0.13 CPU-s, holding the GIL): better while the main process
    only waits for the workers than while it drives the dataflow."""
    from auditor.cost.tokens import CL100K, encoding_name_for_model

    return any(encoding_name_for_model(s.model_name) == CL100K for f in facts for s in f.call_sites if s.model_name)


class StreamPool:
    """Collects phase-1 jobs; parses them in forked workers from ``min_bytes`` of them on.

    Jobs travel in batches of up to :attr:`BATCH_BYTES` (a file larger than that alone): each
    submission costs the main process ~0.3 ms of queue and thread work (measured on the SDK
    corpus: 296 single-file submissions added ~0.1 CPU-s), and batches this small still keep
    two workers busy to the end."""

    BATCH_BYTES = 128_000
    BATCH_FILES = 32

    EARLY_SCANNED = 200  # files pre-scanned before their share of bytes to parse may speak for the rest
    EARLY_FOUND = 5  # ... and at least 1/5 of ``min_bytes`` found

    def __init__(self, workers: int, min_bytes: int, files: int = 0) -> None:
        self.workers = workers
        self.min_bytes = min_bytes
        self.files = files  # how many files the run pre-scans (0: not known, no early start)
        self.waiting: list[_Job] = []  # before the pool starts (or after it broke)
        self.bytes = 0
        self.pool: ProcessPoolExecutor | None = None
        self.sent: list[tuple[list[_Job], Future]] = []
        self.batch: list[_Job] = []
        self.batch_bytes = 0
        self.broken = False
        self.fork = False

    @property
    def started(self) -> bool:
        return self.pool is not None

    @property
    def takes_files(self) -> bool:
        """Running (and not broken): a notebook can be sent by path, to be read and pre-scanned
        by a worker (:func:`read_notebook_job`)."""
        return self.pool is not None and not self.broken

    def takes_file(self, kind: str, rel: str, data: bytes) -> bool:
        """Is this file read, pre-scanned and analysed by a worker (:func:`read_notebook_job`)?
        Notebooks, and YAML configuration files that mention a model (their parse: ~2-3.5 CPU-s
        per MB, ~5 ms for a 1.3 KB file; sending one by path ~0.2 ms), once the workers run."""
        if not self.takes_files:
            return False
        if kind == "notebook":
            return True
        return kind == "config" and rel.lower().endswith((".yaml", ".yml")) and b"model" in data.lower()

    def add(self, job: _Job, scanned: int = 0) -> None:
        """``job`` found after ``scanned`` of the run's files were pre-scanned (0: not counted)."""
        self.bytes += job.size
        if self.pool is None or self.broken:
            self.waiting.append(job)
            if self.pool is None and self.workers > 1 and (self.bytes >= self.min_bytes or self._on_course(scanned)):
                self._start()
            return
        self._send(job)

    def _on_course(self, scanned: int) -> bool:
        """Will the run reach ``min_bytes`` to parse? Once enough files are pre-scanned, the bytes
        found so far, scaled to all the run's files, say so: the workers start then rather than
        at ``min_bytes`` (on the SDK corpus after ~0.06 CPU-s of pre-scan instead of ~0.29, the
        time only one core works), and the main process they copy is smaller."""
        if not self.files or scanned < self.EARLY_SCANNED or self.bytes * self.EARLY_FOUND < self.min_bytes:
            return False
        return self.bytes * self.files >= self.min_bytes * scanned

    def _start(self) -> None:
        from concurrent.futures import ProcessPoolExecutor

        from auditor.phase1 import _FORK, _context, _worker_init

        self.fork = _FORK
        _SHARED.clear()
        _SHARED.update((id(j.opts), j.opts) for j in self.waiting)  # later ones travel with their jobs
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context(), initializer=_worker_init)
        waiting, self.waiting = self.waiting, []
        waiting.sort(key=lambda j: -j.size)  # largest first: no big file left alone at the end
        for job in waiting:
            self._send(job)

    def _send(self, job: _Job) -> None:
        self.batch.append(job)
        self.batch_bytes += job.size
        if self.batch_bytes >= self.BATCH_BYTES or len(self.batch) >= self.BATCH_FILES:
            self._flush()

    def _flush(self) -> None:
        from concurrent.futures.process import BrokenProcessPool

        batch, self.batch, self.batch_bytes = self.batch, [], 0
        if not batch:
            return
        assert self.pool is not None
        try:
            self.sent.append((batch, self.pool.submit(_parse_batch, [_args(j, self.fork) for j in batch])))
        except (BrokenProcessPool, RuntimeError):  # a worker died: the rest waits for a fresh pool
            self.broken = True
            self.waiting.extend(batch)

    def results(self, keep: bool = False) -> list[FileFacts]:
        """Every job's facts (in no particular order); the pool is shut down, unless ``keep``:
        then its idle workers stay for :meth:`parse_now` until :meth:`close`."""
        from auditor.phase1 import _parse_job

        if self.pool is None:
            self.waiting.sort(key=lambda j: -j.size)
            return [_parse_job(j) for j in self.waiting]
        from concurrent.futures.process import BrokenProcessPool

        from auditor.phase1 import _isolated, _prefetch_encoding

        self._flush()
        _prefetch_encoding()  # the workers are forked by now: safe to start a thread
        out: list[FileFacts] = []
        lost: list[_Job] = []
        cl100k = False
        try:
            for batch, fut in self.sent:
                try:
                    out.extend(got := fut.result())
                except BrokenProcessPool:
                    lost.extend(batch)
                    continue
                if not cl100k and _cl100k_sites(got):  # loaded while this process waits, after o200k_base
                    cl100k = True
                    _prefetch_encoding("cl100k_base")
        finally:
            if not keep or lost or self.broken:
                self.close()
        out.extend(_isolated(job) for job in lost)  # one of these crashed its worker
        if self.waiting:  # found after the pool broke
            out.extend(_parse_many(self.waiting, self.workers))
        return out

    def parse_now(self, jobs: list[_Job]) -> list[FileFacts]:
        """The facts of ``jobs`` (in their order), parsed by the kept workers - in this process
        when there are none. A worker that crashes costs its batch's files a process each."""
        from auditor.phase1 import _isolated, _parse_job

        if self.pool is None or self.broken:
            return [_parse_job(j) for j in jobs]
        from concurrent.futures.process import BrokenProcessPool

        sent: list[tuple[list[_Job], Future | None]] = []
        batch: list[_Job] = []
        size = 0
        for job in [*jobs, None]:
            if batch and (job is None or size + job.size > self.BATCH_BYTES or len(batch) >= self.BATCH_FILES):
                try:
                    sent.append((batch, self.pool.submit(_parse_batch, [_args(j, self.fork) for j in batch])))
                except (BrokenProcessPool, RuntimeError):
                    self.broken = True
                    sent.append((batch, None))
                batch, size = [], 0
            if job is not None:
                batch.append(job)
                size += job.size
        out: list[FileFacts] = []
        for part, fut in sent:
            try:
                if fut is None:
                    raise BrokenProcessPool("not sent")
                out.extend(fut.result())
            except BrokenProcessPool:
                self.broken = True
                out.extend(_isolated(job) for job in part)
        if self.broken:
            self.close()
        return out

    FOUND_BYTES = 1_000_000  # bytes of files per batch of name searches (reading them is most of the cost)

    def found_now(self, items: list[tuple[str, str, frozenset[str], frozenset[str], int]]) -> dict[str, set[str]]:
        """The kept workers search files for names: per ``(rel, path, calls, words, size)``, the
        names found (see :func:`_found_batch`). Files they could not read, and every file once the
        pool is gone or breaks, are left out: the caller searches those itself."""
        jobs = [(item[:4], item[4]) for item in items]
        rows = self._batched(_found_batch, jobs, self.FOUND_BYTES, 4 * self.BATCH_FILES)
        return {rel: found for rel, found in rows if found is not None}

    def summarise_now(self, items: list[tuple[str, str, SourceOptions, str, int]]) -> dict[str, tuple[FileFacts, str]]:
        """The kept workers summarise skipped files: per ``(rel, path, opts, settings, size)``,
        (summary facts, sha256 of the bytes read); what they could not read, or all once the
        pool is gone or breaks, is left out (the caller summarises it itself)."""
        jobs = [((rel, path, id(opts) if self.fork and id(opts) in _SHARED else opts, settings), n) for rel, path, opts, settings, n in items]
        rows = self._batched(_summarise_batch, jobs, self.BATCH_BYTES, self.BATCH_FILES)
        return {rel: (facts, digest) for rel, facts, digest in rows if facts is not None}

    def _batched(self, fn, jobs: list[tuple[tuple, int]], max_bytes: int, max_files: int) -> list[tuple]:
        """``fn`` run by the kept workers over ``(job, size)`` pairs in batches of at most
        ``max_bytes`` / ``max_files``; the rows of every batch that came back (none once the pool
        is gone or breaks: the pool is closed then, and the caller does the rest itself)."""
        if self.pool is None or self.broken or not jobs:
            return []
        from concurrent.futures.process import BrokenProcessPool

        futs: list[Future] = []
        batch: list[tuple] = []
        size = 0
        for item in [*jobs, None]:
            if batch and (item is None or size >= max_bytes or len(batch) >= max_files):
                try:
                    futs.append(self.pool.submit(fn, batch))
                except (BrokenProcessPool, RuntimeError):
                    self.broken = True
                    break
                batch, size = [], 0
            if item is not None:
                batch.append(item[0])
                size += item[1]
        out: list[tuple] = []
        for fut in futs:
            try:
                out.extend(fut.result())
            except BrokenProcessPool:
                self.broken = True
        if self.broken:
            self.close()
        return out

    def close(self) -> None:
        """Shut the workers down (if any are left)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None
        _SHARED.clear()
