"""`llm-audit server`: the real server over stdio, driven as an editor drives it (pytest-lsp client).

Each test starts ``python -m auditor server`` in a project written to tmp_path, initializes a
session and opens documents; diagnostics, code actions and hovers are what the editor gets.
"""

from __future__ import annotations

import ast
import asyncio
import time

import pytest
from conftest import write_tree
from lsp_editor import Editor, apply_edits, codes
from lsprotocol import types

LLM = '''\
from openai import OpenAI

from app.prompts import SYSTEM

client = OpenAI()


class Reviewer:
    def __init__(self, model: str = "gpt-4o"):
        self.client = client
        self.model = model

    def classify(self, ticket: str) -> str:
        params = {"temperature": 0}
        resp = self.client.chat.completions.create(
            model="gpt-4o",
            messages=[
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": ticket},
            ],
            **params,
        )
        return resp.choices[0].message.content
'''
PROMPTS = 'SYSTEM = "You review support tickets for the billing team."\n'


@pytest.fixture
def app(tmp_path):
    (tmp_path / ".git").mkdir()  # the policy search stops here
    write_tree(tmp_path, {"app/__init__.py": "", "app/prompts.py": PROMPTS, "app/llm.py": LLM})
    return tmp_path


def call_keywords(source: str) -> dict[str, object]:
    """The keywords of the one ``chat.completions.create`` call in ``source`` (literal values)."""
    call = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "create")
    return {k.arg: (ast.literal_eval(k.value) if isinstance(k.value, ast.Constant) else None) for k in call.keywords if k.arg}


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 90))


def test_uncapped_call_la101_within_2s_fix_inserts_cap_and_hover_shows_cost(app):
    async def scenario():
        async with Editor(app) as ed:
            assert ed.init.capabilities.code_action_provider and ed.init.capabilities.hover_provider
            t0 = time.perf_counter()
            uri = ed.open("app/llm.py")
            diags = await ed.diagnostics(uri, lambda ds: "LA101" in codes(ds), timeout=2.0)
            latency = time.perf_counter() - t0
            assert latency < 2.0
            la101 = next(d for d in diags if d.code == "LA101")
            assert la101.severity == types.DiagnosticSeverity.Error and la101.source == "llm-audit"
            assert la101.code_description.href.endswith("/docs/rules/LA101.md")
            assert "sets no output-token cap" in la101.message and "saves ~$" in la101.message and "/month" in la101.message
            assert la101.range.start.line == 14  # the call on line 15, 0-based

            actions = await ed.code_actions(uri, la101.range, [la101])
            fix = next(a for a in actions if a.title.startswith("Fix LA101"))
            assert fix.title.endswith("(unsafe)") and fix.kind == types.CodeActionKind.QuickFix and not fix.is_preferred
            fixed = apply_edits(LLM, fix.edit.changes[uri])
            assert call_keywords(fixed)["max_tokens"] == 1024  # parses, and the call is capped
            assert fixed.count("\n") == LLM.count("\n") + 1  # one keyword line added, nothing else moved

            hover = await ed.hover(uri, 14, 30)
            text = hover.contents.value
            for expected in ("openai", "`gpt-4o`", "static prompt", "tokens (exact)", "$/call", "$/month", "worst case", "**no cap**", "LA101", "saves ~$"):
                assert expected in text, expected
            assert await ed.hover(uri, 0, 3) is None  # the import line: no call site, no finding

            ed.change(uri, fixed)
            after = await ed.diagnostics(uri, lambda ds: "LA101" not in codes(ds))
            assert "LA000" not in codes(after)
            return latency

    print(f"didOpen -> LA101 published: {run(scenario()) * 1000:.0f} ms")


def test_changes_are_debounced_into_one_run(app):
    async def scenario():
        async with Editor(app, options={"debounceMs": 300}) as ed:
            uri = ed.open("app/llm.py")
            await ed.diagnostics(uri, lambda ds: "LA101" in codes(ds))
            runs = sum("analysed" in m.message for m in ed.client.log_messages)
            text = LLM
            for i in range(6):  # typing: six edits well inside the debounce interval
                text += f"# edit {i}\n"
                ed.change(uri, text)
                await asyncio.sleep(0.02)
            ed.change(uri, LLM.replace("**params,", "**params,\n            max_tokens=300,"))
            await ed.diagnostics(uri, lambda ds: "LA101" not in codes(ds))
            await asyncio.sleep(0.5)
            assert sum("analysed" in m.message for m in ed.client.log_messages) - runs == 1

    run(scenario())


