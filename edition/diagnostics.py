"""Problems found in the sources, reported as ``path:line:col: error: what (hint)``.

Stages never print or exit: they collect ``Diagnostic``s and raise ``BuildFailed``
with all of them, so an editor sees every problem of one run together.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lxml import etree


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    col: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}" if self.line else self.path
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}: error: {self.message}{hint}"


class BuildFailed(Exception):
    """Raised by any stage with every problem it found, in source order."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(map(str, self.diagnostics)))


def display_path(path: Path) -> str:
    """The path short: relative to the working directory when inside it, else absolute."""
    absolute = Path(path).absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


class Locator:
    """Turns elements of one parsed file into line and column numbers.

    lxml knows an element's line but not its column, so the column is found in
    the source text: the n-th ``<name`` on that line, where n counts the earlier
    elements of the same name that start on the same line.
    """

    def __init__(self, path: Path, text: str):
        self.path = path
        self.shown = display_path(path)
        self.text = text

    @functools.cached_property
    def lines(self) -> list[str]:  # split when a problem is first located: most files have none
        return self.text.splitlines()

    def column(self, element: etree._Element) -> int:
        line = element.sourceline or 0
        if not 0 < line <= len(self.lines):
            return 1
        qname = etree.QName(element)
        same_line = [
            e for e in element.getroottree().iter(element.tag)
            if e.sourceline == line
        ]
        nth = same_line.index(element) if element in same_line else 0
        source_line = self.lines[line - 1]
        start = -1
        for _ in range(nth + 1):
            start = _find_tag(source_line, qname.localname, start + 1)
            if start < 0:
                return 1
        return start + 1

    def at(self, element: etree._Element | None, message: str, hint: str = "") -> Diagnostic:
        if element is None:
            return Diagnostic(self.shown, 0, 0, message, hint)
        return Diagnostic(self.shown, element.sourceline or 0, self.column(element), message, hint)

    def at_line(self, line: int, col: int, message: str, hint: str = "") -> Diagnostic:
        return Diagnostic(self.shown, line, max(col, 1) if line else 0, message, hint)


def _find_tag(line: str, localname: str, start: int) -> int:
    """Index of the next start tag ``<localname`` or ``<prefix:localname`` in line."""
    i = start
    while True:
        i = line.find("<", i)
        if i < 0:
            return -1
        name_end = i + 1
        while name_end < len(line) and line[name_end] not in " \t/>":
            name_end += 1
        name = line[i + 1:name_end]
        if name == localname or name.endswith(":" + localname):
            return i
        i += 1
