"""The notebook-heavy application corpus of ``benchmarks/run.py``, built offline and reproducibly.

An application repository the way data teams keep them: a package of plain modules (real code:
Django's and LangChain-core's modules from the pinned wheels, copied under ``app/``), a few dozen
LLM modules (a client wrapper, prompt constants, services that call the SDKs directly or through
the wrapper, generated from templates below), and notebooks under ``notebooks/``: real modules
split into cells between markdown cells, with the outputs notebooks really carry - base64 PNG
plots of 50-500 KB, HTML tables of DataFrames, long text streams (training logs) - and, in one
notebook of five, exploration cells that send DataFrames to an LLM.

Everything derives from the SDK corpus (``.corpus/src``) and a fixed seed: the same bytes on
every machine. Stdlib only.
"""

from __future__ import annotations

import ast
import base64
import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

GENERATOR_VERSION = 2
SEED = 20251201
N_PLAIN = 560  # real modules copied into app/
N_LLM = 36  # generated LLM modules
N_NOTEBOOKS = 50


# ------------------------------------------------------------------ LLM modules (templates)
CLIENT = '''\
"""The one place the app talks to the model provider."""
import os

from openai import OpenAI

from app.llm.prompts import SYSTEM_PROMPT

MODEL = os.getenv("APP_MODEL", "gpt-4o")
client = OpenAI(timeout=30)


def complete(prompt: str, system: str = SYSTEM_PROMPT, max_tokens: int | None = None) -> str:
    resp = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "system", "content": system}, {"role": "user", "content": prompt}],
        max_tokens=max_tokens,
    )
    return resp.choices[0].message.content
'''

PROMPTS = '''\
"""Prompt texts shared by the services."""

SYSTEM_PROMPT = """You are a careful analyst for an online retailer. Please make sure to answer
in a concise way. It is very important that you only use the data you are given, and that you
say so when the data does not contain the answer."""

SUMMARY_TEMPLATE = "Please analyze the following data carefully and provide insights:\\n{table}"
'''

SERVICE_TEMPLATES = [
    '''\
"""Service {i}: weekly report for region {i}."""
import pandas as pd

from app.llm.client import complete
from app.llm.prompts import SUMMARY_TEMPLATE


def weekly_report_{i}(path: str) -> str:
    df = pd.read_csv(path)
    prompt = SUMMARY_TEMPLATE.format(table=df.to_markdown())
    return complete(prompt)
''',
    '''\
"""Service {i}: ticket triage."""
from anthropic import Anthropic

client = Anthropic()
TRIAGE_PROMPT_{i} = "I would like you to classify this ticket. Answer with one word: billing, shipping or other."


def triage_{i}(ticket: str) -> str:
    msg = client.messages.create(
        model="claude-3-5-sonnet-20241022",
        max_tokens=1024,
        system=TRIAGE_PROMPT_{i},
        messages=[{{"role": "user", "content": ticket}}],
    )
    return msg.content[0].text
''',
    '''\
"""Service {i}: batch enrichment."""
import litellm


def enrich_{i}(rows: list[dict]) -> list[str]:
    out = []
    for row in rows:
        resp = litellm.completion(
            model="gpt-4o-mini",
            messages=[{{"role": "user", "content": f"In order to help the sales team, describe this customer: {{row}}"}}],
        )
        out.append(resp.choices[0].message.content)
    return out
''',
    '''\
"""Service {i}: plain helpers next to the LLM code (no call here)."""
import statistics


def spread_{i}(values: list[float]) -> float:
    return statistics.pstdev(values) if values else 0.0
''',
]

LLM_CELLS = [
    "import pandas as pd\nfrom openai import OpenAI\n\nclient = OpenAI()\ndf = pd.read_csv('sales.csv')",
    "%matplotlib inline\ndf.describe()",
    "resp = client.chat.completions.create(\n    model='gpt-4o',\n    messages=[{'role': 'user', 'content': f'Please analyze the following data carefully and provide insights: {df.to_csv()}'}],\n)\nprint(resp.choices[0].message.content)",
]


# ------------------------------------------------------------------ notebooks
def _split_cells(source: str, max_lines: int = 40) -> list[str]:
    """A module's text as notebook cells: whole top-level statements (decorators included),
    grouped up to ~max_lines per cell, so every cell parses as it would in a real notebook."""
    lines = source.splitlines()
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return []
    starts = [min([n.lineno] + [d.lineno for d in getattr(n, "decorator_list", [])]) - 1 for n in body]
    cells: list[str] = []
    current: list[str] = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(lines)
        stmt = lines[start:end]
        if current and len(current) + len(stmt) > max_lines:
            cells.append("\n".join(current).strip("\n"))
            current = []
        current.extend(stmt)
    if current:
        cells.append("\n".join(current).strip("\n"))
    return [c for c in cells if c.strip()]


def _source_list(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _png(rng: random.Random, size: int) -> str:
    """A PNG-looking blob of ``size`` bytes (header + high-entropy body, as real plots compress)."""
    body = rng.randbytes(size - 16)
    return base64.b64encode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + body).decode("ascii") + "\n"


