"""sdk_methods.py [--wheels DIR] [--download] [--out rules/sdk-methods.json]: the generation methods of the
pinned SDK wheels, read statically (ast over the wheels' sources; no third-party code is imported or run).

Maintainer script. With --download it fetches the pinned wheels (`pip download --no-deps --only-binary :all:`)
into DIR (default /tmp/llm-audit-wheels); otherwise the wheels must be there already. The output is a data
file checked in beside the providers catalog; tests/test_sdk_methods.py fails when a method it lists is
neither covered by rules/providers.yaml nor excluded, with a reason, in rules/sdk-exclusions.yaml.

What counts as a generation method, read from signatures alone:
- a method reachable from an SDK's public client classes through resource attributes (class annotations,
  `self.x = X(...)`, `@cached_property def x(self) -> X`), including methods that return a session object
  with generation methods of its own (`client.chats.create() -> Chat`, `model.start_chat() -> ChatSession`),
  whose parameters name a prompt (`messages`, `prompt`, `input`, `contents`, `message`, ...) and either an
  output cap (`max_tokens`, `max_output_tokens`, `max_completion_tokens`, `max_tokens_to_sample`, ...) or a
  config/options object that carries one (`config`, `generation_config`, `options`);
- module-level functions of the same shape (`litellm.completion`, `ollama.chat = _client.chat`);
- legacy openai 0.x resources whose OBJECT_NAME is a generation endpoint (`openai.ChatCompletion.create`);
- LangChain and LlamaIndex model classes (subclasses of BaseChatModel / BaseLLM / LLM / FunctionCallingLLM ...):
  the constructor is the call site; their cap fields and literal defaults are recorded;
- botocore's bedrock-runtime operations whose input names a modelId and messages or a body.
"""
from __future__ import annotations

import argparse
import ast
import gzip
import hashlib
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

# (distribution, version, root client classes (public names), kind)
# kind: clients (walk client classes), functions (module-level functions too), models (LangChain/LlamaIndex
# classes), boto (service model)
PINS = [
    ("openai", "3.57.0", ["OpenAI", "AsyncOpenAI", "AzureOpenAI", "AsyncAzureOpenAI"], "clients"),
    ("openai", "1.109.1", ["OpenAI", "AsyncOpenAI", "AzureOpenAI", "AsyncAzureOpenAI"], "clients"),
    ("openai", "0.28.1", [], "legacy-openai"),
    ("anthropic", "2.15.0", ["Anthropic", "AsyncAnthropic", "AnthropicBedrock", "AsyncAnthropicBedrock", "AnthropicVertex", "AsyncAnthropicVertex"], "clients"),
    ("anthropic", "0.49.0", ["Anthropic", "AsyncAnthropic"], "clients"),
    ("anthropic", "0.34.2", ["Anthropic", "AsyncAnthropic"], "clients"),
    ("google-genai", "3.6.1", ["Client"], "clients"),
    ("google-generativeai", "0.8.6", ["GenerativeModel"], "clients"),
    ("mistralai", "3.7.0", ["client.Mistral"], "clients"),
    ("mistralai", "1.9.11", ["Mistral"], "clients"),
    ("mistralai", "0.4.2", ["client.MistralClient", "async_client.MistralAsyncClient"], "clients"),
    ("cohere", "7.3.1", ["Client", "AsyncClient", "ClientV2", "AsyncClientV2"], "clients"),
    ("cohere", "5.20.7", ["Client", "AsyncClient", "ClientV2", "AsyncClientV2"], "clients"),
    ("cohere", "4.57", ["Client", "AsyncClient"], "clients"),
    ("groq", "1.7.0", ["Groq", "AsyncGroq"], "clients"),
    ("together", "3.1.1", ["Together", "AsyncTogether"], "clients"),
    ("together", "1.5.35", ["Together", "AsyncTogether"], "clients"),
    ("ollama", "0.6.3", ["Client", "AsyncClient"], "functions"),
    ("litellm", "1.110.2", ["router.Router"], "functions"),
    ("azure-ai-inference", "1.0.0b9", ["_patch.ChatCompletionsClient=ChatCompletionsClient", "aio._patch.ChatCompletionsClient=aio.ChatCompletionsClient"], "clients"),
    ("botocore", "1.44.8", [], "boto"),
    ("langchain-openai", "1.7.4", [], "models"),
    ("langchain-anthropic", "1.7.10", [], "models"),
    ("langchain-google-genai", "4.4.3", [], "models"),
    ("langchain-google-vertexai", "3.2.5", [], "models"),
    ("langchain-mistralai", "1.1.6", [], "models"),
    ("langchain-groq", "1.1.3", [], "models"),
    ("langchain-cohere", "0.6.0", [], "models"),
    ("langchain-together", "0.4.0", [], "models"),
    ("langchain-aws", "1.9.1", [], "models"),
    ("langchain-ollama", "1.1.0", [], "models"),
    ("langchain-litellm", "0.11.2", [], "models"),
    ("langchain-azure-ai", "1.2.12", [], "models"),
    ("langchain-community", "0.4.2", [], "models"),
    ("llama-index-llms-openai", "0.8.3", [], "models"),
    ("llama-index-llms-azure-openai", "0.6.1", [], "models"),
    ("llama-index-llms-openai-like", "0.8.1", [], "models"),
    ("llama-index-llms-anthropic", "0.12.3", [], "models"),
    ("llama-index-llms-mistralai", "0.11.0", [], "models"),
    ("llama-index-llms-ollama", "0.11.0", [], "models"),
    ("llama-index-llms-gemini", "0.6.2", [], "models"),
    ("llama-index-llms-google-genai", "0.11.3", [], "models"),
    ("llama-index-llms-vertex", "0.8.0", [], "models"),
    ("llama-index-llms-bedrock-converse", "0.15.5", [], "models"),
    ("llama-index-llms-bedrock", "0.6.0", [], "models"),
    ("llama-index-llms-cohere", "0.9.0", [], "models"),
    ("llama-index-llms-groq", "0.6.1", [], "models"),
    ("llama-index-llms-together", "0.6.1", [], "models"),
    ("llama-index-llms-litellm", "0.8.0", [], "models"),
    ("llama-index-llms-azure-inference", "0.8.0", [], "models"),
]

