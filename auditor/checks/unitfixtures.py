"""Configuration files that only a unit test reads (LA402): parsed, never called.

``tests/unit/config/fixtures/minimal_config/settings.yaml`` is an input of a config loader's unit
tests: the loader parses it and the tests assert on the parsed values; nothing sends a request with
its model, so its retirement is no finding. The evidence is where the file lives: under a test
tree (:func:`auditor.analysis.testmodules.is_test_path`) and inside a unit-test directory (the
rule's ``unit-test-dirs``: ``unit``, ``unit_tests``, ``unittests``). Fixtures of integration or
smoke tests (``tests/fixtures/min-csv/settings.yml``, run end to end with real models) stay reported.
Python call sites are never skipped here: a unit test that calls an SDK is LA402's own business.
"""

from __future__ import annotations

from auditor.analysis.testmodules import is_test_path


def unit_test_config(path: str, dirs: list[str]) -> bool:
    """``path`` is a configuration file inside a unit-test directory of a test tree."""
    parts = path.replace("\\", "/").lower().split("/")[:-1]
    return is_test_path(path) and any(d.lower() in parts for d in dirs)
