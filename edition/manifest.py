"""``manifest.json``: the site described for tools.

Its pages with their titles and anchors, the edition's version and date, the
downloads, and the SHA-256 of the TEI the site was built from. Deterministic:
sorted keys, no clock, so two builds of one source give the same bytes.
"""
from __future__ import annotations

import hashlib
import json

from .anchors import MANIFEST
from .model import Edition
from .pages import all_pages
from .render import TEI_DIR


def manifest(files: dict[str, bytes], anchors: dict[str, list[str]], edition: Edition, base_url: str) -> bytes:
    """The manifest of ``files``, whose pages have ``anchors`` (page -> ids)."""
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
        "tei": {"path": tei, "sha256": hashlib.sha256(files[tei]).hexdigest()},
        "pages": {path: {"title": titles.get(path, ""), "anchors": ids}
                  for path, ids in anchors.items()},
        "files": {path: {"sha256": hashlib.sha256(data).hexdigest()}
                  for path, data in sorted(files.items()) if not path.endswith(".html")},
    }
    return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
