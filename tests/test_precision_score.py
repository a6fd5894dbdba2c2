"""docs/precision/score.py: sample plans apply only to the corpus they were drawn from. sampling.json's
plans are keyed by split and rule; every fresh set is 'held-out', so without the corpus check a fresh
set with no plan of its own had most of its findings hidden as 'left out of a sample'."""
import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load_score():
    """docs/precision/score.py under its own name; its ``from run import ...`` must find
    docs/precision/run.py, not benchmarks/run.py that other tests import as ``run``."""
    here = str(ROOT / "docs" / "precision")
    saved = sys.modules.pop("run", None)
    sys.path.insert(0, here)
    try:
        spec = importlib.util.spec_from_file_location("precision_score", ROOT / "docs/precision/score.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        while here in sys.path:  # score.py inserts it too
            sys.path.remove(here)
        sys.modules.pop("run", None)
        if saved is not None:
            sys.modules["run"] = saved


score = _load_score()


def test_corpus_yaml_keeps_its_sample_plans():
    sampling = json.loads((ROOT / "docs/precision/sampling.json").read_text())
    plans = score.sample_plans(sampling, str(ROOT / "docs/precision/corpus.yaml"))
    assert ("held-out", "LA101") in plans and ("dev", "LA201") in plans


def test_fresh_set_without_a_plan_is_scored_whole():
    sampling = json.loads((ROOT / "docs/precision/sampling.json").read_text())
    assert score.sample_plans(sampling, "docs/precision/corpus-fresh8.yaml") == {}


def test_plan_naming_its_own_corpus_applies_to_that_corpus_only():
    sampling = {"plans": [{"split": "held-out", "code": "LA201", "sample": 5, "population": 50,
                           "corpus": "corpus-fresh9.yaml"},
                          {"split": "dev", "code": "LA101", "sample": 5, "population": 40}]}
    assert set(score.sample_plans(sampling, "/x/corpus-fresh9.yaml")) == {("held-out", "LA201")}
    assert set(score.sample_plans(sampling, "corpus.yaml")) == {("dev", "LA101")}
