"""A generator of hostile inputs: malformed files of every kind llm-audit reads, odd names, odd line
breaks, deep nesting, huge lines, YAML bombs, symlink loops, and hostile policies.

``build_tree(root)`` writes one project holding all of them (next to ordinary files with real
findings, so a run that silently drops everything is noticed); ``POLICIES`` are policy texts
each run on its own. Everything is deterministic: the same inputs on every run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

CALL = "client.chat.completions.create(model='o3', messages=[{'role': 'user', 'content': q}], max_tokens=100)"
HEAD = "from openai import OpenAI\nclient = OpenAI()\n"
GOOD = HEAD + f"def ask(q):\n    return {CALL}\n"

LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, n in zip("abcdefgh", "bcdefghi")
)


def _indent(text: str, pad: str) -> str:
    return "".join(pad + line + "\n" for line in text.splitlines())


def python_files() -> dict[str, bytes]:
    deep_paren = "x = " + "(" * 300 + "1" + ")" * 300 + "\n"
    files: dict[str, str | bytes] = {
        "py/good.py": GOOD,
        "py/empty.py": "",
        "py/comments.py": "# only a comment\n",
        "py/nul.py": b"import openai\x00\n",
        "py/latin1.py": b"# -*- coding: latin-1 -*-\nimport openai\nP_PROMPT = 'caf\xe9'\n",
        "py/bad_cookie.py": b"# -*- coding: no-such-codec -*-\nimport openai\n",
        "py/rot13_cookie.py": b"# -*- coding: rot13 -*-\nimport openai\n",  # a codec, not a text encoding
        "py/utf16_cookie.py": b"#!/usr/bin/env python\n# vim: set fileencoding=utf-16 :\nimport openai\n",  # not ASCII-compatible
        "py/bom_latin1.py": b"\xef\xbb\xbf# coding: latin-1\nimport openai\n",  # a UTF-8 BOM with another encoding
        "py/invalid_utf8.py": b"import openai\nx = '\xff\xfe'\n",
        "py/bom.py": b"\xef\xbb\xbf" + GOOD.encode(),
        "py/crlf.py": GOOD.replace("\n", "\r\n"),
        "py/cr_only.py": GOOD.replace("\n", "\r"),
        "py/mixed_newlines.py": GOOD.replace("\n", "\r\n", 1).replace("\n", "\r", 2),
        "py/odd_breaks.py": HEAD + "N_PROMPT = 'a\x0cb\x1cc\x1dd\x1ee\x85f\u2028g\u2029h'  # \x0c \x85 \u2028\n\x0c\n" + f"def ask(q):\n    return {CALL}\n",
        "py/surrogates.py": HEAD + "S_PROMPT = '\\ud800 \\udfff Please analyze the following data carefully'\n" + "def ask(q):\n    return client.chat.completions.create(model='gpt-4o', messages=[{'role': 'user', 'content': S_PROMPT + '\\udc80'}])\n",
        "py/tabs_spaces.py": "import openai\nif True:\n\tx = 1\n        y = 2\n",
        "py/pep695.py": HEAD + "type M = list[dict]\nclass Box[T]:\n    pass\n" + f"def ask[T](q: T):\n    return {CALL}\n",
        "py/pep701.py": HEAD + 'd = {"k": 1}\n' + 'def ask(q):\n    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": f"{d["k"]} {q}"}])\n',
        "py/pep701_deep.py": HEAD + 'x = f"{f"{f"{1}"}"}"\n',
        "py/dup_kwargs.py": HEAD + "client.chat.completions.create(model='o3', model='o3', messages=[])\n",
        "py/return_outside.py": HEAD + f"return {CALL.replace('q', 'None')}\n",
        "py/unterminated.py": HEAD + 'P_PROMPT = """never closed\n',
        "py/continuation_eof.py": HEAD + "x = 1 + \\",
        "py/deep_parens.py": HEAD + deep_paren,
        "py/deep_unary.py": HEAD + "x = " + "-" * 20000 + "1\n",
        "py/deep_boolop.py": HEAD + f"def ask(q):\n    return {CALL}\n" + "x = " + " and ".join(["a"] * 10000) + "\n",
        "py/deep_binop.py": HEAD + f"def ask(q):\n    return {CALL}\n" + "x = " + "+".join(["a"] * 3000) + "\n",
        "py/deep_attr.py": HEAD + "x = a" + ".b" * 10000 + "\n",
        "py/deep_call_arg.py": HEAD + "client.chat.completions.create(model='gpt-4o', messages=" + "[" * 150 + "]" * 150 + ")\n",
        "py/deep_lambda.py": HEAD + "x = " + "lambda: " * 3000 + "1\n",
        "py/deep_blocks.py": HEAD + "".join("    " * i + "if x:\n" for i in range(99)) + "    " * 99 + f"{CALL.replace('q', 'x')}\n",
        "py/many_calls.py": HEAD + "".join(f"r{i} = {CALL.replace('q', repr(str(i)))}\n" for i in range(300)),
        "py/huge_line.py": HEAD + "P_PROMPT = '" + "Please analyze the following data carefully. " * 60000 + "'\n" + f"def ask(q):\n    return {CALL}\n",
        "py/long_concat.py": "import openai\nx = " + " + ".join(["'a'"] * 20000) + "\n",
        "py/big_dict.py": "import openai\nD = {" + ",".join(f"'k{i}': {i}" for i in range(30000)) + "}\n",
        "py/broken_suppression.py": HEAD + f"def ask(q):\n    return {CALL}  # llm-audit: ignore[LA1\n# llm-audit: ignore-file[\n",
        "py/binary_junk.py": bytes(range(1, 256)) * 40,
        "py/only_import.py": "import openai as \\\n",
        "py/kwargs_star.py": HEAD + "p = {'model': 'o3', **{'max_tokens': 5}}\nclient.chat.completions.create(**p, messages=[], **{'n': 2})\n",
    }
    return {k: v if isinstance(v, bytes) else v.encode("utf-8", "surrogatepass") for k, v in files.items()}


