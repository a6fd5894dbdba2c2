"""score.py [RESULTS] [--judgements FILE] [--expected FILE] [--corpus FILE] [--extract DIR]
           [--split dev|held-out] [--emit-unjudged FILE] [--show-unjudged] [--context N] [--markdown]

Joins one run's findings (RESULTS: a directory written by run.py, default
/work/corpus-results/baseline) with the hand judgements (docs/precision/judgements.jsonl) and prints:

- per split and rule: findings, judged, true, precision (true / judged), root causes among the judged
  findings, and whether the rule was sampled (docs/precision/sampling.json);
- false findings per reason class, with examples;
- findings per root cause (the causes that more than one finding repeats);
- the reach of docs/precision/expected.jsonl: how many places where a finding should appear have one;
- the UNJUDGED findings (not in a sample plan), so a later version can be judged incrementally
  (`--emit-unjudged FILE` writes them as judgement lines with "verdict": null to fill in;
  `--show-unjudged` prints each with its code around it).

A finding is matched to a judgement by a key that survives line shifts: repo, path, rule code, the
stripped source line at the finding, which occurrence of that line text in the file it is (notebooks:
code cells in order), and a message key (the message with numbers blanked, except `line N`
references, cut at 90 characters). If a newer version words a message differently, a judgement whose
repo/path/code/line text/occurrence match, with one verdict for all candidates, is used (counted as a
loose match and listed with -v).

Standard library only.
"""
import argparse
import collections
import json
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import load_corpus  # noqa: E402

_NUM = re.compile(r"(?<![\w.\-])\$?\d[\d,]*(?:\.\d+)?%?(?![\w\-])")
_LINEREF = re.compile(r"\b(lines?|cell) (\d+)")


def message_key(message):
    keep = {}

    def protect(m):
        token = f"\x01{chr(65 + len(keep) % 26)}{'z' * (len(keep) // 26)}\x01"
        keep[token] = m.group(0)
        return token

    text = _LINEREF.sub(protect, message)
    text = _NUM.sub("#", text)
    for k, v in keep.items():
        text = text.replace(k, v)
    return " ".join(text.split())[:90]


class Sources:
    """Source lines of the corpus files (notebooks: code cells, 0-based cell index as in the JSON output)."""

    def __init__(self, extract):
        self.extract = Path(extract)
        self.memo = {}

    def lines(self, repo, path):
        """[(cell, line_no, text)] for the file, in order; cell is None outside notebooks."""
        k = (repo, path)
        if k not in self.memo:
            self.memo[k] = self._read(self.extract / repo / path, path)
        return self.memo[k]

    @staticmethod
    def _read(file, path):
        try:
            raw = file.read_bytes()
        except OSError:
            return []
        if path.endswith(".ipynb"):
            try:
                nb = json.loads(raw)
                cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
            except (ValueError, AttributeError):
                return []
            out = []
            for i, c in enumerate(cells):
                src = c.get("source", "")
                src = "".join(src) if isinstance(src, list) else str(src)
                out += [(i, n, t) for n, t in enumerate(src.split("\n"), 1)]
            return out
        text = raw.decode("utf-8", "replace")
        return [(None, n, t) for n, t in enumerate(re.split(r"\r\n|\r|\n", text), 1)]

    def locate(self, repo, path, cell, line):
        """(stripped text of the line, occurrence index of that text in the file)."""
        rows = self.lines(repo, path)
        text, occ = "", 0
        for c, n, t in rows:
            if c == cell and n == line:
                text = t.strip()
                break
        else:
            return "", 0
        for c, n, t in rows:
            if (c, n) == (cell, line):
                break
            if t.strip() == text:
                occ += 1
        return text, occ


def finding_key(repo, f, sources):
    text, occ = sources.locate(repo, f["path"], f.get("cell"), f.get("line") or 0)
    return (repo, f["path"], f["code"], text, occ, message_key(f.get("message", "")))


def judgement_key(j):
    return (j["repo"], j["path"], j["code"], j["text"], j.get("occ", 0), j["msg"])


def load_jsonl(path):
    out = []
    p = Path(path)
    if not p.exists():
        return out
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("//"):
            try:
                out.append(json.loads(line))
            except ValueError as e:
                raise SystemExit(f"{path}:{n}: {e}")
    return out


