"""LA503's agent-per-item evidence (checks/agentcallee.py) reads a callee's file only when it spells
an agent constructor's names: the answers must be those of parsing every callee file."""

from __future__ import annotations

from test_set5_precfix10 import LAUNCH, PIPELINE_LLM


def _la503(result):
    return [(f.code, f.path) for f in result.findings if f.code == "LA503"]


def test_non_ascii_callee_file_that_builds_an_agent_is_silent(project):
    text = LAUNCH.replace("def do_idea(idea: dict, folder: str) -> bool:\n", 'def do_idea(idea: dict, folder: str) -> bool:\n        """Expérience: one agent run per idée."""\n')
    assert not text.isascii()
    assert _la503(project({"llm.py": PIPELINE_LLM, "launch.py": text}, select=["LA503"])) == []


def test_maker_spelt_with_fullwidth_letters_is_still_the_maker(project):
    # Python reads identifiers NFKC-normalised: `ac.Ｃoder.create` is `ac.Coder.create`, though the
    # file's bytes never spell "Coder"
    text = LAUNCH.replace("from aider.coders import Coder\n", "import aider.coders as ac\n").replace("coder = Coder.create(", "coder = ac.\uff23oder.create(")
    assert "Coder" not in text
    assert _la503(project({"llm.py": PIPELINE_LLM, "launch.py": text}, select=["LA503"])) == []


def test_names_in_comments_without_an_agent_call_are_still_reported(project):
    plain = LAUNCH.replace(
        '        coder = Coder.create(main_model=Model("gpt-4.1"), fnames=[f"{folder}/experiment.py"], edit_format="diff")\n'
        '        coder.run(f"Implement the experiment: {idea[\'Experiment\']}")\n',
        "        # no Coder.create here: the review alone\n",
    )
    assert _la503(project({"llm.py": PIPELINE_LLM, "launch.py": plain}, select=["LA503"])) == [("LA503", "launch.py")]

