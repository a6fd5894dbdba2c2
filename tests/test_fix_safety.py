"""Fixes that are always right: deletions keep the grammar, model swaps are valid for the API and
class they land in and never touch a name the program compares or stores, and no fix adds a second
cap parameter."""

from __future__ import annotations

import pytest

from auditor.analysis.phrases import catalog_entries
from auditor.analysis.rewrites import apply_rewrites
from auditor.fix.grammar import deletion_fits
from conftest import cli, codes


@pytest.mark.parametrize("text,expected", [
    ("Make sure you cite sources.", "Cite sources."),
    ("When in doubt, make sure to ask.", "When in doubt, ask."),
    ("You will get a ticket, and your task is to label it.", "You will get a ticket, and label it."),
    ("Also, keep in mind that you are a harsh critic.", "Also, you are a harsh critic."),
    # kept as written: the phrase does grammatical work here
    ("Number the words to make sure you don't lose track.", "Number the words to make sure you don't lose track."),
    ("The user will send items, and your goal is to sort them.", "The user will send items, and your goal is to sort them."),
    ("Your role is to:\n1. Verify\n2. Format", "Your role is to:\n1. Verify\n2. Format"),
    ("IMPORTANT: Make sure you are certain of the tool.", "IMPORTANT: Make sure you are certain of the tool."),
    ("Given a city, your role is to:", "Given a city, your role is to:"),
])
def test_deletions_keep_the_sentence_whole(text, expected):
    assert apply_rewrites(text, catalog_entries("verbose")) == expected


def test_deletion_fits_positions():
    t = "Read it - make sure to cite."
    assert deletion_fits(t, t.index("make"), t.index("make") + len("make sure to"))
    t = "They want to make sure to win."
    assert not deletion_fits(t, t.index("make"), t.index("make") + len("make sure to"))


def test_la201_fix_on_real_shapes_never_breaks_the_text(project):
    root = project.root
    project({"p.py": '''
        SYSTEM_PROMPT = """You are a research agent. Given a topic, your job is to search the web and return five sources.
        Number the sources to make sure you don't lose track. Make sure you list the URL of each source."""
    '''})
    cli("fix", ".", "--select", "LA201", cwd=root)
    text = (root / "p.py").read_text()
    assert "Given a topic, search the web" in text
    assert "to make sure you don't lose track" in text
    assert "List the URL of each source." in text


CAPABILITY = {
    "app.py": '''
        from openai import OpenAI
        client = OpenAI()
        VISION_MODELS = {"gpt-4-vision-preview": 4096, "gpt-4o": 16384}


        def describe(img):
            return client.chat.completions.create(model="gpt-4-vision-preview", max_tokens=VISION_MODELS["gpt-4-vision-preview"], messages=[])
    ''',
}


def test_no_swap_where_the_name_is_stored_as_a_key(project):
    [f] = [x for x in project(CAPABILITY, select=["LA402"]).findings]
    assert f.fix is None


def test_no_swap_where_a_test_asserts_the_name(project):
    result = project({
        "svc.py": 'import anthropic\nclient = anthropic.Anthropic()\nMODEL = "claude-2.1"\nclient.messages.create(model=MODEL, max_tokens=9, messages=[])\n',
        "tests/test_svc.py": 'from svc import MODEL\n\ndef test_model():\n    assert MODEL == "claude-2.1"\n',
    }, select=["LA402"])
    [f] = result.findings
    assert f.path == "svc.py" and f.fix is None


def test_no_swap_where_the_constant_is_compared(project):
    result = project({"a.py": '''
        from openai import OpenAI
        client = OpenAI()
        MODEL = "gpt-4-vision-preview"


        def ask(q):
            extra = {"detail": "high"} if MODEL.startswith("gpt-4-vision") else {}
            return client.chat.completions.create(model=MODEL, max_tokens=100, messages=[{"role": "user", "content": q}], **extra)
    '''}, select=["LA402"])
    [f] = result.findings
    assert f.fix is None


