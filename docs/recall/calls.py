"""calls.py PKGDIR SITES.json [PATH_REGEX]: the candidate list to label.

Every call whose called name looks like a generation call (a broad grep: `.chat.completions.create(`,
`.messages.create(`, `generate_content(`, `completion(`, `converse(`, `Chat*(`, `partial(`,
`client.create(`, ...), plus every call site llm-audit reports that the grep missed ("extra").
Test code is left out. One TSV row per call: key (path:line of the call, `#cellN` for notebooks),
kind (call | extra | NOCALL: the pattern is in a string or comment), llm-audit's api (or -), and the
call's source with `@origin` (where its root name is imported from: my own import scan, not llm-audit's).
"""
import ast
import json
import re
import sys
from pathlib import Path

PAT = re.compile(r"""(\.chat\.completions\.(create|parse|stream)\s*\(|\.completions\.create\s*\(|\.messages\.(create|stream)\s*\(|generate_content(_stream|_async)?\s*\(|\bcompletion\s*\(|\bacompletion\s*\(|text_completion\s*\(|\.converse(_stream)?\s*\(|invoke_model(_with_response_stream)?\s*\(|\bChat(OpenAI|Anthropic|GoogleGenerativeAI|VertexAI)\s*\(|AzureChatOpenAI\s*\(|init_chat_model\s*\(|\.responses\.(create|parse|stream)\s*\(|\.chat\.(complete|stream)(_async)?\s*\(|SamplingParams\s*\(|ollama\.(chat|generate)\s*\(|ChatCompletion\.a?create\s*\(|Completion\.a?create\s*\(|\.chat_stream\s*\(|\.chat\s*\(\s*(model|message)=|GenerativeModel\s*\(|\bpipeline\s*\(|\.chat\s*\(|\.generate\s*\(|\bChat[A-Z]\w*\s*\(|with_raw_response\.\w+\s*\(|with_streaming_response\.\w+\s*\(|\bpartial\s*\(|\bto_thread\s*\(|\b\w*client\w*\.create\s*\(|\.create_(partial|iterable|with_completion)\s*\(|(?<![\w.])(OpenAI|AzureOpenAI|Anthropic|Gemini|Ollama|MistralAI|Groq|LiteLLM|Vertex|Bedrock|BedrockConverse)\s*\()""")
TEST = re.compile(r"(^|/)tests?/|(^|/)test_[^/]*\.py|_test\.py|/testing/|conftest\.py")

root = Path(sys.argv[1]).resolve()
data = json.load(open(sys.argv[2]))
only = re.compile(sys.argv[3]) if len(sys.argv) > 3 else None
found = {(s["path"], s["line"]): s for s in data["sites"]}


def units(root):
    """(key, source) per .py file and per notebook code cell (magic lines commented out)."""
    for p in sorted(x for x in root.rglob("*") if x.is_file() and x.suffix in (".py", ".ipynb")):
        rel = p.relative_to(root).as_posix()
        if TEST.search(rel) or (only and not only.search(rel)):
            continue
        if p.suffix == ".py":
            yield rel, p.read_text(encoding="utf-8", errors="replace")
            continue
        try:
            nb = json.loads(p.read_text(encoding="utf-8"))
        except Exception:
            continue
        for i, cell in enumerate(c for c in nb.get("cells", []) if c.get("cell_type") == "code"):
            src = cell.get("source", "")
            src = "".join(src) if isinstance(src, list) else src
            yield f"{rel}#cell{i}", "\n".join(("#" + l) if l.lstrip().startswith(("%", "!")) else l for l in src.splitlines())


for rel, text in units(root):
    lines = text.splitlines()
    hits = [i for i, l in enumerate(lines, 1) if PAT.search(l) and not l.strip().startswith("#")]
    mine = [k for k in found if k[0] == rel]
    if not hits and not mine:
        continue
    try:
        tree = ast.parse(text)
    except SyntaxError:
        continue
    imported = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom):
            for a in n.names:
                imported[a.asname or a.name] = f"{'.' * n.level}{n.module or ''}.{a.name}"
        elif isinstance(n, ast.Import):
            for a in n.names:
                imported[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]

    def origin(call):
        f = call.func
        while isinstance(f, ast.Attribute):
            f = f.value
        return "call" if isinstance(f, ast.Call) else imported.get(getattr(f, "id", ""), "local")

    by_line = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and isinstance(n.func, (ast.Attribute, ast.Name)):
            by_line.setdefault(n.func.end_lineno, []).append(n)

    def hit(n):
        src, fn = ast.get_source_segment(text, n) or "", ast.get_source_segment(text, n.func) or ""
        m = PAT.search(src[: len(fn) + 40])
        return m is not None and m.start() < len(fn)

    seen = set()
    for i in hits:
        calls = [n for n in by_line.get(i, []) if hit(n)]
        if not calls:
            print(f"{rel}:{i}\tNOCALL\t-\t{lines[i - 1].strip()[:150]}")
        for n in calls:
            if (rel, n.lineno) in seen:
                continue
            seen.add((rel, n.lineno))
            s = found.get((rel, n.lineno))
            src = " ".join((ast.get_source_segment(text, n) or "").split())[:170]
            print(f"{rel}:{n.lineno}\tcall\t{s['api'] if s else '-'}\t{src}   @{origin(n)}")
    for k in mine:
        if k not in seen:
            n = next((c for ns in by_line.values() for c in ns if c.lineno == k[1]), None)
            src = " ".join((ast.get_source_segment(text, n) or "").split())[:170] if n else lines[k[1] - 1].strip()
            print(f"{rel}:{k[1]}\textra\t{found[k]['api']}\t{src}" + (f"   @{origin(n)}" if n else ""))
