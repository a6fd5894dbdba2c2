"""Which expressions are pandas / polars DataFrames, and how much of one a render sends.

Values are typed by *provenance*, without running anything: ``read_*`` / ``scan_*`` readers and
constructors of pandas and polars, ``DataFrame`` annotations (variables, parameters, and the
return annotation of a function defined in the same module), functions of the module whose
every ``return`` is a frame, function summaries from elsewhere (:attr:`FrameInference.returns`,
the hook the project's summaries fill), frame-preserving methods on a known frame (``merge``,
``query``, ``dropna``, ``loc[mask, cols]``, ...), ``groupby(...)`` results, all followed through
assignments. A value whose provenance says it is something else is never a frame: a string a
serialiser made (``df_context = df.head().to_csv()`` is bounded text, whatever its name), a
literal, an f-string, a container display, a ``str``-annotated parameter.

Policy name patterns (``df``, ``*_df``) are only a *hint* for a name nothing else types (a
parameter without annotation, an attribute, a loop variable): a render found through a hint is
marked ``evidence == "name"``; LA301/LA302 report it at ``info`` level, with no fix.

Each expression gets a *state*: ``whole`` (every row is there), ``bounded`` (a fixed or
aggregated number of rows: ``head``, ``sample``, ``describe``, ``dtypes``, ``iloc[:n]``,
``groupby(...).agg(...)``, ...), ``groupby`` (a GroupBy object) or None (not a frame).
A *render* is an expression that turns a frame into prompt text: ``f"{df}"``, ``str(df)``,
``df.to_csv()`` / ``to_string`` / ``to_json`` / ``to_markdown`` / ``to_html`` / ``to_dict``,
``json.dumps(df.to_dict(...))``.
"""

from __future__ import annotations

import ast
import fnmatch
from dataclasses import dataclass

from auditor.analysis.resolve import Resolver

from auditor.analysis.scopes import MAX_DEPTH, Scope
from auditor.analysis.frameuse import container_render, earlier_binding, narrowed, placeholder_state, used_as_frame
from auditor.analysis.textreturns import returns_text
from auditor.config.flows import load_flows

FRAME_MODULES = ("pandas", "polars", "modin.pandas", "dask.dataframe")
FRAME_MAKERS = {
    "DataFrame", "concat", "merge", "json_normalize", "from_dict", "from_records", "pivot_table", "crosstab",
    "from_pandas", "from_dicts", "from_arrow", "from_numpy", "LazyFrame",
}
# methods that return a frame about the size of their input
FRAME_PASSTHROUGH = {
    "merge", "join", "query", "filter", "dropna", "fillna", "sort_values", "sort_index", "assign", "rename",
    "drop", "drop_duplicates", "reset_index", "set_index", "copy", "astype", "pivot", "melt", "apply",
    "transform", "explode", "with_columns", "with_column", "select", "where", "mask", "replace", "round",
    "sort", "unique", "collect", "to_pandas", "to_polars", "reindex", "T", "transpose", "stack", "unstack",
    "infer_objects", "convert_dtypes", "interpolate", "ffill", "bfill", "abs", "clip", "map", "applymap",
    "pipe", "rename_axis", "droplevel", "swaplevel", "set_axis", "add_prefix", "add_suffix", "iterrows",
    "unnest", "with_row_index", "with_row_count", "fill_null", "fill_nan", "drop_nulls", "cast", "lazy",
}
# bounded forms: a render of these does not send the whole frame
BOUNDED_METHODS = {
    "head", "tail", "sample", "describe", "info", "nlargest", "nsmallest", "value_counts", "corr", "cov",
    "memory_usage", "limit", "glimpse", "estimated_size", "first_valid_index", "last_valid_index",
    "null_count", "quantile", "mode",
}
BOUNDED_ATTRS = {"dtypes", "columns", "shape", "schema", "index", "size", "ndim", "empty", "height", "width", "attrs"}
# aggregations: one row per group (after groupby) or one value per column
AGGREGATIONS = {
    "agg", "aggregate", "sum", "mean", "count", "size", "max", "min", "median", "std", "var", "sem",
    "first", "last", "nunique", "prod", "any", "all", "idxmax", "idxmin", "n_unique", "len",
}
RENDERS = {
    "to_string", "to_csv", "to_json", "to_markdown", "to_html", "to_dict", "to_records", "to_numpy", "to_list",
    "tolist", "to_dicts", "write_csv", "write_json", "write_ndjson", "to_latex", "to_xml", "to_clipboard",
    "__repr__", "__str__", "_repr_html_",
}
TEXT_WRAPPERS = {"str", "repr", "format", "json.dumps", "pprint.pformat", "yaml.dump", "yaml.safe_dump", "textwrap.indent"}
READER_PATH_KEYWORDS = ("filepath_or_buffer", "path_or_buf", "io", "source", "path", "file")


