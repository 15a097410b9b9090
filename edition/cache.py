"""What the build worked out before and need not work out again, kept on disk by content.

An entry's key is a hash of everything its result depends on (the file's text, the
schemas, the code that made it, lxml's version), so an entry never goes stale: a change
to any of them asks under another key. The folder (``.build-cache/``, not in git) may be
deleted at any time; a damaged entry is a miss. Writes are atomic, so builds running
side by side (the test workers) share it safely. The oldest entries go when it grows
past ``LIMIT``.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from lxml import etree

LIMIT = 20_000
_CODE = Path(__file__).resolve().parent


def key(*parts: str | bytes) -> str:
    """A hash of the parts, and of the lxml and libxml2 versions that validate and parse."""
    digest = hashlib.sha256(f"{etree.LXML_VERSION}/{etree.LIBXML_VERSION}".encode())
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def code(*modules: str) -> bytes:
    """The text of modules of the edition package, for keys of results they make."""
    return b"".join((_CODE / f"{module}.py").read_bytes() for module in modules)


class Cache:
    def __init__(self, folder: Path | None):
        self.folder = folder  # None: nothing kept

    def get(self, name: str) -> bytes | None:
        if self.folder is None:
            return None
        try:
            return (self.folder / name[:2] / name).read_bytes()
        except OSError:
            return None

    def put(self, name: str, data: bytes) -> None:
        if self.folder is None:
            return
        try:
            folder = self.folder / name[:2]
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, delete=False) as file:
                file.write(data)
            os.replace(file.name, folder / name)
            if name.startswith("00"):  # now and then (1 write in 256): keep the folder small
                self.prune()
        except OSError:
            pass  # a cache that cannot be written only means more work next time

    def prune(self) -> None:
        entries = sorted(self.folder.glob("*/*"), key=lambda p: p.stat().st_mtime)
        for entry in entries[:max(0, len(entries) - LIMIT)]:
            entry.unlink(missing_ok=True)
