"""What a prompt's dynamic hole holds and how much it may weigh: a DataFrame render, a collection,
a volatile value (time, uuid, random), user input, or unknown (:data:`auditor.facts.HOLE_KINDS`)."""

from __future__ import annotations

import ast
import re

from auditor.analysis.scopes import Scope, span_of
from auditor.analysis.framecalls import call_render
from auditor.analysis.frames import RENDERS
from auditor.analysis.templates import DataHole
from auditor.facts import Segment, tagged


class HoleKinds:
    # ---------------------------------------------------------------- holes
    def _hole(self, expr: ast.AST, scope: Scope, kind: str | None = None) -> Segment:
        span = span_of(expr, self.r.lines)
        source = self.r.source_of(expr)
        fr = self.frames.render(expr, scope)
        if fr is not None:
            target = span_of(fr.frame, self.r.lines)
            span = (span_of(fr.at, self.r.lines) if fr.at is not None else None) or span  # reported where the frame becomes text
            return tagged(DataHole(
                "hole", expr=source, hole_kind="dataframe", span=span, render=fr.mode, method=fr.method,
                frame=self.r.source_of(fr.frame), target=target, columns=fr.columns, reader=fr.reader, source_file=fr.source_file, evidence=fr.evidence,
            ), self.r.param_of(fr.frame, scope))  # a frame parameter: the caller's frame decides
        pending = self._param_render(expr, scope, span, source) or call_render(self, expr, scope, span, source)
        if pending is not None:
            return pending
        keys = self._record_keys(expr, scope)
        if keys:
            return DataHole("hole", expr=source, hole_kind="collection", span=span, render="records", method="records", columns=keys)
        return tagged(Segment("hole", expr=source, hole_kind=kind or self.hole_kind(expr, scope), span=span), self.r.param_of(expr, scope))

    def _param_render(self, expr: ast.AST, scope: Scope, span, source: str) -> DataHole | None:
        """``data.to_markdown()`` on a parameter not known to be a frame: the caller's argument
        decides (phase 2 makes it a whole or bounded frame render, or a plain hole)."""
        if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in RENDERS):
            return None
        name = self.r.param_of(expr.func.value, scope)
        if name is None:
            return None
        hole = DataHole("hole", expr=source, hole_kind="unknown", span=span, render="pending", method=expr.func.attr,
                        frame=name, target=span_of(expr.func.value, self.r.lines))
        return tagged(hole, name)

    def _record_keys(self, expr: ast.AST, scope: Scope, depth: int = 0) -> list[str] | None:
        """Keys of a record list rendered into a prompt: json.dumps([{"id": ..., ...} for r in rows])."""
        if depth > 4:
            return None
        node = expr
        if isinstance(node, ast.Call):
            qn = self.r.qualname(node.func, scope) or (node.func.id if isinstance(node.func, ast.Name) else "")
            if qn in ("json.dumps", "str", "repr", "pprint.pformat", "yaml.dump", "yaml.safe_dump") and node.args:
                return self._record_keys(node.args[0], scope, depth + 1)
            return None
        if isinstance(node, ast.Name):
            d = self._deref(node, scope)
            if d is None:
                b = self.r.binding(node.id, scope, getattr(node, "lineno", 1 << 30))
                if b and b[0] == "assign" and isinstance(b[1], (ast.ListComp, ast.Call)):
                    return self._record_keys(b[1], b[2], depth + 1)  # type: ignore[arg-type]
                return None
            node, scope = d
        elt = None
        if isinstance(node, (ast.ListComp, ast.GeneratorExp)):
            elt = node.elt
        elif isinstance(node, (ast.List, ast.Tuple)) and node.elts:
            elt = node.elts[0]
        if isinstance(elt, ast.Dict) and elt.keys and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in elt.keys):
            return [k.value for k in elt.keys]  # type: ignore[union-attr]
        return None

    def hole_kind(self, expr: ast.AST, scope: Scope) -> str:
        if self.frames.is_frame_expr(expr, scope):
            return "dataframe"
        for node in ast.walk(expr):
            if isinstance(node, ast.Call):
                qn = self.r.qualname(node.func, scope) or ""
                if qn in VOLATILE_CALLS or (qn.split(".")[0] in ("datetime", "time", "uuid", "random") and qn.endswith((".now", ".utcnow", ".today", ".time", ".uuid4", ".uuid1"))):
                    return "volatile"
        if isinstance(expr, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp, ast.Tuple)):
            return "collection"
        if isinstance(expr, ast.Call):
            qn = self.r.qualname(expr.func, scope) or (expr.func.id if isinstance(expr.func, ast.Name) else "")
            if qn in COLLECTION_CALLS:
                return "collection"
            if isinstance(expr.func, ast.Attribute) and expr.func.attr == "join":
                return "collection"
        if isinstance(expr, ast.Name):
            b = self.r.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
            if b is not None and b[0] == "assign" and isinstance(b[1], ast.expr) and not (isinstance(b[1], ast.Constant) and not isinstance(b[1].value, str)):
                inner = b[1]
                if isinstance(inner, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
                    return "collection"
        name = expr.id if isinstance(expr, ast.Name) else expr.attr if isinstance(expr, ast.Attribute) else ""
        if isinstance(expr, ast.Subscript):
            key = expr.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                name = key.value
        if name and USER_NAMES.search(name):
            return "user"
        return "unknown"


VOLATILE_CALLS = {
    "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today", "datetime.date.today",
    "datetime.now", "datetime.utcnow", "datetime.today", "date.today",
    "time.time", "time.time_ns", "time.ctime", "time.strftime", "time.monotonic", "time.asctime", "time.localtime",
    "uuid.uuid1", "uuid.uuid4", "uuid4", "uuid1",
    "random.random", "random.randint", "random.choice", "random.sample", "random.uniform", "random.shuffle",
    "secrets.token_hex", "secrets.token_urlsafe", "os.urandom",
}


USER_NAMES = re.compile(
    r"(^|_)(user|query|question|input|message|msg|text|prompt|request|ticket|review|comment|content|utterance|answer|reply|email|body)s?($|_)",
    re.I,
)


COLLECTION_CALLS = {"json.dumps", "pprint.pformat", "yaml.dump", "yaml.safe_dump", "list", "dict", "sorted", "tuple", "set"}
