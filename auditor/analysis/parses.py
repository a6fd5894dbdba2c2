"""Where a call site's response text is parsed as free text (LA601): ``json.loads``, ``ast.literal_eval``,
``re.search`` ... on the text in the same function, or on what a function returns, in another."""

from __future__ import annotations

import ast
import re

from auditor.analysis.modindex import call_name
from auditor.analysis.scopes import Scope
from auditor.facts import CallSite, Use


class ParseFacts:
    # ------------------------------------------------------------ LA601: parses
    def parser_of(self, call: ast.Call, scope: Scope) -> tuple[str, ast.AST | None] | None:
        """(label, text argument) when ``call`` parses free text; else None."""
        f = call.func
        if isinstance(f, ast.Attribute) and f.attr in VALIDATE_METHODS:
            return f"{short(self.r.source_of(f), 40)}", _arg(call, 0, "json_data" if f.attr == "model_validate_json" else "b")
        if not isinstance(f, (ast.Name, ast.Attribute)):
            return None
        last = f.id if isinstance(f, ast.Name) else f.attr
        if last not in PARSER_NAMES:
            return None
        qn = self.r.qualname(f, scope) or ""
        if qn in PARSERS:
            if qn.startswith("re.") and _reasoning_trace(_arg(call, 0, "pattern")):
                return None  # a reasoning model's own <think> section, a solution's \boxed{} answer: not parsing an answer
            if qn.startswith("re.") and _token_scan(self._pattern_text(_arg(call, 0, "pattern"), scope, call.lineno)):
                return None  # finds URLs or e-mail addresses wherever they are: no prose around them breaks it
            idx, kw = PARSERS[qn]
            return qn, _arg(call, idx, kw)
        if isinstance(f, ast.Attribute) and f.attr in REGEX_METHODS and isinstance(f.value, ast.Name):
            b = self.r.binding(f.value.id, scope, call.lineno)
            if b and b[0] == "assign" and isinstance(b[1], ast.Call):
                if (self.r.qualname(b[1].func, b[2]) or "") == "re.compile":  # type: ignore[arg-type]
                    return f"{f.value.id}.{f.attr}", _arg(call, 0, "string")
        return None

    def _pattern_text(self, pattern: ast.AST | None, scope: Scope, line: int) -> str:
        """The regex a ``re.*`` call uses: a string constant, or a name bound to one."""
        if isinstance(pattern, ast.Name):
            b = self.r.binding(pattern.id, scope, line)
            pattern = b[1] if b and b[0] == "assign" and isinstance(b[1], ast.AST) else None  # type: ignore[assignment]
        return pattern.value if isinstance(pattern, ast.Constant) and isinstance(pattern.value, str) else ""

    def parsed_results(self) -> dict[str, list[Use]]:
        """Names of functions whose returned text is parsed here: ``json.loads(ask(q))``,
        ``answer = llm.ask(q); json.loads(answer)``."""
        out: dict[str, list[Use]] = {}
        for call in self.candidate_calls(PARSER_NAMES):
            if call_name(call) not in PARSER_NAMES:
                continue
            scope = self.scope(self.walk.owner_of(call.lineno))
            parsed = self.parser_of(call, scope)
            if parsed is None or parsed[1] is None:
                continue
            label, arg = parsed
            source = self.r.source_of(arg)
            if STRUCTURED_PATH.search(source) or ENVELOPE.search(source):
                continue
            names: set[str] = set()
            for n in ast.walk(arg):
                if isinstance(n, ast.Call) and not self._sdk_method(n, scope):
                    names.add(call_name(n))
                elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                    b = self.r.binding(n.id, scope, call.lineno)
                    if b and b[0] == "assign" and isinstance(b[1], ast.AST):
                        v = b[1].value if isinstance(b[1], ast.Await) else b[1]
                        if isinstance(v, ast.Call) and not self._sdk_method(v, scope):
                            names.add(call_name(v))
            u = self.use(call, label)
            for name in names - {""}:
                if u is not None:
                    out.setdefault(name, []).append(u)
        return out

    def _sdk_method(self, call: ast.Call, scope: Scope) -> bool:
        """``bedrock.invoke_model(...)``: a method of an SDK client, not a project function of that name."""
        f = call.func
        if not isinstance(f, ast.Attribute):
            return False
        try:
            if self.r.type_of(f.value, scope) is not None:
                return True
        except Exception:  # noqa: BLE001 - typing is best effort here
            return False
        qn = self.r.qualname(f.value, scope) or ""
        return bool(qn) and qn.split(".")[0] in ("boto3", "botocore", "openai", "anthropic", "google", "litellm", "mistralai", "cohere", "groq", "ollama", "requests", "httpx")

    def parse_uses(self, site: CallSite, call: ast.Call, func: ast.AST | None) -> tuple[list[Use], bool]:
        index = self.index(func)  # one pass over the function serves all its call sites
        tainted = index.tainted(site.result_name, call)
        uses: list[Use] = []
        scope = self.scope(func)
        for n, label in index.parses_of(tainted, call):
            if func is None:  # module level: cell order, and the names must still hold the response
                parsed = self.parser_of(n, scope)
                if parsed is None or parsed[1] is None or not _reaches(parsed[1], n, tainted, call, scope, func):
                    continue
            if func is not None and _protocol_cut(n, func):
                continue  # a ReAct text protocol: the part after "Action:" parsed, with a fallback when it is no JSON
            u = self.use(n, label)
            if u is not None:
                uses.append(u)
        returns = index.returns(tainted, call)
        if func is None or isinstance(func, ast.Lambda):
            returns = False
        return uses, returns


