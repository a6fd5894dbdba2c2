"""candidates.py REPODIR [SITES.json] > CANDIDATES.tsv: the calls to label by hand in one repository.

A broad net, written without looking at llm-audit's finder: every call whose called name ends like
a generation method of any SDK version (create/acreate/parse/stream, complete, chat, chat_stream,
generate, generate_content*, send_message*, converse*, invoke_model*, completion, predict, invoke,
...), every constructor named like a chat/LLM model class or an SDK client (`Chat*(`, `*LLM(`,
`OpenAI(`, `MistralClient(`, `ChatCompletionsClient(`), `partial(`/`to_thread(`, plus (with SITES.json
from dump.py) every site llm-audit reports that the net missed ("extra"). Tests are left out.
Rows: key (path:line, notebooks path#cellN:line with N the 0-based code-cell index), kind (call |
extra), then the call's source (one line, 1000 chars).
"""
import ast
import json
import re
import sys
from pathlib import Path

LAST = re.compile(r"^(a?create|parse|stream|a?complete|complete_async|stream_async|chat|achat|chat_stream|stream_chat|"
                  r"a?generate|generate_content(_async|_stream)?|send_message(_async|_stream)?|converse(_stream)?|"
                  r"invoke_model(_with_response_stream)?|a?completion|text_completion|atext_completion|a?predict|"
                  r"a?invoke|batch|a?stream_complete|a?stream_chat|create_partial|create_iterable|create_with_completion|"
                  r"partial|to_thread|run_in_executor|pipeline|SamplingParams|init_chat_model)$")
CTOR = re.compile(r"^(Chat[A-Z]\w*|Azure\w*|\w*LLM|OpenAI\w*|AsyncOpenAI|Anthropic\w*|AsyncAnthropic\w*|Mistral\w*|MistralClient|"
                  r"Groq|AsyncGroq|Together\w*|AsyncTogether|Client|AsyncClient|ClientV2|AsyncClientV2|\w*CompletionsClient|"
                  r"GenerativeModel|Gemini\w*|Ollama\w*|Bedrock\w*|Vertex\w*|Cohere\w*|\w*Chat\w*Model|\w*CompletionsModel|"
                  r"HuggingFace\w*|LiteLLM\w*|DeepSeek\w*|Fireworks\w*|Perplexity\w*)$")
TEST = re.compile(r"(^|/)tests?/|(^|/)test_[^/]*\.py$|_test\.py$|/testing/|conftest\.py$")


def units(root):
    for p in sorted(x for x in root.rglob("*") if x.is_file() and x.suffix in (".py", ".ipynb")):
        rel = p.relative_to(root).as_posix()
        if TEST.search(rel) or "/." in "/" + rel:
            continue
        if p.suffix == ".py":
            yield rel, p.read_text(encoding="utf-8", errors="replace")
            continue
        try:
            nb = json.loads(p.read_text(encoding="utf-8"))
        except Exception:
            continue
        for i, cell in enumerate(c for c in nb.get("cells", []) if isinstance(c, dict) and c.get("cell_type") == "code"):
            src = cell.get("source", "")
            src = "".join(src) if isinstance(src, list) else src
            yield f"{rel}#cell{i}", "\n".join(("#" + l) if l.lstrip().startswith(("%", "!")) else l for l in src.splitlines())


def main():
    root = Path(sys.argv[1]).resolve()
    found = {}
    if len(sys.argv) > 2:
        for s in json.load(open(sys.argv[2]))["sites"]:
            found[f"{s['path']}:{s['line']}"] = s
    seen = set()
    for rel, text in units(root):
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            tree = None
        if tree is not None:
            for n in ast.walk(tree):
                if not isinstance(n, ast.Call):
                    continue
                f = n.func
                last = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
                if last is None or not (LAST.match(last) or CTOR.match(last)):
                    continue
                key = f"{rel}:{n.lineno}"
                if key in seen:
                    continue
                seen.add(key)
                src = " ".join((ast.get_source_segment(text, n) or "").split())[:1000]
                print(f"{key}\tcall\t{src}")
        lines = text.splitlines()
        for k in [k for k in found if k.rsplit(":", 1)[0] == rel and k not in seen]:
            seen.add(k)
            ln = int(k.rsplit(":", 1)[1])
            print(f"{k}\textra\t{lines[ln - 1].strip()[:1000] if ln <= len(lines) else ''}")


if __name__ == "__main__":
    main()
