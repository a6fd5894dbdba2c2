"""filler.py [--prompts FILE] [--before DIR] [--after DIR] [--extract DIR] [--show] [--text]

LA201 on real prompts with obvious filler (docs/precision/filler-prompts.yaml: where each prompt is,
never its text). For the runs in DIR (written by run.py, one JSON file per corpus repository) it
prints, per run, how many of the prompts get an LA201 finding, and how many get one with a safe
fix; with the hand verdicts in the prompts file (`verdict`: correct | wrong | silent, judged on the
`--after` run) it prints the share of prompts whose every rewrite is correct and grammatical.

`--show` prints each prompt's literal as written and after applying every LA201 fix of the
`--after` run (read from the extracted corpus, so the text stays outside the repository): that is
what the verdicts judge.

`--text` measures the matcher alone, apart from which call sites the run reaches: each prompt's
literal text (its static parts) goes through the phrase matcher of the llm-audit that runs this
script (`PYTHONPATH=<checkout>` picks the version; both the pattern matcher and the earlier literal
one are understood), counting prompts with a rewrite that saves a token (o200k_base).

Standard library only, except `--text` (imports auditor).
"""
import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from score import Sources


def load_results(run_dir):
    out = {}
    for f in sorted(Path(run_dir).glob("*.json")):
        if f.name.startswith("_"):
            continue
        data = json.loads(f.read_text(encoding="utf-8"))
        findings = data if isinstance(data, list) else data.get("findings", [])
        out[f.stem] = [x for x in findings if x.get("code") == "LA201"]
    return out


def _cell(value):
    return None if value in (None, "", "null", "None") else int(value)


def findings_for(prompt, results):
    cell, a, b = _cell(prompt.get("cell")), int(prompt["line"]), int(prompt["end"])
    return [
        x for x in results.get(prompt["repo"], [])
        if x["path"] == prompt["path"] and x.get("cell") == cell and a <= x["line"] <= b
    ]


def apply_edits(lines, edits):
    """Lines (1-based edits, 1-based character columns) with the edits applied, last first."""
    text = "\n".join(lines)
    starts = [0]
    for ln in lines:
        starts.append(starts[-1] + len(ln) + 1)
    spans = []
    for e in edits:
        try:
            s = starts[e["line"] - 1] + e["column"] - 1
            t = starts[e["end_line"] - 1] + e["end_column"] - 1
        except IndexError:
            continue
        spans.append((s, t, e["content"]))
    last = None
    for s, t, content in sorted(spans, reverse=True):
        if last is not None and t > last:
            continue  # overlapping: the fixer keeps one
        text = text[:s] + content + text[t:]
        last = s
    return text.split("\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prompts", default=str(HERE / "filler-prompts.yaml"))
    ap.add_argument("--before", default="/work/corpus-results/pi-main")
    ap.add_argument("--after", default="/work/corpus-results/pi-branch")
    ap.add_argument("--extract", default="/work/corpus")
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--text", action="store_true")
    args = ap.parse_args(argv)
    if args.text:
        return text_level(load_entries(args.prompts), Sources(args.extract), args.show)
    prompts = load_entries(args.prompts)
    src = Sources(args.extract)
    n = len(prompts)
    for label, run_dir in (("before", args.before), ("after", args.after)):
        results = load_results(run_dir)
        found = [p for p in prompts if findings_for(p, results)]
        fixed = [p for p in prompts if any(x.get("fix") for x in findings_for(p, results))]
        print(f"{label:7s} {run_dir}: LA201 on {len(found)}/{n} prompts ({len(found) / n:.0%}), with a safe fix on {len(fixed)}/{n} ({len(fixed) / n:.0%})")
    verdicts = [p.get("verdict", "") for p in prompts]
    if all(verdicts):
        ok = sum(v == "correct" for v in verdicts)
        print(f"after, judged by hand: every rewrite correct and grammatical on {ok}/{n} prompts ({ok / n:.0%}); "
              f"wrong {sum(v == 'wrong' for v in verdicts)}, silent {sum(v == 'silent' for v in verdicts)}")
    if args.show:
        results = load_results(args.after)
        for p in prompts:
            fs = findings_for(p, results)
            lines = [t for c, _, t in src.lines(p["repo"], p["path"]) if c == _cell(p.get("cell"))]
            a, b = int(p["line"]), int(p["end"])
            after = apply_edits(lines, [e for x in fs if x.get("fix") for e in x["fix"]["edits"]])
            print(f"\n=== {p['id']} {p['repo']}:{p['path']}:{p.get('cell')}:{a}-{b}  findings={len(fs)} fixed={sum(1 for x in fs if x.get('fix'))}  verdict={p.get('verdict', '')}")
            for x in fs:
                print("   -", x["message"][:150])
            print("   B|", "\n   B|".join(lines[a - 1 : b]))
            if any(x.get("fix") for x in fs):
                shift = len(after) - len(lines)
                print("   A|", "\n   A|".join(after[a - 1 : b + shift]))
    return 0


