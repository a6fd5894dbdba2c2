"""Prompt text loaded from files: ``open(P).read()``, ``Path(P).read_text()``, ``importlib.resources``,
``pkgutil.get_data`` and jinja2 ``Environment(loader=FileSystemLoader(D)).get_template(N)``.

Phase 1 (the prompt builder, :class:`FileTexts`) evaluates the path without running anything:
literals, module constants, ``__file__``, ``os.path.join/dirname/abspath``, ``Path(...) / "x"``,
``.parent``, ``.joinpath``, ``.resolve()``, ``importlib.resources.files(pkg)``; the readers and
loaders are data (``file-text`` in rules/flows.yaml). The result is a :class:`FileRef`: the
candidate paths, relative to the project root (the module's folder first, then the root, as a
relative ``open()`` would see it from either). Phase 2 (:func:`load_file_segments`, called by
the project) reads the first candidate that exists inside the root (never through a symlink
that leaves it, only text files of the listed extensions and size) and turns it into static
text whose pieces point into that file, so text findings are reported and fixed there.
"""

from __future__ import annotations

import ast
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from auditor.analysis.literals import Piece
from auditor.analysis.scopes import MAX_DEPTH, Scope, call_arg, span_of
from auditor.analysis.templates import LiteralSegment
from auditor.config.flows import load_flows
from auditor.facts import Segment
from auditor.findings import Span

FILE_REF = "<file>"  # Segment.ref[0] of text read from a file; ref[1] holds the candidates
_SEP = "\x00"
_PATH_WRAPPERS = {"resolve", "absolute", "expanduser", "as_posix"}


@dataclass
class PathVal:
    """A path relative to the project root (``parts`` joined), or relative to the working directory."""

    parts: list[str] = field(default_factory=list)
    cwd: bool = False  # a relative literal: the working directory decides (module folder or root)


