#!/usr/bin/env python3
"""Regenerate the README's rule table from ``rules/checks/*.yaml``.

The table sits between ``<!-- rules:start -->`` and ``<!-- rules:end -->`` in README.md and is
the output of ``llm-audit rule --all --output-format markdown-table`` (built-in rules only,
whatever policy file is around). ``--check`` writes nothing and exits 1 when the README is
out of date (tests/test_readme.py runs the same comparison).

    python scripts/gen_rule_table.py          # rewrite the table in README.md
    python scripts/gen_rule_table.py --check  # fail if it drifted
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def generated_table() -> str:
    sys.path.insert(0, str(ROOT))
    from auditor.config.catalog import load_rule_entries
    from auditor.config.ruledocs import rule_table

    return rule_table(load_rule_entries())


def with_table(readme: str, table: str) -> str:
    """README text with the block between the markers replaced by ``table``."""
    if readme.count(START) != 1 or readme.count(END) != 1 or readme.index(START) > readme.index(END):
        raise ValueError(f"README.md must hold exactly one {START} ... {END} block")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md's table is out of date; write nothing")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    args = parser.parse_args(argv)
    current = args.readme.read_text(encoding="utf-8")
    try:
        wanted = with_table(current, generated_table())
    except ValueError as e:
        print(f"gen_rule_table: {e}", file=sys.stderr)
        return 2
    if wanted == current:
        print("README rule table is up to date.")
        return 0
    if args.check:
        print("README rule table is out of date: run `python scripts/gen_rule_table.py`.", file=sys.stderr)
        return 1
    args.readme.write_text(wanted, encoding="utf-8")
    print(f"Updated the rule table in {args.readme}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
