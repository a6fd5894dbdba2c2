"""The command line's exit after ``check`` / ``fix``: once the report is written, the process
ends at once (``os._exit`` after flushing stdout and stderr) instead of tearing the interpreter
down object by object, and for ``check`` the cyclic GC stays off for the whole command (the
engine pauses it during a run anyway; the heap is the run's facts, freed by the exit). On a warm run of the
3,638-file SDK benchmark corpus that teardown and the GC passes after the run were ~0.09 of its
~0.40 CPU-s.

Only the real command line gets this: :class:`FastExitGroup` acts when ``main()`` is called
with no arguments (the console script, ``python -m auditor``), and only after a command marked
the run as finished with :func:`finished` (``check`` and ``fix``: everything they write, the
cache included, is written and closed by then). A caller that invokes the group with its own
arguments (click's test runner, another program) gets click's ordinary ``SystemExit``.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Any

import click

_state = {"finished": False}


def finished() -> None:
    """The command wrote all it writes: the process may end without teardown."""
    _state["finished"] = True


def lint_command_started(fixing: bool = False) -> None:
    """``check`` began on the real command line: no cyclic GC from here to the exit (one run;
    a fix runs the engine once per pass, so it keeps the GC between passes)."""
    if _state.get("top") and not fixing:
        gc.disable()


class FastExitGroup(click.Group):
    def main(self, args: Any = None, *rest: Any, **kw: Any) -> Any:
        top = args is None and not rest and kw.get("standalone_mode", True)
        _state["top"] = top
        try:
            return super().main(args, *rest, **kw)
        except SystemExit as e:
            code = e.code
            if not (top and _state["finished"] and (code is None or isinstance(code, int))):
                raise
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        from auditor import codecache, replay

        replay.finish(code or 0)
        codecache.save()  # after the record: its folder's change is none of the run's inputs  # a recorded `check` stores its run record (auditor/replay.py)
        os._exit(code or 0)