PROMPT = {"messages", "prompt", "input", "contents", "message", "inputs", "instructions", "system", "preamble", "chat_history", "text"}
MODEL = {"model", "model_id", "modelId", "model_name", "engine", "deployment_id", "deployment_name", "azure_deployment"}
CAP = re.compile(r"^(max_(completion_|output_|new_)?tokens(_to_sample)?|maxTokens|num_predict|max_gen_len|maxOutputTokens)$")
STOP = re.compile(r"^(stop|stop_sequences|stop_strings|stopSequences)$")
CONFIGS = {"config", "generation_config", "options", "inference_config"}
PASSTHROUGH = {"with_raw_response", "with_streaming_response", "with_options"}
# base classes (simple names) that make a class a LangChain or LlamaIndex model
MODEL_BASES = {"BaseChatModel", "SimpleChatModel", "BaseLLM", "LLM", "FunctionCallingLLM", "CustomLLM", "BaseChatOpenAI", "BaseOpenAI", "OpenAI", "OpenAILike", "AzureOpenAI"}
# langchain-community is huge: only its modules for providers of SPEC §2
COMMUNITY = re.compile(r"^langchain_community/(chat_models|llms)/(openai|azure_openai|anthropic|ollama|bedrock|litellm|litellm_router|mistralai|cohere|vertexai|groq|together|huggingface_pipeline|vllm)\.py$")


