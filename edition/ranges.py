"""Lists of documents in pages of bounded size: ranges of FRUS numbers.

A page that lists every document (the contents, the notes, where each name occurs) would grow
with the edition: at a thousand documents the notes alone would be megabytes. Each such list
shows instead the documents of one range of FRUS numbers, from a multiple of the list's size
up to the next: the range that holds the central document on the list's own page
(``documents.html``), each other range that holds a document on a page of its own
(``documents-1000.html`` for Documents 1000–1049). A document's range follows from its number
alone, so documents added later never move one already listed, and every anchor published on
a list keeps landing. An edition whose documents all fall in the central range (the dossier,
Documents 170–175) has the lists' own pages only, as before.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Document, Edition
from .resolve import CONTENTS_PAGE, NAMES_PAGE, NOTES_PAGE

#: Documents a page of each list holds, chosen so that a page stays under 100 KB: a contents row
#: is about 1 KB, the names' occurrences about half a KB a document, a document's notes several KB.
SIZES = {CONTENTS_PAGE: 50, NOTES_PAGE: 10, NAMES_PAGE: 50}
#: What a page of each list is called, before the range: "Notes, Documents 1000–1009".
TITLES = {CONTENTS_PAGE: "Contents", NOTES_PAGE: "Notes", NAMES_PAGE: "Names"}


@dataclass(frozen=True)
class Range:
    listing: str                 # the list's own page: documents.html, notes.html, names.html
    page: str                    # this range's page: the list's own, or documents-1000.html
    first: int                   # the range's numbers, first to last
    last: int
    documents: tuple[Document, ...]

    @property
    def label(self) -> str:
        return f"Documents {self.first}–{self.last}"

    @property
    def title(self) -> str:
        return f"{TITLES[self.listing]}, {self.label}"


def ranges(edition: Edition, listing: str) -> list[Range]:
    """The pages of a list, in FRUS order of their ranges, each with its documents in FRUS order."""
    edition_seen, made = _last
    if edition_seen is not edition:  # every page asks: worked out once for the edition being built
        made = {}
        _last[:] = [edition, made]
    if listing not in made:
        made[listing] = _ranges(edition, listing)
    return made[listing]


_last: list = [None, {}]  # the edition last asked about and its lists' ranges


def _ranges(edition: Edition, listing: str) -> list[Range]:
    stem = listing.removesuffix(".html")
    return [Range(listing, listing if central else f"{stem}-{start}.html", start, start + SIZES[listing] - 1, documents)
            for start, central, documents in grouped(edition, SIZES[listing])]


def range_of(edition: Edition, path: str) -> Range | None:
    """The range a list's page shows (its own page: the central range), or None for other pages."""
    for listing in SIZES:
        if path == listing or (path.startswith(listing.removesuffix(".html") + "-") and path.endswith(".html")):
            return next((r for r in ranges(edition, listing) if r.page == path), None)
    return None


def grouped(edition: Edition, size: int) -> list[tuple[int, bool, tuple[Document, ...]]]:
    """The documents by range of ``size`` numbers, in FRUS order: (the range's first number, whether
    it is the central document's, its documents). A number that is not a whole number counts as in
    the central range."""
    central = _start(edition.central, size) or 0
    found: dict[int, list[Document]] = {}
    for document in edition.documents:
        start = _start(document, size)
        found.setdefault(central if start is None else start, []).append(document)
    return [(start, start == central, tuple(found[start])) for start in sorted(found)]


def _start(document: Document, size: int) -> int | None:
    number = re.fullmatch(r"\d+", document.number or "")
    return int(number[0]) // size * size if number else None
