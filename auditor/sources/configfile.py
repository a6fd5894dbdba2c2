"""Model ids in configuration files: ``.env``, YAML, JSON and TOML (SPEC §1).

A configuration file becomes :class:`FileFacts` of kind ``config`` whose ``extra["model_refs"]``
holds one pseudo call site (api :data:`CONFIG_API`) per value that names a model, with the
value's exact position, so the retirement (LA402) and unknown-model (LA403) checks run on it
like on a ``model=`` argument and report ``file:line``.

Which files: policy ``model-config-paths`` (a glob, or ``{path: glob, keys: [patterns]}``) plus
the defaults (:data:`auditor.discover.DEFAULT_CONFIG_GLOBS`); ``model-config-paths: []`` turns the defaults off.
Which values - precision matters, most of these files are not about LLMs at all:

- **keys that name a chat model**: without policy ``keys``, a key whose last word is ``model``
  (``model``, ``default_model``, ``OPENAI_MODEL``, ``chatModel``) or ends in ``model name`` /
  ``model id`` (``model_name``, ``modelId``) - not ``model_dir``, ``model_path``, ``model_type``,
  ``model_kwargs``, and not embedding, speech, image or rerank models (``embedding_model``,
  ``tts_model``), which are not chat models the catalog prices; not a key qualified as a label
  (``unique_model_id``, ``display_model_name``, ``model_alias_id``): a name the project looks its own
  model entries up by, not the id sent to the provider;
- **values that look like a model id**: a single token of letters, digits and ``.-_:/@+`` - no
  paths (``./weights``), URLs, templates (``${MODEL}``, ``{{ model }}``), numbers or booleans, and
  not an embedding, speech or image model (``gemini-embedding-001``);
- **configuration, not data**: among the files the defaults choose, a JSON file named like data
  (``*cache*``, ``*results*``, ``*log*`` ...) or any file holding more than :data:`MAX_REFS` model
  ids (a response cache, a dataset of transcripts) is skipped; files policy names are always read.

Files that are too large, not UTF-8 or do not parse are skipped without a finding when only the
defaults chose them (a data file is not our business), and are LA000 when policy names them.
"""

from __future__ import annotations

import fnmatch
import json
import re
from functools import lru_cache
from typing import Any

from auditor.discover import (  # noqa: F401 - re-exported
    DEFAULT_CONFIG_GLOBS,
    config_matches,
    normalise_config_paths,
)
from auditor.facts import CallSite, FileFacts, Param, Value
from auditor.findings import Span

CONFIG_API = "config.model"
NOT_CHAT = {
    "embedding", "embeddings", "embed", "tts", "stt", "speech", "whisper", "transcription", "transcribe", "audio",
    "voice", "image", "images", "rerank", "reranker", "reranking", "moderation", "classifier", "ocr", "dall", "sora",
    "imagen", "veo", "realtime",
}
LABEL = {"unique", "display", "alias", "label", "friendly", "nickname"}  # a key naming a label for a model entry
MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{1,119}$")
NOT_AN_ID = re.compile(r"^(?:true|false|yes|no|on|off|none|null|nil|default|auto|latest|test|dummy|local|\d[\d.]*)$", re.IGNORECASE)
FILE_SUFFIX = re.compile(r"\.(?:bin|gguf|ggml|pt|pth|safetensors|onnx|h5|pkl|joblib|json|ya?ml|toml|txt|csv|zip|tar|gz)$", re.IGNORECASE)
MAX_REFS = 10  # more model ids than this in a file the defaults chose: records (a response cache, logs), not configuration
DATA_NAME = re.compile(r"(?:cache|log|history|trace|result|output|response|dataset|record|transcript|sample)", re.IGNORECASE)
MAX_NODES = 20_000  # bounded walk: a YAML alias bomb is visited once per node, and never more than this
ENV_LINE = re.compile(r"^(?P<lead>\s*(?:export\s+)?)(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(?P<rest>.*)$")


# ---------------------------------------------------------------- which keys
def _words(key: str) -> list[str]:
    key = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key)
    return [w for w in re.split(r"[^A-Za-z0-9]+", key.lower()) if w]


def names_a_model(key: str) -> bool:
    """``model``, ``default_model``, ``OPENAI_MODEL``, ``chatModel``, ``model_name``, ``modelId`` -
    not ``model_dir``, ``model_type``, ``models`` or ``embedding_model``."""
    words = _words(key)
    if not words or NOT_CHAT.intersection(words) or LABEL.intersection(words):
        return False
    return words[-1] == "model" or (len(words) >= 2 and words[-2] == "model" and words[-1] in ("name", "id"))


