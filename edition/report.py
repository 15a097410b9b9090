"""The commands' report on their output streams (``build.py``, and its preview's log).

A reader that stops reading the report (``build.py | head``) is no error of the build's or of the
preview's: what is left of the report goes nowhere, the preview keeps serving, and the exit code
still says how the build went.
"""
from __future__ import annotations

import os
import sys


def say(*text: object, file=None, **options) -> None:
    """``print``, to standard output unless ``file`` says otherwise, into a pipe that may be closed."""
    stream = sys.stdout if file is None else file
    try:
        print(*text, file=stream, **options)
    except BrokenPipeError:
        silenced(stream)


def silenced(stream) -> None:
    """Send what is left for ``stream`` nowhere, so that no later flush meets the closed pipe again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
