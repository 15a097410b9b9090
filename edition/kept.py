"""What a process that builds the edition again and again (the preview) keeps between its builds.

Every build still runs every stage over the whole edition; what is kept only spares work whose
inputs are the same as last time:

- a file whose text is unchanged is not parsed again, and what the stages worked out from it
  alone comes with it (``Source.memo``: its model, its ids and pointers, its digest); on the first
  build, a file whose plain facts an earlier build kept (``file_facts``) is parsed only when needed;
- a part of the site whose key is unchanged (``dependencies``) is neither rendered again nor
  read back from the build's cache;
- a file of the site that is the very same bytes as last time is not hashed again (a part's files,
  and an index's, come with their digests, kept or not), and an entry of manifest.json equal to
  last time's is not written out again;
- the build cache's small entries (each file's validation and quotation check) are read from
  memory rather than from disk.

Nothing kept is changed by a build, and a build's output is the same bytes as a build from
nothing (``tests/test_kept.py``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .load import Source, load_tei, read_source
from .write import digest_of


@dataclass
class Kept:
    sources: dict[Path, Source] = field(default_factory=dict)      # the last build's files, by path
    parts: dict[str, tuple] = field(default_factory=dict)          # the last build's parts, by key
    digests: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # site path -> (bytes, SHA-256)
    entries: dict[str, bytes] = field(default_factory=dict)        # small entries of the build's cache
    stamps: dict[Path, tuple[int, int, int] | None] = field(default_factory=dict)  # each file as last read
    lines: dict[tuple[str, str], tuple[object, str]] = field(default_factory=dict)  # manifest.json's entries

    def load(self, path: Path, known: Callable[[str], dict | None] | None = None) -> Source:
        """The file parsed: the last build's, if the file is as it was then (the same size, time and
        inode: what the preview watches for; an editor's save changes the time), or has the same text;
        else read anew, with the facts ``known`` of its text (``file_facts``: the preview's first build)."""
        last = self.sources.get(path)
        try:
            stamp = _stamp(path)
        except OSError:
            stamp = None  # read_source says what is wrong
        if last is not None and stamp is not None and self.stamps.get(path) == stamp:
            return last
        read = read_source(path)
        source = last if last is not None and last.text == read[1] else load_tei(path, read, known)
        self.stamps[path] = stamp
        return source

    def loaded(self, sources: list[Source]) -> None:
        """Keep this build's files (and only these) for the next."""
        self.sources = {source.path: source for source in sources}
        self.stamps = {path: stamp for path, stamp in self.stamps.items() if path in self.sources}

    def digest(self, path: str, data: bytes) -> str:
        """The SHA-256 of a site file's bytes; not worked out again for the same bytes object."""
        known = self.digests.get(path)
        if known is not None and known[0] is data:
            return known[1]
        digest = digest_of(data)
        self.digests[path] = (data, digest)
        return digest

    def written(self, files: dict[str, bytes]) -> None:
        """Forget the digests of files this build no longer has."""
        for path in self.digests.keys() - files.keys():
            del self.digests[path]


def _stamp(path: Path) -> tuple[int, int, int]:
    found = os.stat(path)
    return found.st_mtime_ns, found.st_size, found.st_ino
