"""Stage 6: put the site on disk so that it is always whole.

Every build is written into a directory of its own beside the site; ``site`` itself
is a symbolic link that is switched to the new build in one atomic rename. A
build that fails or is killed at any moment leaves the previous site untouched;
its half-written directory is removed at once (a failure) or by the next build (a kill).
A large edition's pages are written while the search index is being finished
(``Publication``): the switch comes only when every file is in.

Builds are byte-identical; with ``SOURCE_DATE_EPOCH`` set, so are the files'
modification times, which then come from it and not from the clock. A large
edition changes a few files of tens of thousands, so a build costs a file
operation per changed file, not per file: the build before the live one is kept
(the spare), and the next build is made in it, where only the files that differ
are replaced (unlinked and written anew, or linked from the live build, never
changed in place: the live build may share them). The spare is claimed by a rename
and its record of what it holds is removed before anything in it changes, so a
spare left half-made is never trusted again; with no spare, the build starts
from an empty directory and links from the live build what it has already.
"""
from __future__ import annotations

import errno
import hashlib
import os
import pickle
import shutil
import tempfile
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

from .diagnostics import BuildFailed, Diagnostic, display_path


def digests_of(files: dict[str, bytes]) -> dict[str, str]:
    """Each file's SHA-256, by path: what the manifest gives and the writing compares files by. A part
    of the site is hashed where it is made, and its digests are kept with it (in the build's cache),
    so that a build which takes the part again does not hash it again."""
    return {path: digest_of(data) for path, data in files.items()}


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def builds_dir(site: Path) -> Path:
    return site.parent / f".{site.name}-builds"


def publish(files: dict[str, bytes], site: Path, digests: dict[str, str] | None = None) -> Path:
    """Write ``files`` as the new site and switch ``site`` to it; return the build directory.
    ``digests``: the SHA-256 of files already worked out (the manifest's), by path."""
    publication = Publication(site)
    try:
        publication.add(files, digests)
        return publication.finish()
    except BaseException:
        publication.abandon()
        raise


class Publication:
    """A new build of the site, written while the build goes on: ``add`` files as they are ready
    (a large edition's pages while Pagefind finishes the search index), then ``finish`` switches
    the site to it, or ``abandon`` removes it; until ``finish``, the live site is untouched.

    The new build is the spare made over (or a new directory): a file it holds already with the
    same bytes (by the SHA-256 each build records beside itself, ``DIGESTS``) stays as it is; one the
    live build holds is linked from it; any other is written."""

    def __init__(self, site: Path):
        self.site = site.absolute()
        self._stamp = source_date_epoch()
        builds = builds_dir(self.site)
        with _writing(self.site):
            builds.mkdir(parents=True, exist_ok=True)
            self._previous = live_build(self.site)
            self.build, self._held = _claim_spare(builds, self._previous)
        self._known: dict[str, list] | None = None  # the live build's record, read if a file is not in the spare
        self._made = {str(self.build)}
        self._written: dict[str, list] = {}
        self._live = False  # switched to: from then on the site's, never removed by ``abandon``

    def add(self, files: Mapping[str, bytes], digests: dict[str, str] | None = None) -> None:
        """Put ``files`` in the new build (each path once: one added before stays as it was, and
        must be the same bytes, as far as ``digests`` tells). A file's bytes are asked of ``files``
        only if its digest is not in ``digests`` or it is to be written (``site_files``)."""
        digests_known = digests or {}
        build, held, stamp, made = str(self.build), self._held, self._stamp, self._made
        before = f"{self._previous}/" if self._previous is not None else ""
        with _writing(self.site):
            # Plain strings and file descriptors: a thousand documents make tens of thousands of files.
            for relative in sorted(files):
                if relative in self._written:
                    if digests_known.get(relative, self._written[relative][0]) != self._written[relative][0]:
                        raise ValueError(f"{relative!r} was added to the site with other bytes before")  # a bug
                    continue
                target = f"{build}/{_inside(relative)}"
                digest = digests_known.get(relative) or digest_of(files[relative])
                there = held.pop(relative, None)
                if there is not None and there[0] == digest and _unchanged(target, there, stamp):
                    self._written[relative] = there  # the spare has it as it should be
                    continue
                if there is not None:
                    _remove(target)
                folder = target.rpartition("/")[0]
                if folder not in made:
                    os.makedirs(folder, exist_ok=True)
                    made.add(folder)
                if self._known is None:
                    self._known = _read_digests(self._previous) if self._previous is not None else {}
                kept = self._known.get(relative)
                if (kept is not None and kept[0] == digest and _unchanged(before + relative, kept, stamp)
                        and _linked(before + relative, target)):
                    size, mtime = kept[1], kept[2]  # the live build's file: its size is checked
                else:
                    data = files[relative]
                    size, mtime = len(data), _write(target, data)
                    if stamp is not None:
                        os.utime(target, (stamp, stamp))
                        mtime = stamp * 1_000_000_000
                self._written[relative] = [digest, size, mtime]

    def finish(self) -> Path:
        """Switch the site to the new build, once every file is added; the build directory."""
        with _writing(self.site):
            for relative in self._held:  # what the spare held and this build has not
                _remove(f"{self.build}/{relative}")
            _write_digests(self.build, self._written)
            self.build.chmod(0o755)
            _switch(self.site, self.build)
            self._live = True
        _remove_old_builds(builds_dir(self.site), keep=[self.build] + ([self._previous] if self._previous is not None else []))
        return self.build

    def abandon(self) -> None:
        """Remove the new build, half-made (the build failed or was stopped): the live site stays as it was."""
        if not self._live:
            shutil.rmtree(self.build, ignore_errors=True)


