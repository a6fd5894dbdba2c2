#!/usr/bin/env python3
"""Regenerate ``docs/rules/`` - one page per rule, plus an index - from ``rules/checks/*.yaml``.

SARIF ``helpUri`` and ``llm-audit rule --all --output-format json`` link to these pages, so a
rule added, renamed or re-documented needs a run of this script; ``--check`` writes nothing
and exits 1 when a page is missing, stale or left over (tests/test_rule_pages.py runs the
same comparison).

    python scripts/gen_rule_docs.py          # rewrite docs/rules/
    python scripts/gen_rule_docs.py --check  # fail if they drifted
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wanted_pages() -> dict[str, str]:
    """{file name: text} of every page docs/rules/ should hold."""
    sys.path.insert(0, str(ROOT))
    from auditor.config.catalog import load_rule_entries
    from auditor.config.ruledocs import rule_index, rule_page

    rules = load_rule_entries()
    pages = {f"{r.code}.md": rule_page(r) for r in rules}
    pages["README.md"] = rule_index(rules)
    return pages


def drift(folder: Path, pages: dict[str, str]) -> tuple[list[str], list[str]]:
    """(pages to write, generated pages to delete)."""
    stale = [name for name, text in pages.items() if not (folder / name).is_file() or (folder / name).read_text(encoding="utf-8") != text]
    extra = sorted(p.name for p in folder.glob("*.md") if p.name not in pages and re.fullmatch(r"[A-Z]+[0-9]+\.md", p.name)) if folder.is_dir() else []
    return sorted(stale), extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/rules/ is out of date; write nothing")
    parser.add_argument("--dir", type=Path, default=ROOT / "docs" / "rules")
    args = parser.parse_args(argv)
    pages = wanted_pages()
    stale, extra = drift(args.dir, pages)
    if not stale and not extra:
        print("docs/rules/ is up to date.")
        return 0
    if args.check:
        print(f"docs/rules/ is out of date ({', '.join(stale + extra)}): run `python scripts/gen_rule_docs.py`.", file=sys.stderr)
        return 1
    args.dir.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (args.dir / name).write_text(pages[name], encoding="utf-8")
    for name in extra:
        (args.dir / name).unlink()
    print(f"Wrote {len(stale)} page(s), removed {len(extra)} in {args.dir}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
