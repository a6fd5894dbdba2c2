"""Model swaps (LA401, LA402, LA404): where the model is written at a call, when a swap may be
offered, the fix that writes it (at the call or at the model's definition) and what it saves.

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
from auditor.config.modelcatalog import _PREFIXES as ROUTING_PREFIXES
from auditor.config.catalog import ModelInfo
from auditor.cost.model import call_cost
from auditor.facts import CallSite, Param
from auditor.findings import Edit, Fix, RequestChange, Savings
from auditor.fix.swapsafety import swap_blocker
from auditor.sources.configfile import CONFIG_API
from auditor.reads import read_text

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


def definition_swap(site: CallSite, ctx: RuleContext, target: str, message: str, styled: Callable[[str], str | None], named: bool = False) -> Fix | None:
    """Rewrite the literal where the model is defined (another line of this file, or another
    file: the root-cause step moves the finding there). ``styled(written)`` is the replacement in
    the written name's style, or None. ``named``: the call passes a name (``model=self.openai_model``)
    whose value is a literal written elsewhere (a class attribute's default)."""
    v = site.model
    d = v.defined if v is not None else None
    if v is None or d is None or not isinstance(v.value, str) or v.origin in ("env-default", "config-default") or (v.origin == "literal" and not named):
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
        text = read_text(path, encoding="utf-8")
        if cell is None:
            return text.splitlines()
        cells = [c for c in json.loads(text).get("cells", []) if c.get("cell_type") == "code"]
        src = cells[cell].get("source", "")
        return ("".join(src) if isinstance(src, list) else str(src)).splitlines()
    except Exception:  # noqa: BLE001 - an unreadable or hostile file: no fix
        return None


# ---------------------------------------------------------------- where the model is written at the call, and the swap fix
def model_param(site: CallSite, ctx: RuleContext) -> Param | None:
    """The parameter that carries the model (``model=``, ``modelId=``, ...), if present."""
    api = ctx.api(site)
    for name in (api.model if api else ["model"]):
        state, param = site.lookup(name)
        if state == "present":
            return param
    return None


def _model_value_at_call(site: CallSite, ctx: RuleContext):
    """(value, in_yaml) of the model as written at the call: the ``model=`` keyword of a Python
    call, or the model scalar of a prompt file's front matter."""
    param = model_param(site, ctx)
    if param is not None and site.api == CONFIG_API:
        return param.value, True  # a configuration value: keep a plain scalar plain
    if param is not None:
        return (param.value, False) if param.direct else (None, False)
    if site.api.startswith("promptfile") and site.model is not None:
        return site.model, True
    return None, False


PLAIN_SCALAR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/@+-]*$")
TRIPLE_QUOTES = ("'" * 3, '"' * 3)


def written_target(written: str, model: ModelInfo, target: str, ctx: RuleContext) -> str | None:
    """The replacement name in the style it was written: a router or plugin prefix is kept
    (``googleai/``, ``anthropic/``, ``openrouter/openai/``). None when the written name is a
    cloud-specific id (Bedrock ``anthropic.claude-...-v1:0``, Vertex ``...@20240620``) or a
    fine-tune, which no catalog name can replace."""
    if written.startswith("ft:") or "@" in written or ":" in written:
        return None
    prefix, rest = "", written
    while "/" in rest and ctx.policy.models.lookup(rest.split("/", 1)[1]) is model:
        head, rest = rest.split("/", 1)
        prefix += head + "/"
    if rest.split(".", 1)[0].lower() in ("anthropic", "meta", "mistral", "cohere", "amazon", "us", "eu", "apac", "global"):
        return None
    return prefix + native_id(target, prefix, ctx)


def native_id(target: str, prefix: str, ctx: RuleContext) -> str:
    """``target`` in the id space of the API the call goes to: a catalog name carrying a LiteLLM
    routing prefix (``together_ai/openai/gpt-oss-120b``, named so because two providers share the
    id) is written without it where the call's own name has none (``OpenAI(base_url=together)``
    takes ``openai/gpt-oss-120b``), and never twice where it has one."""
    model = ctx.policy.models.lookup(target)
    for p in ROUTING_PREFIXES:
        if p.endswith("/") and target.startswith(p) and model is not None and target[len(p):] in model.aliases:
            return target[len(p):] if not prefix or prefix.endswith(p) else target
    return target


def shown_name(site: CallSite, ctx: RuleContext, target: str) -> str:
    """How a message names the model a call moves to: in the id space of the call's API (a
    LiteLLM call keeps LiteLLM's routing prefix; an SDK or OpenAI-compatible client gets the bare id)."""
    written = site.model_name or ""
    return native_id(target, "" if not any(written.startswith(p) for p in ROUTING_PREFIXES if p.endswith("/")) else written.split("/", 1)[0] + "/", ctx)