def test_unsaved_prompt_constant_in_another_open_file_updates_the_caller(app):
    capped = LLM.replace("**params,", "**params,\n            max_tokens=300,")
    (app / "app/llm.py").write_text(capped)

    async def scenario():
        async with Editor(app) as ed:
            caller = ed.open("app/llm.py")
            prompts = ed.open("app/prompts.py")
            before = await ed.diagnostics(caller)
            assert "LA104" not in codes(before) and "LA101" not in codes(before)
            short = 'SYSTEM = "Is this ticket about billing? Answer with one word: yes or no."\n'
            ed.change(prompts, short)  # typed, not saved
            diags = await ed.diagnostics(caller, lambda ds: "LA104" in codes(ds))
            la104 = next(d for d in diags if d.code == "LA104")
            assert "answer with one word" in la104.message
            related = la104.related_information or []
            assert any(r.location.uri == prompts and "SYSTEM" in r.message for r in related)
            assert (app / "app/prompts.py").read_text() == PROMPTS  # nothing was written
            ed.change(prompts, PROMPTS)
            await ed.diagnostics(caller, lambda ds: "LA104" not in codes(ds))

    run(scenario())


def test_notebook_sync_diagnostics_land_on_the_right_cell(app):
    cells = [
        ("markdown", "# Ticket triage\n"),
        ("code", "%matplotlib inline\nimport anthropic\nclient = anthropic.Anthropic()\n"),
        ("code", "df_note = 'x'\n"),
        ("code", 'msg = client.messages.create(\n    model="claude-3-5-haiku-latest",\n    messages=[{"role": "user", "content": "Summarise the ticket"}],\n)\n'),
    ]

    async def scenario():
        async with Editor(app) as ed:
            nb, cell_uris = ed.open_notebook("notebooks/triage.ipynb", cells)
            diags = await ed.diagnostics(cell_uris[3], lambda ds: "LA101" in codes(ds))
            la101 = next(d for d in diags if d.code == "LA101")
            assert la101.range.start.line == 0 and la101.range.start.character == 6
            assert "fails at runtime" in la101.message or "required" in la101.message  # Anthropic requires max_tokens
            assert "LA101" not in codes(await ed.diagnostics(cell_uris[1]))
            assert cell_uris[0] not in ed.client.diagnostics  # markdown cells get nothing

            actions = await ed.code_actions(cell_uris[3], la101.range, [la101])
            fix = next(a for a in actions if a.title.startswith("Fix LA101"))
            assert list(fix.edit.changes) == [cell_uris[3]]
            fixed = apply_edits(cells[3][1], fix.edit.changes[cell_uris[3]])
            assert call_keywords(fixed)["max_tokens"] == 1024

            ed.change_cell(nb, cell_uris[3], fixed)
            await ed.diagnostics(cell_uris[3], lambda ds: "LA101" not in codes(ds))
            ed.change_cell(nb, cell_uris[2], "df_note = (\n")  # a broken cell: LA000 there, the rest still analysed
            broken = await ed.diagnostics(cell_uris[2], lambda ds: "LA000" in codes(ds))
            assert broken[0].severity == types.DiagnosticSeverity.Error
            ed.change_cell(nb, cell_uris[3], cells[3][1])
            await ed.diagnostics(cell_uris[3], lambda ds: "LA101" in codes(ds))

    run(scenario())


def test_ignore_comment_action_silences_the_finding(app):
    async def scenario():
        async with Editor(app) as ed:
            uri = ed.open("app/llm.py")
            diags = await ed.diagnostics(uri, lambda ds: "LA101" in codes(ds))
            la101 = next(d for d in diags if d.code == "LA101")
            actions = await ed.code_actions(uri, la101.range, [la101])
            ignore = next(a for a in actions if a.title.startswith("Ignore LA101"))
            new = apply_edits(LLM, ignore.edit.changes[uri])
            assert new.splitlines()[14].endswith("create(  # llm-audit: ignore[LA101]")
            assert ast.dump(ast.parse(new)) == ast.dump(ast.parse(LLM))
            ed.change(uri, new)
            after = await ed.diagnostics(uri, lambda ds: "LA101" not in codes(ds))
            assert "LA001" not in codes(after)  # the suppression is used
            # LA000 cannot be suppressed: no ignore action is offered for it
            ed.change(uri, new + "def broken(:\n")
            broken = await ed.diagnostics(uri, lambda ds: "LA000" in codes(ds))
            la000 = next(d for d in broken if d.code == "LA000")
            assert not [a for a in await ed.code_actions(uri, la000.range, [la000]) if "LA000" in a.title]

    run(scenario())


