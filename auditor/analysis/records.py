"""Worked-example records inside one prompt text: a sequence of examples of the same shape before the
live task, read as data by :func:`auditor.analysis.roles.data_regions`.

Two shapes are recognised (their patterns are data in ``rules/roles.yaml``, ``records:``):

- **Example sequences.** Two or more example headings of one stem (``Example 1`` / ``Example 2`` /
  ``Example 3 (two parallel sub-questions)``, ``WORKFLOW EXAMPLE (calculator):`` / ``WORKFLOW EXAMPLE
  (text_analyzer):``) each open one worked example that runs to the next heading of the sequence,
  whatever blank lines, labels and separators its answer holds (a CHASE-SQL example's ``【Question】`` /
  ``【Answer】`` blocks, its pseudo-SQL and plan steps). An example ends earlier where the live task
  begins (a line such as ``Now is the real question ...`` / ``Your turn`` / ``End of examples``:
  ``records.live``) or, after a blank line, at a heading or label line that no other example of the
  sequence has (``KEY POINTS:``, ``Rules:``); a label the examples share is a field of each. A heading
  with its example on the same line (``Example 1: If the list is empty ... Text: ...``, what a YAML folded
  scalar makes of a heading and its lines) counts when two or more such headings share the stem; the last
  of them also ends at the line holding the live input (a placeholder).
- **Verdict records.** Records that each end in a verdict line, one of a few short words the records
  share (``sure`` / ``likely`` / ``impossible``: a value prompt's few-shot evaluations), three or more
  of them, with the live input (a placeholder or a hole) after the last one. The records run from the
  first record's start (after the blank line before it, or after the instruction line that names the
  verdicts, "... (sure/maybe/impossible)", and no longer than the shortest other record) to the last
  verdict.

- **Labelled records.** A label that opens three or more blocks, each after a blank line, and is
  alone the text's last line (``Task: ...`` / ``Task: ...`` / ... / ``Task:`` with the live task
  appended: self-instruct's classification and instance-generation templates). The blocks, from the
  first to the live label, are the template's few-shot records (``records.labelled``: the fewest blocks).

The live task after the records (the template's own fields, "Now ...") stays an instruction.
"""

from __future__ import annotations

import re
from typing import Any

_HEADING = re.compile(r"[ \t]*(#{1,6})[ \t]")
_NUMBER = re.compile(r"\d")
# a placeholder or a hole: the live input that follows the records
_LIVE_INPUT = re.compile(r"\{\{?[ \t]*[A-Za-z_][\w.]*[ \t]*\}\}?|\$\{?[A-Za-z_]\w*\}?|\x00")


def _lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def record_regions(text: str, rules: Any) -> list[tuple[int, int]]:
    """Ranges of ``text`` that are worked-example records (``rules``: a RoleRules)."""
    if not text or "\n" not in text:
        return []
    lines = _lines(text)
    return numbered_examples(lines, text, rules) + verdict_records(lines, text, rules) + labelled_records(lines, rules)


# a line of prose: it opens with a word and is a sentence (ends like one, or runs eight words or more)
_PROSE = re.compile(r"^[ \t]*[A-Za-z][^\n]*?(?:[.!?][\"')]*[ \t]*$|(?:\S+[ \t]+){7}\S)")
_PAREN = re.compile(r"\([^)\n]*\)")
_STEM_DROP = re.compile(r"[^A-Za-z]+")
# the label a line opens with ("Analysis:", "* **Pseudo SQL:**", "# Q:"): a field when the examples share it
_LINE_LABEL = re.compile(r"^[ \t]*(?:#{1,6}[ \t]*)?(?:[-*\u2022][ \t]+)?(?:\*\*)?([A-Za-z][\w /&-]{0,40}?)[ \t]*(?:\*\*)?:")


