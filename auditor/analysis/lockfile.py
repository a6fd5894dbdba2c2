"""Prompt checksums: ``llm-audit.lock`` and drift detection (LA603, ``llm-audit lock [--check]``).

The lock records, per prompt, a sha256 of its *normalised static text*: every message as
``role: text`` with whitespace collapsed and each dynamic hole written as ``{}``. Call sites
are keyed by their id (``path::qualname#n``); prompt constants by ``path::NAME``. A call
site that sends a prompt constant records a placeholder for it instead of its text, so an
edit to a shared constant is reported once, at the constant. The file is JSON with sorted
keys and no timestamps, so it diffs cleanly and only changes when a prompt does.

A prompt whose text is unchanged but whose id moved (a call added above it in the same
function renumbers ``#n``) is not drift: its checksum is still in the lock for that file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.facts import Message
from auditor.reads import read_text

if TYPE_CHECKING:  # pragma: no cover
    from auditor.analysis.project import Project

LOCK_NAME = "llm-audit.lock"
VERSION = 1


@dataclass
class LockedPrompt:
    key: str  # call-site id or path::NAME
    path: str
    digest: str
    kind: str  # call_site | constant
    subject: object = None  # the CallSite or PromptConstant


@dataclass
class Drift:
    changed: list[tuple[LockedPrompt, str]] = field(default_factory=list)  # (current, locked digest)
    new: list[LockedPrompt] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # keys in the lock with no prompt now

    @property
    def clean(self) -> bool:
        return not (self.changed or self.new or self.removed)


def lock_path(root: Path) -> Path:
    return root / LOCK_NAME


def normalise(text: str) -> str:
    return " ".join(text.split())


def fingerprint(messages: list[Message], constants: set[str]) -> str | None:
    """sha256 of the normalised static text; None when the prompt has no static text."""
    lines = []
    has_text = False
    for m in messages:
        parts: list[str] = []
        last_ref = None
        for seg in m.segments:
            ref = getattr(seg, "extra_ref", None)
            key = f"{ref[0]}::{ref[1]}" if ref else None
            if seg.kind == "static" and key in constants:
                if key != last_ref:
                    parts.append(" {" + key + "} ")
                last_ref = key
                has_text = True
                continue
            last_ref = None
            if seg.kind == "static":
                parts.append(seg.text)
                has_text = has_text or bool(seg.text.strip())
            else:
                parts.append("{}")
        lines.append(f"{m.role}: {normalise(''.join(parts))}")
    if not has_text:
        return None
    return "sha256:" + hashlib.sha256("\n".join(lines).encode("utf-8", "surrogatepass")).hexdigest()


def current_prompts(project: Project) -> dict[str, LockedPrompt]:
    """Every prompt of the project, keyed as in the lock (a non-UTF-8 file name as the lock
    file writes it, :func:`auditor.writes.clean_text`)."""
    from auditor.writes import clean_text

    out: dict[str, LockedPrompt] = {}
    constants = {f"{pc.path}::{pc.name}" for f in project.facts for pc in f.prompt_constants}
    for f in project.facts:
        for pc in f.prompt_constants:
            key = clean_text(f"{pc.path}::{pc.name}")
            digest = fingerprint(pc.prompt.messages, set())
            if digest:
                out[key] = LockedPrompt(key, clean_text(pc.path), digest, "constant", pc)
        for site in f.call_sites:
            digest = fingerprint(site.prompt.messages, constants)
            if digest:
                key = clean_text(site.id)
                out[key] = LockedPrompt(key, clean_text(site.path), digest, "call_site", site)
    return out


def read_lock(path: Path) -> dict[str, str] | None:
    """The ``prompts`` table of a lock file (JSON, or YAML with the same keys); None if absent.

    Raises ValueError for a file that exists but cannot be read as a lock."""
    if not path.is_file():
        return None
    text = read_text(path, encoding="utf-8")
    try:
        data = json.loads(text)
    except RecursionError as e:
        raise ValueError(f"{path.name} is nested too deeply to read") from e
    except json.JSONDecodeError:
        from auditor.config.yamlsafe import yaml

        try:
            data = yaml("safe", pure=True).load(text)
        except Exception as e:
            raise ValueError(f"{path.name} is neither JSON nor YAML: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("prompts", {}), dict):
        raise ValueError(f"{path.name} has no `prompts` table")
    return {str(k): str(v) for k, v in (data.get("prompts") or {}).items()}


def render_lock(prompts: dict[str, str]) -> str:
    doc = {
        "version": VERSION,
        "checksum": "sha256 of each prompt's static text, whitespace collapsed, holes as {}",
        "prompts": dict(sorted(prompts.items())),
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _path_of(key: str) -> str:
    return key.split("::", 1)[0]


def drift(current: dict[str, LockedPrompt], locked: dict[str, str], scanned: set[str] | None = None) -> Drift:
    """Compare the prompts found now with the lock (only files in ``scanned``, when given)."""
    d = Drift()
    by_path: dict[str, set[str]] = {}
    for key, digest in locked.items():
        by_path.setdefault(_path_of(key), set()).add(digest)
    now_by_path: dict[str, set[str]] = {}
    for p in current.values():
        now_by_path.setdefault(p.path, set()).add(p.digest)
    matched: set[str] = set()
    for key, p in sorted(current.items()):
        old = locked.get(key)
        if old == p.digest:
            matched.add(key)
            continue
        if p.digest in by_path.get(p.path, set()):
            matched.update(k for k, v in locked.items() if v == p.digest and _path_of(k) == p.path)
            continue  # same text under a renumbered id
        if old is None or old in now_by_path.get(p.path, set()):
            d.new.append(p)  # the id's old text still exists (renumbered): this one is new
        else:
            matched.add(key)
            d.changed.append((p, old))
    for key in sorted(locked):
        if key in matched or key in current:
            continue
        if scanned is not None and _path_of(key) not in scanned:
            continue
        d.removed.append(key)
    return d


def updated(current: dict[str, LockedPrompt], locked: dict[str, str] | None, scanned: set[str]) -> dict[str, str]:
    """The lock after ``llm-audit lock``: entries of scanned files replaced, others kept."""
    out = {k: v for k, v in (locked or {}).items() if _path_of(k) not in scanned}
    out.update({k: p.digest for k, p in current.items()})
    return out
