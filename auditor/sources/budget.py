"""A time budget for analysing one file: a file that takes too long ends in LA000, never a hang.

Phase 1 runs one file at a time in the main thread of a process (the CLI's own, or a pool
worker's), so an interval timer (``signal.setitimer``) can interrupt it: when the budget runs
out, :class:`FileBudgetExceeded` is raised wherever the analysis is. It derives from
``BaseException`` so the analysis's own ``except Exception`` guards (which keep a file's call
sites when an optional fact fails) cannot swallow it. Where no timer is available (another
thread, such as the language server's, or a platform without ``setitimer``) the budget is not
enforced and the other bounds (file size, nesting, YAML expansion) still hold.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class FileBudgetExceeded(BaseException):
    """The analysis of one file ran past its time budget."""


def _on_alarm(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
    raise FileBudgetExceeded()


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise FileBudgetExceeded in the block after ``seconds`` (0 or less: no budget)."""
    if seconds <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
