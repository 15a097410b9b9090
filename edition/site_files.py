"""The site's files by path, as the build hands them on: a part taken from the build's cache is
read from it only when a file of it is asked for.

A plain build after one change takes nearly every part of a large edition from the cache (at
1,000 documents, 180 MB of pages). Of most of them it needs only what their entries' outlines
give, their paths, anchors and SHA-256: the manifest is made of these, and the writing leaves or
links a file that the spare or the live build holds already with that SHA-256. Their bytes are
read when a file must be written, or a page is given an alias, and then once a part.
"""
from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Callable


class Stored:
    """A part of the site in the build's cache: its files, read once, when first asked for."""

    def __init__(self, read: Callable[[], dict[str, bytes]]):
        self._read = read
        self._files: dict[str, bytes] | None = None

    def files(self) -> dict[str, bytes]:
        if self._files is None:
            self._files = self._read()
        return self._files


class SiteFiles(MutableMapping):
    """path -> bytes, where a file of a ``Stored`` part is read on the first ``files[path]``."""

    def __init__(self, entries: dict[str, bytes | Stored] | None = None):
        self._entries: dict[str, bytes | Stored] = {} if entries is None else entries

    def __getitem__(self, path: str) -> bytes:
        value = self._entries[path]
        if isinstance(value, Stored):
            value = self._entries[path] = value.files()[path]
        return value

    def __setitem__(self, path: str, data: bytes) -> None:
        self._entries[path] = data

    def __delitem__(self, path: str) -> None:
        del self._entries[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, path: object) -> bool:
        return path in self._entries

    def copy(self) -> SiteFiles:
        """Another mapping of the same files (a part read through one is not read again by the other)."""
        return SiteFiles(dict(self._entries))

    def same(self, other: SiteFiles, path: str) -> bool:
        """Whether the two hold one and the same file at ``path`` (the same bytes object, or the
        same stored part), without reading it."""
        return self._entries[path] is other._entries[path]

    def read(self) -> dict[str, bytes]:
        """Every file, read: a plain dict, in this mapping's order."""
        return {path: self[path] for path in self._entries}
