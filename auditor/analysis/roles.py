"""Segment roles: which static prompt text is an instruction and which is data.

Every static segment of a reconstructed prompt carries ``Segment.role``: ``instruction`` (template,
system and instruction text written as instructions) or ``data`` (documents, few-shot examples,
records, retrieved context, long texts pasted into a template's field, text inside
``<document>``-style tags or example sections). The heuristics are data in ``rules/roles.yaml``
(its header says how they combine); policy ``prompt-roles:`` overrides them by constant name or
path glob.

:func:`assign_roles` runs once per run, after the project has resolved references across files
(so a document constant imported from ``data/leases.py`` is known by its name and file), and may
split a static segment where a data region (a tag, a fence, an example section) begins or ends.

Text rules read instruction text through :func:`instruction_runs` (the static runs of a message
with data segments and holes as breaks) or :func:`instruction_text`.
"""

from __future__ import annotations

import copy
import fnmatch
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping

from auditor.analysis.literals import slice_pieces
from auditor.analysis.records import record_regions
from auditor.facts import Message, Prompt, Segment

INSTRUCTION = "instruction"
DATA = "data"


# ------------------------------------------------------------------------------ the helper text rules use


# the marker of static text a framework sends by default (analysis/frameworks.py)
FRAMEWORK_DEFAULT = "framework-default"
VERBATIM = "verbatim"  # analysis/verbatim.py: a benchmark's published grader, a model's own template text

def instruction_runs(segments: "Iterable[Segment] | Prompt | Message") -> list[list[Segment]]:
    """Maximal runs of adjacent static *instruction* segments: holes, unresolved refs and data
    segments split them, so a phrase never matches across a document or a hole. Given a
    :class:`Prompt` (or a :class:`Message`), the runs of every message, a message boundary
    splitting them too."""
    if isinstance(segments, Prompt):
        return [run for m in segments.messages for run in instruction_runs(m.segments)]
    if isinstance(segments, Message):
        segments = segments.segments
    return segment_runs(segments, lambda seg: seg.kind == "static" and seg.role != DATA)


def segment_runs(segments: Iterable[Segment], keep: Callable[[Segment], bool]) -> list[list[Segment]]:
    """Maximal runs of adjacent segments that ``keep`` accepts; any other segment splits them."""
    runs: list[list[Segment]] = []
    current: list[Segment] = []
    for seg in segments:
        if keep(seg):
            current.append(seg)
            continue
        if current:
            runs.append(current)
        current = []
    if current:
        runs.append(current)
    return runs


def instruction_text(prompt: Prompt | list[Message], roles: tuple[str, ...] = ()) -> str:
    """The instruction text of a prompt, run by run (runs joined by line breaks); ``roles`` limits
    it to messages of those roles (e.g. ``("system", "user")``)."""
    messages = prompt.messages if isinstance(prompt, Prompt) else prompt
    parts: list[str] = []
    for m in messages:
        if roles and m.role not in roles:
            continue
        for run in instruction_runs(m.segments):
            parts.append("".join(s.text for s in run))
    return "\n".join(parts)


# ------------------------------------------------------------------------------ the rules