@dataclass
class FrameRender:
    """A prompt hole that holds frame data."""

    mode: str  # "whole" | "bounded"
    frame: ast.AST  # the frame expression a bound (``.head(N)``) would follow
    method: str  # to_csv | to_string | ... | "str" | "format" (f"{df}")
    columns: list[str] | None = None  # a literal column selection on the way to the render
    reader: str = ""  # read_csv, read_parquet, ... when the frame comes from a literal reader call
    source_file: str = ""  # the literal path passed to that reader
    evidence: str = "provenance"  # "provenance" | "usage": a frame-only attribute is read on it | "name": only a name pattern says so
    at: ast.AST | None = None  # where the text is made when a name holds it (`table = df.to_markdown()`)


# values whose provenance is known and is not a frame (a name pattern never overrides these)
_NOT_FRAME_NODES = (ast.Constant, ast.JoinedStr, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Compare, ast.BoolOp)
_TEXT_METHODS = {"format", "format_map", "join", "strip", "lstrip", "rstrip", "replace", "lower", "upper", "encode", "decode", "split", "splitlines", "read", "read_text", "getvalue"}
_BUILTINS_NOT_FRAME = {"str", "repr", "len", "int", "float", "bool", "list", "dict", "set", "tuple", "sorted", "open", "input", "print", "sum", "min", "max"}


_ARRAYS = {"values", "array"}  # df["col"].values: the column's values as an array
_ARRAY_CALLS = {"to_numpy", "tolist", "to_list"}


def one_cell(expr: ast.AST) -> bool:
    """One element of a column's values: ``s.values[0]``, ``s.tolist()[i]``, ``s.to_numpy()[-1]``,
    ``s.iat[0]``, ``df.at[i, "col"]``, ``s.item()`` - a cell (a string, a number, a list), never a frame."""
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        return expr.func.attr == "item" and not expr.args and not expr.keywords
    if not isinstance(expr, ast.Subscript):
        return False
    base = expr.value
    if _at(base):
        return True  # .iat/.at take scalars only
    index = expr.slice.operand if isinstance(expr.slice, ast.UnaryOp) and isinstance(expr.slice.op, ast.USub) else expr.slice
    if not (isinstance(index, ast.Constant) and type(index.value) is int):
        return False  # a slice, a mask, a list of positions: rows, not one cell
    if isinstance(base, ast.Attribute) and base.attr in _ARRAYS:
        return True
    return isinstance(base, ast.Call) and isinstance(base.func, ast.Attribute) and base.func.attr in _ARRAY_CALLS and not base.args


def _at(expr: ast.AST) -> bool:
    return isinstance(expr, ast.Attribute) and expr.attr in ("iat", "at")