@contextmanager
def _writing(site: Path):
    """A file that cannot be written: one located error, not a traceback."""
    try:
        yield
    except OSError as e:
        where = display_path(Path(e.filename or site))
        raise BuildFailed([Diagnostic(display_path(site), 0, 0, f"cannot write the site: {e.strerror}: {where}",
                                      f"check that {display_path(site.parent)} is a folder and that you may write in it")]) from None


def _claim_spare(builds: Path, live: Path | None) -> tuple[Path, dict[str, list]]:
    """The directory to make the new build in, and what it holds (path -> its record): the spare,
    claimed by renaming it onto a new empty directory (two builds at once never share it), with
    whatever in it its record does not name removed; else the new directory, empty."""
    claimed = Path(tempfile.mkdtemp(prefix="build-", dir=builds))
    for candidate in sorted(builds.glob("build-*")):
        record = candidate.with_name(candidate.name + DIGESTS)
        if candidate in (live, claimed) or candidate.is_symlink() or not candidate.is_dir() or not record.is_file():
            continue
        held = _read_digests(candidate)
        try:
            os.rename(candidate, claimed)  # onto the empty directory: atomic
        except OSError:  # claimed meanwhile by another build, or gone
            continue
        os.unlink(record)  # from now on, a spare left half-made is not trusted: its record is gone
        _clear_strays(claimed, held)
        return claimed, held
    return claimed, {}


def _clear_strays(build: Path, held: dict[str, list]) -> None:
    """Remove from a claimed spare the files its record does not name (put into the site by hand)."""
    for folder, folders, names in os.walk(build):
        relative = os.path.relpath(folder, build)
        prefix = "" if relative == "." else relative + "/"
        for name in names + [f for f in folders if os.path.islink(os.path.join(folder, f))]:
            if prefix + name not in held:
                os.unlink(os.path.join(folder, name))


