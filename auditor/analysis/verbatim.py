"""Prompt text reproduced verbatim from elsewhere: a benchmark's published grader, a model's own
chat template and default system prompt. Its wording is what the benchmark or the model was built
with (scores stay comparable, the model sees what it was trained on), so it is not the author's prose
to trim: its static segments are marked :data:`VERBATIM`, which the role assignment makes final
``data`` (:mod:`auditor.analysis.roles`), and the text rules do not judge them.

Two signals, both written in the module itself:

- **the author says so**: a comment on the assignment or in the comment block right above it says the
  text is verbatim / copied from / official / from the paper or benchmark / not to be edited (``# Copied
  verbatim from OpenAI simple-evals healthbench_eval.py``, ``# Prompt templates from the paper``: a note
  about several texts covers the assignments below it up to the first line of other code or comment);
- **a chat-template renderer**: a module (or class) body defines a chat model's special tokens as values
  of their own (``_IM_START = "<|im_start|>"``, ``B_INST, E_INST = "[INST]", "[/INST]"``) or holds a Jinja
  chat template written with them (``{% for message in messages %}{{- '<|im_start|>' ... }}``): it renders
  the model's own format, and the prompt constants written in that body (``DEFAULT_SYSTEM_PROMPT = "You
  are Qwen, created by Alibaba Cloud..."``) are that format's text. A prompt that merely contains the
  tokens inside its own text (``f"<start_of_turn>user\\n{question}"``), a stop list, and the prompts of a
  sibling class that adapts them to other models stay the author's. A module that defines renderer classes
  (``class Qwen3SplitRenderer(...)``) and speaks of the chat template (``apply_chat_template``) is such a renderer
  too, tokens or not: ``_QWEN3_8_XHIGH_REASONING_INSTRUCTION = "Reasoning effort is set to xhigh. Please think
  carefully ..."`` is the model's built-in text.
"""

from __future__ import annotations

import ast
import re

from auditor.analysis.roles import VERBATIM
from auditor.facts import FileFacts

NOTE = re.compile(
    r"\bverbatim\b|\bcopied (?:exactly |as[- ]is )?from\b|\b(?:do not|don't|never) (?:edit|modify|change|reword|alter|rephrase)\b"
    r"|\bofficial (?:\w+ ){0,2}(?:prompt|template|grader|instructions?)\b|\bexactly as (?:published|released|in the paper)\b"
    r"|\bunchanged from\b|\bmust (?:stay|remain) (?:verbatim|unchanged|identical)\b"
    r"|\b(?:taken |copied |reproduced )?from the (?:original |official )?(?:paper|benchmark)\b|\bas (?:in|published in) the (?:original )?paper\b"
    r"|\b(?:the )?(?:paper|benchmark)'s (?:original |official )?(?:prompts?|templates?|instructions?)\b",
    re.IGNORECASE,
)
# a note about several texts ("# Prompt templates from the paper") covers the assignments right below it
PLURAL = re.compile(r"\b(?:prompts|templates|instructions|messages)\b", re.IGNORECASE)
# literal pieces every note / token holds: a substring test over the module is much cheaper than the regex
_NOTE_WORDS = ("aper", "APER", "enchmark", "ENCHMARK", "erbatim", "ERBATIM", "opied", "OPIED", "fficial", "FFICIAL", "xactly as", "nchanged", "NCHANGED", "must stay", "must remain",
               "ot edit", "OT EDIT", "ot modify", "OT MODIFY", "t change", "T CHANGE", "ot reword", "ot alter", "ot rephrase", "'t edit", "'t modify")
_TOKEN_MARKS = ("<|", "INST]", "<<SYS>>", "_of_turn>")
TOKEN = re.compile(
    r"<\|(?:im_start|im_end|im_sep|begin_of_text|end_of_text|start_header_id|end_header_id|eot_id|eom_id|endoftext|"
    r"system|user|assistant|end|channel|message|start|return)\|>|\[/?INST\]|<</?SYS>>|<(?:start|end)_of_turn>"
)


