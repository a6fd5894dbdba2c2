"""A small stand-in for the GitHub Actions runner, enough to run a composite action's steps.

``if:`` conditions and ``${{ }}`` templates are evaluated the way the runner does for the
expressions action.yml uses (``&&``, ``||``, ``!``, ``==``, ``!=``, ``always()``,
``success()``, ``hashFiles()``, dotted context names); ``run:`` steps run with
``bash --noprofile --norc -eo pipefail`` as the runner's default bash shell does, with
``GITHUB_OUTPUT`` as a file; ``uses:`` steps are handed to ``handlers`` (by action name) or
recorded as successful; steps named in ``skip`` are skipped (the install step: the tests use
the llm-audit already installed, and must not reinstall it into the test environment). A step's outcome is ``success``, ``failure`` or ``skipped``;
the job fails when a step without ``continue-on-error`` fails.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_TOKEN = re.compile(r"\s*(?:('(?:[^']|'')*')|(==|!=|&&|\|\||!|\(|\)|,)|([A-Za-z_][A-Za-z0-9_.\-]*)|(\d+))")


def evaluate(expr: str, ctx: dict[str, Any], workdir: Path, steps_ok: bool = True) -> Any:
    expr = expr.strip()
    if expr.startswith("${{") and expr.endswith("}}"):
        expr = expr[3:-2]
    py: list[str] = []
    pos = 0
    expr = expr.strip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot evaluate {expr!r} at {pos}")
        pos = m.end()
        string, op, name, number = m.groups()
        if string is not None:
            py.append(repr(string[1:-1].replace("''", "'")))
        elif op is not None:
            py.append({"&&": " and ", "||": " or ", "!": " not "}.get(op, op))
        elif number is not None:
            py.append(number)
        elif name in ("always", "success", "failure", "hashFiles", "true", "false", "null"):
            py.append({"always": "_always", "success": "_success", "failure": "_failure", "hashFiles": "_hash",
                       "true": "True", "false": "False", "null": "''"}[name])
        else:
            py.append(f"_get({name!r})")

    def get(name: str) -> Any:
        node: Any = ctx
        for part in name.split("."):
            if not isinstance(node, dict) or part not in node:
                return ""
            node = node[part]
        return node

    def hash_files(pattern: Any) -> str:
        p = workdir / str(pattern)
        return hashlib.sha256(p.read_bytes()).hexdigest() if str(pattern) and p.is_file() else ""

    env = {"_get": get, "_always": lambda: True, "_success": lambda: steps_ok, "_failure": lambda: not steps_ok, "_hash": hash_files}
    return eval("".join(py), {"__builtins__": {}}, env)


def template(value: Any, ctx: dict[str, Any], workdir: Path) -> str:
    def sub(m: re.Match) -> str:
        v = evaluate(m.group(1), ctx, workdir)
        return ("true" if v else "false") if isinstance(v, bool) else str(v)

    return re.sub(r"\$\{\{(.*?)\}\}", sub, str(value))


@dataclass
class StepRun:
    name: str
    outcome: str
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    with_: dict[str, str] = field(default_factory=dict)


@dataclass
class JobRun:
    steps: list[StepRun]

    @property
    def failed(self) -> bool:
        return any(s.outcome == "failure" for s in self.steps)

    def step(self, part: str) -> StepRun:
        return next(s for s in self.steps if part in s.name)

    @property
    def log(self) -> str:
        return "\n".join(f"## {s.name} [{s.outcome}]\n{s.stdout}{s.stderr}" for s in self.steps)


Handler = Callable[[dict[str, str], Path], bool]


def run_composite(action: dict, inputs: dict[str, str], github: dict[str, Any], workdir: Path, runner_temp: Path,
                  handlers: dict[str, Handler] | None = None, extra_path: str | None = None, skip: tuple[str, ...] = ()) -> JobRun:
    declared = action.get("inputs") or {}
    unknown = set(inputs) - set(declared)
    assert not unknown, f"inputs the action does not declare: {sorted(unknown)}"
    ctx: dict[str, Any] = {"github": github, "runner": {"temp": str(runner_temp)}, "steps": {}}
    ctx["inputs"] = {k: template(v.get("default", ""), ctx, workdir) if "${{" in str(v.get("default", "")) else str(v.get("default", ""))
                     for k, v in declared.items()} | {k: str(v) for k, v in inputs.items()}
    runs: list[StepRun] = []
    path = os.pathsep.join(p for p in (extra_path or str(Path(sys.executable).parent), os.environ.get("PATH", "")) if p)
    for i, step in enumerate(action["runs"]["steps"]):
        name = step.get("name") or step.get("uses") or f"step {i}"
        ok = not any(r.outcome == "failure" for r in runs)
        cond = step.get("if", "success()")
        if any(part in name for part in skip) or not evaluate(str(cond), ctx, workdir, steps_ok=ok):
            runs.append(StepRun(name, "skipped"))
            _record(ctx, step, runs[-1])
            continue
        if "run" in step:
            out_file = runner_temp / f"github_output_{i}"
            out_file.write_text("")
            env = {**os.environ, **{k: template(v, ctx, workdir) for k, v in (step.get("env") or {}).items()},
                   "GITHUB_OUTPUT": str(out_file), "PATH": path}
            r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=workdir, env=env,
                               capture_output=True, text=True, timeout=600)
            outputs = dict(line.split("=", 1) for line in out_file.read_text().splitlines() if "=" in line)
            runs.append(StepRun(name, "success" if r.returncode == 0 else "failure", r.stdout, r.stderr, outputs))
        else:
            uses = step["uses"]
            with_ = {k: template(v, ctx, workdir) for k, v in (step.get("with") or {}).items()}
            handler = next((h for prefix, h in (handlers or {}).items() if uses.startswith(prefix)), None)
            ok_step = handler(with_, workdir) if handler else True
            runs.append(StepRun(name, "success" if ok_step else "failure", with_=with_))
        if runs[-1].outcome == "failure" and step.get("continue-on-error"):
            runs[-1].outcome = "success"
        _record(ctx, step, runs[-1])
    return JobRun(runs)


def _record(ctx: dict[str, Any], step: dict, run: StepRun) -> None:
    if step.get("id"):
        ctx["steps"][step["id"]] = {"outputs": run.outputs, "outcome": run.outcome, "conclusion": run.outcome}
