"""LA403 unknown-model: a model id the model catalog does not know (so its cost, limits and
lifecycle are unknown), with the catalog name a typo most likely meant.

By default only a likely typo is reported (one word off a catalog name by at most two edits, so the call
fails at runtime); a name the catalog merely lacks is a gap in the catalog, not a defect in the code
(on judged real code 3 of 111 such findings were true), and is reported only with the rule parameter
``uncatalogued: report`` (a team that keeps its own ``models:`` complete).

Local servers, gateways, placeholders, ``ignore-models``, media models (``rules/model-modes.json``),
local model tags, routing specs and LiteLLM Router groups (:mod:`auditor.checks.modelids`) stay silent; in a configuration file
(``model_ref``) only values written like a hosted LLM's id are reported.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from auditor.checks import check
from auditor.analysis.endpoints import endpoint_table
from auditor.checks.context import RuleContext
from auditor.checks.lifecycle import is_retired
from auditor.checks.modelids import not_a_model_id
from auditor.checks.models import _compile
from auditor.checks.modelswap import model_span
from auditor.config.globs import glob_match
from auditor.config.modelmodes import media_mode
from auditor.cost.model import LOCAL_PROVIDERS
from auditor.facts import CallSite
from auditor.findings import Finding
from auditor.sources.configfile import CONFIG_API

# families of hosted-LLM ids: in a configuration file an unknown value is reported only when it
# is written like one; `bert-base-uncased` or
# `meta-llama/Llama-3.1-8B-Instruct` in a training config is somebody else's model
HOSTED_FAMILIES = re.compile(
    r"^(?:[a-z_]+/)?(?:gpt-|o[1-9](?:-|$)|chatgpt-|claude-|gemini-|mistral-|ministral-|codestral-|devstral-|magistral-"
    r"|pixtral-|grok-|deepseek-|command-|text-davinci-)",
    re.IGNORECASE,
)


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (names are short)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def near_miss(name: str, ctx: RuleContext) -> str | None:
    """The catalog name a typo most likely meant: fewest edits, then same length (a mistyped
    character rather than a missing one), then a model still available."""
    models = list(ctx.policy.models)
    known = {m.name.lower(): m for m in models}
    for m in models:
        for a in m.aliases:
            known.setdefault(a.lower(), m)
    key = name.lower()
    close = difflib.get_close_matches(key, list(known), n=8, cutoff=0.75)
    # a typo keeps the version: "gpt-4o-mnii" -> "gpt-4o-mini", but never "gpt-5.4-mini" ->
    # "gpt-4.1-mini" (another model) nor "llama-3.1-405b" -> a Bedrock "llama3-1-8b" id
    def version(n: str) -> list[str]:
        return re.findall(r"\d+", re.sub(r"(?<=\d)o", "0", n))  # "gpt-40" is a typo of "gpt-4o"

    digits = version(key)
    close = [c for c in close if version(c) == digits and _vendor(c) == _vendor(key)]
    # nor adds or drops a word: "gemini-3.1-flash" is not "gemini-3.1-flash-lite", "gemma2-9b-it" not "gemini-gemma-2-9b-it"
    close = [c for c in close if c.count("-") == key.count("-")]
    if not close:
        return None
    best = min(close, key=lambda c: (_edits(key, c), abs(len(c) - len(key)), is_retired(known[c], ctx.today), c))
    return best


def _vendor(name: str) -> str:
    """The host prefix of a written id: ``bedrock/``, ``meta.``, ``openrouter/``... ("" for a bare name)."""
    m = re.match(r"^([a-z0-9_-]+[/:]|(?:us\.|eu\.|apac\.)?[a-z]+\.(?=[a-z]))", name)
    return m.group(1) if m else ""


@check("unknown_model", on="model_ref")
def unknown_model(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    name = site.model_name
    if not name or ctx.model(site) is not None:
        return
    if site.provider in set(ctx.params.get("ignore-providers") or LOCAL_PROVIDERS):
        return
    if site.extra.get("local") or site.extra.get("unknown_model") == "ignore":
        return  # a local server or a gateway (rules/endpoints.yaml) names its models as it likes
    if "endpoint" not in site.extra and provider_ignores_unknown(site.provider):
        return  # a provider's own SDK (sambanova.SambaNova) with no base_url: its endpoint's rule applies
    if glob_match(name, list(ctx.params.get("ignore-models") or [])):
        return
    if media_mode(name) is not None or not_a_model_id(name, ctx.params) or site.api in (ctx.params.get("alias-apis") or []):
        return  # an image/speech model (rules/model-modes.json), a local model tag, a routing spec or a Router group
    if glob_match(name.lower().rsplit("/", 1)[-1], [str(p) for p in ctx.params.get("media-models") or []]):
        return  # written like an image / video generation model
    head, sep, rest = name.partition(":")
    if sep and head.isidentifier() and ctx.policy.models.lookup(rest) is not None:
        return  # init_chat_model's "provider:model" spelling of a known model
    if any(p.search(name) for p in _compile(ctx.params.get("placeholders") or [])):
        return  # a placeholder or template field, not a model id
    if any(re.search(p, name) for p in ctx.params.get("placeholder-case-sensitive") or []):
        return
    where = ""
    if site.api == CONFIG_API:
        if not HOSTED_FAMILIES.match(name):
            return  # not written like a hosted LLM: a local or fine-tuning model, not ours to price
        if re.search(r"azure|deployment", site.method or "", re.IGNORECASE):
            return  # a key of an Azure (deployment) section: the deployment's name, which its owner chose
        if re.match(r"defaults\[\d+\]\.", site.method or ""):
            return  # Hydra's defaults list: `- model: mistral-7b` selects conf/model/mistral-7b.yaml, not a model id
        if re.search(r"(?:^|[._\]])(?:huggingface|hf)_", site.method or "", re.IGNORECASE):
            return  # a Hugging Face Hub repo id (`huggingface_model_name`): weights a local run loads, not a hosted API's model
        where = f" (configured as `{site.method}`)"
    close = near_miss(name, ctx)
    if close is None or not is_typo(name, close):
        if ctx.params.get("uncatalogued", "ignore") != "report":
            return  # a catalog gap, not a defect in the code: a name that ran is a real model somewhere
        close = None
    hint = f"; did you mean `{close}`?" if close else "; add it under `models:` in the policy to price it"
    span = model_span(site, ctx)
    yield ctx.finding(f"model `{name}`{where} is not in the model catalog, so its cost, limits and lifecycle are unknown{hint}", site.path, span, site=site)


def is_typo(name: str, close: str) -> bool:
    """True when ``name`` differs from the catalog's ``close`` in one word only, by at most two edits
    that leave most of that word (``gpt-4o-mnii``, ``claude-3-5-sonet``): not another word of a model
    family (``gemini-2.5-flash-tts`` is no ``-lite``, ``text-davinci-001`` no ``text-ada-001``)."""
    a, b = re.split(r"[-_.:/]", name.lower()), re.split(r"[-_.:/]", close.lower())
    if len(a) != len(b):
        return False
    differ = [(x, y) for x, y in zip(a, b) if x != y]
    if len(differ) != 1:
        return False
    x, y = differ[0]
    return _edits(x, y) <= min(2, max(len(x), len(y)) // 2) and not (x.isdigit() and y.isdigit())


def provider_ignores_unknown(provider: str | None) -> bool:
    """True when every endpoint of ``provider`` in rules/endpoints.yaml says ``unknown-model: ignore``
    (the catalog holds only part of what it serves), so a call reaching it without a base_url is silent too."""
    mine = [e for e in endpoint_table()[0] if provider and e.provider == provider]
    return bool(mine) and all(e.unknown_model == "ignore" for e in mine)
