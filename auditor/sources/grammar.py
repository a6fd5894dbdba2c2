"""One Python grammar whatever interpreter runs llm-audit: newer syntax read on an older Python.

Analysis parses with the running interpreter's ``ast``. On Python 3.11, files using Python 3.12
syntax would be syntax errors: type parameters and ``type`` aliases (PEP 695) and f-strings that
nest the quotes they are written in (PEP 701). A verdict must not depend on where llm-audit is
installed, so a file that fails to parse is rewritten, **at the same length and on the same
lines**, into what the older grammar accepts, and parsed again; every position found in the
rewrite is a position in the file:

* ``def f[T](x)`` / ``class C[T]:`` -> the type parameters become spaces (``def f   (x)``);
* ``type Alias[T] = value`` -> ``Alias`` followed by spaces up to ``=``: an assignment;
* ``f"{x["key"]}"`` -> ``f"{x['key']}"``: a string nested in an f-string's expression takes the
  other quote character when that is possible (its text holds neither that quote nor a
  backslash, and no enclosing f-string uses it);
* ``f'''{f" \\n  --flag {v}" if v else ""}'''`` -> the escapes of a string nested in an expression
  become ``_`` (``f" _n  --flag {v}"``): the expression is a hole of the prompt either way.

What cannot be rewritten that way (three levels of nested quotes, backslashes outside strings or
comments in f-string expressions) is reported as *info*, "needs Python 3.12+ to analyse", never as an error
that fails CI. A file the running interpreter rejects for any other reason stays an LA000.
"""

from __future__ import annotations

import io
import re
import sys
import tokenize

from auditor.sources.lines import lone_cr_to_lf

_PREFIX = re.compile(r"(?<![\w])([rRbBuUfF]{0,2})('''|\"\"\"|'|\")")
NEWER = sys.version_info < (3, 12)  # an older grammar than the newest we read
# what _type_params's tokens need, as text (a superset: also in strings and comments); a text
# without it has no type parameters, and is not tokenized for them (tokenize is pure Python)
_TYPED = re.compile(r"(?:def|class)[\s\\]+\w+[\s\\]*\[|type[\s\\]+\w+[\s\\]*[\[=]")


class _Unsupported(Exception):
    pass


def downlevel(text: str) -> tuple[str | None, bool]:
    """(the text rewritten for this interpreter's grammar or None, whether newer syntax was seen)."""
    seen = False
    text = lone_cr_to_lf(text)  # tokenize splits at \n only; same length, same lines
    try:
        requoted, swapped = _requote(text)
        seen = swapped
        if not swapped and not _TYPED.search(requoted):
            return None, False  # what _type_params would give: no edit, or a tokenize error
        out, typed = _type_params(requoted)
        seen = seen or typed
    except _Unsupported:
        return None, True
    except (tokenize.TokenError, SyntaxError, IndentationError, ValueError):
        return None, seen
    return (out if seen else None), seen


