"""What the build worked out before and need not work out again, kept on disk by content.

An entry's key is a hash of everything its result depends on (the file's text, the
schemas, the code that made it, lxml's version), so an entry never goes stale: a change
to any of them asks under another key. The folder (``.build-cache/``, not in git) may be
deleted at any time; a damaged entry is a miss. Writes are atomic, so builds running
side by side (the test workers) share it safely. The entries used least recently go when
it grows past ``LIMIT`` bytes.

A build of one process hands its writes to a thread of their own (``Cache(folder, background=True)``):
on some file systems creating a file costs a millisecond, and the next build, not this one,
needs the entry. Until written, an entry is read from memory; the process waits for the
writes before it ends, and ``flush`` waits for them at once.
"""
from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

from lxml import etree

from .load import read_once

LIMIT = 1 << 30  # bytes: some generations of a 1,000-document edition's parts
#: A write prunes the folder with the chance its size is of this (once every 64 MB written, on
#: average, whatever the process): a look at every entry of a full folder costs a tenth of a second
#: and more, and a prune every 256 writes took 9 s of a cold build of 1,000 documents beside one.
PRUNE_EVERY = LIMIT // 16
_CODE = Path(__file__).resolve().parent


def key(*parts: str | bytes) -> str:
    """A hash of the parts, and of the lxml and libxml2 versions that validate and parse."""
    data = [part.encode("utf-8") if isinstance(part, str) else part for part in parts]
    # each part after its length, so that no two lists of parts hash alike; hashed in one call
    return hashlib.sha256(b"".join([_VERSIONS, *(b for d in data for b in (len(d).to_bytes(8, "big"), d))])).hexdigest()


_VERSIONS = f"{etree.LXML_VERSION}/{etree.LIBXML_VERSION}".encode()


@functools.lru_cache(maxsize=None)
def code(*modules: str) -> str:
    """A digest of the text of modules of the edition package (of every one, when none is named),
    for keys of results they make (read once a process: the preview, which reloads the code, is
    restarted when a module is saved; a digest, so that a key made once a file does not hash the
    modules' text again)."""
    if not modules:
        return key(*(f"{p.name}\n".encode() + _module_text(p.stem) for p in sorted(_CODE.glob("*.py"))))
    return key(*(_module_text(module) for module in modules))


@functools.lru_cache(maxsize=None)
def _module_text(module: str) -> bytes:
    return read_once(_CODE / f"{module}.py")  # the code's digest for every key reads it too


#: The largest entry kept in memory too, when asked (each file's validation and quotation check).
SMALL = 4096


class Cache:
    """Entries by name (a ``key``) in ``folder``; with no folder, a cache that keeps nothing.
    ``background``: written by the process's writer thread (never in a forked process).
    ``memory``: a dict that keeps the small entries read or written, for a process that builds
    again (the preview): the next build reads them from it, not from disk."""

    def __init__(self, folder: Path | None, background: bool = False, memory: dict[str, bytes] | None = None):
        self.folder = folder  # None: nothing kept
        self.background = background
        self.memory = memory

    def get(self, name: str) -> bytes | None:
        if self.folder is None:
            return None
        if self.memory is not None and name in self.memory:
            return self.memory[name]
        with _lock:
            pending = _pending.get((self.folder, name))
        if pending is not None:
            return pending
        path = self.folder / name[:2] / name
        try:
            data = path.read_bytes()
            os.utime(path)  # used now: the last to go
        except OSError:
            return None
        if self.memory is not None and len(data) <= SMALL:
            self.memory[name] = data
        return data

    def unpickled(self, name: str | None) -> object | None:
        """An entry written pickled, as its object; None if it is not there, or damaged (made again)."""
        data = self.get(name) if name is not None else None
        if data is None:
            return None
        try:
            return pickle.loads(data)
        except Exception:  # noqa: BLE001 - a damaged entry is a miss
            return None

    def has(self, name: str) -> bool:
        """Whether an entry of the name is there (``get`` may still miss it: pruned or damaged since)."""
        if self.folder is None:
            return False
        if self.memory is not None and name in self.memory:
            return True
        with _lock:
            if (self.folder, name) in _pending:
                return True
        return os.path.exists(self.folder / name[:2] / name)

    def put(self, name: str, data: bytes) -> None:
        if self.folder is None:
            return
        if self.memory is not None and len(data) <= SMALL:
            self.memory[name] = data
        if self.background and os.getpid() == _PROCESS:
            with _lock:
                _pending[(self.folder, name)] = data
            _writer().submit(self._write_behind, name, data)
        else:
            self._write(name, data)

    def _write_behind(self, name: str, data: bytes) -> None:
        # on the writer thread: written, the entry is no longer read from memory
        try:
            self._write(name, data)
        finally:
            with _lock:
                if _pending.get((self.folder, name)) is data:
                    del _pending[(self.folder, name)]

    def _write(self, name: str, data: bytes) -> None:
        try:
            folder = self.folder / name[:2]
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, delete=False) as file:
                file.write(data)
            os.replace(file.name, folder / name)
            if prunes(name, len(data)):  # now and then: keep the folder within its limit
                self.prune()
        except OSError:
            pass  # a cache that cannot be written only means more work next time

    def prune(self) -> None:
        """Remove the entries used least recently until the rest are within ``LIMIT`` bytes."""
        entries = []
        for entry in _entries(str(self.folder)):
            try:
                stat = entry.stat(follow_symlinks=False)
            except OSError:  # gone meanwhile: another build pruned it
                continue
            entries.append((stat.st_mtime, stat.st_size, entry.path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= LIMIT:
                break
            try:
                os.unlink(path)
            except OSError:
                pass
            total -= size


def _entries(folder: str) -> Iterator[os.DirEntry]:
    """The entries of the cache's subfolders, as plain strings (os.scandir: tens of thousands of
    them); a folder gone meanwhile has none."""
    for path in _listed(folder):
        if path.is_dir(follow_symlinks=False):
            yield from _listed(path.path)


def _listed(folder: str) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as found:
            return list(found)
    except OSError:
        return []


def prunes(name: str, size: int) -> bool:
    """Whether writing an entry of ``size`` bytes under ``name`` (a hash: its first digits are as good
    as a random number) prunes the folder: with the chance ``size / PRUNE_EVERY``."""
    try:
        return int(name[:8], 16) < size * (16 ** 8) / PRUNE_EVERY
    except ValueError:  # not a hash: never
        return False


#: The writes handed to the writer thread and not yet done, by (folder, name).
_pending: dict[tuple[Path, str], bytes] = {}
_lock = threading.Lock()
_PROCESS = os.getpid()  # a forked child writes for itself: the writer thread is not there


@functools.lru_cache(maxsize=None)
def _writer() -> ThreadPoolExecutor:
    # one thread, so the writes are done in order; the interpreter waits for it before it exits
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache-writer")


def flush() -> None:
    """Wait until every entry handed to the writer thread is on disk."""
    if _writer.cache_info().currsize:
        _writer().submit(lambda: None).result()