class FrameInference:
    def __init__(self, resolver: Resolver, name_patterns: list[str] | None = None, returns: dict[str, str] | None = None):
        self.r = resolver
        self.patterns = name_patterns if name_patterns is not None else ["df", "*_df", "df_*", "frame", "*_frame"]
        # function summaries (qualified name -> "whole" | "bounded" | "text"): what a call returns
        # when its definition is elsewhere; filled by the project's function summaries
        self.returns: dict[str, str] = dict(returns or {})
        self._hinted = False  # set while typing an expression when a name pattern decided
        self._local_returns: dict[int, str | None] = {}
        self._by_use = False  # set while typing an expression when a frame-only attribute decided
        self._usage: dict = {}  # per function: names read with a frame-only attribute; isinstance narrowings

    # ---------------------------------------------------------------- state
    def state(self, expr: ast.AST, scope: Scope, depth: int = 0) -> str | None:
        """'whole' | 'bounded' | 'groupby' | None for an expression."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, ast.Await):
            return self.state(expr.value, scope, depth + 1)
        if isinstance(expr, ast.Name):
            return self._name_state(expr, scope, depth)
        if isinstance(expr, ast.Attribute):
            bound = self.r.attr_binding(expr, scope)
            if bound is not None and isinstance(bound[0], ast.expr):
                return self.state(bound[0], bound[1], depth + 1)
            base = self.state(expr.value, scope, depth + 1)
            if base is None:
                if self._name_like(expr.attr) and not isinstance(expr.value, ast.Call) and self.r.qualname(expr, scope) is None:
                    self._hinted = True
                    return "whole"
                return None
            if expr.attr in BOUNDED_ATTRS:
                return "bounded"
            if expr.attr in ("T",):
                return base
            if expr.attr in ("iloc", "loc", "iat", "at", "str", "dt", "cat", "plot"):
                return base if expr.attr in ("iloc", "loc", "str", "dt", "cat") else None
            return base if base != "groupby" else "groupby"  # df.column -> a Series of every row
        if isinstance(expr, ast.Subscript):
            return self._subscript_state(expr, scope, depth)
        if isinstance(expr, ast.Call):
            return self._call_state(expr, scope, depth)
        return None

    def is_frame(self, expr: ast.AST, scope: Scope, depth: int = 0) -> bool:
        """True when ``expr`` evaluates to a whole DataFrame (or Series of every row)."""
        return self.state(expr, scope, depth) == "whole"

    def _name_like(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, p) for p in self.patterns)

    def _name_state(self, expr: ast.Name, scope: Scope, depth: int) -> str | None:
        b = earlier_binding(self.r, expr, scope)  # `df = df.dropna()`: the `df` on the right is the one before
        if b is not None:
            kind, what, s = b
            if kind == "assign" and isinstance(what, ast.AnnAssign):
                return "whole" if self._is_frame_annotation(what.annotation, s) else None
            if kind == "assign" and isinstance(what, ast.expr):
                st = self.state(what, s, depth + 1)
                if st is not None:
                    return st
                if isinstance(what, ast.Constant) and what.value is None:
                    st = placeholder_state(self, expr.id, s, depth)  # df = None ... df = pd.read_csv(f) in a branch
                    if st is not None:
                        return st
                if self.not_frame(what, s):
                    return None  # typed by its provenance: a string, a number, a container
            if kind == "assign" and isinstance(what, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                return None
            if kind == "param":
                arg: ast.arg = what  # type: ignore[assignment]
                if arg.annotation is not None:
                    return "whole" if self._is_frame_annotation(arg.annotation, s) else None
        if narrowed(self, expr, scope):
            return "whole"  # under `if isinstance(result, DataFrame):`
        if b is not None and b[0] in ("assign", "param") and expr.id in used_as_frame(self, b[2]):
            self._by_use = True  # `m = data.get("m")` ... `if not m.empty:`: only a frame has that
            return "whole"
        if self._name_like(expr.id):
            self._hinted = True
            return "whole"
        return None

    def not_frame(self, expr: ast.AST, scope: Scope) -> bool:
        """The value's provenance says it is not a frame (text a serialiser made, a literal...)."""
        if isinstance(expr, ast.Await):
            expr = expr.value
        if isinstance(expr, _NOT_FRAME_NODES) or one_cell(expr):
            return True
        if isinstance(expr, ast.BinOp):
            return isinstance(expr.op, ast.Mod) or self.not_frame(expr.left, scope) or self.not_frame(expr.right, scope)
        if isinstance(expr, ast.Call):
            f = expr.func
            if isinstance(f, ast.Attribute) and (f.attr in RENDERS or f.attr in _TEXT_METHODS):
                return True
            qn = self.r.qualname(f, scope) or (f.id if isinstance(f, ast.Name) else "")
            return qn in TEXT_WRAPPERS or qn in _BUILTINS_NOT_FRAME or qn.startswith("json.") or returns_text(self.r, expr, scope)
        return False

    def _subscript_state(self, expr: ast.Subscript, scope: Scope, depth: int) -> str | None:
        if one_cell(expr):
            return None  # df["col"].values[0]: one cell of the column (a string, a list), not a frame
        base_node = expr.value
        accessor = base_node.attr if isinstance(base_node, ast.Attribute) and base_node.attr in ("iloc", "loc", "iat", "at") else None
        frame_node = base_node.value if accessor else base_node
        base = self.state(frame_node, scope, depth + 1)
        if base is None:
            return None
        if base == "groupby":
            return "groupby"  # df.groupby("a")["b"]
        if accessor in ("iat", "at"):
            return "bounded"
        rows = expr.slice.elts[0] if accessor and isinstance(expr.slice, ast.Tuple) and expr.slice.elts else expr.slice
        if isinstance(rows, ast.Slice):
            return "bounded" if rows.upper is not None or rows.lower is not None else base
        if accessor == "iloc" and isinstance(rows, ast.Constant):
            return "bounded"  # one row
        if accessor == "loc" and isinstance(rows, ast.Constant):
            return "bounded"
        return base  # mask, column selection, column name: every row still there

    def _call_state(self, expr: ast.Call, scope: Scope, depth: int) -> str | None:
        qn = self.r.qualname(expr.func, scope) or ""
        mod, _, last = qn.rpartition(".")
        if mod in FRAME_MODULES and (last.startswith("read_") or last.startswith("scan_") or last in FRAME_MAKERS):
            return "whole"
        summary = self.returns.get(qn) if qn else None
        if summary is not None:
            return summary if summary in ("whole", "bounded", "groupby") else None
        if isinstance(expr.func, ast.Name):
            b = self.r.binding(expr.func.id, scope, getattr(expr, "lineno", 1 << 30))
            if b is not None and b[0] == "assign" and isinstance(b[1], (ast.FunctionDef, ast.AsyncFunctionDef)):
                ret = b[1].returns
                if ret is not None:
                    return "whole" if self._is_frame_annotation(ret, b[2]) else None
                return self._local_return(b[1], depth)
            return None
        if not isinstance(expr.func, ast.Attribute):
            return None
        attr = expr.func.attr
        base = self.state(expr.func.value, scope, depth + 1)
        if base is None:
            return "whole" if attr in load_flows().frame_methods else None  # job.to_dataframe(), sdf.toPandas()
        if attr in BOUNDED_METHODS:
            return "bounded"
        if attr == "unique" and isinstance(expr.func.value, ast.Subscript) and isinstance(expr.func.value.slice, ast.AST) and not isinstance(expr.func.value.slice, (ast.List, ast.Slice)):
            return "bounded"  # df[col].unique(): one value per distinct value, which the task asks for
        if base == "groupby":
            if attr in AGGREGATIONS or attr in ("describe", "head", "tail", "nth", "size", "ngroups"):
                return "bounded"  # one row (or n rows) per group
            if attr in ("apply", "transform", "filter", "pipe", "map_groups"):
                return "whole"
            return "groupby" if attr in ("rolling", "expanding", "resample") else None
        if attr in ("groupby", "group_by", "resample", "rolling", "expanding"):
            return "groupby"
        if attr in AGGREGATIONS:
            return "bounded"  # one value per column
        if attr in FRAME_PASSTHROUGH:
            return base
        if attr in ("pivot_table",):
            return "bounded"
        return None

    def _local_return(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, depth: int) -> str | None:
        """A function of this module whose every ``return`` gives a frame (a local summary)."""
        key = id(fn)
        if key in self._local_returns:
            return self._local_returns[key]
        self._local_returns[key] = None  # recursion guard
        scope = self.r.scope_of.get(fn)
        states = []
        stack: list[ast.AST] = list(fn.body) if scope is not None else []
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue  # a nested function's returns are its own
            if isinstance(node, ast.Return) and node.value is not None:
                hinted = self._hinted
                self._hinted = False
                states.append(self.state(node.value, scope, depth + 1))  # type: ignore[arg-type]
                if self._hinted:
                    states.append(None)  # a name guess inside does not type the function
                self._hinted = hinted
            stack.extend(ast.iter_child_nodes(node))
        result = states[0] if states and all(x == states[0] for x in states) and states[0] in ("whole", "bounded") else None
        self._local_returns[key] = result
        return result

    def _is_frame_annotation(self, ann: ast.AST, scope: Scope) -> bool:
        if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
            return ann.value.split("[")[0].endswith(("DataFrame", "LazyFrame"))
        if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
            return self._is_frame_annotation(ann.left, scope) or self._is_frame_annotation(ann.right, scope)
        if isinstance(ann, ast.Subscript):  # Optional[pd.DataFrame]
            inner = ann.slice
            elts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            return any(self._is_frame_annotation(e, scope) for e in elts)
        qn = self.r.qualname(ann, scope) or ""
        return qn.endswith((".DataFrame", ".LazyFrame")) and qn.split(".")[0] in ("pandas", "polars", "modin", "dask", "pyspark")

    # ---------------------------------------------------------------- renders
    def render(self, expr: ast.AST, scope: Scope, depth: int = 0) -> FrameRender | None:
        """How ``expr`` (a prompt hole) renders frame data, or None when it holds none."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, ast.Name):
            # context = df.to_csv(); f"...{context}...": the text keeps its provenance
            b = self.r.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
            if b is not None and b[0] == "assign" and isinstance(b[1], ast.Call) and expr.id not in b[2].mutated:
                inner = self.render(b[1], b[2], depth + 1)
                if inner is not None and inner.method != "format":
                    inner.at = inner.at or b[1]
                    return inner
        if isinstance(expr, ast.Call):
            qn = self.r.qualname(expr.func, scope) or (expr.func.id if isinstance(expr.func, ast.Name) else "")
            if qn in TEXT_WRAPPERS and expr.args:
                inner = self.render(expr.args[0], scope, depth + 1) or container_render(self, expr.args[0], scope, depth + 1)
                if inner is not None and inner.method == "format":
                    inner.method = qn.rsplit(".", 1)[-1]
                return inner
            if isinstance(expr.func, ast.Attribute) and expr.func.attr in RENDERS:
                return self._classify(expr.func.value, scope, expr.func.attr)
        if isinstance(expr, ast.Attribute) and expr.attr == "values":
            return self._classify(expr.value, scope, "values")
        return self._classify(expr, scope, "format")

    def _classify(self, target: ast.AST, scope: Scope, method: str) -> FrameRender | None:
        outer, outer_use = self._hinted, self._by_use
        self._hinted = self._by_use = False
        st = self.state(target, scope)
        hinted, self._hinted = self._hinted, outer
        by_use, self._by_use = self._by_use, outer_use
        if st not in ("whole", "bounded"):
            return None
        frame = self._bound_point(target, scope) if st == "whole" else target
        reader, path = self.origin(target, scope)
        evidence = "name" if hinted else "usage" if by_use else "provenance"
        return FrameRender(st, frame, method, columns=self.columns(target, scope), reader=reader, source_file=path, evidence=evidence)

    def _bound_point(self, target: ast.AST, scope: Scope) -> ast.AST:
        """Where ``.head(N)`` goes: after the target (``df["text"]`` -> ``df["text"].head(N)``)."""
        return target

    def is_frame_expr(self, expr: ast.AST, scope: Scope) -> bool:
        """A prompt hole that holds frame data (whole or bounded)."""
        return self.render(expr, scope) is not None

    # ---------------------------------------------------------------- provenance
    def _chain(self, expr: ast.AST, scope: Scope, depth: int = 0):
        """The expressions a frame value flows through, nearest first, with their scopes."""
        node, s = expr, scope
        for _ in range(MAX_DEPTH * 2):
            yield node, s
            if isinstance(node, ast.Await):
                node = node.value
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                node = node.func.value
            elif isinstance(node, ast.Subscript):
                node = node.value
            elif isinstance(node, ast.Attribute):
                bound = self.r.attr_binding(node, s)
                if bound is not None and isinstance(bound[0], ast.expr):
                    node, s = bound[0], bound[1]
                else:
                    node = node.value
            elif isinstance(node, ast.Name):
                b = self.r.binding(node.id, s, getattr(node, "lineno", 1 << 30))
                if b is None or b[0] != "assign" or not isinstance(b[1], ast.expr):
                    return
                node, s = b[1], b[2]  # type: ignore[assignment]
            else:
                return

    def columns(self, expr: ast.AST, scope: Scope) -> list[str] | None:
        """The literal column selection nearest to the render, if any."""
        for node, s in self._chain(expr, scope):
            cols = None
            if isinstance(node, ast.Subscript):
                sl = node.slice
                is_loc = isinstance(node.value, ast.Attribute) and node.value.attr in ("loc",)
                if is_loc and isinstance(sl, ast.Tuple) and len(sl.elts) == 2:
                    cols = self._str_list(sl.elts[1], s)
                elif not is_loc and isinstance(sl, (ast.List, ast.Name)):
                    cols = self._str_list(sl, s)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                attr = node.func.attr
                if attr == "select" and node.args:
                    cols = self._str_list(node.args[0], s) if len(node.args) == 1 else self._str_list(ast.List(elts=list(node.args)), s)
                elif attr == "filter":
                    items = next((k.value for k in node.keywords if k.arg == "items"), None)
                    cols = self._str_list(items, s) if items is not None else None
            if cols is None and isinstance(node, ast.Call):  # pd.read_csv(..., usecols=[...])
                qn = self.r.qualname(node.func, s) or ""
                if qn.rpartition(".")[2].startswith("read_"):
                    usecols = next((k.value for k in node.keywords if k.arg in ("usecols", "columns")), None)
                    cols = self._str_list(usecols, s) if usecols is not None else None
            if cols:
                return cols
        return None

    def _str_list(self, node: ast.AST | None, scope: Scope) -> list[str] | None:
        if node is None:
            return None
        v = self.r.value_of(node, scope)
        if v.is_literal and isinstance(v.value, (list, tuple)) and v.value and all(isinstance(x, str) for x in v.value):
            return list(v.value)
        if isinstance(node, ast.List) and node.elts and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            return [e.value for e in node.elts]  # type: ignore[attr-defined]
        return None

    def origin(self, expr: ast.AST, scope: Scope) -> tuple[str, str]:
        """(reader, literal path) when the frame comes from ``pd.read_csv("data/x.csv")``-like calls."""
        for node, s in self._chain(expr, scope):
            if not isinstance(node, ast.Call):
                continue
            qn = self.r.qualname(node.func, s) or ""
            mod, _, last = qn.rpartition(".")
            if mod in FRAME_MODULES and (last.startswith("read_") or last.startswith("scan_")):
                arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg in READER_PATH_KEYWORDS), None)
                if arg is not None:
                    v = self.r.value_of(arg, s)
                    if v.is_literal and isinstance(v.value, str):
                        return last, v.value
                return last, ""
        return "", ""
