"""run.py [--corpus FILE] [--mirror DIR] [--extract DIR] [--out DIR] [--label NAME] [--only NAME,...]
          [--split dev|held-out] [--llm-audit CMD] [--materialise-only]

Runs `llm-audit check --exit-zero --no-cache --output-format json` on every repository of the
precision corpus (docs/precision/corpus.yaml), each with its root as the working directory, and
stores one JSON file per repository outside the project: OUT/LABEL/<name>.json (default
/work/corpus-results/<label>/), plus OUT/LABEL/_run.json (llm-audit version, git commit of the
checkout that ran, time per repository, exit codes).

A repository missing under EXTRACT (default /work/corpus) is materialised from its bare mirror
(MIRROR/<owner>+<name>/repo, as the `fetch` tool leaves it) at the recorded commit. Snapshots lack
blobs of 4 MiB and more, so `git archive` cannot be used; every blob of the commit's tree that the
mirror holds is written instead (symlinks and submodules are skipped, missing blobs are listed in
EXTRACT/<name>/.materialised.json).

Standard library only. Run it with the interpreter llm-audit is installed in (the default command
is `<that python> -m auditor`). LABEL defaults to `git describe --always --dirty` of the llm-audit
source that interpreter imports, else "current".
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load_corpus(path):
    """The repos list of corpus.yaml. The file is kept to a flat subset of YAML (a `repos:` list of
    mappings with one-line scalar values) so that the standard library reads it."""
    repos, cur = [], None
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip() or line.strip() == "repos:":
            continue
        stripped = line.strip()
        if stripped.startswith("- "):
            cur = {}
            repos.append(cur)
            stripped = stripped[2:]
        if cur is None or ":" not in stripped:
            raise SystemExit(f"{path}: cannot read line: {raw!r}")
        key, value = stripped.split(":", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        cur[key.strip()] = value
    for r in repos:
        for k in ("name", "repo", "commit", "split"):
            if not r.get(k):
                raise SystemExit(f"{path}: entry {r} lacks {k}")
    return repos


def materialise(entry, mirror, extract):
    """Write the tree of entry['commit'] from the bare mirror into extract/<name>. Returns the dir."""
    dest = Path(extract) / entry["name"]
    if (dest / ".materialised.json").exists():
        meta = json.loads((dest / ".materialised.json").read_text())
        if meta.get("commit") == entry["commit"]:
            return dest
        raise SystemExit(f"{dest} holds commit {meta.get('commit')}, corpus says {entry['commit']}: remove it first")
    if dest.exists() and any(dest.iterdir()):
        raise SystemExit(f"{dest} exists but was not materialised by run.py: remove it first")
    gitdir = Path(mirror) / entry["repo"].replace("/", "+") / "repo"
    if not gitdir.is_dir():
        raise SystemExit(f"no mirror at {gitdir}: fetch github:{entry['repo']} first")
    git = ["git", "--git-dir", str(gitdir)]
    listing = subprocess.run(git + ["ls-tree", "-r", "-z", entry["commit"]], capture_output=True, check=True).stdout
    blobs = []
    for rec in listing.split(b"\0"):
        if not rec:
            continue
        meta, path = rec.split(b"\t", 1)
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode in (b"100644", b"100755"):
            blobs.append((sha.decode(), os.fsdecode(path), mode == b"100755"))
    proc = subprocess.Popen(git + ["cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    missing, written = [], 0
    for sha, path, executable in blobs:
        proc.stdin.write(sha.encode() + b"\n")
        proc.stdin.flush()
        header = proc.stdout.readline().split()
        if len(header) < 2 or header[1] == b"missing":
            missing.append(path)
            continue
        size = int(header[2])
        data = proc.stdout.read(size)
        proc.stdout.read(1)  # the newline after the content
        target = dest / path
        if ".." in Path(path).parts:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if executable:
            target.chmod(0o755)
        written += 1
    proc.stdin.close()
    proc.wait()
    dest.mkdir(parents=True, exist_ok=True)
    (dest / ".materialised.json").write_text(json.dumps(
        {"repo": entry["repo"], "commit": entry["commit"], "files": written, "missing": missing}, indent=1))
    print(f"materialised {entry['name']}: {written} files, {len(missing)} blobs absent from the snapshot", file=sys.stderr)
    return dest


def checkout_label():
    """`git describe --always --dirty` of the llm-audit source importable by this interpreter."""
    try:
        code = "import auditor, os; print(os.path.dirname(auditor.__file__))"
        src = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        desc = subprocess.run(["git", "-C", src, "describe", "--always", "--dirty"], capture_output=True, text=True)
        return desc.stdout.strip() or "current"
    except (OSError, subprocess.CalledProcessError):
        return "current"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(HERE / "corpus.yaml"))
    ap.add_argument("--mirror", default="/work/.mirror")
    ap.add_argument("--extract", default="/work/corpus")
    ap.add_argument("--out", default="/work/corpus-results")
    ap.add_argument("--label")
    ap.add_argument("--only", help="comma-separated corpus names")
    ap.add_argument("--split", choices=["dev", "held-out"])
    ap.add_argument("--llm-audit", help="command that runs llm-audit (default: this interpreter's `-m auditor`)")
    ap.add_argument("--materialise-only", action="store_true")
    a = ap.parse_args(argv)
    cmd = shlex.split(a.llm_audit) if a.llm_audit else [sys.executable, "-m", "auditor"]
    entries = load_corpus(a.corpus)
    if a.only:
        wanted = set(a.only.split(","))
        entries = [e for e in entries if e["name"] in wanted]
    if a.split:
        entries = [e for e in entries if e["split"] == a.split]
    label = a.label or checkout_label()
    outdir = Path(a.out) / label
    outdir.mkdir(parents=True, exist_ok=True)
    runlog = {"label": label, "command": cmd, "repos": {}}
    for e in entries:
        root = materialise(e, a.mirror, a.extract)
        if a.materialise_only:
            continue
        t = time.time()
        proc = subprocess.run(cmd + ["check", "--exit-zero", "--no-cache", "--output-format", "json", "."],
                              cwd=root, capture_output=True, text=True)
        took = time.time() - t
        try:
            findings = json.loads(proc.stdout)
        except ValueError:
            findings = None
        (outdir / f"{e['name']}.json").write_text(json.dumps(findings, indent=1) if findings is not None else "null")
        runlog["repos"][e["name"]] = {"exit": proc.returncode, "seconds": round(took, 2),
                                      "findings": len(findings) if isinstance(findings, list) else None,
                                      "stderr": proc.stderr[-2000:]}
        print(f"{e['name']:28s} exit={proc.returncode} findings={runlog['repos'][e['name']]['findings']} {took:.1f}s",
              file=sys.stderr)
    if not a.materialise_only:
        prev = outdir / "_run.json"
        if prev.exists() and (a.only or a.split):  # keep other repos' entries from an earlier full run
            old = json.loads(prev.read_text())
            old["repos"].update(runlog["repos"])
            runlog["repos"] = old["repos"]
        prev.write_text(json.dumps(runlog, indent=1))
        print(f"results in {outdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