def can_swap(site: CallSite, ctx: RuleContext, target: str) -> bool:
    """The swap is valid at this call and the call passes no parameter ``target`` rejects."""
    if not swap_allowed(site, ctx, target):
        return False
    new_model = ctx.policy.models.lookup(target, site.provider)
    blocking = set(new_model.rejects) - {"max_tokens"} if new_model is not None else set()  # max_tokens: LA103 renames it
    # a call passing a parameter the new model rejects: the swap would make it fail
    return not any(p.rsplit(".", 1)[-1] in blocking for p in site.params)


def swap_model_fix(site: CallSite, ctx: RuleContext, target: str, message: str, at_definition: bool = False) -> Fix | None:
    """An unsafe fix that rewrites the model string where it is written at the call (or, with
    ``at_definition``, where it is defined), when the swap is valid there (:mod:`auditor.checks.modelswap`)."""
    if not can_swap(site, ctx, target):
        return None
    message = message.replace(f"`{target}`", f"`{shown_name(site, ctx, target)}`")
    value, in_yaml = _model_value_at_call(site, ctx)
    if at_definition and (value is None or value.origin != "literal"):
        model = ctx.policy.models.lookup(site.model_name)
        return definition_swap(site, ctx, target, message, lambda written: written_target(written, model, target, ctx) if model else None)
    if value is None or value.span is None or value.origin != "literal" or not isinstance(value.value, str):
        return None
    source = value.source or ""
    if not in_yaml and source[-1:] not in ("'", '"'):
        # model=self.openai_model: the literal is the attribute's default; rewrite it there, never the name at the call
        model = ctx.policy.models.lookup(value.value)
        return definition_swap(site, ctx, target, message, lambda written: written_target(written, model, target, ctx) if model else None, named=True)
    target = written_target(value.value, ctx.policy.models.lookup(value.value), target, ctx)  # type: ignore[arg-type]
    if target is None:
        return None
    if in_yaml and source == value.value and PLAIN_SCALAR.match(target):
        new = target  # keep the front matter's plain style
    else:
        quote = source[-1:] if source[-1:] in ("'", '"') else '"'
        if source.startswith(TRIPLE_QUOTES) or (source[:1].lower() in ("f", "b", "r", "u") and not source.startswith(quote)):
            return None  # triple-quoted or prefixed strings: leave them to a human
        if quote in target or "\\" in target:
            return None
        new = f"{quote}{target}{quote}"
    edit = Edit(value.span.line, value.span.column, value.span.end_line, value.span.end_column, new)
    return Fix("unsafe", message, [edit])


def model_span(site: CallSite, ctx: RuleContext):
    """Where to point a model finding: the ``model=`` argument (or front-matter scalar), else the call."""
    param = model_param(site, ctx)
    if param is not None and param.direct and param.arg_span:
        return param.arg_span
    if param is None and site.api.startswith("promptfile") and site.model is not None and site.model.span is not None:
        return site.model.span
    return site.span


# ---------------------------------------------------------------- what a swap saves
def swap_savings(site: CallSite, ctx: RuleContext, old: ModelInfo, new: ModelInfo, why: str) -> Savings | None:
    """Price difference old -> new at this site's estimated tokens; None unless it saves money."""
    est = ctx.cost.estimate(site)
    before = call_cost(old, est.input_tokens, est.output_tokens, est.batch)
    after = call_cost(new, est.input_tokens, est.output_tokens, est.batch)
    if before is None or after is None or before - after <= 0:
        return None
    basis = f"{why}: {old.name} -> {new.name} at ~{est.input_tokens:,.0f} input + ~{est.output_tokens:,.0f} output tokens per call"
    return ctx.savings(site, change=RequestChange(site.id, "model", model=new.name), basis=basis)


def unclaimed(fix: Fix | None, site: CallSite, model: str) -> None:
    """A swap that claims no saving (the new model costs more, or the old one fails anyway) still
    changes what the request costs once applied: the fix carries that change for the report's
    "what `llm-audit fix` does" figure."""
    if fix is not None and fix.edits:
        fix.changes.append(RequestChange(site.id, "model", model=model))


def _price(m: ModelInfo) -> str:
    i, o = m.price_of("input"), m.price_of("output")
    return f"{_usd(i)}/{_usd(o)}" if i is not None and o is not None else "price unknown"


def _usd(x: float | None) -> str:
    if x is None:
        return "?"
    text = f"{x:.4f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"${whole}.{frac.ljust(2, '0')}"
