"""The one DataFrame token model: how many tokens a frame weighs in a prompt, by rendering method.

Used by LA301 (what ``.head(N)`` saves), LA302 (what dropping identifier columns saves) and
the cost model (what a DataFrame hole costs per call), so the three always agree.

    tokens = header + shown rows x (sum over shown columns of (value tokens + per-cell overhead))

- **rows and columns**: from the literal data file a reader loaded (rows counted, values
  tokenised per column on a sample, never executed), else the literal column selection and the
  LA301 parameters ``assumed-rows`` / ``assumed-columns`` / ``tokens-per-cell`` (the tokens of
  one value; an identifier or e-mail column: LA302's ``tokens-per-identifier``);
- **per-cell overhead and header** per rendering method, measured with
  ``scripts/measure_frame_tokens.py`` (pandas 3, o200k_base) - separators, quotes, JSON keys,
  markdown pipes, HTML tags; ``records`` orients repeat the column name in every cell;
- **pandas' display truncation** for ``str(df)``, ``repr`` and f-strings (``display.max_rows``
  60, ``display.min_rows`` 10, ``display.max_columns`` 20, ``display.max_colwidth`` 50): a
  frame longer than 60 rows shows 10 rows (5 + 5) and a ``...`` row, wider than 20 columns shows
  20, each value at most 50 characters (~12 tokens), plus the ``[N rows x M columns]`` footer.
  ``to_string()``, ``to_csv()`` and the other methods send every row.
- **bounded renders** (``head(n)``, ``sample(n)``, ``iloc[:n]``, ``tail(n)``) send ``n`` rows
  (5 when ``n`` is not literal); ``describe()`` 8 rows.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from auditor.cost.tokens import count_tokens

MAX_ROWS, MIN_ROWS, MAX_COLUMNS, MAX_COLWIDTH_TOKENS = 60, 10, 20, 12  # pandas display defaults
FOOTER_TOKENS = 9  # "\n\n[1000 rows x 10 columns]"
SAMPLE_BYTES = 1 << 20  # data files: tokens measured on the first MiB
MAX_SCAN_BYTES = 256 << 20  # rows counted exactly up to this size, else extrapolated
SAMPLE_ROWS = 400  # rows tokenised per column
TEXT_READERS = ("read_csv", "read_table", "read_fwf", "read_json", "read_ndjson", "scan_csv", "scan_ndjson", "read_clipboard")

# method -> (tokens per cell beyond the value, header x the column names' tokens, per-cell name repeat)
RENDERINGS: dict[str, tuple[float, float, bool]] = {
    "to_csv": (1.1, 1.5, False),  # index=True (pandas' default); index=False: 0.8
    "to_csv(index=False)": (0.8, 1.5, False),
    "write_csv": (0.8, 1.5, False),
    "to_string": (1.7, 1.5, False),
    "to_markdown": (3.3, 7.5, False),
    "to_html": (10.4, 14.5, False),
    "to_latex": (2.0, 3.0, False),
    "to_xml": (8.0, 2.0, True),
    "to_json": (3.0, 2.2, False),  # orient="columns": {"col": {"0": v, ...}}
    "to_dict": (5.0, 2.6, False),  # str() of {"col": {0: v, ...}}
    "records": (2.0, 0.4, True),  # to_json(orient="records") / records lists: "col": v per cell
    "to_dict(records)": (4.0, 0.4, True),
    "str": (2.25, 1.6, False),  # f"{df}", str(df), repr(df): truncated as pandas displays it
    "values": (2.0, 0.0, False),
}
TRUNCATING = ("str", "format", "repr", "__str__", "__repr__")
CSV_RENDERINGS = ("to_csv", "to_csv(index=False)", "write_csv")
INDEX_TOKENS = 2.0  # to_csv() writes the index first: the row number and a comma


def rendering(method: str, expr: str = "") -> str:
    """The :data:`RENDERINGS` key for a render method and its source expression."""
    orient_records = re.search(r"orient\s*=\s*['\"]records['\"]", expr or "") is not None
    if method in TRUNCATING:
        return "str"
    if method in ("to_json", "write_json", "write_ndjson") and (orient_records or method == "write_ndjson"):
        return "records"
    if method in ("to_dict", "to_dicts", "to_records", "dumps", "records") and (orient_records or method in ("to_dicts", "records")):
        return "to_dict(records)" if method != "records" else "records"
    if method == "to_csv" and re.search(r"index\s*=\s*False", expr or ""):
        return "to_csv(index=False)"
    if method in ("to_numpy", "to_list", "tolist", "values"):
        return "values"
    return method if method in RENDERINGS else ("to_dict" if method in ("to_records", "dumps") else "to_csv")


@dataclass
class FrameState:
    """A DataFrame as a prompt hole sends it."""

    rows: int
    column_tokens: list[float]  # value tokens per column (what one value of each column weighs)
    names_tokens: float  # tokens of the column names together
    method: str = "to_csv"  # a RENDERINGS key
    basis: str = ""
    limit: int | None = None  # a bound on the rows (head(n)) applied by the code or a fix
    names: list[str] = field(default_factory=list)  # column names, when known (same order)
    # CSV renderings of a frame read from a CSV file: the file's own tokens per row and header
    # (measured, exact to a few tokens), scaled by the share of the columns still sent
    file_row_tokens: float | None = None
    file_header_tokens: float | None = None
    file_columns_tokens: float | None = None  # sum over the file's columns of (value + per-cell)

    @property
    def columns(self) -> int:
        return len(self.column_tokens)

    def shown(self) -> tuple[int, list[float], bool]:
        """(rows shown, value tokens of the columns shown, truncated?)"""
        rows = self.rows if self.limit is None else min(self.rows, self.limit)
        cols = list(self.column_tokens)
        truncated = False
        if self.method == "str":
            if rows > MAX_ROWS:
                rows, truncated = MIN_ROWS + 1, True  # 5 + "..." + 5
            if len(cols) > MAX_COLUMNS:
                cols, truncated = cols[: MAX_COLUMNS // 2] + cols[-(MAX_COLUMNS // 2) :], True
            cols = [min(c, MAX_COLWIDTH_TOKENS) for c in cols]
        return rows, cols, truncated

    @property
    def tokens(self) -> float:
        per_cell, header, repeat = RENDERINGS.get(self.method, RENDERINGS["to_csv"])
        rows, cols, truncated = self.shown()
        if not cols:
            return 0.0
        if self.file_row_tokens is not None and self.method in CSV_RENDERINGS and self.file_columns_tokens:
            share = sum(c + per_cell for c in cols) / self.file_columns_tokens
            index = INDEX_TOKENS if self.method == "to_csv" else 0.0
            return (self.file_header_tokens or 0.0) * share + rows * (self.file_row_tokens * share + index)
        name_each = self.names_tokens / max(1, self.columns)
        per_row = sum(cols) + len(cols) * (per_cell + (name_each if repeat else 0.0))
        return header * self.names_tokens + rows * per_row + (FOOTER_TOKENS if truncated else 0.0)

    def bounded(self, n: int) -> FrameState:
        return replace(self, limit=n if self.limit is None else min(self.limit, n))

    def without_columns(self, names: list[str], k: int | None = None) -> FrameState:
        """The frame with the columns ``names`` dropped (unnamed columns: the heaviest ``k``)."""
        if self.names and names:
            keep = [(n, t) for n, t in zip(self.names, self.column_tokens) if n not in set(names)]
            gone = len(self.names) - len(keep)
            name_each = self.names_tokens / max(1, self.columns)
            return replace(self, names=[n for n, _ in keep], column_tokens=[t for _, t in keep], names_tokens=max(0.0, self.names_tokens - gone * name_each))
        k = len(names) if k is None else k
        cols = sorted(self.column_tokens)
        name_each = self.names_tokens / max(1, self.columns)
        return replace(self, column_tokens=cols[: max(0, len(cols) - k)], names_tokens=max(0.0, self.names_tokens - k * name_each))

    @property
    def rows_sent(self) -> int:
        return self.shown()[0]

    def describe(self) -> str:
        rows, cols, truncated = self.shown()
        what = f"~{self.tokens:,.0f} tokens per call: {rows:,} rows x {len(cols)} columns as {self.method}"
        if truncated:
            what += f" (pandas shows {rows - 1} of {self.rows:,} rows)"
        return what


# ---------------------------------------------------------------- data files
@dataclass
class DataFile:
    path: Path
    shown: str  # relative to the root
    rows: int
    columns: list[str] = field(default_factory=list)
    column_tokens: list[float] = field(default_factory=list)
    names_tokens: float = 0.0
    whole_tokens: int = 0  # the file's own text (CSV), extrapolated from the sample
    header_tokens: float = 0.0
    row_tokens: float | None = None  # the file's tokens per data row (measured on the sample)


def find_data_file(source_file: str, reader: str, code_path: str, root: Path) -> Path | None:
    """The literal file a reader loaded, if it exists in the tree (relative to the code, an
    ancestor folder up to the project root, or the root). Never outside the root."""
    if not source_file or reader not in TEXT_READERS or "://" in source_file:
        return None
    root = Path(root).resolve()
    rel = Path(source_file.replace("\\", "/"))
    candidates: list[Path] = []
    if rel.is_absolute():
        candidates.append(rel)
    else:
        folder = (root / code_path).parent
        while True:
            candidates.append(folder / rel)
            if folder == root or root not in folder.parents:
                break
            folder = folder.parent
        candidates.append(root / rel)
    for c in candidates:
        try:
            real = c.resolve()
        except OSError:
            continue
        if (real == root or root in real.parents) and real.is_file():
            return real
    return None


_FILES: dict[str, DataFile | None] = {}


def read_data_file(p: Path, root: Path) -> DataFile | None:
    """Rows, columns and per-column value tokens of a CSV-like file (cached per run and path)."""
    key = str(p)
    if key in _FILES:
        return _FILES[key]
    _FILES[key] = None
    try:
        size = p.stat().st_size
        with open(p, "rb") as fh:
            sample = fh.read(SAMPLE_BYTES)
            newlines = sample.count(b"\n")
            if size <= MAX_SCAN_BYTES:
                while chunk := fh.read(SAMPLE_BYTES):
                    newlines += chunk.count(b"\n")
            else:
                newlines = int(newlines * size / max(1, len(sample)))
    except OSError:
        return None
    if b"\x00" in sample[:8192]:
        return None
    text = sample.decode("utf-8", errors="replace")
    lines = text.splitlines()
    if not lines:
        return None
    ends_with_newline = size == len(sample) and text.endswith("\n")
    rows = max(0, newlines + (0 if ends_with_newline or size > len(sample) else 1) - 1)
    try:
        shown = p.relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        shown = p.name
    whole = int(count_tokens(text).tokens * size / max(1, len(sample)))
    out = DataFile(p, shown, rows, whole_tokens=whole)
    try:
        table = list(csv.reader(io.StringIO("\n".join(lines[: SAMPLE_ROWS + 1]))))
    except csv.Error:
        table = []
    out.header_tokens = float(count_tokens(lines[0]).tokens)
    sample_rows = max(0, len(lines) - 1)
    if sample_rows and (p.suffix.lower() in (".csv", ".txt") or "," in lines[0]):
        out.row_tokens = max(0.0, (count_tokens(text).tokens - out.header_tokens) / sample_rows)
    if table and table[0]:
        out.columns = [c.strip() for c in table[0]]
        out.names_tokens = float(sum(count_tokens(c).tokens for c in out.columns))
        body = [r for r in table[1:] if len(r) == len(out.columns)]
        if body:
            out.column_tokens = [sum(count_tokens(r[i]).tokens for r in body) / len(body) for i in range(len(out.columns))]
    _FILES[key] = out
    return out


# ---------------------------------------------------------------- a prompt hole -> FrameState
def frame_of(hole: Any, code_path: str, root: Path, params: dict[str, Any], id_params: dict[str, Any] | None = None) -> FrameState:
    """The FrameState a DataFrame hole (:class:`auditor.analysis.templates.DataHole`) sends."""
    from auditor.analysis.identifiers import identifier_columns

    id_params = id_params or {}
    per_value = float(params.get("tokens-per-cell") or 4)
    per_id = float(id_params.get("tokens-per-identifier") or 12)
    patterns = list(id_params.get("identifier-columns") or ["id", "*_id", "uuid", "*_uuid", "email", "*_email"])
    method = rendering(hole.method if hole.render != "records" else "records", getattr(hole, "expr", ""))
    data = find_data_file(hole.source_file, hole.reader, code_path, root)
    stats = read_data_file(data, root) if data is not None else None
    selected = list(hole.columns) if hole.columns else None
    if stats is not None and stats.column_tokens:
        by_name = dict(zip(stats.columns, stats.column_tokens))
        names = selected if selected and all(c in by_name for c in selected) else stats.columns
        col_tokens = [by_name[c] for c in names]
        names_tokens = float(sum(count_tokens(c).tokens for c in names))
        rows = stats.rows
        basis = f"{stats.shown} ({rows:,} rows, {len(names)} columns, ~{sum(col_tokens) / max(1, len(names)):.1f} tokens per value)"
        if stats.row_tokens is not None and hole.reader in ("read_csv", "scan_csv", "read_table"):
            per_cell = RENDERINGS.get(method, RENDERINGS["to_csv"])[0]
            file_cols = sum(t + per_cell for t in stats.column_tokens)
            state = FrameState(rows, col_tokens, names_tokens, method, basis, None, names=list(names),
                               file_row_tokens=stats.row_tokens, file_header_tokens=stats.header_tokens, file_columns_tokens=file_cols)
            if hole.render == "bounded":
                state.limit = bounded_rows(getattr(hole, "expr", ""))
            return state
    else:
        rows = int(params.get("assumed-rows") or 1000)
        names = selected or []
        ncols = len(names) if names else int(params.get("assumed-columns") or 10)
        ids = set(identifier_columns(names, patterns)) if names else set()
        col_tokens = [per_id if n in ids else per_value for n in names] if names else [per_value] * ncols
        names_tokens = float(sum(count_tokens(c).tokens for c in names)) if names else 2.0 * ncols
        basis = f"{rows:,} rows (assumed) x {ncols} columns x {per_value:g} tokens per value"
    limit = None
    if hole.render == "bounded":
        limit = bounded_rows(getattr(hole, "expr", ""))
    return FrameState(rows, col_tokens, names_tokens, method, basis, limit, names=list(names))


def bounded_rows(expr: str) -> int:
    """Rows a bounded render sends: ``head(n)``/``tail(n)``/``sample(n)``/``limit(n)``/``[:n]``."""
    m = re.search(r"\.(?:head|tail|sample|limit|nlargest|nsmallest)\((?:n\s*=\s*)?(\d+)", expr or "")
    if m:
        return int(m.group(1))
    m = re.search(r"\[\s*(?:0\s*)?:\s*(\d+)\s*[\],]", expr or "")
    if m:
        return int(m.group(1))
    if ".describe(" in (expr or ""):
        return 8
    return 5  # head()/tail()/sample() without a literal n: pandas' default 5 (sample: 1)