@dataclass
class RoleRules:
    instruction_names: list[str] = field(default_factory=list)
    data_names: list[str] = field(default_factory=list)
    data_paths: list[str] = field(default_factory=list)
    min_chars: int = 300
    tags: re.Pattern[str] | None = None
    fences: bool = True
    section: re.Pattern[str] | None = None
    inline: re.Pattern[str] | None = None
    content: re.Pattern[str] | None = None
    end: re.Pattern[str] | None = None
    lead_in: re.Pattern[str] | None = None  # a sentence opening an example section ("Here is an example of the task:")
    record: re.Pattern[str] | None = None  # a line that is one bracketed record ("[Answer id: 3, Answer: ...]")
    few_shot: bool = True
    numbered_examples: bool = True  # records.numbered: "Example 1" ... "Example 2" each run to the next (analysis/records.py)
    record_live: re.Pattern[str] | None = None  # records.live: the line that opens the live task after the examples
    record_verdict: re.Pattern[str] | None = None  # records.verdict: a record's closing verdict line ("sure", "impossible")
    record_gap: int = 0  # records.gap: most lines between two verdict lines
    record_labelled: int = 0  # records.labelled: fewest blocks one label opens before the live label ("Task:")
    injection: re.Pattern[str] | None = None  # a text that opens like a prompt-injection attack: the input under test
    trained: list[list[re.Pattern[str]]] = field(default_factory=list)  # trained-templates: a fine-tuned model's own prompt format
    # policy prompt-roles: (glob, role) for names and for paths, in the order written
    name_overrides: list[tuple[str, str]] = field(default_factory=list)
    path_overrides: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def from_data(cls, data: Mapping[str, Any], overrides: Mapping[str, str] | None = None) -> "RoleRules":
        names = data.get("names") or {}
        headers = data.get("headers") or {}
        tags = [str(t) for t in data.get("tags") or []]
        flags = re.IGNORECASE | re.MULTILINE
        tag_re = None
        if tags:
            alt = "|".join(re.escape(t) for t in sorted(tags, key=len, reverse=True))
            # <document>, <document index="1">, <example_1>, <example-2>; closed by the same name
            tag_re = re.compile(r"<((?:%s)(?:[_-]?\w+)?)(?:\s[^<>]*)?>(.*?)</\1\s*>" % alt, re.IGNORECASE | re.DOTALL)
        name_o: list[tuple[str, str]] = []
        path_o: list[tuple[str, str]] = []
        for key, role in (overrides or {}).items():
            if role not in (INSTRUCTION, DATA):
                continue
            (path_o if ("/" in key or "." in key) else name_o).append((str(key), role))
        records = data.get("records") or {}
        path_o += [(str(p), DATA) for p in (data.get("paths") or {}).get("workload") or []]  # after the policy's
        return cls(
            instruction_names=[str(p).lower() for p in names.get("instruction") or []],
            data_names=[str(p).lower() for p in names.get("data") or []],
            data_paths=[str(p) for p in (data.get("paths") or {}).get("data") or []],
            min_chars=int((data.get("interpolated") or {}).get("min-chars") or 300),
            tags=tag_re,
            fences=bool(data.get("fences", True)),
            section=re.compile(headers["section"], flags) if headers.get("section") else None,
            inline=re.compile(headers["inline"], flags) if headers.get("inline") else None,
            content=re.compile(headers["content"], flags) if headers.get("content") else None,
            end=re.compile(headers["end"], re.MULTILINE) if headers.get("end") else None,
            lead_in=re.compile(headers["lead-in"], flags) if headers.get("lead-in") else None,
            record=re.compile(headers["record"], flags) if headers.get("record") else None,
            few_shot=bool(data.get("few-shot-turns", True)),
            numbered_examples=bool(records.get("numbered", True)),
            record_live=re.compile(records["live"], flags) if records.get("live") else None,
            record_verdict=re.compile(records["verdict"], re.MULTILINE) if records.get("verdict") else None,
            record_gap=int(records.get("gap") or 0),
            record_labelled=int(records.get("labelled") or 0),
            injection=re.compile(data["injection"], flags) if data.get("injection") else None,
            trained=[[re.compile(str(m), re.MULTILINE) for m in t.get("markers") or []] for t in data.get("trained-templates") or [] if t.get("markers")],
            name_overrides=name_o,
            path_overrides=path_o,
        )


@lru_cache(maxsize=1)
def builtin_roles() -> dict[str, Any]:
    from auditor.config.catalog import load_yaml_file, rules_dir

    path = rules_dir() / "roles.yaml"
    return (load_yaml_file(path) or {}) if path.is_file() else {}


def role_rules(overrides: Mapping[str, str] | None = None) -> RoleRules:
    return RoleRules.from_data(builtin_roles(), overrides)


# ------------------------------------------------------------------------------ assigning roles


def assign_roles(project: Any, overrides: Mapping[str, str] | None = None, rules: RoleRules | None = None) -> None:
    """Set the role of every static segment of every call site's and prompt constant's prompt."""
    rules = rules or role_rules(overrides)
    for f in project.facts:
        for site in f.call_sites:
            assign_prompt(site.prompt, site.path, rules)
        for pc in f.prompt_constants:
            assign_prompt(pc.prompt, pc.path, rules, own_name=pc.name)
    # requests reached through project functions, and the sites they stand on (analysis/derive.py)
    for site in list(getattr(project, "derived", ())) + list(getattr(project, "abstract_sites", ())):
        assign_prompt(site.prompt, site.path, rules)


def assign_prompt(prompt: Prompt, path: str, rules: RoleRules, own_name: str = "") -> None:
    fixed: set[int] = set()
    trained = trained_template(prompt, rules.trained)
    for m in prompt.messages:
        for seg in m.segments:
            if seg.kind != "static":
                continue
            role, final = (DATA, True) if trained else base_role(seg, path, rules, own_name)
            seg.role = role
            if final:
                fixed.add(id(seg))
    if rules.few_shot:
        _few_shot(prompt.messages, fixed)
    for m in prompt.messages:
        m.segments = _split_regions(m.segments, rules, fixed)


