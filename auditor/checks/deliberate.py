"""Call sites whose model choice is not a cost decision a model-fit rule should second-guess.

- **A test** (``tests/``, ``test_*.py``, ...: :func:`auditor.analysis.testmodules.is_test_path`): the model
  is the test's fixture, a mocked endpoint or the model under test (an SDK's generated tests send
  ``max_tokens=1`` "hi" to a mock server); nothing is billed in production.
- **An evaluation or a benchmark** (a folder or file named ``eval``/``evals``/``evaluation``/``benchmark``...): the
  model is what is measured, or the judge chosen for the measure.
- **An agent step**: the call hands the model tools (``tools=``, ``functions=``, Gemini's
  ``config.tools``): it decides which tool to call with which arguments, whatever word its prompt
  starts with, so a "classify"/"extract" phrase does not make it a simple task.
- **A comparison point**: the model is named through a constant or variable that says it is the baseline
  the work is measured against (``FRONTIER_MODEL = "claude-opus-4-8"  # frontier baseline``, ``TEACHER_MODEL``,
  ``baseline_model``): a fine-tuning case study compares its small model with it, a distillation run labels
  data with it; a cheaper model defeats the comparison.

Used by LA401 (oversized model) on the recall corpus's judged sample (docs/precision.md, session 14).
"""

from __future__ import annotations

import re

from auditor.analysis.testmodules import is_test_path
from auditor.facts import CallSite

# a whole folder or file name: `evaluation/`, `evals/`, `benchmarks/run.py`, `eval.ipynb`; not `prompt_evals/`,
# an app's example of evaluating its own prompt (ragas, judged true on the 21-repo corpus)
EVAL_PATH = re.compile(r"(?:^|/)(?:evals?|evaluations?|benchmarks?|benchmarking)(?:/|\.(?:py|ipynb)$)", re.IGNORECASE)
TOOL_PARAMS = {"tools", "functions", "tool_config", "toolConfig"}


def measured_path(path: str) -> bool:
    """A test, an evaluation or a benchmark, by its path."""
    p = path.replace("\\", "/")
    return is_test_path(p) or EVAL_PATH.search(p) is not None


# the name a model is read through says it is a comparison point: FRONTIER_MODEL, teacher_model, BASELINE_LLM
COMPARISON_NAME = re.compile(r"(?:^|[._])(?:frontier|baseline|teacher|oracle)(?:_|$)", re.IGNORECASE)


def comparison_model(site: CallSite) -> bool:
    """The model is read through a name that makes it the baseline or teacher (``FRONTIER_MODEL``, ``self.teacher_model``)."""
    m = site.model
    if m is None or m.origin == "literal" or not m.source:
        return False
    return COMPARISON_NAME.search(m.source.strip("'\"")) is not None


def hands_tools(site: CallSite) -> bool:
    """The call gives the model tools to choose from (at any depth of its parameters)."""
    return any(key.rsplit(".", 1)[-1] in TOOL_PARAMS for key in site.params)
