"""libcst's parse of a fixed file, guarded: its native parser must never take the run down.

libcst (the parser a fix must satisfy) parses with a native Rust parser that recurses once per
nesting level and has no recursion guard. Measured here (libcst 1.9, Python 3.11): it dies with
SIGSEGV at about 8,000-10,000 levels (``a and a and ...`` x 10,000, ``a.b.b...`` x 10,000, 20,000
unary minus signs) and is superlinear well before (3,000 chained calls 4 s, 3,000 subscripts
15 s, 10,000 ``+`` terms 56 s then the crash), although ``ast`` takes the same files in
milliseconds. So before libcst sees a text:

* its nesting is measured on the ``ast`` tree (each level of a node counts, and the operands of
  one ``and``/``or`` count one level each, as libcst nests them); above :data:`MAX_DEPTH` the
  file is refused (:class:`NativeParserRisk`, reported as one LA000 for the file);
* a text that is large or deep (but under the limit) is parsed in a child process with a time
  limit, so a crash or a runaway parse costs that file its fixes, not the run.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys

MAX_DEPTH = 1000  # ~1 s for libcst at the worst shapes measured; 8x below where it crashed
CHILD_DEPTH = 200  # deeper than real code: parse it in a child process
CHILD_BYTES = 300_000  # larger than this: a child process too (a long parse can be cut off)
CHILD_SECONDS = 60.0

_CHILD = r"""
import json, sys
try:
    import libcst
except Exception as e:
    print(json.dumps({"import": str(e)})); sys.exit(0)
text = sys.stdin.buffer.read().decode("utf-8", "surrogatepass")
try:
    libcst.parse_module(text)
    print(json.dumps({"ok": True}))
except libcst.ParserSyntaxError as e:
    print(json.dumps({"error": f"line {e.raw_line}: {e.message}"}))
except BaseException as e:
    print(json.dumps({"error": str(e) or e.__class__.__name__}))
"""


class NativeParserRisk(Exception):
    """libcst cannot be trusted with this text (too deep, crashed, or too slow)."""


def nesting_depth(tree: ast.AST) -> int:
    """Deepest nesting of ``tree`` as libcst builds it (``and``/``or`` operands nest)."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.BoolOp):
            depth += len(node.values) - 1
        elif isinstance(node, ast.Compare):
            depth += len(node.ops) // 64  # flat in libcst; only absurd chains count
        if depth > deepest:
            deepest = depth
        for child in ast.iter_child_nodes(node):
            stack.append((child, depth + 1))
    return deepest


def measure(text: str) -> int:
    """:func:`nesting_depth` of ``text``; a text ``ast`` itself cannot nest that deep is over the limit."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return 0  # libcst will say why (guarded below when large)
    except (RecursionError, MemoryError):
        return MAX_DEPTH + 1
    except ValueError:
        return 0
    return nesting_depth(tree)


def parse_error(text: str) -> str | None:
    """None when libcst parses ``text``, else its message. Raises NativeParserRisk."""
    depth = measure(text)
    if depth > MAX_DEPTH:
        raise NativeParserRisk(f"nested {depth if depth <= MAX_DEPTH * 100 else 'too'} levels deep; the fix parser (libcst) crashes on such nesting, so no fix is applied")
    if depth > CHILD_DEPTH or len(text) > CHILD_BYTES:
        return _in_child(text)
    return _in_process(text)


def _in_process(text: str) -> str | None:
    import libcst

    try:
        libcst.parse_module(text)
        return None
    except libcst.ParserSyntaxError as e:
        return f"line {e.raw_line}: {e.message}"
    except Exception as e:  # noqa: BLE001 - the guard must never crash the run
        return str(e) or e.__class__.__name__


def _in_child(text: str) -> str | None:
    try:
        r = subprocess.run(
            [sys.executable, "-I", "-c", _CHILD],
            input=text.encode("utf-8", "surrogatepass"),
            capture_output=True,
            timeout=CHILD_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise NativeParserRisk(f"the fix parser (libcst) took over {CHILD_SECONDS:.0f} s on this file; no fix is applied") from None
    except OSError:
        return _in_process(text)  # cannot start a child: parse here (the depth is bounded)
    if r.returncode < 0:
        raise NativeParserRisk(f"the fix parser (libcst) crashed on this file (signal {-r.returncode}); no fix is applied")
    try:
        answer = json.loads(r.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise NativeParserRisk("the fix parser (libcst) failed on this file; no fix is applied") from None
    if "import" in answer:  # libcst importable here only through our own sys.path
        return _in_process(text)
    return None if answer.get("ok") else str(answer.get("error"))
