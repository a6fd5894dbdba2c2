"""Where command output goes: colour decisions, standard output that may close, ``-o FILE``.

Colour (``--color auto|always|never``): ``always`` and ``never`` win over everything; with
``auto`` (the default) ``NO_COLOR`` (set and not empty) turns colour off, then
``FORCE_COLOR`` (set and not empty) turns it on, then ``TERM=dumb`` turns it off, and
otherwise colour is used when the stream is a terminal - the order CPython uses for its
own tracebacks. Output written to a file with ``-o`` is never coloured unless ``always``.

A closed standard output (``llm-audit check | head -1``) is not an error: the rest of the
output is dropped quietly and the run ends with the exit code it would have had.
"""

from __future__ import annotations

import os
import sys

COLOR_CHOICES = ("auto", "always", "never")


def use_color(choice: str = "auto", stream=None, to_file: bool = False) -> bool:
    if choice == "always":
        return True
    if choice == "never" or to_file:
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    stream = stream if stream is not None else sys.stdout
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Console:
    """Writes to stdout / stderr, surviving a reader that went away."""

    def __init__(self) -> None:
        self.closed = False

    def say(self, text: str, err: bool = False, nl: bool = False) -> None:
        self._write(sys.stderr if err else sys.stdout, text + ("\n" if nl else ""))

    def err(self, text: str) -> None:
        """One line on standard error."""
        self._write(sys.stderr, text + "\n")

    def _write(self, stream, text: str) -> None:
        if self.closed and stream is sys.stdout:
            return
        try:
            stream.write(text)
            stream.flush()
        except BrokenPipeError:
            self._drop(stream)

    def _drop(self, stream) -> None:
        """The reader closed the pipe: send the rest of this stream's output to /dev/null so
        neither a later write nor the interpreter's final flush raises again."""
        if stream is sys.stdout:
            self.closed = True
        quiet_broken_pipe(stream)


def quiet_broken_pipe(stream=None) -> None:
    stream = stream if stream is not None else sys.stdout
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


console = Console()
