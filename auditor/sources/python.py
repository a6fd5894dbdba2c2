"""Python source files: decode, parse, read suppression comments; and :class:`SourceOptions`, the
settings phase 1 takes from the policy (the byte pre-scanner they build is :mod:`auditor.sources.prescan`).

Analysis uses the standard library's ``ast`` (about 11x faster to parse than libcst on this
machine); libcst is used where layout must survive: fixes (:mod:`auditor.fix.edits`). What a parsed module does is :mod:`auditor.analysis.module`'s.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from auditor.facts import Suppressions
from auditor.config.catalog import Providers
from auditor.findings import Finding
from auditor.sources.lines import count_breaks, split_lines

if TYPE_CHECKING:  # pragma: no cover
    from auditor.sources.prescan import Prescan

SUPPRESS = re.compile(r"#\s*llm-audit:\s*(ignore-file|ignore)(?:\[([A-Za-z0-9_,\s-]*)\])?")
# Ruff/flake8 style: `# noqa: LA101` (or `# noqa: E501, LA101`) - only our codes count; a bare
# `# noqa` or other tools' codes are left to those tools
NOQA = re.compile(r"#\s*noqa\s*:\s*([A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)", re.IGNORECASE)
_OUR_CODE = re.compile(r"^LA[0-9]{3}$")


@dataclass
class SourceOptions:
    """What phase 1 needs from the policy (plain data, picklable for worker processes)."""

    providers_data: dict
    extra_apis: list[dict] = field(default_factory=list)
    prompt_names: list[str] = field(default_factory=lambda: ["*PROMPT*", "*INSTRUCTION*", "SYSTEM*"])
    frame_patterns: list[str] = field(default_factory=lambda: ["df", "*_df", "df_*"])
    max_file_bytes: int = 2_000_000
    max_file_seconds: float = 60.0  # phase 1 of one file; 0: no budget (see sources/budget.py)
    prompt_paths: list[str] = field(default_factory=list)
    prompt_keys: list[str] = field(default_factory=lambda: ["template", "prompt", "system", "messages[].content"])
    config_paths: list[dict] = field(default_factory=list)  # model-config-paths, normalised (sources/configfile.py)
    prescan: bool = True
    _providers: Providers | None = None
    _prescan: Prescan | None = None

    @property
    def providers(self) -> Providers:
        if self._providers is None:
            from auditor.config.providers import providers_from_data

            self._providers = providers_from_data(self.providers_data, self.extra_apis)
        return self._providers

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_providers"] = None
        state["_prescan"] = None
        return state

    @property
    def prescanner(self) -> Prescan:
        """The byte pre-scan for these settings (:mod:`auditor.sources.prescan`)."""
        if self._prescan is None:
            from auditor.sources.prescan import Prescan

            self._prescan = Prescan(self.providers, self.extra_apis, self.prompt_names)
        return self._prescan


def file_error(path: str, reason: str, line: int = 1, column: int = 1, cell: int | None = None) -> Finding:
    return Finding("LA000", "file-error", "error", reason, path, line, column, line, column, cell=cell)


class CodingError(SyntaxError):
    """A PEP 263 coding declaration CPython rejects: an unknown codec, a codec that is not a text
    encoding (``rot13``, ``zlib_codec``, ``hex``), one that is not ASCII-compatible (``utf-16``:
    the declaration itself could not be read in it), or a UTF-8 BOM with another encoding."""


# where a coding declaration can be (PEP 263: a comment on line 1 or 2 matching this)
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)


def check_coding(data: bytes) -> str | None:
    """The encoding the file declares (None: none), or CodingError where CPython would refuse it."""
    head = data[3:1027].split(b"\n", 2) if data.startswith(b"\xef\xbb\xbf") else data[:1024].split(b"\n", 2)
    if not _CODING.search(b"\n".join(head[:2])):
        return None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as e:  # an unknown codec, a BOM with another encoding
        why = "a UTF-8 byte order mark with another declared encoding" if data.startswith(b"\xef\xbb\xbf") else e.msg
        raise CodingError(f"bad coding declaration (PEP 263): {why}") from None
    import codecs

    info = codecs.lookup(encoding)
    if not getattr(info, "_is_text_encoding", True):
        raise CodingError(f"bad coding declaration (PEP 263): {encoding!r} is not a text encoding")
    try:
        ascii_compatible = "# coding".encode(encoding) == b"# coding"
    except (UnicodeError, LookupError, ValueError, TypeError):
        ascii_compatible = False
    if not ascii_compatible:
        raise CodingError(f"bad coding declaration (PEP 263): {encoding!r} is not ASCII-compatible, so it cannot be declared in the file")
    return encoding


def decode_source(data: bytes) -> str:
    """Decode Python source honouring a PEP 263 coding cookie; raises UnicodeDecodeError/SyntaxError
    (CodingError for a declaration CPython rejects, even when the bytes are valid UTF-8)."""
    declared = check_coding(data)
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if declared is None or declared in ("utf-8", "utf-8-sig"):
            raise
        return data.decode(declared)


def module_name(path: str) -> str:
    p = path[:-3] if path.endswith(".py") else path.rsplit(".", 1)[0]
    parts = [x for x in p.split("/") if x not in ("", ".")]
    if parts and parts[0] in ("src", "lib") and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts).replace("-", "_")


def parse_python(text: str, path: str, cell: int | None = None, compile_check: bool = True, top_level_await: bool = False) -> tuple[ast.Module | None, Finding | None]:
    """``ast`` of ``text``, or an LA000. Syntax newer than this interpreter's is read through
    :mod:`auditor.sources.grammar`; with ``compile_check`` what CPython's compiler rejects
    although the parser accepts it (``f(model=1, model=2)``, ``return`` outside a function)
    is an LA000 too."""
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as e:
        tree, err = _newer_syntax(text, path, cell, e)
        if tree is None:
            return None, err
    except (RecursionError, MemoryError):
        return None, file_error(path, "too deeply nested for the Python parser", 1, 1, cell)
    except ValueError as e:  # null bytes
        return None, file_error(path, f"cannot parse: {e}", 1, 1, cell)
    if compile_check:
        err = compile_error(tree, path, cell, top_level_await)
        if err is not None:
            return None, err
    return tree, None


def compile_error(tree: ast.Module, path: str, cell: int | None = None, top_level_await: bool = False) -> Finding | None:
    """The LA000 for what CPython's compiler rejects in a parsed ``tree``, or None."""
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if top_level_await else 0
    try:
        compile(tree, path, "exec", flags=flags, dont_inherit=True)
    except SyntaxError as e:
        return file_error(path, f"syntax error: {e.msg}", e.lineno or 1, (e.offset or 1), cell)
    except (RecursionError, MemoryError):
        return file_error(path, "too deeply nested for the Python compiler", 1, 1, cell)
    except ValueError:
        pass
    return None


