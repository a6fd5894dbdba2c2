"""Checks: one function per rule, registered by the name a rule entry's ``check:`` uses.

A check receives one subject (a call site, a prompt constant, a file's facts, or the whole
project) and a :class:`~auditor.checks.context.RuleContext`, and yields findings. The rule's
code, name, severity and parameters come from its entry in ``rules/checks/*.yaml``.
"""

from __future__ import annotations

from typing import Callable, Iterable

from auditor.findings import Finding

SUBJECTS = ("call_site", "model_ref", "prompt_constant", "file", "project")  # model_ref: call sites + model ids in config files
REGISTRY: dict[str, tuple[str, Callable[..., Iterable[Finding]]]] = {}


def check(name: str, on: str = "call_site"):
    """Register a check function under ``name`` for subjects of kind ``on``."""
    assert on in SUBJECTS, on

    def deco(fn):
        REGISTRY[name] = (on, fn)
        return fn

    return deco


def load_all() -> dict[str, tuple[str, Callable[..., Iterable[Finding]]]]:
    """Import every check module so their registrations run."""
    import importlib
    import pkgutil

    import auditor.checks as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name != "context":
            importlib.import_module(f"auditor.checks.{mod.name}")
    return REGISTRY
