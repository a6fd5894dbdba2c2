"""``llm-audit init``: a commented starter ``.llm-audit.yaml`` fitted to the project it finds.

It looks (without importing anything) at which LLM SDKs the Python files and notebooks
import, how many notebooks and prompt files there are, and which folders hold plain-text or
markdown prompts (those become ``prompt-paths``; ``.prompty``, ``.prompt`` and Jinja files
are found by their extension anyway). The file is built as a ruamel.yaml round-trip document
so every key carries a comment saying what it does, and it is validated against the policy
schema before it is written. An existing policy file is never overwritten without ``force``.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from auditor.config.policy import POLICY_FILES
from auditor.reads import read_text

PROMPT_DIR = re.compile(r"(^|[_-])(prompts?|templates?|instructions?)($|[_-])", re.IGNORECASE)
TEXT_PROMPT_EXT = {".txt": "*.txt", ".md": "*.md", ".yaml": "*.yaml", ".yml": "*.yml"}
_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+(?:\s*,\s*[\w.]+)*))", re.MULTILINE)


class InitError(Exception):
    """init cannot go on (a policy exists, the folder is missing); ``str()`` is the message."""


@dataclass
class ProjectScan:
    python_files: int = 0
    notebooks: list[str] = field(default_factory=list)
    prompt_files: list[str] = field(default_factory=list)  # .prompty / .prompt / jinja
    prompt_globs: list[str] = field(default_factory=list)  # for prompt-paths
    sdks: Counter = field(default_factory=Counter)  # import root -> files importing it

    def summary(self) -> str:
        parts = [f"{self.python_files} Python file{'s' if self.python_files != 1 else ''}"]
        parts.append(f"{len(self.notebooks)} notebook{'s' if len(self.notebooks) != 1 else ''}")
        parts.append(f"{len(self.prompt_files)} prompt file{'s' if len(self.prompt_files) != 1 else ''}")
        sdks = ", ".join(f"{name} ({n} file{'s' if n != 1 else ''})" for name, n in sorted(self.sdks.items(), key=lambda kv: (-kv[1], kv[0])))
        return "; ".join(parts) + (f"; SDKs: {sdks}" if sdks else "; no LLM SDK imports found")


def _imported(source: str) -> set[str]:
    names: set[str] = set()
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        for m in _IMPORT.finditer(source):  # a file that does not parse (or a notebook cell with magics)
            if m.group(1):
                names.add(m.group(1))
            else:
                names.update(n.strip() for n in m.group(2).split(","))
        return names
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _sdk_roots(names: set[str], roots: list[str]) -> set[str]:
    found = set()
    for name in names:
        for root in roots:
            if name == root or name.startswith(root + "."):
                found.add(root)
    return found


def scan(directory: Path) -> ProjectScan:
    from auditor.config.catalog import load_catalog
    from auditor.discover import discover

    roots = sorted(load_catalog().providers([]).import_roots, key=len, reverse=True)
    files, _ = discover([directory], directory)
    out = ProjectScan()
    for sf in files:
        if sf.kind == "python":
            out.python_files += 1
            try:
                source = read_text(sf.path, encoding="utf-8", errors="replace")
            except OSError:
                continue
        elif sf.kind == "notebook":
            out.notebooks.append(sf.rel)
            source = _notebook_code(sf.path)
        else:
            out.prompt_files.append(sf.rel)
            continue
        for root in _sdk_roots(_imported(source), roots):
            out.sdks[root] += 1
    out.prompt_globs = _prompt_globs(directory)
    return out


def _notebook_code(path: Path) -> str:
    import json

    try:
        nb = json.loads(read_text(path, encoding="utf-8-sig"))
        cells = [c for c in nb.get("cells", []) if isinstance(c, dict) and c.get("cell_type") == "code"]
        return "\n".join("".join(c.get("source", "")) if isinstance(c.get("source"), list) else str(c.get("source", "")) for c in cells)
    except (OSError, ValueError, AttributeError, TypeError, RecursionError):
        return ""


def _prompt_globs(directory: Path) -> list[str]:
    """``<dir>/**/*.txt``-style globs for folders named like prompts/templates holding text prompts."""
    from auditor.discover import DEFAULT_EXCLUDES

    skip = {e for e in DEFAULT_EXCLUDES if "*" not in e}
    globs: set[str] = set()
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory)
        if any(part in skip or part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        pattern = TEXT_PROMPT_EXT.get(path.suffix.lower())
        if pattern is None:
            continue
        for i, part in enumerate(rel.parts[:-1]):
            if PROMPT_DIR.search(part):
                globs.add("/".join(rel.parts[: i + 1]) + "/**/" + pattern)
                break
    return sorted(globs)


def starter_policy(project: ProjectScan, name: str) -> str:
    """The commented YAML text of a starter policy for ``project``."""
    import io

    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def seq(items: list) -> CommentedSeq:
        s = CommentedSeq(items)
        s.fa.set_flow_style()
        return s

    doc = CommentedMap()
    doc["extends"] = "default"
    doc["fail-on"] = "warning"
    doc["ignore"] = seq([])
    doc["exclude"] = seq([])
    if project.prompt_globs:
        doc["prompt-paths"] = CommentedSeq(project.prompt_globs)
    cap = CommentedMap()
    cap["default-cap"] = 1024
    params = CommentedMap()
    params["LA101"] = cap
    doc["params"] = params
    doc["per-file-ignores"] = CommentedMap()
    usage = CommentedMap()
    usage["monthly-calls"] = 10000
    doc["usage"] = usage

    doc.yaml_set_start_comment(
        f"llm-audit policy for {name} (written by `llm-audit init`; every key is optional).\n"
        f"Found: {project.summary()}.\n"
        "Rule docs: `llm-audit rule --all`. Schema: auditor/schema/policy.schema.json."
    )
    notes = {
        "extends": "Start from the built-in pack (`default`, or `strict` for stricter limits).",
        "fail-on": "Lowest severity that makes `llm-audit check` exit 1: error, warning or info.",
        "ignore": "Rules to skip everywhere: codes (LA503), prefixes (LA5) or names (call-in-loop).",
        "exclude": "Extra gitignore-style globs not to analyse (.gitignore is honoured already).",
        "prompt-paths": "Plain-text / markdown / YAML prompt files found here (.prompty, .prompt and Jinja files are picked up by extension).",
        "params": "Per-rule parameters; `llm-audit rule CODE` lists each rule's parameters.",
        "per-file-ignores": 'Rules to skip for some files, e.g. "notebooks/**": [LA503].',
        "usage": "Cost assumptions for estimates and `llm-audit report`.",
    }
    if not project.prompt_globs:
        notes["params"] = 'No prompts/ folder with .txt or .md prompts found; to lint some, list them:\nprompt-paths: ["prompts/**/*.txt"]\n\n' + notes["params"]
    if project.notebooks:
        folder = project.notebooks[0].rsplit("/", 1)[0] + "/**" if "/" in project.notebooks[0] else "*.ipynb"
        notes["per-file-ignores"] = (
            f'Rules to skip for some files, e.g. "{folder}": [LA503].\n'
            f"{len(project.notebooks)} notebook{'s' if len(project.notebooks) != 1 else ''} found; notebooks are checked cell by cell."
        )
    for key, text in notes.items():
        if key in doc:
            doc.yaml_set_comment_before_after_key(key, before="\n" + text)
    cap.yaml_add_eol_comment("the cap `llm-audit fix --unsafe-fixes` inserts for LA101", "default-cap")
    usage.yaml_add_eol_comment("calls per call site per month; per-site figures go in llm-audit-usage.yaml", "monthly-calls")

    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 120
    buf = io.StringIO()
    yaml.dump(doc, buf)
    return buf.getvalue()


def _existing_policy(directory: Path) -> Path | None:
    for name in POLICY_FILES:
        if (directory / name).is_file():
            return directory / name
    pp = directory / "pyproject.toml"
    try:
        if pp.is_file() and "[tool.llm-audit" in read_text(pp, encoding="utf-8", errors="replace"):
            return pp
    except OSError:
        return None
    return None


def init_policy(directory: Path, force: bool = False, write: bool = True) -> tuple[str, Path, str]:
    """Build (and unless ``write`` is False, write) the starter policy. Returns (text, path, summary)."""
    from auditor.config.policy import PolicyError, read_policy_file

    directory = Path(directory)
    if not directory.is_dir():
        raise InitError(f"{directory}: no such folder")
    target = directory / POLICY_FILES[0]
    existing = _existing_policy(directory)
    if existing is not None and write and not force:
        raise InitError(f"{existing} already holds an llm-audit policy; use --force to replace it with a starter policy")
    project = scan(directory.resolve())
    text = starter_policy(project, directory.resolve().name)
    # what we write must load: validate the exact text through the policy loader's own path
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / POLICY_FILES[0]
        probe.write_text(text, encoding="utf-8")
        try:
            read_policy_file(probe)
        except PolicyError as e:  # a bug here, not the user's: say so plainly
            raise InitError(f"internal error: the starter policy does not validate: {e}") from None
    if write:
        from auditor.writes import atomic_write, encode_text, writable_in_place

        if not writable_in_place(target):
            raise InitError(f"{target} is not a regular file of this folder (a FIFO, a device, a link out of it); remove it first")
        try:
            atomic_write(target.resolve(), encode_text(text))
        except OSError as e:  # a read-only checkout, a full disk
            raise InitError(f"cannot write {target}: {e.strerror or e}") from None
    return text, target, project.summary()