class Package:
    """The modules of one wheel, parsed, with an import-resolving class index."""

    def __init__(self, wheel: Path, top: str | None = None):
        self.modules: dict[str, ast.Module] = {}
        with zipfile.ZipFile(wheel) as z:
            for name in z.namelist():
                if not name.endswith(".py") or "/tests/" in name or "/_vendor/" in name:
                    continue
                if top and not name.startswith(top + "/"):
                    continue
                if COMMUNITY_WHEEL.search(wheel.name) and not (COMMUNITY.match(name) or name.endswith("__init__.py")):
                    continue
                mod = name[:-3].replace("/", ".")
                mod = mod.removesuffix(".__init__")
                try:
                    self.modules[mod] = ast.parse(z.read(name).decode("utf-8", "replace"))
                except SyntaxError:
                    continue
            self.files = z.namelist()
        self.classes: dict[str, ast.ClassDef] = {}
        self.functions: dict[str, ast.FunctionDef] = {}
        self.imports: dict[str, dict[str, str]] = {}
        for mod, tree in self.modules.items():
            table = self.imports.setdefault(mod, {})
            pkg = mod if self._is_pkg(mod) else mod.rsplit(".", 1)[0]
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom):
                    base = node.module or ""
                    if node.level:
                        parts = pkg.split(".")
                        parts = parts[: len(parts) - node.level + 1]
                        base = ".".join(parts + ([node.module] if node.module else []))
                    for a in node.names:
                        table[a.asname or a.name] = f"{base}.{a.name}"
                elif isinstance(node, ast.Import):
                    for a in node.names:
                        table[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    self.classes[f"{mod}.{node.name}"] = node
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.functions[f"{mod}.{node.name}"] = node

    def _is_pkg(self, mod: str) -> bool:
        return any(m.startswith(mod + ".") for m in self.modules)

    def resolve(self, mod: str, expr: ast.AST | str | None, depth: int = 0) -> str | None:
        """The qualified name (in this wheel) a name, attribute or string annotation refers to."""
        if expr is None or depth > 8:
            return None
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            try:
                expr = ast.parse(expr.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(expr, ast.Subscript):  # Optional[X], "X | None"
            inner = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
            for e in inner:
                r = self.resolve(mod, e, depth + 1)
                if r:
                    return r
            return None
        if isinstance(expr, ast.BinOp):
            return self.resolve(mod, expr.left, depth + 1) or self.resolve(mod, expr.right, depth + 1)
        dotted = _dotted(expr)
        if not dotted:
            return None
        head, _, rest = dotted.partition(".")
        target = self.imports.get(mod, {}).get(head)
        if target is None:
            target = f"{mod}.{head}"
        full = f"{target}.{rest}" if rest else target
        return self.canonical(full, depth)

    def canonical(self, full: str, depth: int = 0) -> str | None:
        if full in self.classes or full in self.functions:
            return full
        if depth > 8:
            return None
        mod, _, name = full.rpartition(".")
        if mod in self.modules and name in self.imports.get(mod, {}):
            return self.canonical(self.imports[mod][name], depth + 1)
        if mod in self.modules:  # `from .x import *` re-exports
            for node in self.modules[mod].body:
                if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                    base = self.imports[mod]
                    src = node.module or ""
                    if node.level:
                        parts = mod.split(".") if self._is_pkg(mod) else mod.split(".")[:-1]
                        parts = parts[: len(parts) - node.level + 1]
                        src = ".".join(parts + ([node.module] if node.module else []))
                    del base
                    hit = self.canonical(f"{src}.{name}", depth + 1)
                    if hit:
                        return hit
        return None

    def bases(self, qual: str) -> list[str]:
        """Classes (in this wheel) and simple names (outside it) this class derives from, transitively."""
        out, todo, seen = [], [qual], set()
        while todo:
            q = todo.pop()
            if q in seen or q not in self.classes:
                continue
            seen.add(q)
            mod = q.rsplit(".", 1)[0]
            for b in self.classes[q].bases:
                r = self.resolve(mod, b)
                if r:
                    out.append(r)
                    todo.append(r)
                else:
                    d = _dotted(b.value if isinstance(b, ast.Subscript) else b)
                    if d:
                        out.append(d.rsplit(".", 1)[-1])
        return out

    def members(self, qual: str):
        """(name, node, defining class) of a class and its in-wheel bases, nearest first."""
        seen = set()
        for q in [qual] + [b for b in self.bases(qual) if b in self.classes]:
            for node in self.classes[q].body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any((_dotted(d) or "").endswith("overload") for d in node.decorator_list):
                    continue  # typing.overload stubs: the implementation follows
                name = getattr(node, "name", None) or (node.target.id if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) else None)
                if name and name not in seen:
                    seen.add(name)
                    yield name, node, q


COMMUNITY_WHEEL = re.compile(r"^langchain_community-")


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id] + parts)
    return None


