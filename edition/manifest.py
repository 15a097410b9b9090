"""``manifest.json``: the site described for tools.

Its pages with their titles and anchors, the edition's version and date, the
downloads, and the SHA-256 of the TEI the site was built from. Deterministic:
sorted keys, no clock, so two builds of one source give the same bytes. Each
section's entries stand one to a line.
"""
from __future__ import annotations

import hashlib
import json

from .anchors import MANIFEST
from .model import Edition
from .pages import all_pages
from .render import TEI_DIR


def manifest(files: dict[str, bytes], anchors: dict[str, list[str]], edition: Edition, base_url: str,
             digests: dict[str, str] | None = None) -> bytes:
    """The manifest of ``files``, whose pages have ``anchors`` (page -> ids). ``digests``: the SHA-256
    of files, where they are known already (``file_digests``); it is filled in with the others."""
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
    return _readable_json(data).encode("utf-8")


def file_digests(files: dict[str, bytes], paths: list[str], known: dict[str, str]) -> dict[str, str]:
    """The SHA-256 of each of ``paths``, by path, sorted; each worked out once and kept in ``known``
    (the manifest and the writing of the site both need them)."""
    for path in paths:
        if path not in known:
            known[path] = hashlib.sha256(files[path]).hexdigest()
    return {path: known[path] for path in sorted(paths)}


def _readable_json(data: dict) -> str:
    """JSON with each section's entries one to a line: as readable as an indented dump, and made by
    the C encoder (``indent`` would use Python's own, seconds for a large edition's manifest)."""
    def one(value) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    sections = []
    for name, value in sorted(data.items()):
        if isinstance(value, dict) and value:
            entries = ",\n".join(f"    {one(k)}: {one(v)}" for k, v in sorted(value.items()))
            sections.append(f"  {one(name)}: {{\n{entries}\n  }}")
        else:
            sections.append(f"  {one(name)}: {one(value)}")
    return "{\n" + ",\n".join(sections) + "\n}\n"