def test_fix_all_safe_is_a_source_action(app):
    reasoning = '''\
from openai import OpenAI

client = OpenAI()


def label(text: str) -> str:
    r = client.chat.completions.create(
        model="o3-mini",
        messages=[{"role": "user", "content": text}],
        max_tokens=50,
        temperature=0.2,
    )
    return r.choices[0].message.content
'''
    write_tree(app, {"app/label.py": reasoning})

    async def scenario():
        async with Editor(app) as ed:
            uri = ed.open("app/label.py")
            diags = await ed.diagnostics(uri, lambda ds: {"LA103", "LA106"} <= set(codes(ds)))
            whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=13, character=0))
            actions = await ed.code_actions(uri, whole, diags, only=["source.fixAll"])
            assert [a.kind for a in actions] == ["source.fixAll.llm-audit"]
            fixed = apply_edits(reasoning, actions[0].edit.changes[uri])
            kw = call_keywords(fixed)
            assert kw["max_completion_tokens"] == 50 and "max_tokens" not in kw and "temperature" not in kw
            quick = await ed.code_actions(uri, whole, diags, only=["quickfix"])
            assert quick and all(a.kind == "quickfix" for a in quick)
            safe = [a for a in quick if a.title.startswith("Fix LA103")]
            assert safe and safe[0].is_preferred and "(unsafe)" not in safe[0].title
            ed.change(uri, reasoning + "\n")  # edited since the analysis: no stale edits offered
            assert await ed.code_actions(uri, whole, diags) == []

    run(scenario())


def test_broken_and_hostile_files_do_not_kill_the_server(app):
    async def scenario():
        async with Editor(app) as ed:
            # a syntax error in a file with LLM code (one without any is not parsed: no LA000)
            bad = ed.open("app/bad.py", "from openai import OpenAI\n\ndef f(:\n    return OpenAI()\n")
            diags = await ed.diagnostics(bad, lambda ds: "LA000" in codes(ds))
            assert diags[0].severity == types.DiagnosticSeverity.Error
            await ed.hover(bad, 0, 4)  # answered, not an error response
            deep = ed.open("app/deep.py", "x = " + "(" * 5000 + ")" * 5000 + "\n")
            await ed.diagnostics(deep)
            nul = ed.open("app/nul.py", "x = 1\x00\n")
            await ed.diagnostics(nul)
            prompt = ed.open("prompts/broken.prompty", "---\nmodel: [unclosed\n---\nHello\n", language="markdown")
            assert "LA000" in codes(await ed.diagnostics(prompt, lambda ds: bool(ds)))
            ok = ed.open("app/llm.py")
            assert "LA101" in codes(await ed.diagnostics(ok, lambda ds: "LA101" in codes(ds)))
            assert ed.alive

    run(scenario())


def test_policy_usage_and_lock_changes_reload_settings(app):
    async def scenario():
        async with Editor(app) as ed:
            for _ in range(200):  # the server registers its watchers once initialized
                if ed.registrations:
                    break
                await asyncio.sleep(0.02)
            globs = [w["globPattern"] for r in ed.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES for w in r.register_options["watchers"]]
            assert {"**/.llm-audit.yaml", "**/pyproject.toml", "**/llm-audit-usage.yaml", "**/llm-audit.lock"} <= set(globs)
            uri = ed.open("app/llm.py")
            await ed.diagnostics(uri, lambda ds: "LA101" in codes(ds))
            hover = (await ed.hover(uri, 14, 30)).contents.value
            assert "10,000 calls/month" in hover
            (app / "llm-audit-usage.yaml").write_text("version: 1\ndefaults:\n  monthly-calls: 250000\n")
            ed.files_changed(app / "llm-audit-usage.yaml")
            await asyncio.sleep(0.6)
            hover = (await ed.hover(uri, 14, 30)).contents.value
            assert "250,000 calls/month" in hover
            (app / ".llm-audit.yaml").write_text("extends: [default]\nignore: [LA101]\n")
            ed.files_changed(app / ".llm-audit.yaml")
            await ed.diagnostics(uri, lambda ds: "LA101" not in codes(ds))
            (app / ".llm-audit.yaml").write_text("extends: [default]\nignore: [LA9999]\n")  # broken policy
            ed.files_changed(app / ".llm-audit.yaml")
            for _ in range(200):
                if ed.client.messages:
                    break
                await asyncio.sleep(0.02)
            assert ed.client.messages and ed.client.messages[-1].type == types.MessageType.Error
            assert ".llm-audit.yaml" in ed.client.messages[-1].message and ed.alive

    run(scenario())


