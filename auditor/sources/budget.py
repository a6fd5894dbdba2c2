"""Time budgets: work that takes too long is stopped and reported (LA000), never a hang.

:func:`run_within` runs a function with a budget of seconds, in any thread. When the budget
runs out, :class:`FileBudgetExceeded` is raised wherever that thread is in Python code, and
``run_within`` returns ``(False, None)``:

- in the main thread (the CLI, a pool worker) an interval timer (``signal.setitimer``) raises
  it from its ``SIGALRM`` handler;
- in any other thread (the language server runs the engine in a worker thread, where signals
  cannot be used) a watchdog thread raises it there asynchronously
  (``PyThreadState_SetAsyncExc``), the same way a signal handler would: at the thread's next
  Python instruction.

Both stop pure-Python loops, which is where the analysis spends its time; a single long C call
(one huge regular expression match) runs to its end first, which the size limits bound.

The exception derives from ``BaseException`` so the analysis's own ``except Exception`` guards
(which keep a file's call sites when an optional fact fails) cannot swallow it. Budgets nest
(phase 2 checks may summarise a skipped file, which has a budget of its own): an inner budget
never hides an outer one that ran out, and a budget that ran out after its work finished does
not cancel that work.
"""

from __future__ import annotations

import heapq
import itertools
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class FileBudgetExceeded(BaseException):
    """The work under a time budget ran past it."""


class Budget:
    __slots__ = ("deadline", "thread", "fired", "active")

    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds
        self.thread = threading.get_ident()
        self.fired = False
        self.active = False  # in force (set when started)


_local = threading.local()


def _stack() -> list[Budget]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


# ---------------------------------------------------------------- main thread: SIGALRM
def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")


def _arm_main(stack: list[Budget]) -> None:
    pending = [b.deadline for b in stack if b.active and not b.fired]
    if pending:
        signal.setitimer(signal.ITIMER_REAL, max(min(pending) - time.monotonic(), 1e-4))
    else:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _on_alarm(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
    stack = _stack()
    now = time.monotonic()
    late = [b for b in stack if b.active and not b.fired and b.deadline <= now + 1e-3]
    for b in late:
        b.fired = True
    _arm_main(stack)
    if late:  # a stale alarm (its budget already ended) raises nothing
        raise FileBudgetExceeded()


_previous_handler: list[Any] = []


# ---------------------------------------------------------------- other threads: a watchdog
class _Watchdog:
    """One thread per process that raises FileBudgetExceeded in threads whose budget ran out.

    Only raw locks here (``threading.Lock``: entered and left in C): an exception raised in a
    thread while it runs Python code of a ``Condition`` or ``Event`` could leave it held."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.wake = threading.Lock()  # released to wake the watchdog early
        self.wake.acquire()
        self.heap: list[tuple[float, int, Budget]] = []
        self.seq = itertools.count()
        self.thread: threading.Thread | None = None
        self.pid = os.getpid()

    def add(self, b: Budget) -> None:
        with self.lock:
            heapq.heappush(self.heap, (b.deadline, next(self.seq), b))
            b.active = True
            start = self.thread is None or self.pid != os.getpid() or not self.thread.is_alive()
            if start:
                self.pid = os.getpid()
                self.thread = threading.Thread(target=self._watch, name="llm-audit-budget", daemon=True)
        if start:
            self.thread.start()
        elif self.wake.locked():
            try:
                self.wake.release()
            except RuntimeError:  # released meanwhile by another thread
                pass

    def end(self, ended: list[Budget], stack: list[Budget]) -> None:
        with self.lock:
            for e in ended:
                e.active = False
            if any(e.fired for e in ended + stack):
                _async_raise(ended[0].thread, None)  # an exception not yet raised is dropped

    def _watch(self) -> None:
        while True:
            with self.lock:
                while self.heap and not self.heap[0][2].active:
                    heapq.heappop(self.heap)
                wait = self.heap[0][0] - time.monotonic() if self.heap else 3600.0
                if self.heap and wait <= 0:
                    _, _, b = heapq.heappop(self.heap)
                    b.fired = True
                    _async_raise(b.thread, FileBudgetExceeded)
                    continue
            self.wake.acquire(timeout=wait)


def _async_raise(thread: int, exc: type[BaseException] | None) -> None:
    import ctypes

    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread), ctypes.py_object(exc) if exc is not None else None)


def _async_available() -> bool:
    try:
        import ctypes

        return hasattr(ctypes.pythonapi, "PyThreadState_SetAsyncExc")
    except (ImportError, AttributeError, OSError):
        return False


_WATCHDOG = _Watchdog()
if hasattr(os, "register_at_fork"):  # a forked child has no watchdog thread: it starts its own

    def _after_fork() -> None:
        global _WATCHDOG
        _WATCHDOG = _Watchdog()
        _local.__dict__.clear()

    os.register_at_fork(after_in_child=_after_fork)


# ---------------------------------------------------------------- the API
def _start(b: Budget) -> bool:
    """Put ``b`` in force in this thread; False where it cannot be enforced (no timer here)."""
    stack = _stack()
    if _main_thread():
        if not stack:
            _previous_handler[:] = [signal.signal(signal.SIGALRM, _on_alarm)]
        stack.append(b)
        b.active = True
        _arm_main(stack)
    elif _async_available():
        stack.append(b)
        _WATCHDOG.add(b)
    else:  # no way to interrupt this thread: the size and nesting limits still hold
        return False
    return True


def _end(b: Budget) -> None:
    """End budget ``b`` (idempotent): off the stack with every budget opened inside it."""
    stack = _stack()
    ended = [b]
    if b in stack:
        i = stack.index(b)
        ended = stack[i:]
        del stack[i:]
    if _main_thread():
        for e in ended:
            e.active = False
        _arm_main(stack)
        if not stack and _previous_handler:
            signal.signal(signal.SIGALRM, _previous_handler.pop())
    elif any(e.active for e in ended):
        _WATCHDOG.end(ended, stack)


def _outer_fired() -> bool:
    return any(o.fired for o in _stack())


def run_within(seconds: float, fn: Callable[..., T], *args: Any, **kw: Any) -> tuple[bool, T | None]:
    """``(True, fn(*args, **kw))``, or ``(False, None)`` when it ran past ``seconds`` and was
    stopped (0 or less: no budget). An enclosing budget that ran out meanwhile is raised on.

    Written for an exception that may arrive at any instruction, here too: the budget exists
    before it is put in force, and ending it twice is harmless."""
    if seconds <= 0:
        return True, fn(*args, **kw)
    b = Budget(seconds)
    try:
        try:
            _start(b)
            result = fn(*args, **kw)
        finally:
            _end(b)
    except FileBudgetExceeded:
        _end(b)
        if _outer_fired() or not b.fired:
            raise
        return False, None
    if _outer_fired():
        raise FileBudgetExceeded()
    return True, result