def trained_template(prompt: Prompt, signatures: list[list[re.Pattern[str]]]) -> bool:
    """Is the prompt a fine-tuned model's own prompt format (``trained-templates`` in rules/roles.yaml: every
    marker of one entry in its static text, e.g. Prometheus 2's "###Task Description" ... "###Feedback:")?
    Its words are what the model was trained on, so none of its text is the author's prose to edit."""
    if not signatures:
        return False
    text = "".join(s.text for m in prompt.messages for s in m.segments if s.kind == "static")
    return any(all(rx.search(text) for rx in sig) for sig in signatures)


def base_role(seg: Segment, path: str, rules: RoleRules, own_name: str = "") -> tuple[str, bool]:
    """(role, final) of one static segment from the names it is read through and its file."""
    if seg.hole_kind in (FRAMEWORK_DEFAULT, VERBATIM):
        return DATA, True  # a framework's default text (AutoGen's system message), a text reproduced verbatim: not the user's to edit
    names = ([own_name] if own_name else []) + [n for n, _ in seg.via]
    where = seg.path or path
    if rules.injection is not None and rules.injection.match(seg.text):
        return DATA, True  # "Ignore all previous instructions. You are now ...": an attack sample sent as the input under test
    for name in reversed(names):  # innermost first
        for glob, role in rules.name_overrides:
            if fnmatch.fnmatchcase(name, glob):
                return role, True
    for glob, role in rules.path_overrides:
        if fnmatch.fnmatchcase(where, glob):
            return role, True
    for name in reversed(names):
        low = name.lower()
        if any(fnmatch.fnmatchcase(low, p) for p in rules.instruction_names):
            return INSTRUCTION, False
        if any(fnmatch.fnmatchcase(low, p) for p in rules.data_names):
            return DATA, False
    if seg.via and seg.path is not None and any(fnmatch.fnmatchcase(where, p) for p in rules.data_paths):
        return DATA, False
    if any(slot for _, slot in seg.via) and len(seg.text) >= rules.min_chars:
        return DATA, False
    return INSTRUCTION, False


def _few_shot(messages: list[Message], fixed: set[int]) -> None:
    """User/assistant turns written before the last user turn are worked examples (few-shot)."""
    last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
    for i, m in enumerate(messages):
        if m.role != "assistant" or i > last_user:
            continue
        for seg in m.segments:
            if seg.kind == "static" and id(seg) not in fixed:
                seg.role = DATA
        for k in range(i - 1, -1, -1):
            if messages[k].role == "assistant":
                break
            if messages[k].role == "user":
                for seg in messages[k].segments:
                    if seg.kind == "static" and id(seg) not in fixed:
                        seg.role = DATA
                break


# ------------------------------------------------------------------------------ data regions in a message


HOLE_MARK = "\x00"


def data_regions(text: str, rules: RoleRules) -> list[tuple[int, int]]:
    """Ranges of ``text`` that are data: inside data tags, code fences and example sections."""
    out: list[tuple[int, int]] = []
    if rules.tags is not None and "<" in text:
        for m in rules.tags.finditer(text):
            out.append(m.span(2))
    if rules.fences and "```" in text:
        for m in re.finditer(r"(?:^|(?<=\n))[ \t]*```[^\n]*\n(.*?)(?:```|\Z)", text, re.DOTALL):  # a fence opens a line ("(```)" mid-sentence does not)
            out.append(m.span(1))
    out.extend(_sections(text, rules))
    out.extend(record_regions(text, rules))
    return _merge(out)


def _sections(text: str, rules: RoleRules) -> list[tuple[int, int]]:
    if rules.section is None and rules.inline is None and rules.lead_in is None and rules.record is None:
        return []
    out: list[tuple[int, int]] = []
    lines: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    start: int | None = None  # where the open section's data begins
    level = 0  # markdown heading level of the open section (0: a plain label line)
    blank = False
    fields = _input_fields(text)
    records: dict[int, dict[str, int]] = {}  # section start -> how often each label opens a line after it
    for i, (off, line) in enumerate(lines):
        heading = re.match(r"[ \t]*(#{1,6})[ \t]", line)
        if (rules.section is not None and rules.section.match(line)) or (rules.lead_in is not None and rules.lead_in.match(line) and not _fence_next(lines, i)):
            tagged = _tag_next(lines, i)
            if tagged is not None:
                out.append(tagged)  # the example is one tagged block ("<answer>" ... "</answer>"), headings and all
            if start is not None:
                out.append((start, off))
            start, level, blank = off + len(line) + 1, len(heading.group(1)) if heading else 0, False
            continue
        if start is not None:
            if heading and level and len(heading.group(1)) <= level:
                out.append((start, off))
                start = None
            elif not level:
                if not line.strip():
                    blank = True
                    continue
                if (rules.content is not None and rules.content.match(line)) or _field_line(line, fields) or _record_field(lines, i, start, records):
                    blank = False
                    continue
                if blank or heading or (rules.end is not None and rules.end.match(line)):
                    out.append((start, off))
                    start = None
                blank = False
        if start is None and rules.inline is not None:
            m = rules.inline.match(line)
            if m:
                out.append((off + m.end(), off + len(line)))
        if start is None and rules.record is not None and rules.record.match(line):
            out.append((off, off + len(line)))
    if start is not None:
        out.append((start, len(text)))
    return [(a, b) for a, b in out if b > a]