def names_models(key: str) -> bool:
    """A key holding a list of models: ``OPENAI_MODELS``, ``allowed_models`` (not a bare ``models``,
    which dbt, ORMs and ML configs use for other things)."""
    words = _words(key)
    return len(words) >= 2 and words[-1] == "models" and not NOT_CHAT.intersection(words)


def _names_any_model(key: str) -> bool:
    """A key ``_yaml_refs`` reports a value under when no policy gives keys."""
    return names_a_model(key) or names_models(key)


def key_matches(path: str, key: str, patterns: list[str]) -> bool:
    if not patterns:
        return names_a_model(key)
    low_path, low_key = path.lower(), key.lower()
    return any(fnmatch.fnmatchcase(low_key, p.lower()) or fnmatch.fnmatchcase(low_path, p.lower()) for p in patterns)


def looks_like_model_id(value: Any) -> bool:
    if not isinstance(value, str) or isinstance(value, bool):
        return False
    v = value.strip()
    if not MODEL_ID.match(v) or NOT_AN_ID.match(v) or not re.search(r"[A-Za-z]", v) or not re.search(r"[\d/-]", v):
        return False  # a model id has a version or a vendor: a bare word (`command`, `large`) is something else
    if "://" in v or v.startswith(("/", ".", "~")) or FILE_SUFFIX.search(v):
        return False
    # gemini-embedding-001, text-embedding-3-small, gpt-4o-mini-tts: not chat models
    return not NOT_CHAT.intersection(re.split(r"[-_./:@]+", v.lower()))


# ---------------------------------------------------------------- one file
def analyse_config(data: bytes, rel: str, chosen: list[dict[str, Any]], max_bytes: int) -> FileFacts:
    """The model ids of one configuration file. Never raises."""
    facts = FileFacts(path=rel, module="", kind="config")
    explicit = any(p["policy"] for p in chosen)
    patterns = sorted({k for p in chosen for k in p["keys"]})

    def fail(reason: str, line: int = 1, col: int = 1) -> FileFacts:
        if explicit:
            from auditor.sources.python import file_error

            facts.findings.append(file_error(rel, reason, line, col))
        else:
            facts.extra["skipped"] = True
        return facts

    if len(data) > max_bytes:
        return fail(f"file is too large ({len(data):,} bytes; limit {max_bytes:,}, policy `limits.max-file-bytes`)")
    if b"model" not in data.lower() and not patterns:
        facts.extra["skipped"] = True
        return facts
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return fail(f"not valid UTF-8: {e}")
    from auditor.sources.python import scan_suppressions

    facts.suppressions = scan_suppressions(text)
    name = rel.rsplit("/", 1)[-1].lower()
    if not explicit and name.endswith(".json") and DATA_NAME.search(name):
        facts.extra["skipped"] = True  # kv_store_llm_response_cache.json, eval_results.json: data, not configuration
        return facts
    if not explicit and not patterns and name.endswith((".yaml", ".yml")):
        from auditor.sources.yamlscreen import may_hold_model_ids

        if not may_hold_model_ids(text):  # no key and value the parse below could report: not parsed
            facts.extra["skipped"] = True
            return facts
        from auditor.sources.yamlkeys import no_model_keys

        if no_model_keys(text, _names_any_model):  # libyaml read every key: none the parse could report under
            return facts  # what the parse gives when it finds no reference (a VCR cassette)
    lines = text.splitlines()
    bases: dict[str, str] = {}  # model path -> the base URL written beside it
    try:
        if name.endswith((".yaml", ".yml")):
            found = _yaml_refs(text, patterns, bases)
        elif name.endswith(".json"):
            found = _json_refs(text, lines, patterns, bases)
        elif name.endswith(".toml"):
            found = _toml_refs(text, lines, patterns, bases)
        else:
            found = _env_refs(lines, patterns)
    except _Broken as e:
        return fail(str(e), e.line, e.col)
    except RecursionError:
        return fail("too deeply nested to analyse")
    if not explicit and len(found) > MAX_REFS:
        facts.extra["skipped"] = True  # records of model ids (a cache, logs, a dataset), not configuration
        return facts
    for n, (path, value, raw, line, col) in enumerate(found):
        site = _site(rel, path, value, raw, line, col, n)
        if path in bases:
            site.extra["base_url"] = bases[path]  # served by that endpoint (checks/context.py)
        if AZURE + path in bases:
            site.extra["azure_deployment"] = bases[AZURE + path]  # the deployment decides the model (LA402)
        facts.extra.setdefault("model_refs", []).append(site)
    return facts


@lru_cache(maxsize=1)
def _url_keys() -> tuple[str, ...]:
    """rules/endpoints.yaml ``url-params`` (read once: analysis/endpoints.py is a layer above sources/)."""
    from auditor.config.catalog import load_yaml_file, rules_dir

    return tuple((load_yaml_file(rules_dir() / "endpoints.yaml") or {}).get("url-params") or ["base_url"])