def _newer_syntax(text: str, path: str, cell: int | None, e: SyntaxError) -> tuple[ast.Module | None, Finding | None]:
    error = file_error(path, f"syntax error: {e.msg}", e.lineno or 1, (e.offset or 1), cell)
    from auditor.sources.grammar import NEWER, downlevel

    if not NEWER or "too many nested" in str(e.msg):
        return None, error
    rewritten, seen = downlevel(text)
    # limits of the pre-3.12 f-string grammar that PEP 701 lifted: valid Python 3.12+ code
    seen = seen or str(e.msg).startswith(("f-string expression part cannot include a backslash", "f-string expression part cannot include '#'"))
    if rewritten is not None:
        try:
            return ast.parse(rewritten, filename=path), None
        except (SyntaxError, RecursionError, MemoryError, ValueError):
            pass
    if seen:
        import sys

        finding = file_error(path, f"needs Python 3.12+ to analyse (this llm-audit runs on Python {sys.version_info.major}.{sys.version_info.minor}): {e.msg}", e.lineno or 1, (e.offset or 1), cell)
        finding.severity = "info"
        return None, finding
    return None, error


def scan_suppressions(text: str, cell: int | None = None, into: Suppressions | None = None) -> Suppressions:
    """``# llm-audit: ignore[LA101]`` (this line) and ``# llm-audit: ignore-file[LA201]``;
    ``# noqa: LA101`` is read as the first."""
    sup = into or Suppressions()
    low = text.lower()
    if "llm-audit" not in text and "noqa" not in low:
        return sup
    for i, line in _marked_lines(text, low):
        if "noqa" in line.lower():
            _scan_noqa(line, i, cell, sup)
        if "llm-audit" not in line:
            continue
        for m in SUPPRESS.finditer(line):
            codes = [c.strip() for c in (m.group(2) or "*").split(",") if c.strip()] or ["*"]
            if m.group(1) == "ignore-file":
                sup.file.extend(codes)
            elif line.lstrip().startswith("#"):
                key = Suppressions.key(cell, i + 1)
                sup.lines.setdefault(key, []).extend(codes)
                sup.own_line.append(key)
            else:
                sup.lines.setdefault(Suppressions.key(cell, i), []).extend(codes)
    return sup


