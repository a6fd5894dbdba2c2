"""Issue #11 clause 6 as a pre-commit user meets it, on a real repository: with a warm cache,
``llm-audit check F`` (cwd = the repository root) must give exactly the findings of
``llm-audit check .`` that lie in F (every field of the JSON report: messages, tokens, dollars,
fixes, related locations), in any argument order; and after an edit (a comment appended to F,
or a constant another module imports changed) the warm explicit run must equal a fresh full run.

    python benchmarks/subsets.py REPO [--sample 20] [--seed 1] [--pairs 5] [--edits 5]

REPO is modified by the edit rounds (each file is restored): point it at a copy. Stdlib only.
Prints one line per difference and a JSON summary (files checked, differences, CPU and wall
medians of the explicit runs).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TODAY = "2026-12-01"


def run(
    exe: str, root: Path, args: list[str], env: dict[str, str]
) -> tuple[list[dict], float, float, str]:
    """``llm-audit check ARGS`` in ``root``: its findings (JSON), wall and CPU seconds (``wait4``), stderr."""
    cmd = [
        exe,
        "check",
        "--output-format",
        "json",
        "--exit-zero",
        "--today",
        TODAY,
        *args,
    ]
    t0 = time.perf_counter()
    p = subprocess.Popen(
        cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out = p.stdout.read()  # type: ignore[union-attr]
    err = p.stderr.read()  # type: ignore[union-attr]
    _, _, ru = os.wait4(p.pid, 0)
    p.returncode = 0
    wall = time.perf_counter() - t0
    try:
        found = json.loads(out or b"[]")
    except ValueError:
        found = [{"error": (out + err).decode(errors="replace")[-800:]}]
    return found, wall, ru.ru_utime + ru.ru_stime, err.decode(errors="replace")


def key(f: dict) -> str:
    return json.dumps(f, sort_keys=True)


def diff(label: str, want: list[dict], got: list[dict]) -> list[str]:
    w, g = sorted(map(key, want)), sorted(map(key, got))
    if w == g:
        return []
    out = []
    for k in sorted(set(w) - set(g)):
        f = json.loads(k)
        out.append(
            f"{label}: MISSING {f.get('path')}:{f.get('cell')}:{f.get('line')} {f.get('code')} {f.get('message', '')[:160]}"
        )
    for k in sorted(set(g) - set(w)):
        f = json.loads(k)
        out.append(
            f"{label}: EXTRA   {f.get('path')}:{f.get('cell')}:{f.get('line')} {f.get('code')} {f.get('message', '')[:160]}"
        )
    if not out:
        out.append(f"{label}: same set, different multiplicity")
    return out


def within(findings: list[dict], paths: set[str]) -> list[dict]:
    return [f for f in findings if f.get("path") in paths]


def show_files(exe: str, root: Path, env: dict[str, str]) -> list[str]:
    p = subprocess.run(
        [exe, "check", "--show-files", "."],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return [
        line.strip()
        for line in p.stdout.splitlines()
        if line.strip() and not line.startswith(" ")
    ]


def imported_constant(root: Path, files: list[str]) -> tuple[str, str, str] | None:
    """(module file, importer file, NAME): a module-level string constant of one project module
    that another imports with ``from M import NAME`` (relative imports too); None when there is
    none. Read with :mod:`ast`, never run."""
    import ast

    py = [f for f in files if f.endswith(".py")]
    by_suffix: dict[str, str] = {}
    for f in py:
        parts = f[:-3].split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        for i in range(len(parts)):
            by_suffix.setdefault(".".join(parts[i:]), f)
    strings: dict[str, set[str]] = {}

    def constants(f: str) -> set[str]:
        if f not in strings:
            names: set[str] = set()
            try:
                tree = ast.parse((root / f).read_bytes())
            except (OSError, SyntaxError, ValueError):
                tree = None
            for node in tree.body if tree is not None else []:
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                ):
                    v = node.value
                    if (
                        isinstance(v, ast.Constant)
                        and isinstance(v.value, str)
                        and len(v.value) >= 40
                    ):
                        names.add(node.targets[0].id)
            strings[f] = names
        return strings[f]

    for f in py:
        try:
            tree = ast.parse((root / f).read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            mod = node.module or ""
            if node.level:
                base = f.split("/")[: -node.level]
                mod = ".".join(base + ([mod] if mod else []))
            target = by_suffix.get(mod)
            if target is None or target == f:
                continue
            for alias in node.names:
                if alias.name in constants(target):
                    return target, f, alias.name
    return None


def edited_text(original: bytes, rel: str, kind: str, name: str) -> bytes | None:
    """The file after a pre-commit edit: a comment appended (a notebook: to its last code cell),
    or the string constant ``name`` given a filler sentence at its start."""
    if kind == "constant":
        return re.sub(
            rf'^({re.escape(name)}\s*=\s*[rRuU]?(?:"""|\'\'\'|"|\'))',
            r"\1Please note that it is important to answer carefully. ",
            original.decode(),
            count=1,
            flags=re.MULTILINE,
        ).encode()
    if rel.endswith(".py"):
        return original + b"\n# pre-commit edit\n"
    if not rel.endswith(".ipynb"):
        return None
    nb = json.loads(original)
    cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    if not cells:
        return None
    src = cells[-1].get("source", [])
    if isinstance(src, str):
        src = src.splitlines(keepends=True)
    if src and not src[-1].endswith("\n"):
        src[-1] += "\n"
    cells[-1]["source"] = [*src, "# pre-commit edit"]
    return json.dumps(nb, indent=1).encode()


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("repo", type=Path)
    ap.add_argument("--exe", default=shutil.which("llm-audit") or "llm-audit")
    ap.add_argument(
        "--sample",
        type=int,
        default=20,
        help="files without findings checked, besides every file with findings",
    )
    ap.add_argument(
        "--max-files",
        type=int,
        default=60,
        help="at most this many files with findings",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--pairs",
        type=int,
        default=5,
        help="argument-order pairs (check a b vs check b a)",
    )
    ap.add_argument(
        "--edits",
        type=int,
        default=5,
        help="comment-append edit rounds (each: warm check F vs fresh check .)",
    )
    ap.add_argument(
        "--force-exclude",
        action="store_true",
        help="pass --force-exclude to the explicit runs, as the hook does",
    )
    args = ap.parse_args()
    root = args.repo.resolve()
    env = dict(os.environ, LLM_AUDIT_CACHE_DIR=str(root / ".llm_audit_cache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    fx = ["--force-exclude"] if args.force_exclude else []
    rng = random.Random(args.seed)
    problems: list[str] = []

    files = show_files(args.exe, root, env)
    run(args.exe, root, ["."], env)  # fill the cache
    time.sleep(2.1)  # past the racy window: the next runs trust the stat of every file
    full, _, full_cpu, _ = run(args.exe, root, ["."], env)
    with_findings = sorted({f["path"] for f in full if "path" in f})
    rest = sorted(set(files) - set(with_findings))
    picked = with_findings[: args.max_files] + rng.sample(
        rest, min(args.sample, len(rest))
    )
    walls, cpus = [], []
    for rel in picked:
        got, wall, cpu, _ = run(args.exe, root, [*fx, rel], env)
        walls.append(wall)
        cpus.append(cpu)
        problems += diff(f"check {rel}", within(full, {rel}), got)
    for _ in range(min(args.pairs, len(picked) // 2)):
        a, b = rng.sample(picked, 2)
        ab, *_ = run(args.exe, root, [*fx, a, b], env)
        ba, *_ = run(args.exe, root, [*fx, b, a], env)
        problems += diff(f"check {a} {b}", within(full, {a, b}), ab)
        problems += diff(f"check {b} {a} (order)", ab, ba)

    edits = 0
    editable = [f for f in with_findings if f.endswith((".py", ".ipynb"))]
    rng.shuffle(editable)
    others = [f for f in picked if f.endswith((".py", ".ipynb")) and f not in editable]
    rng.shuffle(others)
    rounds = [
        ("comment", rel, rel, "")
        for rel in (editable[: (args.edits + 1) // 2] + others)[: args.edits]
    ]
    imp = imported_constant(root, files)
    if imp is not None:
        rounds.append(("constant", imp[0], imp[1], imp[2]))
    for kind, changed, checked, name in rounds:
        path = root / changed
        original = path.read_bytes()
        new = edited_text(original, changed, kind, name)
        if new is None or new == original:
            continue
        try:
            path.write_bytes(new)
            fresh, *_ = run(args.exe, root, ["--no-cache", "."], env)
            for target in dict.fromkeys([changed, checked]):
                got, wall, cpu, _ = run(args.exe, root, [*fx, target], env)
                problems += diff(
                    f"{kind} edit of {changed}: check {target}",
                    within(fresh, {target}),
                    got,
                )
                walls.append(wall)
                cpus.append(cpu)
                edits += 1
        finally:
            path.write_bytes(original)
    for p in problems:
        print(p)
    summary = {
        "repo": str(root),
        "files_in_run": len(files),
        "full_findings": len(full),
        "files_with_findings": len(with_findings),
        "explicit_files_checked": len(picked),
        "order_pairs": min(args.pairs, len(picked) // 2),
        "edit_runs": edits,
        "constant_edit": list(imp) if imp else None,
        "differences": len(problems),
        "explicit_cpu_median_s": round(statistics.median(cpus), 3) if cpus else None,
        "explicit_wall_median_s": round(statistics.median(walls), 3) if walls else None,
        "full_warm_cpu_s": round(full_cpu, 3),
    }
    print(json.dumps(summary))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