def _nb(cells: list, **meta) -> dict:
    return {"cells": cells, "metadata": {"kernelspec": {"language": "python", "name": "python3"}, **meta}, "nbformat": 4, "nbformat_minor": 5}


def _cell(src) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": src}


def notebook_files() -> dict[str, bytes]:
    good = _nb([_cell(["from openai import OpenAI\n", "client = OpenAI()\n"]), _cell(["q = 'x'\n", f"{CALL}\n"])])
    files: dict[str, str | bytes] = {
        "nb/good.ipynb": json.dumps(good, indent=1),
        "nb/not_json.ipynb": "{ this is not json",
        "nb/list.ipynb": "[1, 2, 3]",
        "nb/cells_dict.ipynb": json.dumps({"cells": {"a": 1}}),
        "nb/source_int.ipynb": json.dumps(_nb([_cell(12), _cell([1, None, "x"]), {"cell_type": "code"}, "junk"])),
        "nb/deep.ipynb": '{"cells": ' + "[" * 100000 + "]" * 100000 + "}",
        "nb/deep_source.ipynb": json.dumps(_nb([_cell(["x = " + "(" * 250 + ")" * 250 + "\n"]), _cell(["x = " + "-" * 20000 + "1\n"])])),
        "nb/v3.ipynb": json.dumps({"worksheets": [{"cells": []}], "nbformat": 3}),
        "nb/r_kernel.ipynb": json.dumps(_nb([_cell(["library(x)\n"])], kernelspec={"language": "R", "name": "ir"})),
        "nb/magics.ipynb": json.dumps(_nb([_cell(["%%bash\n", "echo hi\n"]), _cell(["!pip install openai\n", "x = !ls\n", "%time " + CALL.replace("q", "'x'") + "\n", "df?\n"])])),
        "nb/cr_cells.ipynb": json.dumps(_nb([_cell(GOOD.replace("\n", "\r"))])),
        "nb/surrogate.ipynb": json.dumps(_nb([_cell(["S_PROMPT = '\ud800 Please analyze the following data carefully'\n"])]), ensure_ascii=True),
        "nb/many_cells.ipynb": json.dumps(_nb([_cell(["from openai import OpenAI\n", "client = OpenAI()\n"])] + [_cell([f"r{i} = {CALL.replace('q', repr(str(i)))}\n"]) for i in range(300)])),
        "nb/minified.ipynb": json.dumps(good, separators=(",", ":")),
        "nb/tabs_crlf.ipynb": json.dumps(good, indent="\t").replace("\n", "\r\n"),
        "nb/bom.ipynb": b"\xef\xbb\xbf" + json.dumps(good).encode(),
        "nb/nul.ipynb": b'{"cells": [\x00]}',
        "nb/latin1.ipynb": b'{"cells": [], "x": "caf\xe9"}',
        "nb/nan.ipynb": json.dumps(good).replace('"nbformat_minor": 5', '"nbformat_minor": NaN, "w": 1.0e-5'),
    }
    return {k: v if isinstance(v, bytes) else v.encode("utf-8", "surrogatepass") for k, v in files.items()}


