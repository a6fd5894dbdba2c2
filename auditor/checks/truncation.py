"""LA606 unchecked-truncation: a capped call whose answer text is parsed, returned or stored
without a look at why generation stopped (the troubleshooting row "repetitive or truncated outputs:
max tokens misaligned"). Phase-1 facts: :mod:`auditor.analysis.truncation`.

Skipped: uncapped calls, streaming calls, constructors (LangChain models: the answer is read
elsewhere), structured-output methods whose SDK raises on truncation (OpenAI ``.parse``), caps
below ``min-cap`` (a label), ``max_tokens=None`` and an option whose default is None
(``kwargs.pop("max_tokens", None)``: no cap unless a caller passes one; LA101's business), calls in test modules
(the test prints or asserts on the text), and APIs with no stop reason to read. The check each API needs is this
rule's ``checks`` parameter.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

from auditor.analysis.testmodules import is_test_path
from auditor.checks import check
from auditor.checks.context import RuleContext
from auditor.config.catalog import load_catalog
from auditor.facts import CallSite
from auditor.findings import Finding
from auditor.checks.prompt import short_answer_hit
from auditor.checks.answersize import asked_answer_tokens, bounded_tokens, instruction_texts
from auditor.checks.askreach import ask_kind, cap_is_guard


_THINKING = ("reasoning_effort", "reasoning", "reasoning.effort", "thinking", "extra_body.reasoning")


# an option read with None as its default: `kwargs.pop("max_tokens", None)`, `cfg.get("max_tokens")`
_NONE_OPTION = re.compile(r"""^[A-Za-z_][\w.]*\.(?:pop\(\s*["'][\w-]+["']\s*,\s*None\s*\)|get\(\s*["'][\w-]+["']\s*(?:,\s*None\s*)?\))$""")


@check("unchecked_truncation")
def unchecked_truncation(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    facts = site.extra.get("truncation")
    if not facts or facts.get("checked") or site.streaming:
        return
    if facts.get("validated") or site.extra.get("validated_retry"):
        return  # parsed in a retry loop that asks again (analysis/retryparse.py): a cut answer fails the parse and is retried
    if is_test_path(site.path):
        return  # a test prints or asserts on the answer: a cut text fails or shows the test, it is not used as complete
    api = ctx.api(site)
    if api is None or api.constructor or not api.cap:
        return
    if site.method in set(ctx.params.get("raising-methods") or []):
        return
    state, param = site.first_present(api.cap)
    if state != "present" or param is None:
        return
    v = param.value.value if param.value.is_literal else None
    if param.value.is_literal and v is None:
        return  # `max_tokens=None` sets no cap: nothing can cut the answer at it
    if _NONE_OPTION.match(" ".join((param.value.source or "").split())):
        return  # `kwargs.pop("max_tokens", None)`: no cap unless a caller passes one (uncapped is LA101's business)
    if isinstance(v, int) and not isinstance(v, bool) and v <= int(ctx.params.get("min-cap") or 17) - 1:
        return  # a cap this small bounds a label on purpose
    if short_answer_hit(site, {}) is not None:
        return  # the prompt asks for a word or a label: a cap above a label's cannot cut it
    if isinstance(v, int) and not _thinks(site, ctx) and _never_reached(v, instruction_texts(site), ctx):
        return  # the answer asked for stays far below the cap (no estimate for a thinking model: its thinking counts against it)
    checks = ctx.params.get("checks") or {}
    hint = checks.get(site.api) or checks.get(site.provider)
    if not hint:
        return  # no known way to read why generation stopped (transformers pipelines)
    cap = f"`{param.path}={param.value.source}`" if param.value.source and len(param.value.source) <= 30 else f"`{param.path}`"
    kinds = {"parsed": "parsed", "returned": "returned", "stored": "stored"}
    first = {}
    for u in facts.get("uses") or []:
        first.setdefault(u["kind"], u["use"])
    how = ", ".join(f"{kinds[k]} ({_where(u, site)})" for k, u in first.items())
    yield ctx.site_finding(
        site,
        f"{site.method}() is capped by {cap} and its text is {how} without a look at why generation stopped: "
        f"an answer cut at the cap is used as if complete; check `{hint}` and retry with a larger cap or continue the answer",
    )


def _thinks(site: CallSite, ctx: RuleContext) -> bool:
    """The model thinks before it answers, under the same cap: a catalog reasoning model, an effort or
    thinking parameter on the request, or ``thinking-models`` of rules/answers.yaml."""
    model = ctx.model(site)
    if (model is not None and model.reasoning) or any(site.lookup(p)[0] != "missing" for p in _THINKING):
        return True
    globs = [str(g).lower() for g in (load_catalog().answers.get("short-answers") or {}).get("thinking-models") or []]
    names = [n.lower() for n in (model.name if model else None, site.model_name) if n]
    names += [n.rsplit("/", 1)[-1] for n in names if "/" in n]
    return any(fnmatch.fnmatchcase(n, g) for n in names for g in globs)


def _where(use, site: CallSite) -> str:
    """"line 12", or "cell 24, line 1" for a use in another cell of the notebook than the call."""
    if use.cell is not None and use.cell != site.cell:
        return f"cell {use.cell + 1}, line {use.span.line}"
    return f"line {use.span.line}"


def _never_reached(cap: int, texts: list[str], ctx: RuleContext) -> bool:
    """The answer the instruction ``texts`` ask for stays far below the literal ``cap``."""
    asked = asked_answer_tokens(texts)
    if asked is not None and cap >= asked * float(ctx.params.get("cap-headroom") or 4):
        return True  # the prompt's own example answer is far below the cap
    headroom = float(ctx.params.get("bound-headroom") or 1.5)
    bound = bounded_tokens(texts)
    if bound is not None and cap >= bound * headroom:
        return True  # the prompt bounds the answer's length ("3-8 words maximum") well below the cap
    return cap_is_guard(ask_kind(texts), cap, headroom)  # a guard far above any answer of this kind of ask (ask-reach)
