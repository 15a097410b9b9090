"""Escaped HTML made the way MarkupSafe makes it, without the cost of its Python-level calls.

The rendering makes millions of small ``Markup`` strings at a thousand documents. MarkupSafe's
``Markup(value)`` and ``escape(value)`` run Python code each time (a check for ``__html__``, then
the string's constructor); these go straight to the constructor and to ``str.replace``, several
times faster, with the same result: the same characters escaped the same way (tests/test_rules.py
compares them with MarkupSafe's over every character).
"""
from __future__ import annotations

from functools import partial

from markupsafe import Markup

#: ``Markup(value)`` for a ``str`` that is HTML already: made by ``str``'s own constructor, as Markup's is.
markup = partial(str.__new__, Markup)


def escaped(value: str) -> str:
    """``value`` with ``& < > ' "`` escaped as ``markupsafe.escape`` escapes them, as a plain ``str``
    (a part of a larger Markup)."""
    return (value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


def safe(part: Markup | str) -> str:
    """A part as HTML: as it is if it is Markup already, else escaped."""
    return part if isinstance(part, Markup) else escaped(part if isinstance(part, str) else str(part))