def _html_table(rng: random.Random, rows: int) -> list[str]:
    cols = ["order_id", "region", "revenue", "units", "margin"]
    out = ['<div>\n', '<table border="1" class="dataframe">\n', "  <thead>\n    <tr style=\"text-align: right;\">\n"]
    out += [f"      <th>{c}</th>\n" for c in ["", *cols]] + ["    </tr>\n  </thead>\n  <tbody>\n"]
    for r in range(rows):
        vals = [str(10_000 + r), rng.choice(["north", "south", "east", "west"]), f"{rng.uniform(10, 9999):.2f}", str(rng.randint(1, 400)), f"{rng.random():.3f}"]
        out += ["    <tr>\n", f"      <th>{r}</th>\n"] + [f"      <td>{v}</td>\n" for v in vals] + ["    </tr>\n"]
    return out + ["  </tbody>\n</table>\n", f"<p>{rows} rows × {len(cols)} columns</p>\n", "</div>"]


def _stream(rng: random.Random, lines: int) -> list[str]:
    loss = 2.5
    out = []
    for step in range(lines):
        loss *= 0.999 + rng.random() * 0.0008
        out.append(f"epoch {step // 100} step {step:5d} loss {loss:.5f} lr 3.0e-04 grad_norm {rng.uniform(0.1, 2):.3f}\n")
    return out


def _outputs(rng: random.Random) -> list[dict[str, Any]]:
    roll = rng.random()
    if roll < 0.55:
        return []
    if roll < 0.72:
        return [{"name": "stdout", "output_type": "stream", "text": _stream(rng, rng.randint(200, 3000))}]
    if roll < 0.86:
        rows = rng.randint(20, 200)
        return [{
            "data": {"text/html": _html_table(rng, rows), "text/plain": [f"<DataFrame {rows} x 5>"]},
            "execution_count": 1, "metadata": {}, "output_type": "execute_result",
        }]
    return [{
        "data": {"image/png": _png(rng, rng.randint(50_000, 500_000)), "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
        "metadata": {"needs_background": "light"}, "output_type": "display_data",
    }]


def _notebook(rng: random.Random, modules: list[tuple[str, str]], llm: bool) -> dict[str, Any]:
    cells: list[dict[str, Any]] = []
    count = 0
    for name, text in modules:
        cells.append({"cell_type": "markdown", "metadata": {}, "source": _source_list(f"## Exploring `{name}`\n\nNotes from the analysis.")})
        for src in _split_cells(text):
            count += 1
            cells.append({"cell_type": "code", "execution_count": count, "metadata": {}, "outputs": _outputs(rng), "source": _source_list(src)})
    if llm:
        for src in LLM_CELLS:
            count += 1
            cells.append({"cell_type": "code", "execution_count": count, "metadata": {}, "outputs": _outputs(rng), "source": _source_list(src)})
    for i, c in enumerate(cells):
        c["id"] = f"c{i:04d}"
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "version": "3.11.7"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


# ------------------------------------------------------------------ the corpus
def _plain_sources(src: Path) -> list[Path]:
    pool = sorted((src / "django").rglob("*.py")) + sorted((src / "langchain-core").rglob("*.py"))
    return [p for p in pool if p.stat().st_size > 400]


def mark_project(root: Path) -> None:
    """Make ``root`` a project of its own (a git work tree), as a real repository is."""
    if (root / ".git").exists():
        return
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(root)], check=False, capture_output=True)
    if not (root / ".git").exists():
        (root / ".git").mkdir()


def build_app_corpus(src: Path, dest: Path) -> dict[str, Any]:
    """Write the corpus into ``dest`` (emptied first); returns its description."""
    rng = random.Random(SEED)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    plain = _plain_sources(src)
    picked = sorted(rng.sample(plain, min(N_PLAIN, len(plain))))
    files = lines = 0
    for p in picked:
        rel = p.relative_to(src)
        out = dest / "app" / "modules" / Path(*rel.parts[1:])
        out.parent.mkdir(parents=True, exist_ok=True)
        data = p.read_bytes()
        out.write_bytes(data)
        files += 1
        lines += data.count(b"\n")
    llm = dest / "app" / "llm"
    llm.mkdir(parents=True)
    generated = {"app/__init__.py": "", "app/llm/__init__.py": "", "app/llm/client.py": CLIENT, "app/llm/prompts.py": PROMPTS, "app/services/__init__.py": ""}
    for i in range(N_LLM):
        generated[f"app/services/svc_{i:02d}.py"] = SERVICE_TEMPLATES[i % len(SERVICE_TEMPLATES)].format(i=i)
    for rel, text in generated.items():
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        files += 1
        lines += text.count("\n")
    nb_dir = dest / "notebooks"
    nb_dir.mkdir()
    nb_bytes = 0
    for i in range(N_NOTEBOOKS):
        chosen = rng.sample(plain, 2)
        modules = [(p.relative_to(src).as_posix(), p.read_text(encoding="utf-8", errors="replace")) for p in chosen]
        nb = _notebook(rng, modules, llm=(i % 5 == 0))
        text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        (nb_dir / f"analysis_{i:02d}.ipynb").write_text(text, encoding="utf-8")
        nb_bytes += len(text.encode("utf-8"))
        files += 1
    mark_project(dest)
    return {
        "generator": GENERATOR_VERSION,
        "files": files,
        "py_files": files - N_NOTEBOOKS,
        "notebooks": N_NOTEBOOKS,
        "notebook_bytes": nb_bytes,
        "lines": lines,
    }


def describe(info: dict[str, Any]) -> str:
    mb = info.get("notebook_bytes", 0) / 1e6
    return f"{info['py_files']} .py + {info['notebooks']} .ipynb ({mb:.1f} MB of notebooks), {info['lines']} lines of .py"


if __name__ == "__main__":  # pragma: no cover - `python benchmarks/appcorpus.py SRC DEST`
    import sys

    print(describe(build_app_corpus(Path(sys.argv[1]), Path(sys.argv[2]))))