def test_each_document_gets_its_nearest_policy(app):
    write_tree(app, {
        "services/api/.llm-audit.yaml": "extends: [default]\nignore: [LA101]\n",
        "services/api/handler.py": LLM.replace("from app.prompts import SYSTEM", 'SYSTEM = "Route the ticket."'),
        "services/batch/job.py": LLM.replace("from app.prompts import SYSTEM", 'SYSTEM = "Route the ticket."'),
    })

    async def scenario():
        async with Editor(app) as ed:
            api = ed.open("services/api/handler.py")
            batch = ed.open("services/batch/job.py")
            assert "LA101" in codes(await ed.diagnostics(batch, lambda ds: "LA101" in codes(ds)))
            assert "LA101" not in codes(await ed.diagnostics(api))

    run(scenario())


def test_prompt_drift_follows_unsaved_text_and_lock_updates(app):
    from conftest import cli

    assert cli("lock", cwd=app).returncode == 0
    edited = PROMPTS.replace("billing team", "billing and refunds team")

    async def scenario():
        async with Editor(app) as ed:
            prompts = ed.open("app/prompts.py")
            assert "LA603" not in codes(await ed.diagnostics(prompts))
            ed.change(prompts, edited)  # unsaved: drifts from the lock
            drift = await ed.diagnostics(prompts, lambda ds: "LA603" in codes(ds))
            assert "llm-audit lock" in next(d for d in drift if d.code == "LA603").message
            (app / "app/prompts.py").write_text(edited)  # saved, and the lock refreshed outside the editor
            assert cli("lock", cwd=app).returncode == 0
            ed.files_changed(app / "llm-audit.lock")
            await ed.diagnostics(prompts, lambda ds: "LA603" not in codes(ds))

    run(scenario())


def test_prompt_file_front_matter(app):
    prompty = "---\nname: triage\nmodel:\n  api: chat\n  configuration:\n    type: openai\n    name: gpt-4o\n---\nsystem:\nSummarise the ticket.\n"
    write_tree(app, {"prompts/triage.prompty": prompty})

    async def scenario():
        async with Editor(app) as ed:
            uri = ed.open("prompts/triage.prompty", language="markdown")
            diags = await ed.diagnostics(uri, lambda ds: "LA101" in codes(ds))
            la101 = next(d for d in diags if d.code == "LA101")
            actions = await ed.code_actions(uri, la101.range, [la101])
            titles = [a.title for a in actions]
            assert any(t.startswith("Fix LA101") and t.endswith("(unsafe)") for t in titles), titles
            fix = next(a for a in actions if a.title.startswith("Fix LA101"))
            fixed = apply_edits(prompty, fix.edit.changes[uri])
            assert "max_tokens: 1024" in fixed and fixed.endswith("Summarise the ticket.\n")
            ed.change(uri, fixed)
            await ed.diagnostics(uri, lambda ds: "LA101" not in codes(ds))

    run(scenario())


def test_readme_editor_snippets_start_this_server(tmp_path):
    """The README's VS Code and Neovim snippets launch the command these tests drive."""
    import json
    import re

    from conftest import REPO, cli

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Editor integration", 1)[1].split("\n## ", 1)[0]
    assert 'pip install "llm-audit[server]"' in section
    blocks = re.findall(r"```(\w+)\n(.*?)```", section, re.S)
    vscode = [json.loads(re.sub(r"^\s*//.*$", "", body, flags=re.M)) for lang, body in blocks if lang == "jsonc"]
    assert len(vscode) == 1
    assert [vscode[0]["glspc.server.command"], *vscode[0]["glspc.server.commandArguments"]] == ["llm-audit", "server"]
    assert "source.fixAll.llm-audit" in vscode[0]["editor.codeActionsOnSave"]
    neovim = [body for lang, body in blocks if lang == "lua"]
    assert len(neovim) == 2 and all('cmd = { "llm-audit", "server" }' in body for body in neovim)
    assert "vim.lsp.start" in neovim[1] and "vim.lsp.enable" in neovim[0]
    r = cli("server", "--help", cwd=tmp_path)
    assert r.returncode == 0 and "language server" in r.stdout


def test_uris_with_spaces_and_non_ascii_round_trip(tmp_path):
    root = tmp_path / "my project"
    (root / ".git").mkdir(parents=True)
    write_tree(root, {"app/__init__.py": "", "app/prompts.py": PROMPTS, "app/llm.py": LLM})

    async def scenario():
        async with Editor(root) as ed:
            uri = ed.open("app/llm.py")
            assert "%20" in uri
            await ed.diagnostics(uri, lambda ds: "LA101" in codes(ds))
            nb, cells = ed.open_notebook("notes/triäge nötes.ipynb", [("code", "import openai\nr = openai.OpenAI().chat.completions.create(model='gpt-4o', messages=[])\n")])
            assert "%C3%A4" in nb
            await ed.diagnostics(cells[0], lambda ds: "LA101" in codes(ds))

    run(scenario())


