"""One file's bytes -> its facts (phase 1 for one file, whatever runs it): the guards (too
large, binary, broken notebook JSON), the byte pre-scan's verdict (:mod:`auditor.sources.prescan`;
a notebook's code cells only), then the analysis by file kind within the file's time budget; and
the summary of a file the pre-scan skipped, made when another module refers to it.

Nothing here raises: a file that cannot be read, decoded or parsed becomes one LA000 finding.
:mod:`auditor.phase1` runs these over a run's files, with the cache and the worker pool.
"""

from __future__ import annotations

from auditor.analysis.module import analyse_python_text, summarise_module
from auditor.discover import config_matches
from auditor.facts import FileFacts
from auditor.sources.prescan import PARSE, UNBOUND
from auditor.sources.python import (
    CodingError,
    SourceOptions,
    decode_source,
    file_error,
    module_name,
    parse_python,
    scan_suppressions,
)

# A notebook's JSON (outputs included) is read up to this many times `limits.max-file-bytes`;
# the limit itself applies to its code cells (its outputs are never analysed).
NOTEBOOK_OUTPUT_FACTOR = 20


def analyse_bytes(data: bytes, rel: str, kind: str, opts: SourceOptions) -> FileFacts:
    """Phase 1 for one file. Never raises: problems become LA000 findings."""
    done, nb = prescan_bytes(data, rel, kind, opts)
    return done if done is not None else parse_bytes(data, rel, kind, opts, nb)


def parse_bytes(data: bytes, rel: str, kind: str, opts: SourceOptions, nb: dict | None = None, deep: bool = False) -> FileFacts:
    """The parsing part of phase 1, for a file the pre-scan let through, within its time budget
    (policy ``limits.max-file-seconds``). Never raises. ``deep``: the dataflow asks for this
    file's calls with their arguments (auditor/analysis/reach.py)."""
    from auditor.sources.budget import run_within

    done, facts = run_within(opts.max_file_seconds, _parse_bytes, data, rel, kind, opts, nb, deep)
    if not done:
        module = module_name(rel) if kind in ("python", "notebook") else ""
        facts = FileFacts(path=rel, module=module, kind=kind)
        facts.findings.append(file_error(rel, f"analysis took longer than {opts.max_file_seconds:g} s and was stopped (policy `limits.max-file-seconds`)"))
        facts.extra["over_budget"] = True  # not cached: a later run on a quieter machine may finish
    return facts


def _coding_line(data: bytes) -> int:
    """The line (1 or 2) of a file's coding declaration."""
    first = data.split(b"\n", 1)[0]
    return 1 if b"coding" in first else 2


def prescan_bytes(data: bytes, rel: str, kind: str, opts: SourceOptions) -> tuple[FileFacts | None, dict | None]:
    """The cheap part of phase 1: (the file's facts, if that is all there is to it - too large,
    binary, broken notebook JSON, or nothing the pre-scan knows -, the notebook read)."""
    module = module_name(rel) if kind in ("python", "notebook") else ""
    facts = FileFacts(path=rel, module=module, kind=kind)
    try:
        if kind == "config":  # model ids in .env / YAML / JSON / TOML (sources/configfile.py)
            from auditor.sources.configfile import analyse_config

            from auditor.analysis.configprompts import config_prompts

            done = analyse_config(data, rel, config_matches(rel, opts.config_paths), opts.max_file_bytes)
            if len(data) <= opts.max_file_bytes:
                config_prompts(data, rel, done)  # an ADK / CrewAI agent config's instructions
            return done, None
        # a notebook's outputs (plots, tables) are not analysed: its limit is on its code cells
        limit = NOTEBOOK_OUTPUT_FACTOR * opts.max_file_bytes if kind == "notebook" else opts.max_file_bytes
        if len(data) > limit:
            facts.findings.append(file_error(rel, f"file is too large ({len(data):,} bytes; limit {limit:,}, policy `limits.max-file-bytes`)"))
            return facts, None
        if b"\x00" in data[:8192]:
            facts.findings.append(file_error(rel, "binary file (contains NUL bytes)"))
            return facts, None
        if kind == "python" and opts.prescan:
            verdict = opts.prescanner.verdict(data)
            if verdict != PARSE:  # nothing an LLM call could hang on: not parsed
                return _skipped(facts, data, verdict == UNBOUND), None
        if kind == "notebook":
            from auditor.sources.notebook import code_source_bytes, notebook_language, read_notebook

            nb, err = read_notebook(data, rel)  # the JSON is parsed once, here
            if err is not None:
                facts.findings.append(err)
                return facts, None
            if "python" not in (notebook_language(nb) or "python"):
                return None, nb  # R, Julia, an unknown kernel...: the analysis decides and notes a skip
            code = code_source_bytes(nb)  # outputs (images, tables, logs) are never scanned
            if len(code) > opts.max_file_bytes:
                facts.findings.append(file_error(rel, f"notebook code is too large ({len(code):,} bytes in code cells; limit {opts.max_file_bytes:,}, policy `limits.max-file-bytes`)"))
                return facts, None
            verdict = opts.prescanner.verdict(code) if opts.prescan else PARSE
            if verdict != PARSE:
                done = _skipped(facts, code, verdict == UNBOUND)
                done._code = code  # type: ignore[attr-defined]  # for the dataflow's questions (Loaded.mentions), never cached
                return done, None
            return None, nb
    except RecursionError:
        facts.findings.append(file_error(rel, "too deeply nested to analyse"))
        return facts, None
    except Exception as e:  # noqa: BLE001 - one bad file must not take the run down
        facts.findings.append(file_error(rel, f"internal error while analysing this file: {e.__class__.__name__}: {e}"))
        return facts, None
    return None, None


