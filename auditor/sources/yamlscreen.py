"""Can a YAML file hold a model id the config reader reports? A text screen before the YAML parse.

:func:`auditor.sources.configfile._yaml_refs` parses a whole file (ruamel.yaml's round-trip loader,
pure Python, ~1.5-2 CPU-s per MB) to find the values of keys that name a chat model. Among the
files the default globs choose, most hold no such value: VCR cassettes whose recorded request
bodies spell ``"model": "gpt-4o"`` inside one quoted string, ``mkdocs.yml`` navigation, workflow
files, framework configs with ``model: main``. On the notebook benchmark corpus (378 YAML files
that mention "model") the parse was ~2.6 CPU-s, serially in the main process.

:func:`may_hold_model_ids` is False only where no mapping in the file can have a key that
:func:`configfile.names_a_model` accepts with a value :func:`configfile.looks_like_model_id`
accepts and that is written where its key says (``_raw_at``), nor a key :func:`names_models`
accepts holding a sequence. It never parses; it reasons on the text:

- a key naming a model is written, case aside, as ``model``, ``models``, ``model_name``,
  ``modelId`` ... ending the key, then only non-alphanumeric characters on that line up to a
  ``:`` (quotes, spaces: ``"model" :``). A key is one line (implicit keys are single-line); the
  spellings that hide that text are explicit ``? `` keys, an alias used as a key (``*k :``) and a
  ``!!binary`` key: a file with one of them is always parsed. Double-quoted escapes (``"mod\\x65l"``)
  are undone and the text searched again;
- the value is the first thing after the ``:`` (spaces, line breaks and comments skipped): a
  reported value is written there verbatim, plain or quoted, so it starts with a letter or digit and
  holds a letter and a digit, ``/`` or ``-``. A value starting with an anchor, tag, alias or block
  indicator (``&`` ``!`` ``*`` ``|`` ``>``) or a reserved one is let through;
- ``...models`` keys count only with a sequence after them (``- `` or ``[``) and another word
  before ``models`` on their line (a bare ``models`` key is not one, as in ``names_models``).

It lets through more than the parse reports (a ``"model": "gpt-4o"`` inside a quoted string, a key
whose value is an embedding model), never less: ``tests/test_yaml_screen.py`` checks it against the
parse on every YAML file of the benchmark and precision corpora that were at hand, and on cases
built to defeat it. Only the default globs' files with no policy ``keys`` are screened.
"""

from __future__ import annotations

import re

_KEY = re.compile(r"model(s?)(?:[^a-z0-9\n]*(?:name|id))?[^a-z0-9\n]*:")  # on the lower-cased text
_ODD = re.compile(r"^[ \t]*(?:-[ \t]+)*\?(?:[ \t]|$)|[\[{,][ \t]*\?[ \t]|\*[^\s,\[\]{}]+[ \t]*:|!!?binary|tag:yaml\.org,2002:binary", re.M)
_GAP = re.compile(r"(?:[ \t\r\n]+|#[^\n]*)*")
_PLAIN = re.compile(r"[A-Za-z0-9._:/@+-]+")
_LETTER = re.compile(r"[A-Za-z]")
_VERSION = re.compile(r"[\d/-]")
_ALNUM = re.compile(r"[A-Za-z0-9]")
_ESCAPE = re.compile(r"\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|\r?\n|.)", re.S)
_SIMPLE = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r", "e": "\x1b",
    " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
_LET_THROUGH = "&!*|>?%@`"  # properties, aliases, block scalars, reserved indicators: not judged here


def _unescape(m: re.Match) -> str:
    s = m.group(0)
    if s[1] in "xuU" and len(s) > 2:
        return chr(int(s[2:], 16))
    if s[1] in "\r\n":
        return ""  # a line continuation
    return _SIMPLE.get(s[1], s)


def _value_may_be_id(text: str, at: int) -> bool:
    c = text[at]
    if c in "\"'":
        end = text.find(c, at + 1)
        body = text[at + 1 : end if end >= 0 else len(text)].strip()
    else:
        m = _PLAIN.match(text, at)
        body = m.group(0) if m else ""
    return bool(body) and _ALNUM.match(body) is not None and _LETTER.search(body) is not None and _VERSION.search(body) is not None


def _scan(text: str) -> bool:
    low = text.lower()
    if len(low) != len(text):  # a character whose lower case is longer (U+0130): positions differ
        return True
    for m in _KEY.finditer(low):
        at = _GAP.match(text, m.end()).end()
        if at >= len(text):
            continue
        c = text[at]
        if c in _LET_THROUGH:
            return True
        if m.group(1):  # ...models: a list of ids, after a key with another word before "models"
            if c in "-[" and _ALNUM.search(low, text.rfind("\n", 0, m.start()) + 1, m.start()):
                return True
            continue
        if c not in "-[{" and _value_may_be_id(text, at):
            return True
    return False


def hides_keys(text: str) -> bool:
    """Does the text use a spelling that can make a key out of other text (an explicit ``? `` key,
    an alias as a key, a ``!!binary`` key)?"""
    return _ODD.search(text) is not None


def may_hold_model_ids(text: str) -> bool:
    """False only when no value in this YAML text can be a model id the config reader reports
    (no policy ``keys``); see the module's docstring."""
    if "model" not in text.lower() and "\\" not in text:
        return False
    if _ODD.search(text) or _scan(text):
        return True
    return "\\" in text and _scan(unescaped(text))


def unescaped(text: str) -> str:
    """The text with every backslash escape undone as a double-quoted scalar would (elsewhere a
    backslash is itself: the result only ever shows more keys, never fewer, to a search that
    also searches the text as written)."""
    return _ESCAPE.sub(_unescape, text)