def _sibling_url(mapping: Any) -> str | None:
    """The base URL written beside a model key (``base_url: https://integrate.api.nvidia.com/v1``)."""
    for k in _url_keys():
        v = mapping.get(k)
        if isinstance(v, str) and "." in v and " " not in v.strip():
            return v.strip()
    return None


AZURE = "azure-deployment:"  # key prefix in ``bases``: the Azure deployment written beside a model key
_DEPLOYMENT_KEYS = ("azure_deployment_name", "azure_deployment", "deployment_name", "deployment_id")
_PROVIDER_KEYS = ("model_provider", "api_type", "provider", "type", "llm")  # AutoRAG: `llm: azure_openai`


def _sibling_deployment(mapping: Any, model: str) -> str | None:
    """The Azure deployment a model key's block names (``azure_deployment_name: gpt-4.1``), or the
    model itself when the block says the provider is Azure (``model_provider: azure``) and gives an
    ``api_version``: an Azure OpenAI deployment, whose model and retirement dates are Azure's."""
    for k in _DEPLOYMENT_KEYS:
        v = mapping.get(k)
        if isinstance(v, str) and v.strip():
            return v.strip()  # `${AZURE_DEPLOYMENT}` too: a deployment, whatever its name
    azure = any(str(mapping.get(k) or "").strip().lower() in ("azure", "azure_openai", "azure-openai") for k in _PROVIDER_KEYS)
    if azure and mapping.get("api_version") is not None:
        engine = mapping.get("engine")  # LlamaIndex AzureOpenAI(engine=...): the deployment's name
        return engine.strip() if isinstance(engine, str) and engine.strip() else str(model).strip()
    return None


class _Broken(Exception):
    def __init__(self, reason: str, line: int = 1, col: int = 1):
        super().__init__(reason)
        self.line, self.col = line, col


def _site(rel: str, path: str, value: str, raw: str, line: int, col: int, n: int) -> CallSite:
    span = Span(line, col, line, col + len(raw))
    val = Value("literal", value, source=raw, span=span, origin="literal")
    return CallSite(
        id=f"{rel}::{path}#{n}", path=rel, span=span, provider="config", api=CONFIG_API, method=path,
        model=val, params={"model": Param("model", val, arg_span=span, direct=True)}, source=f"{path}: {value}",
    )


# ---------------------------------------------------------------- formats
def _env_refs(lines: list[str], patterns: list[str]) -> list[tuple[str, str, str, int, int]]:
    out = []
    for i, line in enumerate(lines, start=1):
        m = ENV_LINE.match(line)
        if m is None or line.lstrip().startswith("#"):
            continue
        key, rest = m.group("key"), m.group("rest")
        start = m.start("rest")
        if rest[:1] in ("'", '"'):
            end = rest.find(rest[0], 1)
            if end < 0:
                continue
            raw, value = rest[: end + 1], rest[1:end]
        else:
            raw = re.split(r"\s+#", rest, maxsplit=1)[0].rstrip()
            value = raw
        if key_matches(key, key, patterns) and looks_like_model_id(value):
            out.append((key, value.strip(), raw, i, start + 1))
        elif not patterns and names_models(key) and rest[:1] not in ("'", '"'):
            offset = start
            for item in raw.split(","):
                lead = len(item) - len(item.lstrip())
                if looks_like_model_id(item.strip()):
                    out.append((key, item.strip(), item.strip(), i, offset + lead + 1))
                offset += len(item) + 1
    return out


