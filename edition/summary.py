"""What a successful build tells the editor: what it wrote and how long it took."""
from __future__ import annotations

from .resolve import Links


def summary(links: Links, files: dict[str, bytes]) -> str:
    """Pages and other files, anchors, notes and names, in one phrase."""
    pages = sum(1 for path in files if path.endswith(".html"))
    edition = links.edition
    counts = [
        _count(pages, "page"),
        _count(len(files) - pages, "other file"),
        _count(len(links.home), "anchor"),  # every id a link can land on, counted once
        _count(len(edition.notes), "note"),
        _count(len(edition.entries), "name"),
    ]
    return ", ".join(counts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
