"""The pre-scan kept in the facts cache (sources/prescan.remembered): a pre-commit run that
pre-scans one changed file loads it instead of building it, with the same verdicts; other
settings get their own; anything unusable is built again."""

from __future__ import annotations

import pickle

from auditor.config.catalog import load_catalog
from auditor.phase1 import settings_digest
from auditor.sources.prescan import PARSE, SKIP, remembered
from auditor.sources.python import SourceOptions

CLIENT_MODULE = b"from openai import OpenAI\n\nclient = OpenAI()\n\ndef ask(q):\n    return client.chat.completions.create(model='gpt-4o-mini', messages=[{'role': 'user', 'content': q}])\n"
PROMPTS_MODULE = b'SUMMARY_PROMPT = """Summarise the ticket below in two sentences."""\n'
WRAPPER_CALLER = b"from app.llm import chat_once\n\ndef triage(ticket):\n    return chat_once(ticket)\n"
PLAIN_MODULE = b"import json\n\ndef load(path):\n    with open(path) as fh:\n        return json.load(fh)\n"


def _opts(**kw) -> SourceOptions:
    return SourceOptions(providers_data=load_catalog().providers_data, **kw)


def _store(meta: dict):
    def store(key, value):
        meta[key] = value

    return store


def test_a_kept_prescan_is_loaded_with_the_same_verdicts():
    meta: dict = {}
    first = _opts(extra_apis=[{"id": "wrapper", "match": {"callables": ["app.llm.chat_once"]}}])
    settings = settings_digest(first)
    remembered(first, settings, meta, _store(meta))
    assert set(meta["prescan"]) == {settings}  # built once and kept
    again = _opts(extra_apis=[{"id": "wrapper", "match": {"callables": ["app.llm.chat_once"]}}])
    kept = dict(meta)
    remembered(again, settings, meta, _store(meta))
    assert meta == kept  # loaded, nothing stored again
    assert again._prescan is not None and again._prescan is not first._prescan
    for data, want in ((CLIENT_MODULE, PARSE), (PROMPTS_MODULE, PARSE), (WRAPPER_CALLER, PARSE), (PLAIN_MODULE, SKIP)):
        assert again.prescanner.verdict(data) == first.prescanner.verdict(data) == want


def test_other_settings_get_their_own_prescan():
    meta: dict = {}
    plain = _opts()
    remembered(plain, settings_digest(plain), meta, _store(meta))
    wrapped = _opts(extra_apis=[{"id": "wrapper", "match": {"callables": ["app.llm.chat_once"]}}])
    remembered(wrapped, settings_digest(wrapped), meta, _store(meta))
    assert len(meta["prescan"]) == 2
    assert plain.prescanner.verdict(WRAPPER_CALLER) == SKIP  # the wrapper is no word of the plain one
    assert wrapped.prescanner.verdict(WRAPPER_CALLER) == PARSE


def test_an_unusable_kept_prescan_is_built_again():
    opts = _opts()
    settings = settings_digest(opts)
    meta = {"prescan": {settings: b"\x80\x05not a pickle"}}
    remembered(opts, settings, meta, _store(meta))
    assert opts._prescan is not None and opts.prescanner.verdict(CLIENT_MODULE) == PARSE
    assert pickle.loads(meta["prescan"][settings]).verdict(PLAIN_MODULE) == SKIP  # replaced by a good one


def test_options_with_their_own_providers_data_are_never_served_from_the_cache():
    meta: dict = {}
    catalog_opts = _opts()
    settings = settings_digest(catalog_opts)
    remembered(catalog_opts, settings, meta, _store(meta))
    own = SourceOptions(providers_data={"apis": [], "types": {}})  # same settings digest, other data
    remembered(own, settings, meta, _store(meta))
    assert own._prescan is None  # built from its own data when used
    assert own.prescanner.verdict(CLIENT_MODULE) == SKIP  # no API known: what the catalog's pre-scan would parse