# parsers of free text: qualified name -> (label, index of the text argument, its keyword)
PARSERS: dict[str, tuple[int, str]] = {
    "json.loads": (0, "s"),
    "orjson.loads": (0, "__obj"),
    "ujson.loads": (0, "obj"),
    "simplejson.loads": (0, "s"),
    "json5.loads": (0, "s"),
    "json_repair.loads": (0, "json_str"),
    "json_repair.repair_json": (0, "json_str"),
    "ast.literal_eval": (0, "node_or_string"),
    "yaml.safe_load": (0, "stream"),
    "yaml.load": (0, "stream"),
    "re.search": (1, "string"),
    "re.match": (1, "string"),
    "re.fullmatch": (1, "string"),
    "re.findall": (1, "string"),
    "re.finditer": (1, "string"),
}


REGEX_METHODS = {"search", "match", "fullmatch", "findall", "finditer"}


VALIDATE_METHODS = {"model_validate_json", "parse_raw"}  # pydantic: JSON text -> model


PARSER_NAMES = {q.rsplit(".", 1)[-1] for q in PARSERS} | VALIDATE_METHODS


# response paths that are structured by design (tool calls carry JSON arguments)
STRUCTURED_PATH = re.compile(r"tool_calls|function_call|\.arguments\b|tool_use|\.parsed\b|\.input\b|output_parsed|model_dump|to_json|\.json\(\)|to_dict")


# the raw body of an HTTP / Bedrock invoke_model response: JSON the provider wraps the text in
ENVELOPE = re.compile(r"""(?:\[\s*['"]body['"]\s*\]|\.get\(\s*['"]body['"]\s*\)|\.body\b)\s*(?:\.read\(\)|\.decode\()""")


def _reaches(arg: ast.AST, parse: ast.Call, tainted: set[str], call: ast.Call, scope: Scope, func: ast.AST | None) -> bool:
    """At module level (scripts, notebooks in cell order) the parse must come after the call, and
    the names it reads must hold the response there: followed back through the last assignment
    before each use (not a later one, a later cell, nor an unrelated one in between) to the call."""
    if func is not None:
        return True  # inside a function, loops may carry a later assignment around
    if parse.lineno < call.lineno:
        return False
    return _derives(arg, parse.lineno, tainted, call, scope, 0)


def _derives(expr: ast.AST, line: int, tainted: set[str], call: ast.Call, scope: Scope, depth: int) -> bool:
    if depth > 8:
        return True  # too long a chain to follow: keep the finding
    for n in ast.walk(expr):
        if n is call:
            return True
        if not (isinstance(n, ast.Name) and n.id in tainted):
            continue
        entries = scope.assigns.get(n.id) or []
        if not entries:
            return True  # bound some way the scope does not record
        before = [e for e in entries if e[0] <= line]
        if not before or not isinstance(before[-1][1], ast.AST):
            continue
        at, value = before[-1]
        if isinstance(value, (ast.For, ast.AsyncFor)):
            value = value.iter
        if at >= call.lineno and _derives(value, at, tainted, call, scope, depth + 1):  # type: ignore[arg-type]
            return True
    return False


