"""LA202's parallel structure: one spec line per field of a schema list.

``- "Feasibility": A rating from 1 to 10 (lowest to highest).`` written once per field of a JSON
schema list is each field's own spec, not a repeated instruction: saying it once means rewriting the
schema for a few tokens. A sentence that is the value of a labelled list item (``- Field:``) or of a
quoted or bold label (``"Field":``, ``**Field**:``) is compared together with its label, so the same
value under two different labels is no repeat, while a whole list written twice (the same labels
with the same values) still is. Labels that only emphasise (``- Note:``, ``**Important**:``) name no
field.
"""

from __future__ import annotations

import re

# the start of a line up to a field's label and its colon: `- "Novelty": `, `* **Clarity**: `, `Quality: `
_LABEL = re.compile(r"[ \t]*(?:(?:[-*\u2022]|\d+[.)])[ \t]+[\"'`*]*|[\"'`*]+)([A-Za-z][\w /&'-]{0,40}?)[\"'`*]*[ \t]*:[ \t]*$")
# labels that emphasise an instruction rather than name a field: "- Note: ...", "**Remember**: ..."
_EMPHASIS = frozenset({"note", "notes", "remember", "reminder", "important", "warning", "caution", "rule", "rules", "tip", "hint", "always", "never", "nb", "attention", "critical", "key point"})


def field_key(text: str, a: int, norm: str) -> str:
    """``norm`` with the label of the field whose value starts at ``a`` (``norm`` itself when the
    sentence is not a labelled line's value)."""
    line_start = text.rfind("\n", 0, a) + 1
    m = _LABEL.match(text, line_start, a)
    if m is None or m.group(1).lower() in _EMPHASIS:
        return norm
    return f"{norm}\x00{'_'.join(m.group(1).lower().split())}"
