"""Many names asked of a skipped file at once (auditor/sources/callnames.py, ``found_names`` with
``MANY_NAMES`` or more): the file is cut into identifier tokens once instead of one search per
name. The answer must be the searches' answer exactly: a call ``name(`` only where ``name`` is not
the tail of a longer identifier, a word only where it is a whole identifier, non-ASCII bytes as
boundaries, names with other characters still found."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.sources import callnames
from auditor.sources.callnames import MANY_NAMES, calls_name, found_names, names_word

# what the dataflow's last round asks on the nb corpus: reaching functions (tests too), classes
CALLS = frozenset({"extract", "ask", "run", "generate", "process", "main", "completion", "test_extract", "llm"} | {f"test_case_{i}" for i in range(60)})
WORDS = frozenset({"OpenAI", "ChatModel", "Router", "Model", "resp"})

MODULE = b"""\
from magentic import OpenaiChatModel, prompt
from .llm import ask, llm
import asyncio

class MyChatModel(OpenaiChatModel):
    def run(self, x):
        return ask (x) or self.acompletion(x) or text_completion(x)

async def go():
    r = await asyncio.gather(*(extract(u) for u in users))  # r\xc3\xa9sum\xc3\xa9 llm(
    resp = APIRouter()
    return process((r, resp)), mod.Router
"""


def _searched(data: bytes, calls, words) -> set[str]:
    return {n for n in calls if calls_name(data, n)} | {"w:" + w for w in words if names_word(data, w)}


def test_many_names_are_answered_as_the_searches_answer():
    assert len(CALLS) + len(WORDS) >= MANY_NAMES
    found = found_names(MODULE, CALLS, WORDS)
    # `def run(` counts (over-approximate on purpose), `ask (x)` is no call by name, `acompletion(` / `text_completion(` do not call `completion`,
    # `APIRouter` does not name `Router` but `mod.Router` does, `llm(` after a non-ASCII byte counts
    assert found == {"run", "extract", "process", "llm", "w:Router", "w:resp"}
    assert found == _searched(MODULE, CALLS, WORDS)


def test_names_a_token_cannot_hold_are_still_searched():
    calls = CALLS | {"función", "a.b", ""}
    data = MODULE + "x = función(1)\ny = a.b(2)\n".encode()
    found = found_names(data, calls, WORDS | {"Señal"})
    assert {"función", "a.b"} <= found and found == _searched(data, calls, WORDS | {"Señal"})


IDENT_BYTES = st.sampled_from([b"a", b"b", b"_", b"1", b"(", b" ", b".", b"\n", b"\xc3\xa9", b"ab", b"ba(", b"b_a"])


@settings(max_examples=400, deadline=None)
@given(st.lists(IDENT_BYTES, max_size=40), st.sets(st.sampled_from(["a", "b", "ab", "ba", "b_a", "_", "1a", "a1"]), min_size=1))
def test_generated_texts_give_the_searches_answer(parts, names):
    data = b"".join(parts)
    calls = frozenset(names) | {f"pad_{i}" for i in range(MANY_NAMES)}
    assert callnames._found_by_tokens(data, calls, frozenset(names)) == _searched(data, calls, frozenset(names))
