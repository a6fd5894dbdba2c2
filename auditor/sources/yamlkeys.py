"""Can no key of a YAML file name a model? Read by libyaml's event parser, in C, before ruamel's parse.

:func:`auditor.sources.configfile._yaml_refs` reports a value only under a key
:func:`configfile.names_a_model` or :func:`configfile.names_models` accepts. The text screen in front
of it (:mod:`auditor.sources.yamlscreen`) cannot tell a YAML key from ``"model": "gpt-4o"`` inside a
quoted string, so VCR cassettes (recorded request bodies) went to ruamel's round-trip parse, pure
Python: on the notebook benchmark corpus 158 cassettes, ~2.2 of the 2.6 CPU-s of YAML parsing, for
no model reference. libyaml reads the same files' events in ~0.1 s.

:func:`no_model_keys` is True only when the answer is certain and ruamel's parse would succeed
with no reference: libyaml reads the whole text; every mapping key is a scalar whose text is the
string ruamel makes of it (quoted, or plain starting with a letter or ``_`` and not a YAML
boolean or null word, no tag other than ``!!str``); no mapping repeats a key (ruamel refuses
duplicates); and no key names a model. Anything that could make ruamel construct differently or
fail is answered False, so the file is parsed as before: an alias (undefined anchors are the
composer's error, not the parser's), a ``%YAML`` or ``%TAG`` directive, an explicit tag other than
``!!str`` anywhere (``!!set``, ``!custom``) but a ``!!binary`` scalar that decodes as ruamel
decodes it (cassettes keep gzip bodies so), a plain value ruamel could take for a timestamp
(``2024-13-45`` is its error) or ``=`` (its ``!!value``), nesting deeper than :data:`MAX_DEPTH`,
any libyaml error, and no libyaml at all (PyYAML built without its C extension: the answer is the same
without it, only slower).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

MAX_DEPTH = 64  # ruamel's recursive composer and the refs walk are far from Python's limit here
_STR = "tag:yaml.org,2002:str"
_BINARY = "tag:yaml.org,2002:binary"
_DATE = re.compile(r"[0-9]{4}-[0-9]")  # how ruamel's timestamps begin
_NOT_STR = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "null"})  # YAML 1.1 and 1.2 words


@lru_cache(maxsize=1)
def _parser() -> Callable | None:
    try:
        from yaml._yaml import CParser  # PyYAML's binding of libyaml
    except ImportError:
        return None
    return CParser


def _decodes(value: str) -> bool:
    """ruamel's ``!!binary``: ASCII, then base64 (its error otherwise)."""
    import base64
    import binascii

    try:
        base64.decodebytes(value.encode("ascii"))
    except (UnicodeEncodeError, binascii.Error):
        return False
    return True


def no_model_keys(text: str, names_model: Callable[[str], bool]) -> bool:
    """True when libyaml reads ``text`` and certainly no key ``names_model`` (see the module doc)."""
    make = _parser()
    if make is None:
        return False
    try:
        return _read(make(text), names_model)
    except Exception:  # noqa: BLE001 - libyaml refuses it: ruamel decides, as before
        return False


def _read(parser, names_model: Callable[[str], bool]) -> bool:
    from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, MappingStartEvent, ScalarEvent

    stack: list[list] = []  # per open collection: [is a mapping, a key comes next, keys seen]
    while parser.check_event():
        ev = parser.get_event()
        if isinstance(ev, CollectionEndEvent):
            stack.pop()
            continue
        if not isinstance(ev, (ScalarEvent, CollectionStartEvent)):
            if isinstance(ev, AliasEvent) or getattr(ev, "version", None) or getattr(ev, "tags", None):
                return False  # an alias; a %YAML (1.1 resolves otherwise) or %TAG directive
            continue  # stream and document boundaries
        if ev.tag is not None and ev.tag != _STR and not (ev.tag == _BINARY and isinstance(ev, ScalarEvent) and _decodes(ev.value)):
            return False  # a tag ruamel constructs otherwise (!!set, !custom); a !!binary it would refuse
        top = stack[-1] if stack else None
        if top is not None and top[0] and top[1]:  # a mapping key
            if not isinstance(ev, ScalarEvent):
                return False  # a collection as a key: ruamel's str() of it is not its text
            key = ev.value
            if ev.style == "" and ev.tag is None and (not (key[:1].isalpha() or key[:1] == "_") or key.lower() in _NOT_STR):
                return False  # a plain key ruamel may read as a number, boolean, null, a merge (`<<`)...
            if key in top[2] or names_model(key):
                return False
            top[2].add(key)
            top[1] = False
        else:
            if top is not None and top[0]:
                top[1] = True  # the value read: a key comes next
            if isinstance(ev, ScalarEvent) and ev.style == "" and ev.tag is None and (_DATE.match(ev.value) or ev.value == "="):
                return False  # 2024-13-45 would be ruamel's timestamp (and its error); `=` its !!value
        if isinstance(ev, CollectionStartEvent):
            stack.append([isinstance(ev, MappingStartEvent), True, set()])
            if len(stack) > MAX_DEPTH:
                return False
    return True