def test_positions_and_edits_count_utf16_units_and_keep_crlf():
    """Columns are characters in findings and UTF-16 units in LSP; line ends are \\r\\n, \\r or \\n."""
    from pygls.workspace.position_codec import PositionCodec

    from auditor.server.convert import from_position, text_edits, to_range
    from auditor.server.documents import split_lines

    codec = PositionCodec()  # UTF-16, the LSP default
    text = 'x = "😋 é"\r\ny = call(a)\r\n'
    lines = split_lines(text)
    rng = to_range(lines, 1, 9, 1, 10, codec)  # the "é": character 9 of line 1
    assert (rng.start.line, rng.start.character, rng.end.character) == (0, 9, 10)  # 😋 is two UTF-16 units
    assert from_position(lines, rng.start, codec) == (1, 9)
    new = text.replace("call(a)", "call(a, max_tokens=1024)")
    edits = text_edits(text, new, codec)
    assert [(e.range.start.line, e.range.start.character, e.range.end.character, e.new_text) for e in edits] == [(1, 10, 10, ", max_tokens=1024")]
    assert apply_edits(text, edits) == new and "\r\n" in new
    assert to_range(lines, 40, 1, 41, 1, codec).start.line == 2  # past the end: clamped


def test_related_locations_become_related_information():
    from auditor.findings import Finding, Related
    from auditor.server.convert import related_information

    f = Finding("LA402", "retired-model", "error", "retired", "app/config.py", 1, 9, 1, 30,
                related=[Related("app/a.py", 8, 12, None, "used by one()"), Related("nb.ipynb", 3, 1, 2, "used in a notebook")])
    seen = []

    def locate(path, cell, line, column):
        seen.append((path, cell, line, column))
        return types.Location(uri=f"file:///{path}", range=types.Range(start=types.Position(line=line - 1, character=column - 1), end=types.Position(line=line - 1, character=column - 1)))

    info = related_information(f, None, locate)
    assert seen == [("app/a.py", None, 8, 12), ("nb.ipynb", 2, 3, 1)]
    assert [(i.location.uri, i.location.range.start.line, i.message) for i in info] == [("file:///app/a.py", 7, "used by one()"), ("file:///nb.ipynb", 2, "used in a notebook")]


def test_a_nested_policy_folder_stays_in_its_project_as_check_sees_it(app):
    """In a git work tree with a nested policy, the project is the work tree (as `check` runs
    it): a file below the nested policy sees the modules outside its folder (here the model
    constant in app/settings.py), gets the nested policy's rule selection, and its diagnostics are
    those of `llm-audit check` on the same file."""
    import json as _json

    from conftest import cli

    handler = LLM.replace("from app.prompts import SYSTEM", "from app.prompts import SYSTEM\nfrom app.settings import MODEL").replace('model="gpt-4o"', "model=MODEL")
    write_tree(app, {
        "app/settings.py": 'MODEL = "gpt-6-luna"\n',
        "services/api/.llm-audit.yaml": "extends: [default]\nignore: [LA201]\n",
        "services/api/handler.py": handler,
    })
    expected = _json.loads(cli("check", "services/api/handler.py", "--exit-zero", "--no-cache", "--output-format", "json", cwd=app).stdout)
    la101 = [f["message"] for f in expected if f["code"] == "LA101"]
    assert la101 and "gpt-6-luna" in la101[0]  # the imported constant is resolved

    async def scenario():
        async with Editor(app) as ed:
            uri = ed.open("services/api/handler.py")
            ds = await ed.diagnostics(uri, lambda ds: "LA101" in codes(ds))
            assert sorted(codes(ds)) == sorted(f["code"] for f in expected)
            assert [d.message for d in ds if d.code == "LA101"][0].startswith(la101[0][:60])

    run(scenario())


def test_a_broken_nested_policy_is_shown_and_the_server_lives(app):
    write_tree(app, {"services/api/.llm-audit.yaml": "extends: [default]\nignore: [LA9999]\n", "services/api/handler.py": LLM})

    async def scenario():
        async with Editor(app) as ed:
            ed.open("services/api/handler.py")
            for _ in range(1500):
                if ed.client.messages:
                    break
                await asyncio.sleep(0.02)
            assert ed.client.messages and ed.client.messages[-1].type == types.MessageType.Error
            assert "services/api/.llm-audit.yaml" in ed.client.messages[-1].message and ed.alive

    run(scenario())