def _yaml_refs(text: str, patterns: list[str], bases: dict[str, str]) -> list[tuple[str, str, str, int, int]]:
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    y = YAML(typ="rt")
    y.preserve_quotes = True
    try:
        docs = list(y.load_all(text))
    except Exception as e:  # noqa: BLE001 - any YAML error is a broken file
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise _Broken(f"broken YAML: {problem}", 1 + (mark.line if mark else 0), 1 + (mark.column if mark else 0)) from None
    lines = text.splitlines()
    out: list[tuple[str, str, str, int, int]] = []
    seen: set[int] = set()
    budget = [MAX_NODES]

    def walk(node: Any, path: str) -> None:
        if id(node) in seen or budget[0] <= 0:
            return
        seen.add(id(node))
        budget[0] -= 1
        if isinstance(node, CommentedMap):
            for key, child in node.items():
                sub = f"{path}.{key}" if path else str(key)
                if isinstance(child, str) and key_matches(sub, str(key), patterns) and looks_like_model_id(child):
                    try:
                        line0, col0 = node.lc.value(key)
                    except (KeyError, TypeError, AttributeError):
                        continue
                    raw = _raw_at(lines, line0, col0, child)
                    if raw is not None:
                        out.append((sub, str(child).strip(), raw, line0 + 1, col0 + 1))
                        if (url := _sibling_url(node)) is not None:
                            bases[sub] = url
                        if (dep := _sibling_deployment(node, child)) is not None:
                            bases[AZURE + sub] = dep
                elif isinstance(child, CommentedSeq) and not patterns and names_models(str(key)):
                    for i, item in enumerate(child):
                        if isinstance(item, str) and looks_like_model_id(item):
                            try:
                                line0, col0 = child.lc.item(i)
                            except (KeyError, TypeError, AttributeError, IndexError):
                                continue
                            raw = _raw_at(lines, line0, col0, item)
                            if raw is not None:
                                out.append((f"{sub}[{i}]", str(item).strip(), raw, line0 + 1, col0 + 1))
                elif isinstance(child, (CommentedMap, CommentedSeq)):
                    walk(child, sub)
        elif isinstance(node, CommentedSeq):
            for i, child in enumerate(node):
                walk(child, f"{path}[{i}]")

    for doc in docs:
        walk(doc, "")
    return out


def _raw_at(lines: list[str], line0: int, col0: int, value: str) -> str | None:
    """The value as written at (line0, col0): quoted or plain, on one line; None otherwise."""
    if line0 >= len(lines):
        return None
    rest = lines[line0][col0:]
    for raw in (f'"{value}"', f"'{value}'", value):
        if rest.startswith(raw):
            return raw
    return None


def _json_refs(text: str, lines: list[str], patterns: list[str], bases: dict[str, str]) -> list[tuple[str, str, str, int, int]]:
    try:
        data = json.loads(text)
    except ValueError as e:
        raise _Broken(f"broken JSON: {getattr(e, 'msg', e)}", getattr(e, "lineno", 1), getattr(e, "colno", 1)) from None
    wanted: list[tuple[str, str, str]] = []  # (path, key, value)
    _walk_plain(data, "", patterns, wanted, [MAX_NODES], bases)
    return _locate(text, wanted, lambda key, value: re.compile(r'"' + re.escape(json.dumps(key)[1:-1]) + r'"\s*:\s*(' + re.escape(json.dumps(value)) + r")"))


def _toml_refs(text: str, lines: list[str], patterns: list[str], bases: dict[str, str]) -> list[tuple[str, str, str, int, int]]:
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        data = tomllib.loads(text)
    except Exception as e:  # noqa: BLE001 - tomllib.TOMLDecodeError and friends
        raise _Broken(f"broken TOML: {e}") from None
    wanted: list[tuple[str, str, str]] = []
    _walk_plain(data, "", patterns, wanted, [MAX_NODES], bases)
    return _locate(text, wanted, lambda key, value: re.compile(r"(?m)^\s*(?:[\"']?" + re.escape(key) + r"[\"']?)\s*=\s*(\"" + re.escape(value) + r"\"|'" + re.escape(value) + r"')"))


def _walk_plain(node: Any, path: str, patterns: list[str], out: list[tuple[str, str, str]], budget: list[int],
                bases: dict[str, str]) -> None:
    budget[0] -= 1
    if budget[0] <= 0:
        return
    if isinstance(node, dict):
        for key, child in node.items():
            sub = f"{path}.{key}" if path else str(key)
            if isinstance(child, str) and key_matches(sub, str(key), patterns) and looks_like_model_id(child):
                out.append((sub, str(key), child))
                if (url := _sibling_url(node)) is not None:
                    bases[sub] = url
                if (dep := _sibling_deployment(node, child)) is not None:
                    bases[AZURE + sub] = dep
            elif isinstance(child, (dict, list)):
                _walk_plain(child, sub, patterns, out, budget, bases)
    elif isinstance(node, list):
        for i, child in enumerate(node):
            _walk_plain(child, f"{path}[{i}]", patterns, out, budget, bases)


def _locate(text: str, wanted: list[tuple[str, str, str]], pattern) -> list[tuple[str, str, str, int, int]]:
    """Positions of ``key: value`` pairs in the text, in order (a pair written twice is found twice)."""
    out = []
    used: dict[tuple[str, str], int] = {}
    for path, key, value in wanted:
        matches = list(pattern(key, value).finditer(text))
        k = used.get((key, value), 0)
        used[(key, value)] = k + 1
        if k >= len(matches):
            continue
        start = matches[k].start(1)
        line = text.count("\n", 0, start) + 1
        col = start - (text.rfind("\n", 0, start) + 1) + 1
        out.append((path, value.strip(), matches[k].group(1), line, col))
    return out