def test_the_swap_stays_when_the_name_is_only_sent(project):
    result = project({"a.py": 'from openai import OpenAI\nMODEL = "gpt-4-vision-preview"\nOpenAI().chat.completions.create(model=MODEL, max_tokens=9, messages=[])\n'}, select=["LA402"])
    [f] = result.findings
    assert f.fix is not None and f.fix.edits[0].content.strip('"') in f.message


def test_no_chat_model_into_a_completions_only_class(project):
    result = project({"nb.py": 'from langchain_openai import OpenAI\nllm = OpenAI(model_name="gpt-3.5-turbo-instruct", temperature=0, max_tokens=1500)\n'}, select=["LA402"])
    [f] = result.findings
    assert f.fix is None
    site = result.project.call_sites()[0]
    assert site.api == "langchain.openai.llm"


def test_no_chat_model_into_legacy_completions(project):
    result = project({"a.py": 'from openai import OpenAI\nOpenAI().completions.create(model="text-davinci-003", prompt="x", max_tokens=5)\n'}, select=["LA402"])
    [f] = result.findings
    assert f.fix is None


def test_anthropic_text_completions_are_their_own_api(project):
    """max_tokens_to_sample is that API's cap: no LA101, and a fix inserts that name."""
    capped = project({"a.py": '''
        def get_completion(client, prompt, max_tokens=3000, model="claude-instant-1.2"):
            return client.completions.create(prompt=prompt, max_tokens_to_sample=max_tokens, model=model).completion
    '''}, select=["LA101"])
    assert codes(capped) == []
    uncapped = project({"b.py": '''
        import anthropic
        client = anthropic.Anthropic()
        client.completions.create(model="claude-2.1", prompt="\\n\\nHuman: hi\\n\\nAssistant:")
    '''}, select=["LA101"])
    [f] = [x for x in uncapped.findings if x.path == "b.py"]
    assert f.fix is not None and "max_tokens_to_sample=" in f.fix.edits[0].content
    assert [s.api for s in uncapped.project.call_sites() if s.path == "b.py"] == ["anthropic.completions"]


def test_no_second_cap_parameter(project):
    result = project({"a.py": '''
        from transformers import AutoModelForCausalLM
        from openai import OpenAI
        client = OpenAI()
        client.chat.completions.create(model="gpt-4o", max_completion_tokens=300, messages=[])
        params = {"model": "gpt-4o", "max_tokens": 300}
        client.chat.completions.create(messages=[], **params)
    '''}, select=["LA101"])
    assert codes(result) == []


def test_la401_swap_only_at_a_literal_at_the_call(project):
    result = project({"a.py": '''
        from openai import OpenAI
        client = OpenAI()
        MODEL = "gpt-4o"
        client.chat.completions.create(model=MODEL, max_tokens=3, messages=[{"role": "user", "content": "Classify the sentiment. Answer with one word."}])
        client.chat.completions.create(model=MODEL, max_tokens=900, messages=[{"role": "user", "content": "Write an essay about the sea."}])
    '''}, select=["LA401"])
    [f] = result.findings
    assert f.fix is None  # the constant also serves an essay: changing it is not this task's fix