def _remove(path: str) -> None:
    """Remove a file, link or directory of a build being made (never of the live one)."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


#: Beside each build (``build-abc123.digests``, outside the site): each file's SHA-256, size and
#: modification time, as written; what the next build may link instead of writing.
DIGESTS = ".digests"


def live_build(site: Path) -> Path | None:
    """The build the site's link points to, if it is one of ours (None: no site yet, or another kind)."""
    try:
        if not site.is_symlink():
            return None
        target = (site.parent / os.readlink(site)).resolve()
    except OSError:  # gone meanwhile, or not to be read: as if there were none
        return None
    return target if target.parent == builds_dir(site).resolve() and target.is_dir() else None


def _read_digests(build: Path) -> dict[str, list]:
    """A build's record; {} if it cannot be read (every file is then written anew)."""
    try:
        data = pickle.loads(build.with_name(build.name + DIGESTS).read_bytes())
    except Exception:  # noqa: BLE001 - missing, damaged or of another format: trusted for nothing
        return {}
    return data if isinstance(data, dict) else {}


def _write_digests(build: Path, digests: dict[str, list]) -> None:
    # pickled, not JSON: tens of thousands of entries, read twice and written once a build (0.15 s as JSON)
    path = build.with_name(build.name + DIGESTS)
    part = path.with_name(path.name + ".part")
    part.write_bytes(pickle.dumps(digests, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(part, path)


def _linked(existing: str, target: str) -> bool:
    """Whether the file could be linked (a file system without hard links: it is written instead)."""
    try:
        os.link(existing, target)
    except OSError as e:
        if e.errno in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
            return False
        raise
    return True


def _unchanged(path: str, kept: list, stamp: int | None) -> bool:
    """Whether the previous build's file is still as it was written (no one edited it since),
    with the modification time this build would give it when SOURCE_DATE_EPOCH sets one."""
    try:
        found = os.stat(path)
    except OSError:
        return False
    return (len(kept) == 3 and found.st_size == kept[1] and found.st_mtime_ns == kept[2]
            and (stamp is None or found.st_mtime_ns == stamp * 1_000_000_000))


def source_date_epoch() -> int | None:
    """The reproducible-builds timestamp, when the environment sets one."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return None
    if not value.strip().isdigit():
        raise BuildFailed([Diagnostic("SOURCE_DATE_EPOCH", 0, 0, f"{value!r} is not a whole number of seconds since 1970",
                                      "unset it, or set it to the time of the last commit: git log -1 --format=%ct")])
    return int(value)


_UPWARD = frozenset(("", ".", ".."))


def _inside(relative: str) -> str:
    """``relative``, once it is known to name a file within the site."""
    if not relative or not _UPWARD.isdisjoint(relative.split("/")):  # absolute, empty or upward
        raise ValueError(f"refusing to write outside the site: {relative!r}")
    return relative


def _write(path: str, data: bytes) -> int:
    """A new file holding ``data``, readable by all whatever the umask; its modification time."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        os.fchmod(fd, 0o644)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        return os.fstat(fd).st_mtime_ns
    finally:
        os.close(fd)


def _switch(site: Path, build: Path) -> None:
    link = build.with_name(build.name + ".link")
    os.symlink(os.path.relpath(build, site.parent), link, target_is_directory=True)
    if site.exists() and not site.is_symlink():
        # A plain directory from elsewhere (a copy, an older layout): keep it aside, whole.
        site.rename(builds_dir(site) / f"previous-{build.name}")
    os.replace(link, site)  # atomic: readers see the old site or the new, never a mix


def _remove_old_builds(builds: Path, keep: list[Path]) -> None:
    """Remove every build but ``keep`` (the new live one, and the one before it: the next spare)
    and their records, and whatever else is there (half-made builds, a plain site kept aside)."""
    kept = {name for path in keep for name in (path.name, path.name + DIGESTS)}
    for entry in builds.iterdir():
        if entry.name in kept:
            continue
        if entry.is_symlink() or entry.is_file():
            entry.unlink(missing_ok=True)
        else:
            shutil.rmtree(entry, ignore_errors=True)
