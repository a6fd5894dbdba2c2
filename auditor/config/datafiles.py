"""Where llm-audit's data files are, and reading one: the ``rules/`` folder and a YAML file
parsed once and memoised as JSON in the user cache.

The YAML files ship inside the wheel as ``auditor/rules`` (see pyproject); in a source
checkout they are read from the top-level ``rules/`` folder.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any


def rules_dir() -> Path:
    pkg = Path(__file__).resolve().parent.parent  # auditor/
    for candidate in (pkg / "rules", pkg.parent / "rules"):
        if (candidate / "providers.yaml").is_file():
            return candidate
    raise FileNotFoundError("llm-audit's rules/ data folder is missing from the installation")


def load_yaml_file(path: Path) -> Any:
    """Parse a YAML data file, memoised as JSON in the user cache keyed by the file's hash.

    ruamel.yaml takes ~0.2 s for the catalogs; a warm run reads the JSON in milliseconds.
    JSON (not pickle) so a planted cache file can at worst change data, never run code;
    dates are kept as ISO strings either way (consumers parse them)."""
    import json
    import os

    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:24]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    memo = Path(base) / "llm-audit" / "yaml" / f"{path.stem}-{digest}.json"
    try:
        return json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    from ruamel.yaml import YAML

    parsed = _jsonable(YAML(typ="safe").load(data.decode("utf-8")))
    try:
        from auditor.writes import atomic_write

        atomic_write(memo, json.dumps(parsed).encode("utf-8"))
    except OSError:
        pass
    return parsed


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, date):
        return obj.isoformat()
    return obj