def literal_text(lines, a, b):
    """The static text of the string literal on lines a..b (f-string fields become holes: \0)."""
    import ast

    code = "\n".join("" if t.lstrip().startswith(("%", "!")) else t for t in lines)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    found = [
        n for n in ast.walk(tree)
        if isinstance(n, (ast.Constant, ast.JoinedStr)) and (isinstance(n, ast.JoinedStr) or isinstance(n.value, str))
        and n.lineno == a and (n.end_lineno or n.lineno) == b
    ]
    if not found:
        return None
    # the f-string itself rather than its parts; else the longest literal on the lines
    best = max(found, key=lambda n: (isinstance(n, ast.JoinedStr), len(ast.unparse(n))))
    if isinstance(best, ast.Constant):
        return best.value
    return "\0".join(v.value if isinstance(v, ast.Constant) else "" for v in best.values)


def text_level(prompts, src, show):
    try:  # this branch: phrase patterns
        from auditor.analysis.phrases import catalog_entries
        from auditor.analysis.rewrites import apply, find_rewrites
        from auditor.cost.tokens import count_tokens

        entries = catalog_entries("verbose", {})

        def rewrites(text):
            out = []
            for r in find_rewrites(text, entries):
                after = apply(text, [r])
                if count_tokens(text, "gpt-4o").tokens > count_tokens(after, "gpt-4o").tokens:
                    out.append(r)
            return out
    except ImportError:  # earlier versions: literal phrases
        from auditor.checks.prompt import find_verbose, phrase_entries

        entries = phrase_entries("verbose", {})

        def rewrites(text):
            return find_verbose(text, entries)

    hit = 0
    for p in prompts:
        lines = [t for c, _, t in src.lines(p["repo"], p["path"]) if c == _cell(p.get("cell"))]
        text = literal_text(lines, int(p["line"]), int(p["end"]))
        found = []
        for run in (text or "").split("\0"):
            found += [(run, r) for r in rewrites(run)]
        hit += bool(found)
        if show:
            print(f"=== {p['id']} {len(found)} rewrite(s){'' if text is not None else ' (literal not found)'}")
            for run, r in found:
                print(f"   {run[r.start:r.end]!r} -> {getattr(r, 'said', None) if getattr(r, 'rewrite', '') else ''!r}")
    print(f"text level: a rewrite on {hit}/{len(prompts)} prompts ({hit / len(prompts):.0%})")
    return 0


def load_entries(path):
    """The `prompts:` list of filler-prompts.yaml: flat mappings with one-line values, like corpus.yaml."""
    rows, cur = [], None
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip() or line.strip() in ("repos:", "prompts:"):
            continue
        stripped = line.strip()
        if stripped.startswith("- "):
            cur = {}
            rows.append(cur)
            stripped = stripped[2:]
        key, _, value = stripped.partition(":")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        cur[key.strip()] = value
    return rows


if __name__ == "__main__":
    sys.exit(main())