def test_swap_scan_is_kept_between_runs_and_sees_an_edit(tmp_path, monkeypatch):
    """A warm run answers "is the name compared anywhere?" from the cache without reading a
    file; a file edited since is read again, and a comparison added there blocks the swap."""
    from auditor.config.policy import Policy
    from auditor.engine import RunOptions, run
    from conftest import TODAY

    (tmp_path / ".git").mkdir()
    (tmp_path / "svc.py").write_text('from openai import OpenAI\nMODEL = "gpt-4-vision-preview"\nOpenAI().chat.completions.create(model=MODEL, max_tokens=9, messages=[])\n')
    (tmp_path / "other.py").write_text("def f(x):\n    return x\n")
    monkeypatch.setenv("LLM_AUDIT_CACHE_DIR", str(tmp_path / ".cache-test"))
    monkeypatch.chdir(tmp_path)

    def once():
        policy = Policy.load(None, start=tmp_path)
        [f] = [f for f in run(RunOptions(paths=[tmp_path], policy=policy, jobs=1, today=TODAY)).findings if f.code == "LA402"]
        return f

    assert once().fix is not None  # cold: every file asked, answers kept
    from auditor.fix import swapsafety

    scanned: list[str] = []
    real = swapsafety._file_blocker

    def spy(path, *args):
        scanned.append(path)
        return real(path, *args)

    monkeypatch.setattr(swapsafety, "_file_blocker", spy)
    assert once().fix is not None
    assert scanned == []  # warm: answered from the cache, no file scanned
    (tmp_path / "other.py").write_text('from svc import MODEL\n\ndef f(x):\n    return 1 if MODEL == "gpt-4-vision-preview" else x\n')
    assert once().fix is None  # the edited file is read again and now blocks the swap
    assert scanned == ["other.py"]


def _nb_with_output(code: str, output_text: str) -> dict:
    from conftest import notebook

    nb = notebook(code, "df.head()")
    [c for c in nb["cells"] if c["cell_type"] == "code"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": [output_text]}]
    return nb


SENDS_VISION = 'from openai import OpenAI\nMODEL = "gpt-4-vision-preview"\nOpenAI().chat.completions.create(model=MODEL, max_tokens=9, messages=[])\n'


def test_a_notebook_cell_comparing_the_name_blocks_the_swap(project):
    # the skipped notebook's cells are searched (the pre-scan read them), never its outputs
    result = project({
        "svc.py": SENDS_VISION,
        "notebooks/check.ipynb": _nb_with_output("import pandas as pd\nfrom svc import MODEL\nassert MODEL == 'gpt-4-vision-preview'\ndf = pd.DataFrame()", "ok\n"),
    }, select=["LA402"])
    [f] = result.findings
    assert f.path == "svc.py" and f.fix is None


def test_the_name_in_a_notebook_output_does_not_block_the_swap(project):
    result = project({
        "svc.py": SENDS_VISION,
        "notebooks/log.ipynb": _nb_with_output("import pandas as pd\ndf = pd.DataFrame()", "if MODEL == 'gpt-4-vision-preview': print('vision')\n"),
        "notebooks/calls.ipynb": _nb_with_output(
            "from openai import OpenAI\nclient = OpenAI()\nr = client.chat.completions.create(model='gpt-4o-mini', max_tokens=5, messages=[])\ndf = None",
            "{'gpt-4-vision-preview': 8192}\n",
        ),
    }, select=["LA402"])
    [f] = [x for x in result.findings if x.path == "svc.py"]
    assert f.fix is not None


def test_each_file_is_read_once_for_all_the_runs_swap_questions(project, monkeypatch):
    from auditor.fix import swapsafety

    reads: list[str] = []
    real = swapsafety.read_bytes
    monkeypatch.setattr(swapsafety, "read_bytes", lambda p: (reads.append(p.name), real(p))[1])
    result = project({
        "a.py": 'from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model="gpt-4-vision-preview", max_tokens=9, messages=[])\n',
        "b.py": 'import anthropic\nanthropic.Anthropic().messages.create(model="claude-2.1", max_tokens=9, messages=[])\n',
        "c.py": "def f(x):\n    return x\n",
        "notebooks/n.ipynb": _nb_with_output("import pandas as pd\ndf = pd.DataFrame()", "claude-2.1\n"),
    }, select=["LA402"])
    assert sorted(f.path for f in result.findings if f.fix is not None) == ["a.py", "b.py"]  # two questions asked
    assert sorted(reads) == ["a.py", "b.py", "c.py"]  # each Python file read once; the notebook's cells came from the pre-scan