# ---------------------------------------------------------------- PEP 701: nested quotes
def _requote(text: str) -> tuple[str, bool]:
    chars = list(text)
    swaps: list[tuple[int, int, str]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
            continue
        if c in "'\"" or c in "rRbBuUfF":
            m = _PREFIX.match(text, i)
            if m is not None:
                i = _string(text, m.start(), m.group(1), m.group(2), [], swaps)
                continue
        i += 1
    for start, end, quote in swaps:
        chars[start] = chars[end - 1] = quote
    return "".join(chars), bool(swaps)


def _string(text: str, start: int, prefix: str, quote: str, enclosing: list[str], swaps: list) -> int:
    """Index after the string literal at ``start``; records quote swaps for nested strings."""
    body = start + len(prefix) + len(quote)
    if any(q == quote or (len(q) == 1 and q[0] == quote[0]) for q in enclosing):
        # 3.11 would end the enclosing f-string here: take the other quote if we can
        other = "'" if quote[0] == '"' else '"'
        end = _plain_end(text, body, quote, "r" in prefix.lower()) if "f" not in prefix.lower() else -1
        if len(quote) != 1 or end < 0 or any(q[0] == other for q in enclosing) or other in text[body : end - 1] or "\\" in text[body : end - 1]:
            raise _Unsupported("nested quotes")
        swaps.append((body - 1, end, other))
        return end
    blank = swaps if enclosing else None  # a string inside an f-string's expression: 3.11 rejects its backslashes
    if "f" not in prefix.lower():
        end = _plain_end(text, body, quote, "r" in prefix.lower(), blank)
        if end < 0:
            raise ValueError("unterminated string")
        return end
    return _fstring(text, body, quote, "r" in prefix.lower(), enclosing + [quote], swaps, blank)


def _plain_end(text: str, i: int, quote: str, raw: bool, blank: list | None = None) -> int:
    n = len(text)
    while i < n:
        if text.startswith(quote, i):
            return i + len(quote)
        c = text[i]
        if c == "\\":
            if blank is not None:
                _blank_escape(text, i, quote, blank)
            i += 2
            continue
        if c == "\n" and len(quote) == 1:
            return -1
        i += 1
    return -1


def _fstring(text: str, i: int, quote: str, raw: bool, enclosing: list[str], swaps: list, blank: list | None = None) -> int:
    n = len(text)
    while i < n:
        if text.startswith(quote, i):
            return i + len(quote)
        c = text[i]
        if c == "\\" and blank is not None:
            _blank_escape(text, i, quote, blank)
            i += 2
            continue
        if c == "\\" and not raw:
            i += 2
            continue
        if c == "\n" and len(quote) == 1:
            raise ValueError("unterminated f-string")
        if c in "{}" and text.startswith(c * 2, i):
            i += 2
            continue
        if c == "{":
            i = _field(text, i + 1, quote, enclosing, swaps)
            continue
        i += 1
    raise ValueError("unterminated f-string")


def _field(text: str, i: int, quote: str, enclosing: list[str], swaps: list) -> int:
    """Index after the replacement field whose expression starts at ``i``."""
    depth = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in "'\"" or c in "rRbBuUfF":
            m = _PREFIX.match(text, i)
            if m is not None:
                i = _string(text, m.start(), m.group(1), m.group(2), enclosing, swaps)
                continue
        if c == "\\" or c == "#":
            raise _Unsupported("backslash or comment in an f-string expression")
        if c == "\n" and len(quote) == 1:
            raise _Unsupported("line break in a single-quoted f-string expression")
        if c in "([{":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "}":
            if depth == 0:
                return i + 1
            depth -= 1
        elif c == ":" and depth == 0:  # the format spec: literal text with nested fields
            i += 1
            while i < n and text[i] != "}":
                if text[i] == "{":
                    i = _field(text, i + 1, quote, enclosing, swaps)
                    continue
                if text.startswith(quote, i) or (text[i] == "\n" and len(quote) == 1):
                    raise ValueError("unterminated format spec")
                i += 1
            return i + 1
        i += 1
    raise ValueError("unterminated replacement field")


def _blank_escape(text: str, i: int, quote: str, edits: list) -> None:
    """An escape (``\\n``, ``\\\\``, ``\\"``) in a string nested in an f-string's expression, which the
    pre-3.12 grammar rejects: its backslash (and an escaped backslash or quote) become ``_``, the same
    length; the nested string is part of an expression, a hole of the prompt, so its text is not read
    as prompt text. An escaped line break of a single-quoted string cannot be so rewritten."""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if nxt == "\n" and len(quote) == 1:
        raise _Unsupported("escaped line break in a nested string")
    edits.append((i, i + 1, "_"))
    if nxt in ("\\", "'", '"', "{", "}"):
        edits.append((i + 1, i + 2, "_"))


# ---------------------------------------------------------------- PEP 695: type parameters
def _type_params(text: str) -> tuple[str, bool]:
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    lines = io.StringIO(text).readlines()
    edits: list[tuple[int, int, int, str]] = []  # (line, start col, end col, replacement)
    starts = {0}
    for k, tok in enumerate(tokens):
        if tok.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.NL) or tok.string == ";":
            starts.add(k + 1)
    for k, tok in enumerate(tokens):
        if tok.type != tokenize.NAME or k + 2 >= len(tokens):
            continue
        name, nxt = tokens[k + 1], tokens[k + 2]
        if tok.string in ("def", "class") and name.type == tokenize.NAME and nxt.string == "[":
            close = _closing(tokens, k + 2)
            if tokens[close].start[0] != nxt.start[0]:
                raise _Unsupported("type parameters over several lines")
            edits.append((nxt.start[0], nxt.start[1], tokens[close].end[1], ""))
        elif tok.string == "type" and k in starts and name.type == tokenize.NAME and nxt.string in ("[", "="):
            eq = _closing(tokens, k + 2) + 1 if nxt.string == "[" else k + 2
            if eq >= len(tokens) or tokens[eq].string != "=" or tokens[eq].start[0] != tok.start[0]:
                raise _Unsupported("type alias over several lines")
            edits.append((tok.start[0], tok.start[1], tokens[eq].start[1], name.string))
    if not edits:
        return text, False
    for line, a, b, new in sorted(edits, reverse=True):
        row = lines[line - 1]
        lines[line - 1] = row[:a] + new.ljust(b - a) + row[b:]
    return "".join(lines), True


def _closing(tokens: list, k: int) -> int:
    depth = 0
    for j in range(k, len(tokens)):
        s = tokens[j].string
        if tokens[j].type == tokenize.OP and s in "([{":
            depth += 1
        elif tokens[j].type == tokenize.OP and s in ")]}":
            depth -= 1
            if depth == 0:
                return j
    raise _Unsupported("unbalanced brackets")