_FIELD = re.compile(r"[ \t]*(?:[-*][ \t]+)?([A-Za-z][A-Za-z /&-]{1,40}):")
_INPUT_FIELD = re.compile(r"^[ \t]*(?:[-*][ \t]+)?([A-Za-z][A-Za-z /&-]{1,40}):[ \t]*(?:\{[A-Za-z_][^{}\n]*\}|\x00)[ \t]*$", re.MULTILINE)


def _input_fields(text: str) -> frozenset[str]:
    """Labels the text writes before a placeholder or a hole ("Text: {input_text}"): the fields of the
    prompt's own input, which its worked examples fill in line by line."""
    if "{" not in text and HOLE_MARK not in text:
        return frozenset()
    return frozenset(m.group(1).lower() for m in _INPUT_FIELD.finditer(text))


def _field_line(line: str, fields: frozenset[str]) -> bool:
    m = _FIELD.match(line) if fields else None
    return m is not None and m.group(1).lower() in fields


def _record_field(lines: list[tuple[int, str]], i: int, start: int, records: dict[int, dict[str, int]]) -> bool:
    """A label that opens two or more lines of the open section ("Hint:", "Question:", "Model response:"
    in each of five worked examples) is a field of its repeated records, not the end of the section."""
    m = _FIELD.match(lines[i][1])
    if m is None:
        return False
    if start not in records:
        counts: dict[str, int] = {}
        for off, line in lines:
            f = _FIELD.match(line) if off >= start else None
            if f is not None:
                counts[f.group(1).lower()] = counts.get(f.group(1).lower(), 0) + 1
        records[start] = counts
    return records[start].get(m.group(1).lower(), 0) >= 2


def _fence_next(lines: list[tuple[int, str]], i: int) -> bool:
    """Does a code fence open the next non-blank line (the example is the fence, data already)?"""
    return next((line.lstrip().startswith("```") for _, line in lines[i + 1:] if line.strip()), False)


_OPEN_TAG = re.compile(r"[ \t]*<([A-Za-z][\w-]{0,30})>[ \t]*$")


def _tag_next(lines: list[tuple[int, str]], i: int) -> tuple[int, int] | None:
    """The text of a tag that opens, alone, the next non-blank line after an example heading and closes,
    alone, a later line ("<answer>" ... "</answer>"): the example, whatever headings it holds."""
    k = next((k for k in range(i + 1, len(lines)) if lines[k][1].strip()), None)
    m = _OPEN_TAG.match(lines[k][1]) if k is not None else None
    if m is None:
        return None
    close = re.compile(r"[ \t]*</%s>[ \t]*$" % re.escape(m.group(1)))
    end = next((j for j in range(k + 1, len(lines)) if close.match(lines[j][1])), None)
    return (lines[k + 1][0], lines[end][0]) if end is not None and end > k + 1 else None


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _split_regions(segments: list[Segment], rules: RoleRules, fixed: set[int]) -> list[Segment]:
    """Split static segments where a data region of the message's text begins or ends."""
    if not any(s.kind == "static" for s in segments):
        return segments
    text = "".join(s.text if s.kind == "static" else HOLE_MARK for s in segments)
    regions = data_regions(text, rules)
    if not regions:
        return segments
    out: list[Segment] = []
    pos = 0
    for seg in segments:
        if seg.kind != "static":
            out.append(seg)
            pos += 1
            continue
        a, b = pos, pos + len(seg.text)
        pos = b
        if id(seg) in fixed or seg.role == DATA:
            out.append(seg)
            continue
        cuts = sorted({a, b} | {x for r in regions for x in r if a < x < b})
        if len(cuts) == 2 and not any(x <= a and b <= y for x, y in regions):
            out.append(seg)
            continue
        for x, y in zip(cuts, cuts[1:]):
            part = _slice(seg, x - a, y - a) if (x, y) != (a, b) else seg
            if any(r0 <= x and y <= r1 for r0, r1 in regions):
                part.role = DATA
            out.append(part)
    return out


def _slice(seg: Segment, a: int, b: int) -> Segment:
    part = copy.copy(seg)
    part.text = seg.text[a:b]
    pieces = getattr(seg, "pieces", None)
    if pieces:
        part.pieces = slice_pieces(pieces, a, b)  # type: ignore[attr-defined]
    return part