# a numbered example heading with its example on the same line: a YAML folded scalar (``template: >``) joins
# "Example 1:" and the lines below it into one ("Example 1: If the list is empty, ... Text: San Francisco is ...",
# a separator line joined in front: "###################### Example 2: ...")
_FOLDED = re.compile(r"^[ \t]*(?:#{1,6}[ \t]*|[#=*-]{3,}[ \t]+)?(?:\*\*)?examples?[ \t]+\d{1,2}[ \t]*:(?:\*\*)?[ \t]+(?=\S)", re.IGNORECASE)


def _stem(line: str) -> str:
    return " ".join(_STEM_DROP.sub(" ", _PAREN.sub(" ", line)).lower().split())


def _label(line: str) -> str:
    m = _LINE_LABEL.match(line)
    return " ".join(re.sub(r"\d+", " ", m.group(1)).lower().split()) if m else ""


def numbered_examples(lines: list[tuple[int, str]], text: str, rules: Any) -> list[tuple[int, int]]:
    """Example headings written two or more times with one stem ("Example 1" / "Example 2", "WORKFLOW
    EXAMPLE (calculator):" / "WORKFLOW EXAMPLE (text_analyzer):"): each example runs to the next heading
    of its sequence, or to where its section ends before that: a line opening the live task
    (``records.live``), or - after a blank line - a heading or a label (``headers.end``) that no other
    example of the sequence has (a label they share, "Analysis:", "Pseudo SQL:", is a field of each)."""
    section, live, end = getattr(rules, "section", None), getattr(rules, "record_live", None), getattr(rules, "end", None)
    if section is None or not getattr(rules, "numbered_examples", True):
        return []
    groups: dict[str, list[int]] = {}
    folded: dict[int, int] = {}  # line of a folded heading -> where its example starts on that line
    for i, (pos, line) in enumerate(lines):
        if section.match(line):
            groups.setdefault(_stem(line), []).append(i)
        elif (m := _FOLDED.match(line)) is not None:
            groups.setdefault(_stem(m.group(0)), []).append(i)
            folded[i] = pos + m.end()
    out: list[tuple[int, int]] = []
    for heads in groups.values():
        if len(heads) < 2 or (any(i in folded for i in heads) and sum(i in folded for i in heads) < 2):
            continue
        bounds = [(i, heads[n + 1] if n + 1 < len(heads) else len(lines)) for n, i in enumerate(heads)]
        labels = [{_label(lines[k][1]) for k in range(i + 1, j)} - {""} for i, j in bounds]
        skeleton = [{lines[k][1].strip() for k in range(i + 1, j)} - {""} for i, j in bounds]
        content = getattr(rules, "content", None)
        for n, (i, j) in enumerate(bounds):
            shared = set().union(*(labels[:n] + labels[n + 1 :]))
            others = set().union(*(skeleton[:n] + skeleton[n + 1 :]))
            last, fenced, stop = n + 1 == len(bounds), False, j
            for k in range(i + 1, j):
                line = lines[k][1]
                if line.lstrip().startswith("```"):
                    fenced = not fenced
                if fenced or line.lstrip().startswith("```"):
                    continue
                if live is not None and live.match(line):
                    stop = k
                    break
                if last and i in folded and _LIVE_INPUT.search(line):
                    stop = k  # a folded last example (no line of its own for its heading) ends at the live input's line
                    break
                if lines[k - 1][1].strip() or not line.strip() or _label(line) in shared:
                    continue
                opens = bool(_HEADING.match(line)) or (end is not None and end.match(line) is not None)
                # the last example has no next heading: it also ends at a prose paragraph no other example
                # has ("Remember, your goal is to create a summary ...", "To solve your task, first ...")
                if last and not opens:
                    opens = bool(_PROSE.match(line)) and line.strip() not in others and not (content is not None and content.match(line))
                if opens:
                    stop = k
                    break
            start = folded[i] if i in folded else lines[i][0] + len(lines[i][1]) + 1
            finish = lines[stop][0] if stop < len(lines) else len(text)
            if finish > start:
                out.append((start, finish))
    return out


