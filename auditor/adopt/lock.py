"""``llm-audit lock [--check]``: write or verify ``llm-audit.lock`` (the format and drift are in
:mod:`auditor.analysis.lockfile`)."""

from __future__ import annotations

from pathlib import Path

from auditor.analysis.lockfile import LOCK_NAME, current_prompts, drift, lock_path, read_lock, render_lock, updated
from auditor.reads import read_text


def lock_command(paths: list[Path], policy, check_only: bool, use_cache: bool = True) -> tuple[int, list[str]]:
    """``llm-audit lock [--check]``: (exit code, lines to print)."""
    from auditor.config.scope import Targets
    from auditor.writes import atomic_write, clean_text, writable_in_place
    from auditor.engine import RunOptions, run

    policy.cli_select = []  # only the facts are needed, not the checks
    result = run(RunOptions(paths=paths or [Path(".")], policy=policy, use_cache=use_cache))
    # the whole project was analysed (its constants reach the given files' prompts); only the
    # given files' entries are compared and rewritten, every other entry is kept as it is
    current = {k: p for k, p in current_prompts(result.project).items() if p.path in result.targets}
    t = result.targets
    scanned = Targets({clean_text(f) for f in t.files}, [clean_text(d) for d in t.folders])  # as lock keys are written
    path = lock_path(policy.root)
    try:
        locked = read_lock(path)
    except ValueError as e:
        if check_only:
            return 1, [f"llm-audit: {e}"]
        locked = None
    if check_only:
        if locked is None:
            return 1, [f"llm-audit: no {LOCK_NAME} at {path.parent}; run `llm-audit lock` and commit it"]
        d = drift(current, locked, scanned)
        lines = [f"changed: {p.key}" for p, _ in d.changed] + [f"new: {p.key}" for p in d.new] + [f"removed: {k}" for k in d.removed]
        if d.clean:
            return 0, [f"{LOCK_NAME} is up to date ({len(current)} prompts)."]
        lines.append(f"{LOCK_NAME} is out of date: {len(d.changed)} changed, {len(d.new)} new, {len(d.removed)} removed; review the prompts and run `llm-audit lock`.")
        return 1, lines
    new = updated(current, locked, scanned)
    text = clean_text(render_lock(new), json=True)  # keys hold paths: a non-UTF-8 name stays writable
    if path.is_file() and read_text(path, encoding="utf-8", errors="replace") == text:
        return 0, [f"{LOCK_NAME} is up to date ({len(current)} prompts)."]
    if not writable_in_place(path):
        return 2, [f"llm-audit: {path} is not a regular file of this project (a FIFO, a device, a link out of it); remove it and run `llm-audit lock` again"]
    try:
        atomic_write(path, text.encode("utf-8"))
    except OSError as e:  # a read-only checkout, a full disk
        return 2, [f"llm-audit: cannot write {path}: {e.strerror or e}"]
    return 0, [f"Wrote {path.name} ({len(new)} prompts)."]

