"""What each part of the site depends on, as a key: a part whose key is unchanged is reused.

A document's part (its reading, diplomatic and Cite pages and its downloads) shows its own
TEI, and from the rest of the edition only: the code and the templates; the shared
apparatus (the names' data is on every page); the central document's header (the edition's
title, version and date); the list of documents (navigation, previous and next); where each
id it points to lives (a link's page); and the texts of the documents it cites, since a
link cited for a quotation goes to the passage that holds the quoted words. The key hashes
exactly these. A page of a list's range (the contents, notes and names of Documents 1000–1049 …)
shows its documents and the apparatus: its key hashes their parts' keys and where the apparatus's
pointers land. Every other page (chronology, Document 171's composite and comparison, the search
page …) lists or draws the whole edition: its key hashes every file.
"""
from __future__ import annotations

from pathlib import Path

from lxml import etree

from .cache import code, key
from .load import NS, Source, read_once
from .model import Document
from .markdown import TEXTS
from .resolve import Links

#: Every attribute that may point elsewhere, its values found by libxml2.
_POINTERS = etree.XPath(" | ".join(f"//@{attr}" for attr in ("target", "ref", "source", "active", "passive", "corresp", "facs")),
                        smart_strings=False)


def edition_key(links: Links, templates: Path) -> str:
    """What every page depends on (worked out once a build: the search index asks too)."""
    memo = ("edition key", templates)
    if memo not in links.memo:
        links.memo[memo] = _edition_key(links, templates)
    return links.memo[memo]


def _edition_key(links: Links, templates: Path) -> str:
    edition = links.edition
    header = etree.tostring(edition.central.source.root.find("tei:teiHeader", NS))
    documents = "\n".join(f"{d.key} {d.number} {d.volume.url} {d.volume.document_title} {sorted(d.pages.items())}"
                          for d in edition.documents)
    return key("edition", code(), _folder_digest(templates, "**/*"),
               edition.apparatus.text if edition.apparatus is not None else "", header, documents, links.base_url)


def whole_key(links: Links, base: str) -> str:
    """A page that shows the whole edition: every file of it, and the texts in Markdown."""
    return key("whole", base, *(source.digest for source in links.edition.sources), _folder_digest(TEXTS, "*.md"))


def document_key(links: Links, base: str, document: Document) -> str:
    """A document's part: its own TEI, and what its pointers reach (worked out once a build)."""
    memo = ("document key", base, document.key)
    if memo not in links.memo:
        links.memo[memo] = _document_key(links, base, document)
    return links.memo[memo]


def _document_key(links: Links, base: str, document: Document) -> str:
    reached, cited = _reach(links, document.source)
    others = sorted((d for d in cited.values() if d is not document), key=links.position)  # in FRUS order
    texts = [d.source.digest for d in others]
    return key("document", base, document.key, document.source.digest, reached, *texts)


def range_page_key(links: Links, base: str, path: str, documents: list[Document], *more: str) -> str:
    """A page of a list's range (``ranges``): its documents' parts, where the apparatus's pointers
    land (the names' identifications are on names.html), and ``more`` that the page shows."""
    memo = ("apparatus reach", base)
    if memo not in links.memo:
        apparatus = links.edition.apparatus
        links.memo[memo] = _reach(links, apparatus)[0] if apparatus is not None else ""
    return key("range page", base, path, links.memo[memo], *more, *(document_key(links, base, d) for d in documents))


def _reach(links: Links, source: Source) -> tuple[str, dict[str, Document]]:
    """Where a file's pointers land (page and document of each "#id", the document of each held
    address), and the documents it cites, by key."""
    reached = []
    cited = {}
    pointers = source.once("pointer tokens", lambda s: [token for value in sorted(set(_POINTERS(s.root)))
                                                        for token in value.split()], plain=True)
    for token in pointers:
        if token.startswith("#"):
            target = token[1:]
            other = links.document_of.get(target)
            reached.append(f"{token} {links.home.get(target, '')} {other.key if other else ''}")
        else:
            held = links.held(token)
            if held is not None:
                cited[held[0].key] = held[0]
                reached.append(f"{token} {held[0].key}")
    return "\n".join(reached), cited


def _folder_digest(folder: Path, pattern: str) -> str:
    files = sorted(p for p in folder.glob(pattern) if p.is_file())
    return key("folder", *(f"{p.relative_to(folder)}\n".encode() + read_once(p) for p in files))