def prompt_files() -> dict[str, bytes]:
    fm = "---\nmodel:\n  api: chat\n  configuration:\n    type: openai\n    name: gpt-4o\n---\n"
    files: dict[str, str | bytes] = {
        "prompts/good.prompty": fm + "system:\nPlease analyze the following data carefully and provide insights.\nuser:\n{{q}}\n",
        "prompts/bomb.prompty": "---\nmodel:\n  configuration:\n    name: gpt-4o\n" + _indent(LAUGHS, "  ") + "---\nsystem:\nHi\n",
        "prompts/bomb.prompt": "---\nmodel: gpt-4o\n" + LAUGHS + "---\nHello {{x}}\n",
        "prompts/data/bomb.yaml": "template: hi\n" + LAUGHS,
        "prompts/data/recursive.yaml": "template: &t [hi, *t]\n",
        "prompts/data/deep.yaml": "template: " + "[" * 20000 + "]" * 20000 + "\n",
        "prompts/data/not_yaml.yaml": "template: [unclosed\n  - : :\n",
        "prompts/data/binary.yaml": bytes(range(256)),
        "prompts/unclosed.prompty": "---\nmodel: gpt-4o\nno end\n",
        "prompts/list_fm.prompt": "---\n- a\n- b\n---\nHello\n",
        "prompts/tabs.prompt": "---\nmodel:\tgpt-4o\n\tconfig: {}\n---\nHi\n",
        "prompts/latin1.prompt": b"---\nmodel: gpt-4o\n---\ncaf\xe9\n",
        "prompts/cr.prompty": (fm + "system:\nPlease analyze the following data carefully.\n").replace("\n", "\r"),
        "prompts/braces.j2": "{{ {{ }} {% if %} {# #} {{" * 1000,
        "prompts/huge.prompt": "---\nmodel: gpt-4o\n---\n" + "Please analyze the following data carefully and provide insights. " * 2000,
        "prompts/nul.prompt": b"---\nmodel: gpt-4o\n---\n\x00\x00",
    }
    return {k: v if isinstance(v, bytes) else v.encode("utf-8", "surrogatepass") for k, v in files.items()}


def odd_names() -> dict[bytes, bytes]:
    body = GOOD.encode()
    return {
        b"names/caf\xe9.py": body,
        b"names/new\nline.py": body,
        b"names/-rf.py": body,
        b"names/sp ace.py": body,
        b"names/" + b"x" * 240 + b".py": body,
        b"names/\xe2\x80\xae.py": body,  # U+202E right-to-left override
        b"names/bad\xff\xfe.ipynb": json.dumps(_nb([_cell([GOOD])])).encode(),
    }


def copy_tree(src: Path, dst: Path) -> None:
    """``shutil.copytree`` that recreates FIFOs instead of opening them (which would block)."""
    import shutil
    import stat

    def copy(a: str, b: str) -> None:
        if stat.S_ISFIFO(os.lstat(a).st_mode):
            os.mkfifo(b)
        else:
            shutil.copy2(a, b)

    shutil.copytree(src, dst, symlinks=True, copy_function=copy)


def build_tree(root: Path) -> None:
    """The hostile project, with its own ``.git`` and a policy naming the prompt folders."""
    root.mkdir(parents=True, exist_ok=True)
    (root / ".git").mkdir(exist_ok=True)
    for rel, data in {**python_files(), **notebook_files(), **prompt_files()}.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    for rel_b, data in odd_names().items():
        p = os.path.join(os.fsencode(root), rel_b)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as fh:
            fh.write(data)
    links = root / "links"
    links.mkdir(exist_ok=True)
    for name, target in [("loop_a.py", "loop_b.py"), ("loop_b.py", "loop_a.py"), ("self.py", "self.py"), ("dangling.py", "nowhere.py"),
                         ("alias.py", "../py/good.py"), ("up", ".."), ("here", "."), ("etc_passwd.py", "/etc/passwd"), ("outside", "/")]:
        try:
            os.symlink(target, links / name)
        except OSError:
            pass
    special = root / "special"  # not files: a FIFO blocks whoever opens it, a device never ends
    special.mkdir(exist_ok=True)
    for rel in ("special/fifo.py", "special/fifo.ipynb", "prompts/fifo.prompt", "special/.gitignore"):
        if hasattr(os, "mkfifo") and not os.path.lexists(root / rel):
            os.mkfifo(root / rel)
    for name, target in [("zero.py", "/dev/zero"), ("to_fifo.py", "fifo.py")]:
        if not os.path.lexists(special / name):
            os.symlink(target, special / name)
    (root / ".gitignore").write_bytes(b"\xff\xfe\n[\n" + b"!*" * 2000 + b"\n")
    (root / ".env").write_bytes(b"OPENAI_MODEL=\xff\n" + b"MODEL=" + b"x" * 100000 + b"\n")
    (root / "llm-audit.lock").write_text("{ not a lock")
    (root / ".llm-audit.yaml").write_text('prompt-paths: ["prompts/data/**"]\n')