def params_of(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    a = fn.args
    names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
    return [n for n in names if n not in ("self", "cls")]


def is_generation(params: list[str]) -> bool:
    s = set(params)
    if not (s & PROMPT):
        return False
    return any(CAP.match(p) for p in params) or bool(s & CONFIGS)


def describe(params: list[str]) -> dict:
    return {
        "model": [p for p in params if p in MODEL],
        "prompt": [p for p in params if p in PROMPT],
        "cap": [p for p in params if CAP.match(p)],
        "stop": [p for p in params if STOP.match(p)],
        "config": [p for p in params if p in CONFIGS],
    }


def walk_clients(pkg: Package, top: str, roots: list[str]) -> list[dict]:
    out: list[dict] = []
    for root in roots:
        # a public name, a module path below the package (client.MistralClient), or where=public
        # (_patch.ChatCompletionsClient=ChatCompletionsClient: the class the package swaps in at import)
        where, _, public = root.partition("=")
        qual = pkg.canonical(f"{top}.{where}")
        if qual is None:
            print(f"  {top}.{where}: not found", file=sys.stderr)
            continue
        _walk(pkg, qual, f"{top}.{public or where}", [], out, set(), 0)
    return out


def _children(pkg: Package, qual: str):
    mod = qual.rsplit(".", 1)[0]
    for name, node, owner in pkg.members(qual):
        omod = owner.rsplit(".", 1)[0]
        if name.startswith("_"):
            continue
        if isinstance(node, ast.AnnAssign):
            r = pkg.resolve(omod, node.annotation)
            if r in pkg.classes:
                yield name, r, False
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decos = {(_dotted(d) or "").rsplit(".", 1)[-1] for d in node.decorator_list}
            r = pkg.resolve(omod, node.returns)
            if r in pkg.classes and decos & {"cached_property", "property"}:
                yield name, r, False
            elif r in pkg.classes and not decos & {"cached_property", "property", "staticmethod"}:
                yield name, r, True  # a method returning a session object: chats.create() -> Chat
    init = next((n for n in pkg.classes[qual].body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    for node in ast.walk(init) if init else ():
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            t = node.targets[0]
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self" and not t.attr.startswith("_"):
                if isinstance(node.value, ast.Call):
                    r = pkg.resolve(mod, node.value.func)
                    if r in pkg.classes:
                        yield t.attr, r, False


def _walk(pkg: Package, qual: str, client: str, path: list[str], out: list[dict], seen: set, depth: int) -> None:
    if depth > 5 or (qual, tuple(path)) in seen:
        return
    seen.add((qual, tuple(path)))
    variants = set()
    found_here = []
    kwargs_only = []
    for name, node, _owner in pkg.members(qual):
        if name in PASSTHROUGH:
            variants.add(name)
            continue
        if name.startswith("_") or not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        decos = {(_dotted(d) or "").rsplit(".", 1)[-1] for d in node.decorator_list}
        if decos & {"cached_property", "property", "overload"}:
            continue
        params = params_of(node)
        for other in pkg.classes[_owner].body:  # typing.overload stubs often carry the real keyword parameters
            if isinstance(other, (ast.FunctionDef, ast.AsyncFunctionDef)) and other.name == name and other is not node:
                params += [p for p in params_of(other) if p not in params]
        if is_generation(params):
            found_here.append({"client": client, "method": ".".join(path + [name]), "class": qual, **describe(params)})
        elif node.args.kwarg is not None and re.match(r"^(parse|stream|create)", name):
            kwargs_only.append({"client": client, "method": ".".join(path + [name]), "class": qual, "via": "**kwargs", **describe(params)})
    out.extend(found_here)
    if found_here:  # chat.parse(response_format, **kwargs) beside chat.complete(...): the same request
        out.extend(kwargs_only)
    for name, child, via_call in _children(pkg, qual):
        if name in PASSTHROUGH or child == qual:  # GenerativeModel.from_cached_content() -> GenerativeModel
            continue
        step = name + "()" if via_call else name
        _walk(pkg, child, client, path + [step], out, seen, depth + 1)


def legacy_openai(pkg: Package) -> list[dict]:
    out = []
    for qual, cls in pkg.classes.items():
        obj = next((n.value.value for n in cls.body if isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "OBJECT_NAME" for t in n.targets) and isinstance(n.value, ast.Constant)), None)
        if obj in ("chat.completions", "completions"):
            for n in cls.body:
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name in ("create", "acreate"):
                    out.append({"callable": f"openai.{cls.name}.{n.name}", "class": qual, "model": ["model", "engine"], "prompt": ["messages" if obj.startswith("chat") else "prompt"], "cap": ["max_tokens"], "stop": ["stop"], "config": []})
    return out


def module_functions(pkg: Package, top: str) -> list[dict]:
    """Generation functions exported by the top package: defs, and aliases of a module-level client's methods."""
    out = []
    init = pkg.modules.get(top)
    names = set()
    if init is not None:
        clients = {}
        for node in init.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                v = node.value
                if isinstance(v, ast.Call):
                    r = pkg.resolve(top, v.func)
                    if r in pkg.classes:
                        clients[node.targets[0].id] = r
                elif isinstance(v, ast.Attribute) and isinstance(v.value, ast.Name) and v.value.id in clients:
                    cls = clients[v.value.id]
                    fn = next((n for name, n, _ in pkg.members(cls) if name == v.attr and isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
                    if fn is not None and is_generation(params_of(fn)):
                        out.append({"callable": f"{top}.{node.targets[0].id}", "class": cls, **describe(params_of(fn))})
        names = set(pkg.imports.get(top, {}))
    for qual, fn in pkg.functions.items():
        mod, name = qual.rsplit(".", 1)
        if name.startswith("_") or not is_generation(params_of(fn)):
            continue
        if mod == top or (name in names and pkg.canonical(f"{top}.{name}") == qual) or mod == f"{top}.main":
            out.append({"callable": f"{top}.{name}", "defined": qual, **describe(params_of(fn))})
    return out


def model_classes(pkg: Package, top: str) -> list[dict]:
    out = []
    for qual, cls in pkg.classes.items():
        if cls.name.startswith("_") or not (set(pkg.bases(qual)) & MODEL_BASES | {b.rsplit(".", 1)[-1] for b in pkg.bases(qual)} & MODEL_BASES):
            continue
        if any(w in cls.name for w in ("Embedding", "Mixin", "Base", "Abstract")) and cls.name not in ("ChatOpenAI",):
            continue
        caps, stops, models, defaults = [], [], [], {}
        for name, node, owner in pkg.members(qual):
            if not isinstance(node, ast.AnnAssign):
                continue
            alias = None
            v = node.value
            default = v
            if isinstance(v, ast.Call) and (_dotted(v.func) or "").endswith("Field"):
                kw = {k.arg: k.value for k in v.keywords}
                alias = kw.get("alias")
                alias = alias.value if isinstance(alias, ast.Constant) else None
                default = kw.get("default", v.args[0] if v.args else None)
            names = [name] + ([alias] if alias else [])
            for n in names:
                if CAP.match(n):
                    caps.append(n)
                    value = _int_constant(pkg, owner.rsplit(".", 1)[0], default)
                    if value is not None:
                        defaults[n] = value
                elif STOP.match(n):
                    stops.append(n)
                elif n in MODEL:
                    models.append(n)
        init = next(((n, o) for name, n, o in pkg.members(qual) if name == "__init__" and isinstance(n, ast.FunctionDef)), None)
        for n in caps if init is not None else ():
            value = _init_default(pkg, init[1].rsplit(".", 1)[0], init[0], n) if n not in defaults else None
            if value is not None:
                defaults[n] = value  # max_tokens: int = Field(description=...), def __init__(..., max_tokens=512)
        mod = qual.rsplit(".", 1)[0]
        exports = [qual]
        parts = mod.split(".")
        for i in range(len(parts) - 1, 0, -1):  # re-exports from parent packages' __init__
            parent = ".".join(parts[:i])
            if pkg.imports.get(parent, {}).get(cls.name) and pkg.canonical(f"{parent}.{cls.name}") == qual:
                exports.append(f"{parent}.{cls.name}")
        out.append({"constructor": min(exports, key=len), "exports": sorted(set(exports)), "class": qual,
                    "model": sorted(set(models)), "cap": sorted(set(caps)), "cap_default": defaults, "stop": sorted(set(stops))})
    return out


def _init_default(pkg: Package, mod: str, init: ast.FunctionDef, name: str) -> int | None:
    """The default of ``__init__``'s parameter ``name`` when it is an int (LlamaIndex's ``Bedrock``: the pydantic
    field has no default, the constructor's signature says ``max_tokens: Optional[int] = 512``)."""
    a = init.args
    pos = a.posonlyargs + a.args
    pairs = list(zip(pos[len(pos) - len(a.defaults):], a.defaults)) + list(zip(a.kwonlyargs, a.kw_defaults))
    return next((_int_constant(pkg, mod, d) for arg, d in pairs if arg.arg == name and d is not None), None)


def _int_constant(pkg: Package, mod: str, node: ast.AST | None, depth: int = 0) -> int | None:
    """A literal int, or a module constant (DEFAULT_MAX_TOKENS = 512, possibly imported) that is one."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name) and depth < 4:
        tree = pkg.modules.get(mod)
        for stmt in tree.body if tree else ():
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if any(isinstance(t, ast.Name) and t.id == node.id for t in targets):
                    return _int_constant(pkg, mod, stmt.value, depth + 1)
        src = pkg.imports.get(mod, {}).get(node.id)
        if src and "." in src:
            smod, name = src.rsplit(".", 1)
            return _int_constant(pkg, smod, ast.Name(id=name), depth + 1)
    return None


def boto_operations(wheel: Path) -> list[dict]:
    out = []
    with zipfile.ZipFile(wheel) as z:
        for name in sorted(z.namelist()):
            if re.match(r"botocore/data/bedrock-runtime/[^/]+/service-2\.json(\.gz)?$", name):
                data = z.read(name)
                model = json.loads(gzip.decompress(data) if name.endswith(".gz") else data)
                for op, spec in model["operations"].items():
                    shape = model["shapes"].get(spec.get("input", {}).get("shape", ""), {})
                    members = set(shape.get("members", {}))
                    if "modelId" in members and members & {"messages", "body"}:
                        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower()
                        out.append({"client": "boto3.client('bedrock-runtime')", "method": snake, "operation": op, "model": ["modelId"],
                                    "prompt": sorted(members & {"messages", "system", "body"}),
                                    "cap": ["inferenceConfig.maxTokens"] if "inferenceConfig" in members else ["body"], "stop": [], "config": sorted(members & {"inferenceConfig"})})
    return out


def top_package(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as z:
        tops = sorted({n.split("/")[0] for n in z.namelist() if n.endswith(".py") and "/" in n and not n.split("/")[0].endswith(".dist-info")})
    dist = wheel.name.split("-")[0].lower()
    want = {"google_genai": "google", "google_generativeai": "google", "azure_ai_inference": "azure"}.get(dist)
    if want:
        return want
    for t in tops:
        if t.replace("_", "") == dist.replace("_", ""):
            return t
    return tops[0]


def sub_top(dist: str) -> str | None:
    return {"google-genai": "google/genai", "google-generativeai": "google/generativeai", "azure-ai-inference": "azure/ai/inference"}.get(dist)


def find_wheel(wheels: Path, dist: str, version: str) -> Path | None:
    norm = dist.replace("-", "_")
    hits = sorted(wheels.glob(f"{norm}-{version}-*.whl"))
    return hits[0] if hits else None


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wheels", default="/tmp/llm-audit-wheels")
    ap.add_argument("--download", action="store_true")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "rules" / "sdk-methods.json"))
    a = ap.parse_args(argv)
    wheels = Path(a.wheels)
    wheels.mkdir(parents=True, exist_ok=True)
    result = {"generated-by": "scripts/sdk_methods.py", "sdks": []}
    for dist, version, roots, kind in PINS:
        wheel = find_wheel(wheels, dist, version)
        if wheel is None and a.download:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:", "-d", str(wheels), f"{dist}=={version}"], check=False)
            wheel = find_wheel(wheels, dist, version)
        if wheel is None:
            raise SystemExit(f"missing wheel {dist}=={version} in {wheels} (run with --download)")
        print(f"{dist} {version}", file=sys.stderr)
        entry = {"dist": dist, "version": version, "wheel": wheel.name, "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest()}
        if kind == "boto":
            entry["methods"] = boto_operations(wheel)
        else:
            sub = sub_top(dist)
            pkg = Package(wheel, top=sub)
            top = (sub or top_package(wheel)).replace("/", ".")
            if kind == "legacy-openai":
                entry["callables"] = legacy_openai(pkg)
            elif kind == "models":
                entry["constructors"] = model_classes(pkg, top)
            else:
                entry["methods"] = walk_clients(pkg, top, roots)
                if kind == "functions":
                    entry["callables"] = module_functions(pkg, top)
        for k in ("methods", "callables", "constructors"):
            if k in entry:
                entry[k] = sorted({json.dumps(x, sort_keys=True) for x in entry[k]})
                entry[k] = [json.loads(x) for x in entry[k]]
        result["sdks"].append(entry)
    Path(a.out).write_text(json.dumps(result, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
