"""Stage 6: put the site on disk so that it is always whole.

Every build is written into a fresh directory beside the site; ``site`` itself
is a symbolic link that is switched to the new build in one atomic rename. A
build that fails or is killed at any moment leaves the previous site untouched;
its half-written directory is removed by the next build.

Builds are byte-identical; with ``SOURCE_DATE_EPOCH`` set, so are the files'
modification times, which then come from it and not from the clock.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .diagnostics import BuildFailed, Diagnostic, display_path


def builds_dir(site: Path) -> Path:
    return site.parent / f".{site.name}-builds"


def publish(files: dict[str, bytes], site: Path) -> Path:
    """Write ``files`` as the new site and switch ``site`` to it; return the build directory."""
    site = site.absolute()
    builds = builds_dir(site)
    stamp = source_date_epoch()
    try:
        builds.mkdir(parents=True, exist_ok=True)
        build = Path(tempfile.mkdtemp(prefix="build-", dir=builds))
        made = {str(build)}
        # Plain strings and file descriptors: a thousand documents make tens of thousands of files.
        for relative, data in sorted(files.items()):
            target = os.path.join(build, *_safe_parts(relative))
            folder = os.path.dirname(target)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            _write(target, data)
            if stamp is not None:
                os.utime(target, (stamp, stamp))
        build.chmod(0o755)
        _switch(site, build)
    except OSError as e:
        where = display_path(Path(e.filename or site))
        raise BuildFailed([Diagnostic(display_path(site), 0, 0, f"cannot write the site: {e.strerror}: {where}",
                                      f"check that {display_path(site.parent)} is a folder and that you may write in it")]) from None
    _remove_old_builds(builds, keep=build)
    return build


def source_date_epoch() -> int | None:
    """The reproducible-builds timestamp, when the environment sets one."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return None
    if not value.strip().isdigit():
        raise BuildFailed([Diagnostic("SOURCE_DATE_EPOCH", 0, 0, f"{value!r} is not a whole number of seconds since 1970",
                                      "unset it, or set it to the time of the last commit: git log -1 --format=%ct")])
    return int(value)


def _safe_parts(relative: str) -> list[str]:
    parts = relative.split("/")
    if not relative or any(part in ("", ".", "..") for part in parts):  # absolute, empty or upward
        raise ValueError(f"refusing to write outside the site: {relative!r}")
    return parts


def _write(path: str, data: bytes) -> None:
    """A new file holding ``data``, readable by all whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        os.fchmod(fd, 0o644)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _switch(site: Path, build: Path) -> None:
    link = build.with_name(build.name + ".link")
    os.symlink(os.path.relpath(build, site.parent), link, target_is_directory=True)
    if site.exists() and not site.is_symlink():
        # A plain directory from elsewhere (a copy, an older layout): keep it aside, whole.
        site.rename(builds_dir(site) / f"previous-{build.name}")
    os.replace(link, site)  # atomic: readers see the old site or the new, never a mix


def _remove_old_builds(builds: Path, keep: Path) -> None:
    for entry in builds.iterdir():
        if entry == keep:
            continue
        if entry.is_symlink() or entry.is_file():
            entry.unlink(missing_ok=True)
        else:
            shutil.rmtree(entry, ignore_errors=True)