def pct(a, b):
    return f"{100 * a / b:.0f}%" if b else "-"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="?", default="/work/corpus-results/baseline")
    ap.add_argument("--judgements", default=str(HERE / "judgements.jsonl"))
    ap.add_argument("--expected", default=str(HERE / "expected.jsonl"))
    ap.add_argument("--sampling", default=str(HERE / "sampling.json"))
    ap.add_argument("--corpus", default=str(HERE / "corpus.yaml"))
    ap.add_argument("--extract", default="/work/corpus")
    ap.add_argument("--split", choices=["dev", "held-out"])
    ap.add_argument("--emit-unjudged")
    ap.add_argument("--show-unjudged", action="store_true")
    ap.add_argument("--include-sampled-out", action="store_true",
                    help="list findings left out of a sample as unjudged too")
    ap.add_argument("--context", type=int, default=4)
    ap.add_argument("--markdown", action="store_true", help="print the precision table as markdown")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)

    corpus = load_corpus(a.corpus)
    split_of = {e["name"]: e["split"] for e in corpus}
    sources = Sources(a.extract)
    judgements = load_jsonl(a.judgements)
    exact = {}
    loose = collections.defaultdict(list)
    for j in judgements:
        exact[judgement_key(j)] = j
        loose[judgement_key(j)[:5]].append(j)
    sampling = json.loads(Path(a.sampling).read_text()) if Path(a.sampling).exists() else {"plans": []}
    sampled = sample_plans(sampling, a.corpus)

    results = Path(a.results)
    rows = []  # (split, repo, finding, key, judgement or None, how)
    for e in corpus:
        if a.split and e["split"] != a.split:
            continue
        fp = results / f"{e['name']}.json"
        if not fp.exists():
            print(f"warning: no results for {e['name']} in {results}", file=sys.stderr)
            continue
        for f in json.loads(fp.read_text()) or []:
            k = finding_key(e["name"], f, sources)
            rows.append([e["split"], e["name"], f, k, exact.get(k), "exact"])
    # A judgement that no finding matches exactly (the message was reworded by a newer version) stands
    # for the unmatched findings at the same place, when all candidate judgements agree.
    used = {r[3] for r in rows if r[4] is not None}
    for r in rows:
        if r[4] is None:
            cands = [c for c in loose.get(r[3][:5], []) if judgement_key(c) not in used]
            if cands and len({c["verdict"] for c in cands}) == 1:
                r[4], r[5] = cands[0], "loose"

    splits = [s for s in ("dev", "held-out") if not a.split or a.split == s]
    codes = sorted({r[2]["code"] for r in rows})
    print(f"# {results}: {len(rows)} findings in {len({r[1] for r in rows})} repositories\n")
    table = []
    for s in splits + ["all"]:
        for c in codes + ["ALL"]:
            sel = [r for r in rows if (s == "all" or r[0] == s) and (c == "ALL" or r[2]["code"] == c)]
            if not sel:
                continue
            judged = [r for r in sel if r[4] is not None and r[4].get("verdict") is not None]
            true = [r for r in judged if r[4]["verdict"] is True]
            causes = {r[4].get("cause") or id(r) for r in judged}
            true_causes = {r[4].get("cause") or id(r) for r in true}
            plan = "sample" if (s, c) in sampled else ("" if s != "all" else
                                                       ("sample" if any((x, c) in sampled for x in splits) else ""))
            if c == "ALL":  # the rules' estimates summed: sampled rules weigh by their population
                est = sum(t[9] for t in table if t[0] == s and t[1] != "ALL")
            else:
                est = len(sel) * len(true) / len(judged) if judged else 0.0
            table.append((s, c, len(sel), len(judged), len(true), pct(len(true), len(judged)),
                          len(causes), len(true_causes), plan, est))
    if a.markdown:
        print("| set | rule | findings | judged | true | precision | est. true findings | root causes judged | true root causes | |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for t in table:
            print("| " + " | ".join(str(x) for x in t[:6]) + f" | {t[9]:.0f} | {t[6]} | {t[7]} | {t[8]} |")
    else:
        print(f"{'set':9s} {'rule':6s} {'findings':>8s} {'judged':>7s} {'true':>5s} {'prec':>5s} {'est-true':>8s} {'causes':>7s} {'true-c':>6s}")
        for t in table:
            print(f"{t[0]:9s} {t[1]:6s} {t[2]:8d} {t[3]:7d} {t[4]:5d} {t[5]:>5s} {t[9]:8.0f} {t[6]:7d} {t[7]:6d} {t[8]}")
    print("\n(precision = true / judged; est. true = findings x precision of the rule; a sampled rule's"
          " precision is estimated from its sample, see sampling.json)")
    nloose = sum(1 for r in rows if r[4] is not None and r[5] == "loose")
    if nloose:
        print(f"\n{nloose} findings matched a judgement loosely (message worded differently)")
        if a.verbose:
            for r in rows:
                if r[4] is not None and r[5] == "loose":
                    print(f"  {r[1]} {r[2]['path']}:{r[2]['line']} {r[2]['code']} {r[2]['message'][:100]}")

    print("\n## False findings by reason class")
    for s in splits:
        cls = collections.defaultdict(list)
        for r in rows:
            if r[0] == s and r[4] is not None and r[4].get("verdict") is False:
                cls[r[4].get("reason", "?")].append(r)
        print(f"\n### {s}")
        for reason, rs in sorted(cls.items(), key=lambda kv: -len(kv[1])):
            by_code = collections.Counter(r[2]["code"] for r in rs)
            ex = rs[0]
            loc = f"{ex[1]}:{ex[2]['path']}" + (f":cell {ex[2]['cell'] + 1}" if ex[2].get("cell") is not None else "") + f":{ex[2]['line']}"
            print(f"  {len(rs):4d}  {reason}  ({', '.join(f'{k} {v}' for k, v in sorted(by_code.items()))})  e.g. {loc}")

    print("\n## Findings per root cause (causes with more than one finding)")
    for s in splits:
        per = collections.Counter()
        code_of = {}
        for r in rows:
            if r[0] == s and r[4] is not None and r[4].get("cause"):
                per[(r[1], r[4]["cause"])] += 1
                code_of[(r[1], r[4]["cause"])] = r[2]["code"]
        multi = [(k, n) for k, n in per.most_common() if n > 1]
        judged_n = sum(1 for r in rows if r[0] == s and r[4] is not None)
        print(f"\n### {s}: {judged_n} judged findings, {len(per)} distinct causes among those with a cause; "
              f"{sum(n - 1 for _, n in multi)} findings repeat a cause")
        for (repo, cause), n in multi[:25]:
            print(f"  {n:4d}  {code_of[(repo, cause)]}  {repo}: {cause}")

    expected = load_jsonl(a.expected)
    if expected:
        print("\n## Reach: expected findings (docs/precision/expected.jsonl)")
        by_loc = collections.defaultdict(list)
        for r in rows:
            by_loc[(r[1], r[2]["path"], r[2]["code"])].append(r)
        tally = collections.defaultdict(lambda: [0, 0, 0])
        missed = []
        for x in expected:
            if a.split and split_of.get(x["repo"]) != a.split:
                continue
            hit = any(matches_expected(x, alt, by_loc, sources) for alt in [x] + x.get("alternatives", []))
            t = tally[(split_of.get(x["repo"], "?"), x["category"])]
            t[0] += 1
            t[1] += hit
            t[2] += bool(x.get("baseline"))
            if not hit:
                missed.append(x)
        print(f"{'set':9s} {'category':22s} {'expected':>8s} {'found':>6s} {'reach':>6s} {'baseline':>8s}")
        for (s, cat), (n, hit, base) in sorted(tally.items()):
            print(f"{s:9s} {cat:22s} {n:8d} {hit:6d} {pct(hit, n):>6s} {base:8d}")
        via = collections.defaultdict(lambda: [0, 0])
        for x in expected:
            if a.split and split_of.get(x["repo"]) != a.split:
                continue
            v = via[(x["category"], x.get("via", "?"))]
            v[0] += 1
            v[1] += x not in missed
        print("\nby how the text reaches the model (all sets):")
        for (cat, how), (n, hit) in sorted(via.items(), key=lambda kv: (kv[0][0], -kv[1][0])):
            print(f"  {cat:10s} {n:4d} {hit:4d} {pct(hit, n):>5s}  {how}")
        if a.verbose:
            for x in missed:
                print(f"  missed {x['repo']} {x['path']}:{x.get('line')} {x['code']} {x.get('what', '')[:80]}")

    unjudged = [r for r in rows if r[4] is None or r[4].get("verdict") is None]
    if not a.include_sampled_out:
        sampled_out = [r for r in unjudged if (r[0], r[2]["code"]) in sampled]
        unjudged = [r for r in unjudged if (r[0], r[2]["code"]) not in sampled]
        if sampled_out:
            print(f"\n{len(sampled_out)} findings left out of a sample (--include-sampled-out lists them)")
    print(f"\n## UNJUDGED findings: {len(unjudged)}")
    for r in unjudged:
        f = r[2]
        cell = f" cell {f['cell'] + 1}" if f.get("cell") is not None else ""
        print(f"  {r[0]:8s} {r[1]} {f['path']}{cell}:{f['line']} {f['code']} {f['message'][:110]}")
        if a.show_unjudged:
            for c, n, t in sources.lines(r[1], f["path"]):
                if c == f.get("cell") and abs(n - f["line"]) <= a.context:
                    print(f"      {'>' if n == f['line'] else ' '}{n:5d} {t[:160]}")
    if a.emit_unjudged:
        with open(a.emit_unjudged, "w", encoding="utf-8") as out:
            for r in unjudged:
                out.write(json.dumps(judgement_stub(r)) + "\n")
        print(f"wrote {len(unjudged)} judgement stubs to {a.emit_unjudged}")


def sample_plans(sampling, corpus):
    """{(split, code): plan} of the sample plans written for this corpus file. A plan names the corpus it
    was drawn from (`"corpus"` on the plan or on the whole file; default corpus.yaml, where every plan so
    far was drawn); plans are keyed by split and rule only, so without this a held-out set that has no
    plan of its own would have its findings of the sampled rules hidden as 'left out of a sample'."""
    name = Path(corpus).name
    default = sampling.get("corpus", "corpus.yaml")
    return {(p["split"], p["code"]): p for p in sampling.get("plans", [])
            if Path(p.get("corpus", default)).name == name}


def judgement_stub(r):
    repo, path, code, text, occ, msg = r[3]
    f = r[2]
    return {"repo": repo, "path": path, "code": code, "text": text, "occ": occ, "msg": msg,
            "line": f.get("line"), "cell": f.get("cell"), "message": f.get("message"),
            "verdict": None, "reason": "", "cause": "", "note": ""}


def matches_expected(x, alt, by_loc, sources):
    """A finding of the expected rule in the expected file whose line text is the expected text, or whose
    line is within the expected line range (LA201: and whose message names the expected phrase)."""
    repo = x["repo"]
    path = alt.get("path", x["path"])
    code = alt.get("code", x["code"])
    text = alt.get("text", x.get("text"))
    lo = alt.get("line", x.get("line"))
    hi = alt.get("end_line", alt.get("line", x.get("end_line", lo)))
    cell = alt.get("cell", x.get("cell"))
    phrase = (alt.get("phrase") or x.get("phrase") or "").lower()
    for r in by_loc.get((repo, path, code), []):
        f = r[2]
        if f.get("cell") != cell and cell is not None:
            continue
        if phrase and phrase not in f.get("message", "").lower():
            continue
        if text and r[3][3] == text.strip():
            return True
        if lo is not None and lo <= f.get("line", -1) <= (hi or lo):
            return True
    return False


def sample(argv):
    """score.py sample RESULTS SPLIT CODE N SEED: the keys of a reproducible random sample of findings."""
    results, split, code, n, seed = argv[0], argv[1], argv[2], int(argv[3]), int(argv[4])
    corpus = load_corpus(HERE / "corpus.yaml")
    sources = Sources("/work/corpus")
    keys = []
    for e in corpus:
        if e["split"] != split:
            continue
        for f in json.loads((Path(results) / f"{e['name']}.json").read_text()) or []:
            if f["code"] == code:
                keys.append(finding_key(e["name"], f, sources))
    keys.sort()
    rng = random.Random(seed)
    chosen = rng.sample(keys, min(n, len(keys)))
    for k in sorted(chosen):
        print(json.dumps(list(k)))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "sample":
        sample(sys.argv[2:])
    else:
        main()
