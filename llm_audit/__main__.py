"""``python -m llm_audit``: ``python -m auditor`` under a name a scanned repository will not have.

``python -m NAME`` looks for NAME in the working directory before anywhere else, and no package
can prevent it: run inside a repository with its own ``auditor/`` folder (a common name),
``python -m auditor`` runs that folder. ``llm_audit`` is the distribution's own name (as ``python
-m pip`` is pip's), so only a checkout of llm-audit itself has such a folder. This file imports
``auditor`` from the folder it was itself installed in (not the working directory's), and
:mod:`auditor.__main__` then drops the working directory from ``sys.path`` before anything else.
"""

import os as _os
import sys as _sys

_sys.path.insert(0, _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__))))
try:
    import auditor  # noqa: F401 - ours, found first; its __init__ imports nothing
finally:
    del _sys.path[0]

from auditor.__main__ import main  # noqa: E402 - drops the working directory, then imports the CLI

if __name__ == "__main__":  # pragma: no cover
    main()