def mark_verbatim(tree: ast.Module, text: str, lines: list[str], facts: FileFacts) -> None:
    """Mark the static segments of text reproduced verbatim (see the module docstring). Never raises.
    The module's text is searched first: most modules hold neither a note nor a special token, and
    are not walked."""
    if not facts.prompt_constants and not facts.texts and not facts.call_sites:
        return
    try:
        ranges = _noted(tree, lines) if any(w in text for w in _NOTE_WORDS) else []
        renderer = _renderer_scopes(tree) if any(w in text for w in _TOKEN_MARKS) else []
        if not renderer and "Renderer" in text and _CHAT_TEMPLATE.search(text) and _renderer_classes(tree):
            renderer = [(1, 1 << 30)]  # a module of chat-template renderer classes: its constants are the model's text
    except (RecursionError, ValueError):
        return
    if not ranges and not renderer:
        return
    groups = [pc.prompt.messages for pc in facts.prompt_constants]
    groups += [[_Msg(segs)] for segs in facts.texts.values()]
    groups += [site.prompt.messages for site in facts.call_sites] if ranges else []
    constants = {id(s) for pc in facts.prompt_constants for m in pc.prompt.messages for s in m.segments}
    constants |= {id(s) for segs in facts.texts.values() for s in segs}
    for messages in groups:
        for m in messages:
            for seg in m.segments:
                if seg.kind != "static" or seg.path is not None or seg.span is None:
                    continue
                line = seg.span.line
                if (id(seg) in constants and any(a <= line <= b for a, b in renderer)) or any(a <= line <= b for a, b in ranges):
                    seg.hole_kind = VERBATIM


class _Msg:
    def __init__(self, segments):
        self.segments = segments


def _statements(tree: ast.Module):
    """Every statement of the module, its classes and its functions (expressions are not walked)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        for field in ("body", "orelse", "finalbody", "handlers"):
            for stmt in getattr(node, field, None) or []:
                if isinstance(stmt, (ast.stmt, ast.excepthandler)):
                    yield stmt
                    todo.append(stmt)


def _noted(tree: ast.Module, lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line of each assignment a verbatim note comments: the assignment right below a
    note's comment block or on the note's line, and for a note about several texts the assignments
    that follow that one with only blank lines between."""
    starts = set()  # 1-based lines a note's comment block ends right above, or a note comments inline
    plural = set()
    for i, line in enumerate(lines):
        if "#" not in line or not NOTE.search(line.split("#", 1)[1]):
            continue
        if line.lstrip().startswith("#"):
            j = i + 1
            while j < len(lines) and lines[j].lstrip().startswith("#"):
                j += 1
            starts.add(j + 1)
            if PLURAL.search(line.split("#", 1)[1]):
                plural.add(j + 1)
        else:
            starts.add(i + 1)
    out = []
    for body in _bodies(tree):
        run = False
        prev_end = 0
        for node in body:
            assign = isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None
            gap_blank = run and all(not lines[k].strip() for k in range(prev_end, node.lineno - 1) if k < len(lines))
            if assign and (node.lineno in starts or gap_blank):
                out.append((node.lineno, getattr(node, "end_lineno", node.lineno) or node.lineno))
                run = node.lineno in plural or (gap_blank and node.lineno not in starts)
            else:
                run = False
            prev_end = getattr(node, "end_lineno", node.lineno) or node.lineno
    return out


def _bodies(tree: ast.Module):
    """The statement lists of the module, its classes and its functions."""
    yield tree.body
    for stmt in _statements(tree):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(stmt, field, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                yield body


def _renderer_scopes(tree: ast.Module) -> list[tuple[int, int]]:
    """(first, last) line of each module or class body that defines special tokens or holds a chat template."""
    out = []
    for scope in [tree] + [n for n in _statements(tree) if isinstance(n, ast.ClassDef)]:
        for stmt in scope.body:
            if not isinstance(stmt, (ast.Assign, ast.AnnAssign)) or stmt.value is None:
                continue
            v = stmt.value
            template = isinstance(v, ast.Constant) and isinstance(v.value, str) and "{%" in v.value and "message" in v.value and TOKEN.search(v.value)
            if (isinstance(stmt, ast.Assign) and _tokens_only(v)) or template:
                out.append((1, 1 << 30) if scope is tree else (scope.lineno, scope.end_lineno or scope.lineno))
                break
    return out


_CHAT_TEMPLATE = re.compile(r"\bchat[ _]template\b|\bapply_chat_template\b")


def _renderer_classes(tree: ast.Module) -> bool:
    """Does the module define a chat-template renderer class (``class Qwen3SplitRenderer(..., Qwen3Renderer)``)?"""
    return any(isinstance(n, ast.ClassDef) and n.name.endswith("Renderer") for n in tree.body)


def _tokens_only(value: ast.AST) -> bool:
    parts = value.elts if isinstance(value, ast.Tuple) else [value]
    return bool(parts) and all(isinstance(p, ast.Constant) and isinstance(p.value, str) and TOKEN.fullmatch(p.value.strip()) for p in parts)