class FileTexts:
    """Prompt-builder mixin: file reads become :data:`FILE_REF` segments."""

    # ------------------------------------------------------------ what a call reads
    def is_file_text(self, call: ast.Call, scope: Scope) -> bool:
        return self._read_target(call, scope) is not None

    def file_text(self, call: ast.Call, scope: Scope) -> list[Segment] | None:
        found = self._read_target(call, scope)
        if found is None:
            return None
        return [self._file_ref(found, call)]

    def template_file(self, expr: ast.AST, scope: Scope) -> list[Segment] | None:
        """``env.get_template("x.j2")`` (or a name bound to it): the template file's text."""
        node, s = self.r.follow(expr, scope)
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in load_flows().get_template and node.args):
            return None
        name = self._path(node.args[0], s, 0)
        if name is None or name.cwd is False and not name.parts:
            return None
        env, es = self.r.follow(node.func.value, s)
        folders = self._loader_dirs(env, es)
        if not folders:
            return None
        cands = []
        for folder in folders:
            cands.extend(_candidates(PathVal(folder.parts + name.parts, folder.cwd), self._module_dir()))
        return [self._file_ref(_dedupe(cands), node)] if cands else None

    # ------------------------------------------------------------ readers
    def _read_target(self, call: ast.Call, scope: Scope) -> list[str] | None:
        flows = load_flows()
        func = call.func
        if isinstance(func, ast.Attribute):
            opened, s = self.r.follow(func.value, scope)
            if isinstance(opened, ast.Call):
                reader = flows.readers.get(self._callable(opened.func, s) or "")
                if reader is not None and func.attr in reader.then:
                    return self._reader_path(reader, opened, s)
            # Path(...) / "x" then .read_text(), files(pkg) / "x" then .read_text()
            if func.attr in ("read_text", "read_bytes"):
                p = self._path(func.value, scope, 0)
                if p is not None and (p.parts or p.cwd):
                    return _candidates(p, self._module_dir())
        qn = self._callable(func, scope) or ""
        reader = flows.readers.get(qn)
        if reader is not None and not reader.then:
            return self._reader_path(reader, call, scope)
        return None

    def _reader_path(self, reader, call: ast.Call, scope: Scope) -> list[str] | None:
        path_arg = call_arg(call, reader.path)
        if reader.package:
            pkg = call_arg(call, reader.package)
            base = self._package_dir(pkg, scope) if pkg is not None else None
            if base is None:
                return None
            if path_arg is None:
                return None if not base.parts else _candidates(base, self._module_dir())
            rel = self._path(path_arg, scope, 0)
            if rel is None:
                return None
            return _candidates(PathVal(base.parts + rel.parts), self._module_dir())
        if path_arg is None:
            return None
        p = self._path(path_arg, scope, 0)
        return _candidates(p, self._module_dir()) if p is not None else None

    def _callable(self, func: ast.AST, scope: Scope) -> str | None:
        qn = self.r.qualname(func, scope)
        if qn:
            return qn
        if isinstance(func, ast.Name) and self.r.binding(func.id, scope, getattr(func, "lineno", 1 << 30)) is None:
            return func.id  # a builtin: open
        return None

    # ------------------------------------------------------------ path algebra
    def _module_dir(self) -> str:
        return posixpath.dirname(getattr(self.r, "path", "") or "")

    def _path(self, expr: ast.AST, scope: Scope, depth: int) -> PathVal | None:
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return PathVal(_split(expr.value), cwd=not expr.value.startswith("/"))
        if isinstance(expr, ast.Name):
            if expr.id == "__file__":
                return PathVal(_split(getattr(self.r, "path", "") or ""))
            node, s = self.r.follow(expr, scope)
            if node is expr:
                v = self.r.value_of(expr, scope)
                return PathVal(_split(v.value), cwd=True) if v.is_literal and isinstance(v.value, str) else None
            return self._path(node, s, depth + 1)
        if isinstance(expr, ast.JoinedStr):
            parts: list[str] = []
            first: PathVal | None = None
            for i, part in enumerate(expr.values):
                if isinstance(part, ast.Constant):
                    parts.append(str(part.value))
                elif isinstance(part, ast.FormattedValue) and i == 0:
                    first = self._path(part.value, scope, depth + 1)
                    if first is None:
                        return None
                else:
                    return None
            tail = _split("".join(parts))
            return PathVal((first.parts if first else []) + tail, cwd=first.cwd if first else True)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Div, ast.Add)):
            left = self._path(expr.left, scope, depth + 1)
            right = self._path(expr.right, scope, depth + 1)
            if left is None or right is None:
                return None
            return PathVal(left.parts + right.parts, left.cwd)
        if isinstance(expr, ast.Attribute):
            if expr.attr == "parent":
                inner = self._path(expr.value, scope, depth + 1)
                return PathVal(inner.parts[:-1], inner.cwd) if inner is not None and inner.parts else None
            node, s = self.r.follow(expr, scope)
            return self._path(node, s, depth + 1) if node is not expr else None
        if isinstance(expr, ast.Call):
            return self._call_path(expr, scope, depth)
        return None

    def _call_path(self, call: ast.Call, scope: Scope, depth: int) -> PathVal | None:
        func = call.func
        qn = self._callable(func, scope) or ""
        if qn in ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "os.path.join", "posixpath.join"):
            out: PathVal | None = None
            for a in call.args:
                p = self._path(a, scope, depth + 1)
                if p is None:
                    return None
                out = p if out is None else PathVal(out.parts + p.parts, out.cwd)
            return out
        if qn in ("os.path.dirname",) and call.args:
            inner = self._path(call.args[0], scope, depth + 1)
            return PathVal(inner.parts[:-1], inner.cwd) if inner is not None and inner.parts else None
        if qn in ("os.path.abspath", "os.path.realpath", "os.path.normpath", "os.fspath", "str") and call.args:
            return self._path(call.args[0], scope, depth + 1)
        if qn in ("importlib.resources.files", "importlib_resources.files") and call.args:
            return self._package_dir(call.args[0], scope)
        if isinstance(func, ast.Attribute):
            if func.attr in _PATH_WRAPPERS and not call.args:
                return self._path(func.value, scope, depth + 1)
            if func.attr == "joinpath":
                base = self._path(func.value, scope, depth + 1)
                for a in call.args:
                    p = self._path(a, scope, depth + 1) if base is not None else None
                    if p is None:
                        return None
                    base = PathVal(base.parts + p.parts, base.cwd)
                return base
        return None

    def _package_dir(self, expr: ast.AST, scope: Scope) -> PathVal | None:
        """``files("app.prompts")`` / ``files(__package__)`` -> the package's folder."""
        if isinstance(expr, ast.Name) and expr.id in ("__package__", "__name__"):
            mod = self._module_dir()
            return PathVal(_split(mod))
        v = self.r.value_of(expr, scope)
        if not (v.is_literal and isinstance(v.value, str)) or not v.value:
            return None
        own = (self.r.module or "").split(".")
        folder = self._module_dir().split("/") if self._module_dir() else []
        pkg = v.value.split(".")
        # the package's folder: where this module's own package path says it is (src/ layouts too)
        for i in range(len(own), 0, -1):
            if own[:i] == pkg[:i] and len(folder) >= len(own) - 1:
                prefix = folder[: len(folder) - (len(own) - 1)]
                return PathVal(prefix + pkg)
        return PathVal(pkg)

    def _loader_dirs(self, env: ast.AST, scope: Scope) -> list[PathVal]:
        flows = load_flows()
        if not isinstance(env, ast.Call) or (self._callable(env.func, scope) or "") not in flows.environments:
            return []
        loader = next((k.value for k in env.keywords if k.arg == "loader"), env.args[0] if env.args else None)
        if loader is None:
            return []
        loader, s = self.r.follow(loader, scope)
        if not isinstance(loader, ast.Call):
            return []
        spec = flows.loaders.get(self._callable(loader.func, s) or "")
        if spec is None:
            return []
        if spec["package"]:
            pkg = call_arg(loader, spec["package"])
            base = self._package_dir(pkg, s) if pkg is not None else None
            if base is None:
                return []
            sub = call_arg(loader, spec["path"])
            rel = self._path(sub, s, 0) if sub is not None else PathVal(_split(spec["default-path"]))
            return [PathVal(base.parts + rel.parts)] if rel is not None else []
        where = call_arg(loader, spec["path"])
        if where is None:
            return []
        if isinstance(where, (ast.List, ast.Tuple)):
            out = [self._path(e, s, 0) for e in where.elts]
            return [p for p in out if p is not None]
        p = self._path(where, s, 0)
        return [p] if p is not None else []

    def _file_ref(self, candidates: list[str], node: ast.AST) -> Segment:
        return Segment("ref", ref=(FILE_REF, _SEP.join(candidates)), expr=self.r.source_of(node)[:200], span=span_of(node, self.r.lines))


