"""Prompt text in agent frameworks' YAML configuration (rules/flows.yaml ``config-prompts``).

Some frameworks take an agent's instructions from a YAML file instead of a constructor call: a
Google ADK ``AgentConfig`` (``root_agent.yaml`` and the sub-agents it names: ``name``, ``model``,
``instruction``), CrewAI's ``config/agents.yaml`` (one mapping per agent: ``role``, ``goal``,
``backstory``) and ``config/tasks.yaml`` (``description``, ``expected_output``). These files are
configuration files of the run (their model ids are checked there); when one has the shape a
``config-prompts`` entry describes, each text it names is a prompt constant written in that file,
linted by the text rules like a prompt file's text. A YAML file of another shape holds no prompt.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from auditor.analysis.yamlprompts import _scalar_segments, segments_span
from auditor.facts import FileFacts, Message, Prompt, PromptConstant
from auditor.sources.frontmatter import FrontMatter, yaml_loader


def _models() -> list[dict[str, Any]]:
    from auditor.config.catalog import load_catalog

    out = []
    for raw in (load_catalog().flows or {}).get("config-prompts") or []:
        if isinstance(raw, dict) and raw.get("text"):
            out.append(raw)
    return out


def _needles(models: list[dict[str, Any]]) -> list[bytes]:
    return sorted({f"{k}:".encode() for m in models for k in (m.get("match") or {}).get("all") or []})


@lru_cache(maxsize=8)
def _key_patterns(keys: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(re.escape(k) + r"[\"']?[ \t]*:") for k in keys)


def _may_match(data: bytes, models: list[dict[str, Any]]) -> bool:
    """Can one entry's ``match.all`` keys all be in the file? Each key is then written as itself,
    quoted or not, before a ``:`` (double-quoted escapes undone), unless an explicit ``? `` key, an
    alias key or a ``!!binary`` key makes a key of other text: then it is parsed, as before."""
    from auditor.sources.yamlscreen import hides_keys, unescaped

    text = data.decode("utf-8", "replace")
    if hides_keys(text):
        return True
    wanted = [_key_patterns(tuple((m.get("match") or {}).get("all") or [])) for m in models]
    texts = [text, unescaped(text)] if "\\" in text else [text]
    return any(all(any(p.search(t) for t in texts) for p in pats) for pats in wanted)


def config_prompts(data: bytes, rel: str, facts: FileFacts) -> None:
    """Add the prompt constants of a framework's YAML agent or task configuration. Never raises."""
    if not rel.lower().endswith((".yaml", ".yml")):
        return
    models = _models()
    if not models or not any(n in data for n in _needles(models)):
        return  # the cheap test: no key any entry needs is written in the file
    if not _may_match(data, models):
        return  # no entry has all the keys it needs written in the file
    try:
        text = data.decode("utf-8-sig")
        node = yaml_loader().load(text)
    except Exception:  # noqa: BLE001 - a broken YAML file is the config reader's to report
        return
    if not isinstance(node, dict):
        return
    lines = text.split("\n")
    fm = FrontMatter(node, 1, len(lines) + 1)
    before = len(facts.prompt_constants)
    for model in models:
        if model.get("per-entry"):
            for key, entry in node.items():
                if isinstance(entry, dict) and _matches(entry, model):
                    _add(entry, str(key), model, fm, lines, facts)
        elif _matches(node, model):
            _add(node, "", model, fm, lines, facts)
        if len(facts.prompt_constants) > before:
            break  # one shape per file
    if len(facts.prompt_constants) > before:
        facts.extra.pop("skipped", None)


def _matches(node: dict, model: dict[str, Any]) -> bool:
    m = model.get("match") or {}
    if not all(isinstance(node.get(k), str) and node.get(k).strip() for k in m.get("all") or []):
        return False
    anyof = m.get("any") or []
    return not anyof or any(k in node for k in anyof)


def _add(node: dict, owner: str, model: dict[str, Any], fm: FrontMatter, lines: list[str], facts: FileFacts) -> None:
    role = str(model.get("role") or "system")
    for key in model.get("text") or []:
        if not isinstance(node.get(key), str) or not node[key].strip() or not hasattr(node, "lc"):
            continue
        try:
            segs = _scalar_segments(node, key, fm, lines)
        except Exception:  # noqa: BLE001 - an odd scalar: no prompt rather than a crash
            continue
        span = segments_span(segs)
        if span is None:
            continue
        # named like a text sink's argument ("Agent(backstory=)"): the key is the framework's
        # parameter, never a name the role heuristics read as data ("*story")
        name = f"{owner or model.get('framework') or 'config'}({key}=)"
        facts.prompt_constants.append(PromptConstant(name, "", facts.path, span, Prompt([Message(role, segs)])))
