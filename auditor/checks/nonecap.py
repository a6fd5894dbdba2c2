"""A cap that is present but None: ``max_tokens=max_tokens`` where the function's parameter defaults to
``None`` (directly, or through ``if max_tokens is not None: params["max_tokens"] = max_tokens``),
``max_tokens=os.getenv("MAX_TOKENS", None)``, or ``max_tokens=None`` written at the call. The SDKs
omit a None cap, so the request is uncapped unless a caller or the environment sets one (SPEC 2:
"a cap parameter forwarded from a function parameter whose default is None is uncapped by default").
"""

from __future__ import annotations

from auditor.facts import CallSite, Param
from auditor.findings import Edit, Fix


def none_cap(site: CallSite, param: Param | None) -> bool:
    """The cap parameter is present and its value resolves to the literal None."""
    return param is not None and param.value.is_literal and param.value.value is None


def none_cap_message(what: str, param: Param) -> str:
    v = param.value
    name = param.path.rsplit(".", 1)[-1]
    if v.origin == "literal":
        return f"{what} passes `{name}=None`: the SDK sends no cap, so output is bounded only by the model maximum"
    where = {"param-default": "a parameter whose default is None", "env-default": "an environment variable whose default is None",
             "constant": "a constant that is None", "import": "an imported constant that is None",
             "field-default": "a field of its request model whose default is None"}.get(v.origin, "a value that is None")
    src = f" (`{v.source}`)" if v.source and v.source not in ("None", name) else ""
    return f"{what} takes `{name}` from {where}{src}: uncapped by default, output is bounded only by the model maximum unless a caller sets it"


def none_cap_fix(site: CallSite, param: Param, cap: int) -> Fix | None:
    """Set the default where the None is written: the parameter default (same file and cell), or the
    literal at the call."""
    v = param.value
    d = v.defined
    if v.origin == "literal" and v.span is not None:
        span, what = v.span, f"Set `{param.path.rsplit('.', 1)[-1]}={cap}`"
    elif d is not None and d.path is None and (d.cell is None or d.cell == site.cell):
        span, what = d.span, f"Default `{v.source or param.path}` to {cap}"
    else:
        return None  # written in another file or cell: not edited from here
    if span is None:
        return None
    return Fix("unsafe", what, [Edit(span.line, span.column, span.end_line, span.end_column, str(cap))])