# ---------------------------------------------------------------- helpers
def _split(path: str) -> list[str]:
    return [p for p in path.replace("\\", "/").split("/") if p and p != "."]


def _normal(parts: list[str]) -> str | None:
    out: list[str] = []
    for p in parts:
        if p == "..":
            if not out:
                return None  # leaves the project root
            out.pop()
        else:
            out.append(p)
    return "/".join(out) if out else None


def _candidates(p: PathVal, module_dir: str) -> list[str]:
    """Paths relative to the project root that ``p`` may name (module folder first)."""
    cands = []
    if p.cwd:
        if module_dir:
            cands.append(_normal(_split(module_dir) + p.parts))
        cands.append(_normal(p.parts))
    else:
        cands.append(_normal(p.parts))
    return _dedupe([c for c in cands if c])


def _dedupe(items: list[str]) -> list[str]:
    seen: list[str] = []
    for c in items:
        if c not in seen:
            seen.append(c)
    return seen


# ---------------------------------------------------------------- phase 2: reading the file
def file_candidates(seg: Segment) -> list[str] | None:
    if seg.ref is None or seg.ref[0] != FILE_REF:
        return None
    return [c for c in seg.ref[1].split(_SEP) if c]


def load_file_segments(root: Path | None, candidates: list[str], memo: dict) -> tuple[str, list[Segment]] | None:
    """(relative path, static segments of its text) for the first candidate that is a text file
    of a listed extension inside ``root``; None when none is."""
    if root is None:
        return None
    flows = load_flows()
    real_root = root.resolve()
    for rel in candidates:
        if rel in memo:
            if memo[rel] is not None:
                return rel, _copy(memo[rel])
            continue
        memo[rel] = None
        if not rel.lower().endswith(flows.file_extensions):
            continue
        p = real_root / rel
        try:
            real = p.resolve()
            if real != real_root and real_root not in real.parents:
                continue  # a symlink out of the project
            if not real.is_file() or real.stat().st_size > flows.file_max_bytes:
                continue
            data = real.read_bytes()
        except OSError:
            continue
        if b"\x00" in data[:8192]:
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # what text-mode reads return
        memo[rel] = _text_segments(text)
        return rel, _copy(memo[rel])
    return None


def _text_segments(text: str) -> list[Segment]:
    first = 1
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":  # front matter of a .prompt/.prompty file is not prompt text
        close = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if close is not None:
            first = close + 2
            text = "\n".join(lines[close + 1 :])
    if not text:
        return []
    body = text.split("\n")
    span = Span(first, 1, first + len(body) - 1, len(body[-1]) + 1)
    piece = Piece(0, text, Span(first, 1, first, 1), quote="", fstring=False, template="")
    return [LiteralSegment("static", text=text, span=span, editable=True, pieces=[piece])]


def _copy(segs: list[Segment]) -> list[Segment]:
    import copy

    return copy.deepcopy(segs)
