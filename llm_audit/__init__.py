"""``llm_audit``: the importable name of the ``llm-audit`` distribution, for ``python -m llm_audit``.

It holds nothing but :mod:`llm_audit.__main__`; the code is the ``auditor`` package beside it.
It imports nothing: ``python -m`` imports this file before any of ours can clean ``sys.path``.
"""
