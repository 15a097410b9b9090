"""``manifest.json``: the site described for tools.

Its pages with their titles and anchors, the edition's version and date, the
downloads, and the SHA-256 of the TEI the site was built from. Deterministic:
sorted keys, no clock, so two builds of one source give the same bytes. Each
section's entries stand one to a line.
"""
from __future__ import annotations

import json

from .anchors import MANIFEST, listed
from .model import Edition
from .pages import all_pages
from .render import TEI_DIR
from .write import digest_of


def manifest(files: dict[str, bytes], anchors: dict[str, list[str]], edition: Edition, base_url: str,
             digests: dict[str, str] | None = None, lines: dict | None = None) -> bytes:
    """The manifest of ``files``, whose pages have ``anchors`` (page -> ids). ``digests``: the SHA-256
    of files, where they are known already (``file_digests``); it is filled in with the others.
    ``lines``: the entries' lines of the manifests made before by this process, kept in it."""
    digests = {} if digests is None else digests
    tei = f"{TEI_DIR}/{edition.source.path.name}"
    titles = {page.path: page.title for page in all_pages(edition)}
    data = {
        "edition": {"title": edition.title, "subtitle": edition.subtitle,
                    "version": edition.version, "date": edition.date},
        "base-url": base_url,
        "documents": {d.key: {"number": d.number, "title": d.volume.document_title,
                              "reading": d.pages["reading"], "diplomatic": d.pages["diplomatic"],
                              "cite": d.pages["cite"], "tei": f"{TEI_DIR}/{d.tei_name}", "frus": d.volume.url}
                      for d in edition.documents},
        "tei": {"path": tei, "sha256": file_digests(files, [tei], digests)[tei]},
        "pages": {path: {"title": titles.get(path, ""), "anchors": ids}
                  for path, ids in anchors.items()},
        "files": {path: {"sha256": digest} for path, digest in
                  file_digests(files, [path for path in files if not path.endswith(".html")], digests).items()},
    }
    return listed(_readable_json(data, lines).encode("utf-8"), anchors)


def file_digests(files: dict[str, bytes], paths: list[str], known: dict[str, str]) -> dict[str, str]:
    """The SHA-256 of each of ``paths``, by path, sorted; each worked out once and kept in ``known``
    (the manifest and the writing of the site both need them)."""
    for path in paths:
        if path not in known:
            known[path] = digest_of(files[path])
    return {path: known[path] for path in sorted(paths)}


#: What ``json.dumps(…, ensure_ascii=False, sort_keys=True)`` gives, without making an encoder each
#: time: a large edition's manifest has tens of thousands of entries.
_STRING = json.encoder.encode_basestring
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def _one(value) -> str:
    """``value`` as JSON on one line; a string, or a dict of strings (a file's digest), directly."""
    if isinstance(value, str):
        return _STRING(value)
    if type(value) is dict and len(value) == 1:  # a file's digest: tens of thousands of them
        [(k, v)] = value.items()
        if type(k) is str and type(v) is str:
            return "{" + _STRING(k) + ": " + _STRING(v) + "}"
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return "{" + ", ".join(f"{_STRING(k)}: {_STRING(v)}" for k, v in sorted(value.items())) + "}"
    return _ENCODE(value)


def _readable_json(data: dict, lines: dict | None = None) -> str:
    """JSON with each section's entries one to a line: as readable as an indented dump, and made by
    the C encoder (``indent`` would use Python's own, seconds for a large edition's manifest).
    ``lines``: (section, key) -> (value, line) of earlier manifests; a line is made again only for
    a value that is not equal to the one it was made from (and kept for the next)."""
    used: dict = {}

    def line(name: str, k: str, v) -> str:
        if lines is None:
            return f"    {_STRING(k)}: {_one(v)}"  # every key is a string
        known = lines.get((name, k))
        if known is None or known[0] != v:
            known = (v, f"    {_STRING(k)}: {_one(v)}")
        used[(name, k)] = known
        return known[1]

    sections = []
    for name, value in sorted(data.items()):
        if isinstance(value, dict) and value:
            entries = ",\n".join(line(name, k, v) for k, v in sorted(value.items()))
            sections.append(f"  {_one(name)}: {{\n{entries}\n  }}")
        else:
            sections.append(f"  {_one(name)}: {_one(value)}")
    if lines is not None:  # only this manifest's, for the next
        lines.clear()
        lines.update(used)
    return "{\n" + ",\n".join(sections) + "\n}\n"
