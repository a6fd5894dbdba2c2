"""When a model swap (LA401, LA402) may be offered, and the swap at a model's definition.

A swap is offered only when it is valid where it lands and changes nothing but the request:

* the replacement serves the API the call uses (``kind`` in ``rules/providers.yaml``: a chat model
  never goes into a completions-only class such as LangChain's ``OpenAI`` LLM or
  ``completions.create``, nor a completions-only model into a chat call);
* the name is not compared, asserted or stored elsewhere in the project
  (:mod:`auditor.fix.swapsafety`).

LA402's cause is where the model is written (``Value.defined``): a module constant, a parameter
default, the default of ``os.getenv``, a constant in another module. :func:`definition_swap`
rewrites that literal; the finding is moved there by the root-cause step
(:mod:`auditor.checks.rootcause`), so the edit lands in the file the finding points at.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

from auditor.checks.context import RuleContext
from auditor.facts import CallSite
from auditor.findings import Edit, Fix
from auditor.fix.swapsafety import swap_blocker

_COMPLETIONS_ONLY = re.compile(r"^(?:.*/)?(?:gpt-3\.5-turbo-instruct|(?:text-|code-)?(?:davinci|babbage|curie|ada)\b)", re.IGNORECASE)


def model_apis(name: str, ctx: RuleContext) -> set[str]:
    """The APIs a model serves: the catalog's ``api`` list when it has one, else by its name."""
    info = ctx.policy.models.lookup(name)
    apis = getattr(info, "api", None) if info is not None else None
    if apis:
        return {"completion" if a in ("completion", "completions") else str(a) for a in apis}
    if _COMPLETIONS_ONLY.match(name):
        return {"completion"}
    return {"chat", "responses"}


def site_kind(site: CallSite, ctx: RuleContext) -> str:
    api = ctx.api(site)
    kind = api.kind if api is not None else "chat"
    return "completion" if kind in ("completion", "completions") else kind


def swap_allowed(site: CallSite, ctx: RuleContext, target: str) -> bool:
    """The replacement fits the call's API and the old name means nothing but the request."""
    kind = site_kind(site, ctx)
    if kind in ("chat", "completion", "responses") and kind not in model_apis(target, ctx):
        return False
    name = site.model_name
    if not name:
        return False
    names: list[str] = []
    if site.model is not None and site.model.origin in ("constant", "import") and site.model.source:
        last = re.findall(r"[A-Za-z_]\w*", site.model.source)
        if last and last[-1] != "model":
            names.append(last[-1])
    memo = ctx.project.memo.setdefault("swap", {})  # one scan per run, shared by LA402 and LA403
    key = (name, tuple(names))
    if key not in memo:
        memo[key] = swap_blocker(ctx.project, Path(ctx.policy.root), name, names, memo)
    return memo[key] is None


def definition_swap(site: CallSite, ctx: RuleContext, target: str, message: str, styled: Callable[[str], str | None]) -> Fix | None:
    """Rewrite the literal where the model is defined (another line of this file, or another
    file: the root-cause step moves the finding there). ``styled(written)`` is the replacement in
    the written name's style, or None."""
    v = site.model
    d = v.defined if v is not None else None
    if v is None or d is None or not isinstance(v.value, str) or v.origin in ("literal", "env-default"):
        return None  # an environment variable may name another model in production: a human's call
    path = d.path or site.path
    cell = d.cell if d.path is not None else (d.cell if d.cell is not None else site.cell)
    lines = _lines(Path(ctx.policy.root) / path, cell)
    if lines is None or d.span.line != d.span.end_line or d.span.line > len(lines):
        return None
    source = lines[d.span.line - 1][d.span.column - 1 : d.span.end_column - 1]
    if len(source) < 2 or source[0] not in "'\"" or source[-1] != source[0] or source.startswith(("'''", '"""')) or source[1:-1] != v.value:
        return None  # not a plain one-line string literal of this value (escapes, prefixes)
    new = styled(v.value)
    if new is None or source[0] in new or "\\" in new:
        return None
    return Fix("unsafe", message + " where it is defined", [Edit(d.span.line, d.span.column, d.span.end_line, d.span.end_column, f"{source[0]}{new}{source[0]}")])


def _lines(path: Path, cell: int | None) -> list[str] | None:
    try:
        text = path.read_text(encoding="utf-8")
        if cell is None:
            return text.splitlines()
        cells = [c for c in json.loads(text).get("cells", []) if c.get("cell_type") == "code"]
        src = cells[cell].get("source", "")
        return ("".join(src) if isinstance(src, list) else str(src)).splitlines()
    except Exception:  # noqa: BLE001 - an unreadable or hostile file: no fix
        return None