def verdict_records(lines: list[tuple[int, str]], text: str, rules: Any) -> list[tuple[int, int]]:
    verdict, most = getattr(rules, "record_verdict", None), int(getattr(rules, "record_gap", 0) or 0)
    if verdict is None or most <= 0:
        return []
    cands = [i for i, (_, line) in enumerate(lines) if i and lines[i - 1][1].strip() and verdict.match(line)]
    counts: dict[str, int] = {}
    for i in cands:
        key = lines[i][1].strip().lower()
        counts[key] = counts.get(key, 0) + 1
    words = {k for k, c in counts.items() if c >= 2}
    idx = [i for i in cands if lines[i][1].strip().lower() in words]
    if len(idx) < 3 or len(words) > 6:
        return []
    # consecutive records: each a few lines, no heading among them
    if any(b - a > most for a, b in zip(idx, idx[1:])):
        return []
    if any(_HEADING.match(lines[k][1]) for k in range(idx[0], idx[-1])):
        return []
    last_end = lines[idx[-1]][0] + len(lines[idx[-1]][1])
    if not _LIVE_INPUT.search(text, last_end):
        return []  # no live input after the records: not a few-shot template
    first = idx[0]
    lowest = max(0, first - min(b - a for a, b in zip(idx, idx[1:])) + 1)  # the first record is no longer than the shortest other
    start = lines[lowest][0]
    for k in range(first - 1, lowest - 1, -1):
        line = lines[k][1]
        names = {w.lower() for w in re.findall(r"[A-Za-z]+", line)}
        if not line.strip() or len(names & words) >= 2:
            start = lines[k + 1][0]  # after the blank line, or after the line that names the verdicts
            break
    return [(start, last_end)] if last_end > start else []


# the live label: the text's last line, a label and nothing after it but a placeholder or a hole
_LIVE_LABEL = re.compile(r"[ \t]*([A-Za-z][\w /&-]{0,30}?)[ \t]*:[ \t]*(?:\{\{?[ \t]*[A-Za-z_][\w.]*[ \t]*\}\}?|\x00)?[ \t]*$")


def labelled_records(lines: list[tuple[int, str]], rules: Any) -> list[tuple[int, int]]:
    """Blocks opened by one label ("Task: Classify the sentiment ...") after a blank line, three or more,
    before the same label alone on the text's last line (the live task): the blocks are few-shot records."""
    fewest = int(getattr(rules, "record_labelled", 0) or 0)
    body = [i for i, (_, line) in enumerate(lines) if line.strip()]
    if fewest <= 0 or len(body) < fewest + 1:
        return []
    last = body[-1]
    m = _LIVE_LABEL.fullmatch(lines[last][1])
    if m is None or lines[last - 1][1].strip():
        return []
    opener = re.compile(r"[ \t]*%s[ \t]*:[ \t]*\S" % re.escape(m.group(1)))
    heads = [i for i in body[:-1] if i and not lines[i - 1][1].strip() and opener.match(lines[i][1])]
    if len(heads) < fewest:
        return []
    # a paragraph between the records that opens with a heading or a label the records do not share
    # ("Rules: ...", "## Output format") is the template's own text: the records end before it
    end, stop = getattr(rules, "end", None), last
    labels: dict[str, int] = {}
    for i in range(heads[0], last):
        labels[_label(lines[i][1])] = labels.get(_label(lines[i][1]), 0) + 1
    for i in range(heads[0] + 1, last):
        line = lines[i][1]
        if i in heads or lines[i - 1][1].strip() or not line.strip():
            continue
        if _HEADING.match(line) or (end is not None and end.match(line) and labels.get(_label(line), 0) < 2):
            stop = i
            break
    return [(lines[heads[0]][0], lines[stop][0])] if sum(1 for h in heads if h < stop) >= fewest else []
