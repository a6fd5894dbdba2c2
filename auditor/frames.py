"""Which expressions are pandas / polars DataFrames, and how much of one a render sends.

Inferred without running anything: ``read_*`` readers and constructors of pandas and
polars, annotations, frame-returning methods on a known frame (``merge``, ``groupby(...).sum()``,
``query``, ...), and policy name patterns (``df``, ``*_df``).
"""

from __future__ import annotations

import ast
import fnmatch

from auditor.resolve import MAX_DEPTH, Resolver, Scope

FRAME_MODULES = ("pandas", "polars", "modin.pandas", "dask.dataframe")
FRAME_MAKERS = {"DataFrame", "concat", "merge", "json_normalize", "from_dict", "from_records", "pivot_table", "crosstab", "from_pandas", "from_dicts"}
# methods that return a frame about the size of their input
FRAME_PASSTHROUGH = {
    "merge", "join", "query", "filter", "dropna", "fillna", "sort_values", "sort_index", "assign", "rename",
    "drop", "drop_duplicates", "reset_index", "set_index", "copy", "astype", "pivot", "pivot_table", "melt",
    "apply", "transform", "explode", "with_columns", "select", "loc", "where", "mask", "replace", "round",
    "sort", "unique", "collect", "to_pandas", "agg", "aggregate", "sum", "mean", "count", "size", "max", "min",
    "median", "std", "first", "last", "nunique", "reindex", "T", "transpose", "stack", "unstack",
}
# bounded forms: a render of these does not send the whole frame
BOUNDED = {
    "head", "tail", "sample", "describe", "info", "dtypes", "columns", "shape", "nlargest", "nsmallest",
    "schema", "index", "value_counts", "corr", "memory_usage", "isna", "isnull", "limit", "glimpse", "estimated_size",
}
RENDERS = {"to_string", "to_csv", "to_json", "to_markdown", "to_html", "to_dict", "to_records", "to_numpy", "values", "to_list", "to_dicts", "write_csv", "write_json", "to_latex", "to_xml"}


class FrameInference:
    def __init__(self, resolver: Resolver, name_patterns: list[str] | None = None):
        self.r = resolver
        self.patterns = name_patterns if name_patterns is not None else ["df", "*_df", "df_*", "frame", "*_frame"]

    def is_frame(self, expr: ast.AST, scope: Scope, depth: int = 0) -> bool:
        """True when ``expr`` evaluates to a (whole) DataFrame."""
        if depth > MAX_DEPTH:
            return False
        if isinstance(expr, ast.Name):
            b = self.r.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
            if b is not None:
                kind, what, s = b
                if kind == "assign" and isinstance(what, ast.AnnAssign):
                    return self._is_frame_annotation(what.annotation, s)
                if kind == "assign" and isinstance(what, ast.expr):
                    if self.is_frame(what, s, depth + 1):
                        return True
                if kind == "param":
                    arg: ast.arg = what  # type: ignore[assignment]
                    if arg.annotation is not None and self._is_frame_annotation(arg.annotation, s):
                        return True
            return any(fnmatch.fnmatchcase(expr.id, p) for p in self.patterns)
        if isinstance(expr, ast.Attribute):
            bound = self.r.attr_binding(expr, scope)
            if bound is not None and isinstance(bound[0], ast.expr):
                return self.is_frame(bound[0], bound[1], depth + 1)
            if expr.attr in FRAME_PASSTHROUGH and self.is_frame(expr.value, scope, depth + 1):
                return True  # df.T
            return any(fnmatch.fnmatchcase(expr.attr, p) for p in self.patterns) and not isinstance(expr.value, ast.Call)
        if isinstance(expr, ast.Subscript):
            # df[["a", "b"]] keeps the rows; df.iloc[:5] / df[:5] bounds them
            if isinstance(expr.slice, ast.Slice):
                return False
            base = expr.value
            if isinstance(base, ast.Attribute) and base.attr in ("iloc", "loc"):
                return False
            if isinstance(expr.slice, (ast.List, ast.Compare, ast.BoolOp)) or isinstance(expr.slice, ast.Name):
                return self.is_frame(base, scope, depth + 1)
            return False
        if isinstance(expr, ast.Call):
            qn = self.r.qualname(expr.func, scope) or ""
            mod, _, last = qn.rpartition(".")
            if mod in FRAME_MODULES and (last.startswith("read_") or last.startswith("scan_") or last in FRAME_MAKERS):
                return True
            if isinstance(expr.func, ast.Attribute):
                attr = expr.func.attr
                if attr in BOUNDED:
                    return False
                if attr in FRAME_PASSTHROUGH or attr.startswith("groupby") or attr == "group_by":
                    return self.is_frame(expr.func.value, scope, depth + 1) or self._is_groupby(expr.func.value, scope, depth)
        return False

    def _is_groupby(self, expr: ast.AST, scope: Scope, depth: int) -> bool:
        return (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr in ("groupby", "group_by")
            and self.is_frame(expr.func.value, scope, depth + 1)
        )

    def _is_frame_annotation(self, ann: ast.AST, scope: Scope) -> bool:
        if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
            return ann.value.endswith("DataFrame")
        qn = self.r.qualname(ann, scope) or ""
        return qn.endswith(".DataFrame") and qn.split(".")[0] in ("pandas", "polars", "modin", "dask")

    def render(self, expr: ast.AST, scope: Scope) -> tuple[str, ast.AST] | None:
        """('whole' | 'bounded', frame expr) when ``expr`` renders a DataFrame as text."""
        node = expr
        # json.dumps(df.to_dict(...)) / str(df) / repr(df)
        if isinstance(node, ast.Call):
            qn = self.r.qualname(node.func, scope) or (node.func.id if isinstance(node.func, ast.Name) else "")
            if qn in ("json.dumps", "str", "repr", "format") and node.args:
                return self.render(node.args[0], scope)
            if isinstance(node.func, ast.Attribute) and node.func.attr in RENDERS:
                target = node.func.value
                return self._classify(target, scope)
        if isinstance(node, ast.Attribute) and node.attr in ("values",):
            return self._classify(node.value, scope)
        if self.is_frame(node, scope):
            return "whole", node
        bounded = self._bounded_frame(node, scope)
        if bounded is not None:
            return "bounded", bounded
        return None

    def _classify(self, target: ast.AST, scope: Scope) -> tuple[str, ast.AST] | None:
        if self.is_frame(target, scope):
            return "whole", target
        bounded = self._bounded_frame(target, scope)
        if bounded is not None:
            return "bounded", bounded
        return None

    def _bounded_frame(self, expr: ast.AST, scope: Scope) -> ast.AST | None:
        node = expr
        while isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in BOUNDED and self.is_frame(node.func.value, scope):
                    return node
                node = node.func.value
            elif isinstance(node, ast.Attribute):
                if node.attr in BOUNDED and self.is_frame(node.value, scope):
                    return node
                node = node.value
            elif isinstance(node, ast.Subscript):
                if (isinstance(node.slice, ast.Slice) or isinstance(node.value, ast.Attribute) and node.value.attr in ("iloc", "loc")) and (
                    self.is_frame(node.value, scope) or isinstance(node.value, ast.Attribute) and self.is_frame(node.value.value, scope)
                ):
                    return node
                node = node.value
            else:
                break
        return None

    def is_frame_expr(self, expr: ast.AST, scope: Scope) -> bool:
        """A prompt hole that holds frame data (whole or bounded)."""
        return self.render(expr, scope) is not None