POLICIES: dict[str, bytes] = {
    "bomb": ("extends: default\n" + LAUGHS.replace("a:", "x-a:")).encode(),
    "non_utf8": b"fail-on: error\nprompt-names: [\"caf\xe9\"]\n",
    "invalid_yaml": b"select: [LA1\n  - : x\n",
    "deep_yaml": b"select: " + b"[" * 20000 + b"]" * 20000 + b"\n",
    "not_a_mapping": b"- a\n- b\n",
    "wrong_types": b"select: 5\nseverity: [1]\nlimits: {max-file-bytes: -3}\n",
    "unknown_keys": b"no-such-key: 1\nrules: 3\n",
    "empty_matcher": b"call-sites: [{match: {}}]\n",
    "extends_missing": b"extends: [default, nowhere.yaml]\n",
    "extends_self": b"extends: [default, .llm-audit.yaml]\n",
    "recursive": b"select: &s [LA101, *s]\n",
    "nan_values": b"usage: {monthly-calls: .nan}\nparams: {LA101: {default-cap: .inf}}\n",
    "binary": bytes(range(256)),
    "tiny_budgets": b"limits: {max-file-seconds: 0.001, max-check-seconds: 0.001}\n",  # every cut is an LA000, never a hang
}

USAGE_FILES: dict[str, bytes] = {
    "usage_not_mapping": b"version: 1\nsites: [1, 2]\n",
    "usage_bomb": ("version: 1\n" + LAUGHS.replace("a:", "x-a:")).encode(),
    "usage_non_utf8": b"version: 1\ndefaults: {monthly-calls: \xff}\n",
    "usage_deep": b"sites: " + b"{a: " * 5000 + b"1" + b"}" * 5000 + b"\n",
}

PYPROJECTS: dict[str, bytes] = {
    "pyproject_non_utf8": b'[tool.llm-audit]\nfail-on = "caf\xe9"\n',
    "pyproject_invalid": b"[tool.llm-audit\nselect = [\n",
    "pyproject_deep": b"[tool.llm-audit]\nx = " + b"[" * 5000 + b"]" * 5000 + b"\n",
}


def large_project(root: Path, wrappers: int, sites: int, per_module: int = 100) -> None:
    """A large project of one shape each phase-2 step sees at scale: ``wrappers`` functions calling
    each other in a chain across modules (w0 sends the request), ``sites`` calls in modules of
    ``per_module`` each that all take their model from one retired-model constant in another
    module (``sites`` findings of one root cause: one LA402 whose related places list them all),
    and one function dispatching ``sites // 4`` calls over a ``match`` (one function, many calls)."""
    pkg = root / "app"
    pkg.mkdir(parents=True, exist_ok=True)
    (root / ".git").mkdir(exist_ok=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "config.py").write_text("MODEL = 'gpt-4-0314'\n")
    (pkg / "base.py").write_text(HEAD + "\n\ndef w0(q, **kw):\n    return client.chat.completions.create(model='gpt-4o', messages=[{'role': 'user', 'content': q}], **kw)\n")
    chains = max(1, -(-wrappers // per_module))
    for m in range(chains):
        lo, hi = m * per_module + 1, min(wrappers, (m + 1) * per_module)
        head = f"from app.{'base' if m == 0 else f'chain{m - 1}'} import w{lo - 1}\n"
        (pkg / f"chain{m}.py").write_text(head + "".join(f"\n\ndef w{i}(q, **kw):\n    return w{i - 1}(q, **kw)\n" for i in range(lo, hi + 1)))
    call = "client.chat.completions.create(model=MODEL, messages=[{'role': 'user', 'content': q}], max_tokens=200)"
    for m in range(-(-sites // per_module)):
        lines = [HEAD, "from app.config import MODEL\n", f"from app.chain{chains - 1} import w{max(wrappers, 1)}\n"]
        lines += [f"\n\ndef s{i}(q):\n    return {call}\n" for i in range(m * per_module, min(sites, (m + 1) * per_module))]
        lines.append(f"\n\ndef top(q):\n    return w{max(wrappers, 1)}(q, max_tokens=5)\n")
        (pkg / f"sites{m}.py").write_text("".join(lines))
    cases = "".join(f"        case {i}:\n            resp = {call}\n" for i in range(sites // 4))
    (pkg / "dispatch.py").write_text(HEAD + "from app.config import MODEL\n\n\ndef route(kind, q):\n    match kind:\n" + cases + "    return resp.choices[0].message.content\n")
