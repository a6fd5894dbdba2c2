"""``python -m auditor``: the same command as ``llm-audit``, never running the scanned code.

``-m`` puts the working directory first on ``sys.path``; run inside the repository being
scanned, a ``json.py`` or ``fnmatch.py`` there would be imported (and executed) in place of the
standard library's. So before anything else is imported, the working directory (``''``, ``.``
or its absolute path) and this script's own folder leave ``sys.path``. What Python imports
before this file runs (``runpy`` and what it needs, and an ``auditor/`` package in the working
directory, which would be found instead of this one) is beyond any package's reach: run
``llm-audit`` or ``python -P -m llm_audit`` (Python 3.11+) in untrusted trees, as the README says;
``python -m llm_audit`` (:mod:`llm_audit.__main__`) is this module under a name no scanned
repository's folder takes.
"""

import os as _os
import sys as _sys


def _drop_working_directory() -> None:
    try:
        cwd = _os.getcwd()
    except OSError:  # the working directory was removed: drop the relative entries only
        cwd = None
    unsafe = {cwd, _os.path.dirname(_os.path.abspath(__file__))}
    _sys.path[:] = [p for p in _sys.path if p not in ("", ".") and (cwd is None or _os.path.abspath(p) not in unsafe)]


_drop_working_directory()

from auditor.cli import main  # noqa: E402 - only once sys.path is safe

if __name__ == "__main__":  # pragma: no cover
    main()