def _parse_bytes(data: bytes, rel: str, kind: str, opts: SourceOptions, nb: dict | None = None, deep: bool = False) -> FileFacts:
    module = module_name(rel) if kind in ("python", "notebook") else ""
    facts = FileFacts(path=rel, module=module, kind=kind)
    try:
        if kind == "python":
            try:
                text = decode_source(data)
            except CodingError as e:
                facts.findings.append(file_error(rel, str(e), _coding_line(data)))
                return facts
            except (UnicodeDecodeError, SyntaxError, LookupError) as e:
                facts.findings.append(file_error(rel, f"not valid UTF-8 (or its declared encoding): {e}"))
                return facts
            return analyse_python_text(text, rel, module, opts, deep=deep)
        if kind == "notebook":
            from auditor.analysis.notebook import analyse_notebook

            return analyse_notebook(data, rel, module, opts, nb=nb, deep=deep)
        if kind == "promptfile":
            try:
                from auditor.analysis.promptfile import analyse_promptfile
            except ImportError:  # prompt-file support not installed in this build
                return facts
            return analyse_promptfile(data, rel, opts)
    except RecursionError:
        facts.findings.append(file_error(rel, "too deeply nested to analyse"))
    except Exception as e:  # noqa: BLE001 - one bad file must not take the run down
        facts.findings.append(file_error(rel, f"internal error while analysing this file: {e.__class__.__name__}: {e}"))
    return facts


def _skipped(facts: FileFacts, data: bytes, unbound: bool = False) -> FileFacts:
    """A file that cannot hold a call site or a prompt constant: not parsed (a syntax error in it
    is the general linter's to report). Its suppression comments are still read (LA001), and
    other modules' references into it parse it later, on demand (:func:`summarise_bytes`).
    ``unbound``: it imports an SDK, binding nothing the analysis knows (sources/sdkbinding.py)."""
    facts.extra["skipped"] = True
    if unbound:
        facts.extra["unbound"] = True
    if b"llm-audit" in data or b"noqa" in data or b"NOQA" in data:
        facts.suppressions = scan_suppressions(data.decode("utf-8", "replace"))
    return facts


def summarise_bytes(data: bytes, rel: str, opts: SourceOptions) -> FileFacts:
    """What other modules may import from a file the pre-scan skipped: module-level constants,
    imports and clients (the hook for phase-1 summaries another module's dataflow needs).
    Never raises; a file that does not decode or parse contributes nothing."""
    facts = FileFacts(path=rel, module=module_name(rel), kind="python")
    facts.extra["skipped"] = True
    try:
        text = decode_source(data)
        tree, err = parse_python(text, rel, compile_check=False)  # compile() only for files we analyse
        if err is None and tree is not None:
            summarise_module(tree, text, facts, opts)
    except Exception as e:  # noqa: BLE001 - context for other files only: never the run's end
        facts.extra["summary_error"] = f"{e.__class__.__name__}: {e}"
    facts.extra["summarised"] = True
    return facts