def short(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _reasoning_trace(pattern: ast.AST | None) -> bool:
    """A regex over the ``<think>...</think>`` block that reasoning models (DeepSeek-R1, QwQ,
    Qwen3) write before their answer, or that cuts the ``\\boxed{...}`` final answer out of a
    step-by-step solution (the convention of math benchmarks): the reasoning is the output, and no
    request option makes it structured without removing it."""
    return isinstance(pattern, ast.Constant) and isinstance(pattern.value, str) and ("<think>" in pattern.value or "\\boxed" in pattern.value)


CITATION_MARKERS = {r"\[\d+\]", r"\[\d+\]+", r"\[[0-9]+\]", r"\[\d{1,3}\]"}
# one number, with nothing to anchor on: \d+, \b(\d{1,3})\b, [0-9]+, (\d+(?:\.\d+)?) - parens, ?: and \b stripped
_DIGITS = r"(?:\\d|\[0-9\])(?:\+|\*|\{\d+(?:,\d*)?\})?"
BARE_NUMBER = re.compile(rf"^(?:-\??)?{_DIGITS}(?:(?:\\\.|\.){_DIGITS}\??)?$")


def _token_scan(pattern: str) -> bool:
    r"""A URL or e-mail pattern (``https?://[^\s]+``, ``[\w.-]+@[\w.-]+``) and nothing structural (no
    braces, brackets of JSON, tags or labels to anchor on), the ``[N]`` citation markers of an
    answer asked to cite its sources, or one bare number (``\d+``, ``\b(\d{1,3})\b``: the score a
    judge or reranker was asked for): it finds its tokens in any prose."""
    if pattern.replace("(", "").replace(")", "").replace("?:", "") in CITATION_MARKERS:
        return True  # the [N] citation markers of an answer asked to cite: found wherever they are
    if BARE_NUMBER.match(pattern.replace("(", "").replace(")", "").replace("?:", "").replace("\\b", "")):
        return True  # the first number in the answer (a score asked for): prose around it does not break the search
    if not pattern or any(c in pattern for c in ("\\{", "\\[", "<", ":\\s", ": ")):
        return False
    return "http" in pattern or "www\\." in pattern or "@" in pattern


def _arg(call: ast.Call, index: int, keyword: str) -> ast.AST | None:
    if len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def mentions(expr: ast.AST, names: set[str], call: ast.Call) -> bool:
    for n in ast.walk(expr):
        if n is call:
            return True
        if isinstance(n, ast.Name) and n.id in names:
            return True
    return False


def _flows(n: ast.AST) -> list[tuple[ast.AST | None, list[str]]]:
    """(value, names it flows into) for an assignment-like statement."""
    if isinstance(n, ast.Assign):
        return [(n.value, [x for t in n.targets for x in _target_names(t)])]
    if isinstance(n, (ast.AnnAssign, ast.NamedExpr)):
        return [(n.value, _target_names(n.target))]
    if isinstance(n, (ast.For, ast.AsyncFor)):
        return [(n.iter, _target_names(n.target))]
    if isinstance(n, (ast.With, ast.AsyncWith)):
        return [(i.context_expr, _target_names(i.optional_vars) if i.optional_vars is not None else []) for i in n.items]
    return []


def _target_names(t: ast.AST) -> list[str]:
    if isinstance(t, ast.Name):
        return [t.id]
    if isinstance(t, (ast.Tuple, ast.List)):
        return [x for e in t.elts for x in _target_names(e)]
    if isinstance(t, ast.Starred):
        return _target_names(t.value)
    return []


def _protocol_cut(parse: ast.Call, func: ast.AST) -> bool:
    """``action_str = content.split("Action:")[-1].strip()`` then ``try: json.loads(action_str) except
    JSONDecodeError: <fallback>``: a text protocol (Thought/Action lines) whose parse cuts the prose off at
    its marker and falls back when the part is no JSON - the failure the message warns of is handled."""
    arg = parse.args[0] if parse.args else None
    if not isinstance(arg, ast.Name):
        return False
    cut = False
    for n in ast.walk(func):
        if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == arg.id for t in n.targets):
            cut = cut or any(isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr in ("split", "rsplit", "partition", "rpartition")
                             and c.args and isinstance(c.args[0], ast.Constant) and str(c.args[0].value).rstrip().endswith(":")
                             for c in ast.walk(n.value))
    if not cut:
        return False
    for t in ast.walk(func):
        if isinstance(t, ast.Try) and any(x is parse for b in t.body for x in ast.walk(b)):
            return any(any(isinstance(x, ast.Assign) for b in h.body for x in ast.walk(b)) for h in t.handlers)
    return False
