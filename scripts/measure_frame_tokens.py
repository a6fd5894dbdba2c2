#!/usr/bin/env python3
"""Maintainer script: measure how many tokens pandas' renderings spend per cell, beyond the
values' own tokens, for the DataFrame token model in ``auditor/cost/frames.py`` (``RENDERINGS``).

Needs pandas, tabulate (for ``to_markdown``) and tiktoken in a scratch environment - never at
llm-audit's run time. For each rendering method it renders frames of 20 and 40 rows built from
``examples/data/reviews.csv`` and from a synthetic numeric frame, and prints per method:

- ``cell``: tokens per cell beyond the value's own tokens (separators, quotes, keys, padding),
  from the slope between the two sizes (row overhead folded into the cells);
- ``header``: tokens of everything that does not grow with the rows (column names, braces), as
  a multiple of the column names' own tokens.

    python scripts/measure_frame_tokens.py examples/data/reviews.csv
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from auditor.cost.tokens import O200K, get_encoding

enc = get_encoding(O200K)


def tok(text: str) -> int:
    return len(enc.encode(text))


METHODS = {
    "to_csv": lambda df: df.to_csv(index=False),
    "to_csv(index)": lambda df: df.to_csv(),
    "to_string": lambda df: df.to_string(),
    "to_markdown": lambda df: df.to_markdown(),
    "to_html": lambda df: df.to_html(),
    "to_json": lambda df: df.to_json(),
    "to_json(records)": lambda df: df.to_json(orient="records"),
    "to_dict": lambda df: str(df.to_dict()),
    "to_dict(records)": lambda df: str(df.to_dict(orient="records")),
    "str": lambda df: str(df),
}


def value_tokens(df: pd.DataFrame) -> float:
    """Tokens of the values alone, per row (each value counted on its own)."""
    return sum(tok(str(v)) for col in df.columns for v in df[col]) / len(df)


def measure(df: pd.DataFrame, name: str) -> None:
    small, big = df.head(20).reset_index(drop=True), pd.concat([df] * (40 // len(df) + 1)).head(40).reset_index(drop=True)
    cols = len(df.columns)
    names = sum(tok(str(c)) for c in df.columns)
    v_small, v_big = value_tokens(small), value_tokens(big)
    print(f"\n{name}: {cols} columns, {v_big / cols:.2f} value tokens per cell, column names {names} tokens")
    for method, render in METHODS.items():
        try:
            t_small, t_big = tok(render(small)), tok(render(big))
        except ImportError as e:
            print(f"  {method:18} skipped ({e})")
            continue
        slope = (t_big - t_small) / 20
        per_cell = (slope - (v_big * 40 - v_small * 20) / 20) / cols
        header = t_small - 20 * (v_small + per_cell * cols)
        print(f"  {method:18} cell +{per_cell:5.2f}  header {header / max(1, names):5.2f} x names  (20 rows: {t_small:,} tokens)")


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else Path("examples/data/reviews.csv")
    measure(pd.read_csv(path), path.name)
    synthetic = pd.DataFrame({"order_id": range(1000, 1040), "amount": [round(12.5 + i * 3.17, 2) for i in range(40)], "qty": [i % 7 + 1 for i in range(40)], "region": ["north", "south", "east", "west"] * 10})
    measure(synthetic, "synthetic numeric")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
