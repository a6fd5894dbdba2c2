"""LA202's reminder exemption: an instruction restated after the data it applies to.

Prompt authors write the task on both sides of a long input on purpose (models attend most to the
start and the end of a long context): ``---Goal--- ... {context_data} ... ---Goal---`` again, or the
report structure before the example and again after ``Text: {input_text}``. A sentence whose two
copies are separated, inside one written text, by a block that carries the request's data is such a
reminder, not a repeat to remove. The block is a placeholder on its own line (``{context_data}``,
``{{ documents }}``, ``${input}``) in a template's text, or, once a call site has filled the template,
a hole on its own line between the two copies' runs. Static data between them (few-shot examples, a
pasted document) is not the request's input: a rule written before and after the examples is a repeat.

"One written text" keeps the rule narrow: the copies come from the same file and the same named value
(or the same inline literal). Two different constants that both carry a sentence and are concatenated
around a document (``BASE_PROMPT + files + TOOLS_PROMPT``) stay a repeat: nobody restated it on
purpose. Copies in two different messages are never a reminder here.

A sentence that both opens and closes the text, worked examples between (Chameleon's "Read the following
question, generate the background knowledge ..." first, the few-shot questions, then the same sentence as
the last line, where the live question is appended) is the same reminder: the task restated right before the
input it applies to. One copy in the middle of the text is still a repeat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.analysis.roles import DATA
from auditor.facts import Segment

# a template placeholder alone on its line: {name}, {{ name }}, ${name}, $name, {name!r:>10}
_BLOCK_PLACEHOLDER = re.compile(r"^[ \t]*(?:\{\{[ \t]*[A-Za-z_][\w.\[\]'\"]*[ \t]*\}\}|\$?\{[A-Za-z_][\w.\[\]'\"]*(?:![rsa])?(?::[^{}\n]*)?\}|\$[A-Za-z_]\w*)[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Place:
    """Where a sentence is written: message, run (its first segment's index in the message), offset in the
    run's text, the segment it starts in."""

    message: int
    run_start: int
    run_end: int  # index after the run's last segment
    offset: int
    end: int
    segment: Segment
    text: str = ""  # the run's text


def _source(seg: Segment) -> tuple:
    return (seg.path, seg.via[-1][0] if seg.via else None)


def _block_hole(segments: list[Segment], i: int) -> bool:
    """Segment ``i`` is a hole standing on its own line (its neighbours' static text breaks the line)."""
    before = segments[i - 1].text if i > 0 and segments[i - 1].kind == "static" else "\n"
    after = segments[i + 1].text if i + 1 < len(segments) and segments[i + 1].kind == "static" else "\n"
    tail = before.rstrip(" \t")
    return (tail == "" or tail.endswith(("\n", ":"))) and (after.lstrip(" \t") == "" or after.lstrip(" \t").startswith("\n"))


def is_reminder(segments: list[Segment], first: Place, here: Place, text: str) -> bool:
    """The copy at ``here`` restates the one at ``first`` after a block of data written between them.

    ``segments`` are the message's segments, ``text`` the text of the run ``here`` is in."""
    if first.message != here.message or _source(first.segment) != _source(here.segment):
        return False
    if _bookends(segments, first, here):
        return True
    if first.run_start == here.run_start:
        return bool(_BLOCK_PLACEHOLDER.search(text, first.end, here.offset))
    if _BLOCK_PLACEHOLDER.search(first.text, first.end) or _BLOCK_PLACEHOLDER.search(text, 0, here.offset):
        return True
    return any(segments[i].kind == "hole" and _block_hole(segments, i) for i in range(first.run_end, here.run_start))


def _bookends(segments: list[Segment], first: Place, here: Place) -> bool:
    """The first copy opens the message's text and the second one ends it (only blank text around them), worked
    examples between them (data, or two or more records opening with one label: "Question:" ... "Question:")."""
    a, _ = _segment_bounds(segments, first)
    _, b = _segment_bounds(segments, here)
    if first.text[a : first.offset].strip() or here.text[here.end : b].strip():
        return False  # other text of the same written text before the first copy or after the second
    def blank(segs) -> bool:
        return all(seg.kind == "static" and not seg.text.strip() for seg in segs)

    if first.run_start == here.run_start:
        between = here.text[first.end : here.offset]
        examples = False
    else:
        segs = segments[first.run_end : here.run_start]
        between = first.text[first.end :] + "".join(seg.text for seg in segs if seg.kind == "static") + here.text[: here.offset]
        examples = any(seg.kind == "static" and seg.role == DATA and seg.text.strip() for seg in segs)
    labels = _RECORD_LABEL.findall(between)
    examples = examples or any(labels.count(lab) >= 2 for lab in set(labels))  # "Question:" opening each worked example
    # around the copies only blank text of the same written text: the live input appended after it is another source
    src = _source(here.segment)
    return examples and blank(s for s in segments[: first.run_start] if _source(s) == src) and blank(s for s in segments[here.run_end :] if _source(s) == src)


_RECORD_LABEL = re.compile(r"^[ \t]*([A-Z][A-Za-z ]{0,30}):", re.MULTILINE)


def _segment_bounds(segments: list[Segment], place: Place) -> tuple[int, int]:
    """Where the segment holding ``place``'s copy starts and ends in its run's text."""
    pos = 0
    for seg in segments[place.run_start : place.run_end]:
        end = pos + len(seg.text)
        if seg is place.segment:
            return pos, end
        pos = end
    return 0, len(place.text)