def _marked_lines(text: str, low: str) -> list[tuple[int, str]]:
    """(number, text) of the lines holding ``llm-audit`` or ``noqa`` (any case), in order, as
    :func:`split_lines` numbers them. Found by searching the text for the two words, not by
    reading every line (most files with a ``# noqa: E501`` have thousands of other lines); a
    text that is not ASCII is read line by line (its lower-casing may change lengths)."""
    if not text.isascii():
        return [(i, line) for i, line in enumerate(split_lines(text), start=1) if "llm-audit" in line or "noqa" in line.lower()]
    hits: list[int] = []
    for word, hay in (("noqa", low), ("llm-audit", text)):
        i = hay.find(word)
        while i >= 0:
            hits.append(i)
            i = hay.find(word, i + 1)
    hits.sort()
    out: list[tuple[int, str]] = []
    number, last, line_end = 1, 0, -1
    cr = "\r" in text
    for pos in hits:
        if pos < line_end:
            continue  # a second word on the line already taken
        number += count_breaks(text[last:pos]) if cr else text.count("\n", last, pos)  # neither end is a line break: no \r\n is cut
        last = pos
        start = (max(text.rfind("\n", 0, pos), text.rfind("\r", 0, pos)) if cr else text.rfind("\n", 0, pos)) + 1
        ends = [e for e in (text.find("\n", pos), text.find("\r", pos) if cr else -1) if e >= 0]
        line_end = min(ends) if ends else len(text)
        out.append((number, text[start:line_end]))
    return out


def _scan_noqa(line: str, i: int, cell: int | None, sup: Suppressions) -> None:
    """``# noqa: LA101`` is an alias of ``# llm-audit: ignore[LA101]`` (same line; alone on a
    line, the next line)."""
    for m in NOQA.finditer(line):
        if _in_string(line, m.start()):
            continue
        codes = [c.upper() for c in re.split(r"[\s,]+", m.group(1)) if _OUR_CODE.match(c.upper())]
        if not codes:
            continue
        if line.lstrip().startswith("#"):
            key = Suppressions.key(cell, i + 1)
            sup.own_line.append(key)
        else:
            key = Suppressions.key(cell, i)
        sup.lines.setdefault(key, []).extend(codes)


def _in_string(line: str, pos: int) -> bool:
    """Is ``pos`` inside a string literal that opens on this line? (quotes counted, escapes skipped)"""
    quote = None
    i = 0
    while i < pos:
        c = line[i]
        if quote is None and c in "\"'":
            quote = c
        elif c == "\\" and quote is not None:
            i += 1
        elif c == quote:
            quote = None
        elif c == "#" and quote is None:
            return False
        i += 1
    return quote is not None
