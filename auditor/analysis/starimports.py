"""What ``from m import *`` binds, without importing ``m``.

* A star import of an SDK module the catalog knows (``from langchain_openai import *``,
  ``from langchain.chat_models import *``) binds the names the catalog lists under that module
  (``ChatOpenAI``), and nothing else: other names stay unbound, as before.
* A star import of any other module (``from helper_functions import *``, the project's own) binds
  an otherwise unbound name *speculatively* to ``m.<name>``; the project phase
  (:meth:`auditor.analysis.project.Project._import_target`) follows ``m``'s own imports (Python
  binds every public name of ``m``'s namespace, its imports too, unless ``__all__`` says otherwise)
  and keeps a call site only when the name really comes from a catalogued SDK.

Builtins are never bound this way; the last star import wins, as in Python when both define a name
(for project modules every one is tried, last first, in the project phase).
"""

from __future__ import annotations

import builtins

_BUILTINS = frozenset(dir(builtins))
_MEMO: dict[int, tuple[object, frozenset, frozenset, dict]] = {}  # id(providers) -> (providers, names, roots, by last name)


def _catalog(providers) -> tuple[frozenset, frozenset, dict]:
    hit = _MEMO.get(id(providers))
    if hit is not None and hit[0] is providers:
        return hit[1], hit[2], hit[3]
    names = set(providers.by_callable) | set(providers.types) | set(providers.maker_to_type)
    names = {n for n in names if not n.startswith("<")}
    roots = frozenset(r.split(".")[0] for r in providers.import_roots)
    by_last: dict[str, list[tuple[str, object]]] = {}
    for qn, api in providers.by_callable.items():
        if not qn.startswith("<") and "." in qn:
            by_last.setdefault(qn.rsplit(".", 1)[-1], []).append((qn, api))
    _MEMO[id(providers)] = (providers, frozenset(names), roots, by_last)
    return frozenset(names), roots, by_last


def star_binding(r, name: str):
    """``('import', qualname, module scope)`` for a name only a star import can bind, or None."""
    if name in _BUILTINS:
        return None
    names, roots, _ = _catalog(r.providers)
    for mod in reversed(r.star_imports):
        if mod.split(".")[0] in roots:
            qn = f"{mod}.{name}"
            if qn in names:
                return "import", qn, r.module_scope
            continue
        r.star_names.add(name)
        return "import", f"{mod}.{name}", r.module_scope
    return None


def star_candidates(r, name: str) -> list[tuple[str, object]]:
    """The catalogued callables a speculatively star-bound ``name`` could be (``ChatOpenAI`` ->
    ``langchain_openai.ChatOpenAI``, ``langchain_community.chat_models.ChatOpenAI``, ...)."""
    _, _, by_last = _catalog(r.providers)
    return list(by_last.get(name, ()))


def star_refs(r, name: str) -> list[str]:
    """``m.<name>`` for every non-SDK star import of the module, the last first."""
    _, roots, _ = _catalog(r.providers)
    return [f"{m}.{name}" for m in reversed(r.star_imports) if m.split(".")[0] not in roots]
