"""The anchor lock: every anchor once published keeps landing somewhere.

``source/anchors.lock.json`` lists, page by page, every anchor (``id``) the site
has published, and under ``moved`` where an anchor went when its passage got a
new one. After rendering, each locked anchor must still be on its page, or be
recorded as moved to an anchor that is: the old anchor then gets an empty
``<span class="anchor-alias">`` at the start of the new place, so old links
land there. Anything else fails the build, naming the anchor.

New anchors enter the lock only by the editor's ``build.py --lock-anchors``,
which adds and never drops.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import BuildFailed, Diagnostic, display_path
from .load import decoded, read_once

MANIFEST = "manifest.json"

@dataclass
class Lock:
    path: Path
    text: str = ""
    pages: dict[str, list[str]] = field(default_factory=dict)
    moved: dict[str, dict[str, str]] = field(default_factory=dict)

    def at(self, message: str, hint: str, page: str | None = None, anchor: str | None = None) -> Diagnostic:
        """A diagnostic at the page's entry of the lock, or at the anchor's line in it."""
        line, col = _place(self.text, page, anchor)
        return Diagnostic(display_path(self.path), line, col, message, hint)


def published_anchors(files: dict[str, bytes]) -> dict[str, list[str]]:
    """page -> its ids, sorted, for every HTML page of the site (a script's id, or a drawing's
    internal defs, are no place to land)."""
    return {path: sorted({html.unescape(a.decode("utf-8")) for a in _IDS.findall(_NO_PLACE.sub(b"", data))})
            for path, data in sorted(files.items()) if path.endswith(".html")}


# Read from the page's bytes, four times faster than parsing them: the build escapes every text
# and attribute value (a '"' is "&#34;"), so ' id="' only ever begins an id attribute. Scripts,
# a drawing's defs and comments are taken out first. tests/test_anchor_lock.py checks every
# page against the ids an HTML parser finds.
_NO_PLACE = re.compile(rb"<script\b.*?</script>|<defs\b.*?</defs>|<!--.*?-->", re.S)
_IDS = re.compile(rb' id="([^"]*)"')


def read_lock(path: Path, missing_ok: bool = False) -> Lock:
    shown = display_path(path)
    try:
        raw = read_once(path)  # the build reads it, and the command line again
    except FileNotFoundError:
        if missing_ok:
            return Lock(path)
        raise BuildFailed([Diagnostic(shown, 0, 0, "the anchor lock is missing",
                                      "restore it from git; only a new edition creates it, with build.py --lock-anchors")]) from None
    except OSError as e:
        raise BuildFailed([Diagnostic(shown, 0, 0, f"cannot read the anchor lock: {e.strerror or e}",
                                      "restore it from git as a file this user may read")]) from None
    text = decoded(path, raw, "restore it from git and record the change again")  # the build writes it as UTF-8
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise BuildFailed([Diagnostic(shown, e.lineno, e.colno, f"the anchor lock is not valid JSON: {e.msg}",
                                      "restore it from git and record the change again")]) from None
    pages, moved = data.get("pages") if isinstance(data, dict) else None, data.get("moved", {}) if isinstance(data, dict) else None
    if not (_is_map_of(pages, list, str) and _is_map_of(moved, dict, str)
            and all(isinstance(v, str) for m in moved.values() for v in m.values())):
        raise BuildFailed([Diagnostic(shown, 1, 1, 'the anchor lock must be {"pages": {page: [anchor, …]}, "moved": {page: {old: new}}}',
                                      "restore it from git and record the change again")])
    return Lock(path, text, pages, moved)


def _is_map_of(value, container: type, item: type) -> bool:
    return isinstance(value, dict) and all(isinstance(v, container) and all(isinstance(i, item) for i in v)
                                           for v in value.values())


def keep_anchors(files: dict[str, bytes], lock: Lock,
                 found: dict[str, list[str]] | None = None) -> tuple[dict[str, bytes], dict[str, list[str]]]:
    """The files with an alias for each moved anchor, and every page's anchors with the aliases
    (``found``: the pages' anchors as rendering found them; else the pages are read here);
    BuildFailed naming every anchor that is lost."""
    anchors = {page: set(ids) for page, ids in (found if found is not None else published_anchors(files)).items()}
    problems = []
    aliases: dict[str, list[tuple[str, str]]] = {}
    for page in sorted(set(lock.pages) | set(lock.moved)):
        if page not in anchors:
            problems.append(lock.at(f"the published page {page} is no longer built",
                                    "restore the page: readers' links to its anchors must keep working", page))
            continue
        moved = lock.moved.get(page, {})
        for old in sorted(set(lock.pages.get(page, [])) | set(moved)):
            if old in anchors[page]:
                if old in moved:
                    problems.append(lock.at(
                        f'the anchor "{old}" of {page} is recorded as moved to "{moved[old]}", but the page still has it',
                        f'remove "{old}" from "moved" in the lock, or the anchor from the page', page, old))
                continue
            target = _destination(old, moved, anchors[page])
            if target is None and old in moved:
                problems.append(lock.at(
                    f'the anchor "{old}" of {page} is recorded as moved to "{moved[old]}", which is not on the page',
                    "point it to an anchor the page has", page, old))
            elif target is None:
                problems.append(lock.at(
                    f'the published anchor "{old}" of {page} has disappeared',
                    f'restore xml:id="{old}", since cited anchors must never break, or record where it moved '
                    f'in the lock: "moved": {{"{page}": {{"{old}": "new-id"}}}}', page, old))
            else:
                aliases.setdefault(page, []).append((old, target))
    if problems:
        raise BuildFailed(problems)
    result = files.copy()  # a dict, or the build's SiteFiles: a page is read only to be given an alias
    for page, pairs in aliases.items():
        for old, new in pairs:
            result[page] = _add_alias(result[page], old, new)
            anchors[page].add(old)
    return result, {page: sorted(ids) for page, ids in anchors.items()}


def _destination(old: str, moved: dict[str, str], present: set[str]) -> str | None:
    """Follow ``moved`` from ``old`` (old -> newer -> newest) to an anchor the page has."""
    seen = {old}
    current = old
    while current in moved:
        current = moved[current]
        if current in present:
            return current
        if current in seen:
            return None
        seen.add(current)
    return None


def _add_alias(page: bytes, old: str, new: str) -> bytes:
    """An empty element with the old id at the start of the element with the new one."""
    start = re.compile(rb'<[a-zA-Z][^<>]*?\sid="' + re.escape(new.encode()) + rb'"[^<>]*>')
    found = start.search(page)
    alias = f'<span id="{old}" class="anchor-alias"></span>'.encode()
    return page[:found.end()] + alias + page[found.end():]


def locked_text(pages: dict[str, list[str]], moved: dict[str, dict[str, str]]) -> str:
    """The lock as written: sorted, one anchor a line, so a diff shows each change."""
    data = {"moved": {page: dict(sorted(m.items())) for page, m in sorted(moved.items()) if m},
            "pages": {page: sorted(set(ids)) for page, ids in sorted(pages.items())}}
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


#: The manifest made last in this process and the anchors it lists (``listed``): the command line
#: asks a site it has just built which anchors the lock lacks, and need not parse its manifest again.
_LISTED: list = [None, None]


def listed(manifest: bytes, anchors: dict[str, list[str]]) -> bytes:
    """``manifest``, made of ``anchors`` (page -> its anchors), remembered with them."""
    _LISTED[:] = [manifest, {page: list(ids) for page, ids in sorted(anchors.items())}]
    return manifest


def site_anchors(files: dict[str, bytes]) -> dict[str, list[str]]:
    """page -> its anchors in a built site: as its manifest lists them, or from the pages."""
    if MANIFEST in files:
        if files[MANIFEST] is _LISTED[0]:  # the very bytes made of them
            return _LISTED[1]
        return {page: entry["anchors"] for page, entry in json.loads(files[MANIFEST])["pages"].items()}
    return published_anchors(files)


def unlocked(files: dict[str, bytes], lock: Lock) -> list[str]:
    """``page#anchor`` of every published anchor the lock does not list yet."""
    return [f"{page}#{anchor}" for page, ids in site_anchors(files).items()
            for anchor in ids if anchor not in lock.pages.get(page, ())]


def lock_new_anchors(files: dict[str, bytes], lock: Lock) -> list[str]:
    """Add every published anchor to the lock file (never dropping one); the ones added."""
    added = unlocked(files, lock)
    pages = {page: list(ids) for page, ids in lock.pages.items()}
    for page, ids in site_anchors(files).items():
        pages.setdefault(page, []).extend(ids)
    text = locked_text(pages, lock.moved)
    if text != lock.text:
        lock.path.write_text(text, encoding="utf-8")
    return added


def _place(text: str, page: str | None, anchor: str | None) -> tuple[int, int]:
    """Line and column of the page's key in ``pages`` (or ``moved``), or of the anchor under it."""
    lines = text.splitlines()
    for section in ('"pages"', '"moved"'):
        in_section = in_page = False
        for number, line in enumerate(lines, 1):
            stripped = line.strip()
            if stripped.startswith(section):
                in_section = True
            elif in_section and page and stripped.startswith(f'"{page}"'):
                if anchor is None:
                    return number, line.index('"') + 1
                in_page = True
            elif in_page and anchor and (stripped.rstrip(",") == f'"{anchor}"' or stripped.startswith(f'"{anchor}":')):
                return number, line.index('"') + 1
            elif in_page and stripped.startswith(("]", "}")):
                in_page = False
    return (1, 1) if text else (0, 0)
