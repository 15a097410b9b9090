"""What each page's <head> tells reference managers and search engines.

Highwire Press ``citation_*`` tags are what Zotero's Embedded Metadata translator
and Google Scholar read; Dublin Core ``DC.*`` and a schema.org JSON-LD block say
the same for other tools. Every value comes from the TEI header (through
``cite.facts``); the tags that need an absolute URL (the canonical link,
``citation_public_url``, ``DC.identifier``, the JSON-LD ``url``) are left out
while the edition has no base URL.

Zotero decides the item type from the tag names, and it splits each name at
".", ":" or "_" to find a namespace prefix before it looks at Highwire names:
``citation_book_title`` has ``book`` (Open Graph's ``book:``) in second place, so
Zotero files it as Open Graph and never sees it as Highwire. ``citation_inbook_title``
has no known prefix, reaches the Highwire rules, makes the item a book section
and fills its book title. Zotero also reads ``DC.source`` as the publication's
title, so the FRUS address goes in ``DC.relation`` instead. tests/zotero.py
models those rules and tests/test_metadata.py holds the tags to them.
"""
from __future__ import annotations

import json

from markupsafe import Markup, escape

from .cite import chicago_note, facts, passage_url, passages
from .resolve import Links

HOME = "index.html"


def page_url(links: Links, path: str) -> str:
    """The page's absolute URL; the home page is the base URL itself."""
    return links.base_url if (path == HOME and links.base_url) else links.url(path)


def meta_tags(links: Links, path: str) -> list[tuple[str, str]]:
    """(name, content) of every <meta> tag of the page at ``path``, in a fixed order;
    empty values are left out. A document's pages describe that document; the edition's
    pages, the central one."""
    f = facts(links.page_document(path))
    url = page_url(links, path)
    tags = [("citation_title", f.title)]
    tags += [("citation_editor", editor) for editor in f.editors]
    tags += [
        ("citation_inbook_title", f.book),   # Zotero: a book section, and its book title
        ("citation_book_title", f.book),     # the same for readers of the plain Highwire name
        ("citation_series_title", f.series),
        ("citation_volume", f.volume),
        ("citation_publisher", f.publisher),
        ("citation_publication_date", f.year),
        ("citation_language", f.language),
        ("citation_public_url", url),
        ("DC.title", f.title),
    ]
    tags += [("DC.contributor", editor) for editor in f.editors]
    tags += [
        ("DC.publisher", f.publisher),
        ("DC.date", f.year),
        ("DC.type", "Text"),
        ("DC.format", "text/html"),
        ("DC.language", f.language),
        ("DC.identifier", url),
        ("DC.relation", f.frus_url),   # not DC.source: tools take that for a journal's title
        ("DC.relation.isPartOf", f"{f.series}, vol. {f.volume}, {f.book}"),
        ("DC.rights", f.licence),
    ]
    return [(name, content) for name, content in tags if content]


def json_ld(links: Links, path: str, title: str) -> dict:
    """The page as schema.org data: a web page of the edition, about the FRUS document."""
    f = facts(links.page_document(path))
    document = {
        "@type": "Chapter",
        "name": f.title,
        "position": f.document,
        "sameAs": f.frus_url,
        "isPartOf": {
            "@type": "Book",
            "name": f.book,
            "volumeNumber": f.volume,
            "editor": [{"@type": "Person", "name": name} for name in f.editors],
            "publisher": {"@type": "Organization", "name": f.publisher},
            "datePublished": f.year,
            "isPartOf": {"@type": "BookSeries", "name": f.series},
        },
    }
    edition = {"@type": "CreativeWork", "name": f.edition_title, "version": f.version,
               "dateModified": f.date, "license": f.licence, "inLanguage": f.language}
    page = {"@context": "https://schema.org", "@type": "WebPage", "name": title,
            "inLanguage": f.language, "isPartOf": edition, "about": document}
    if links.base_url:
        page["url"] = page_url(links, path)
        edition["url"] = links.base_url
    return page


def head(links: Links, path: str, title: str) -> Markup:
    """The <head> lines: canonical link, meta tags and JSON-LD, one per line."""
    lines = []
    if links.base_url:
        lines.append(Markup('<link rel="canonical" href="{}">').format(page_url(links, path)))
    # escaped by hand: Markup.format's formatter is slow, and a page has some forty of these
    lines += [Markup(f'<meta name="{escape(name)}" content="{escape(content)}">') for name, content in meta_tags(links, path)]
    lines.append(Markup('<script type="application/ld+json">{}</script>').format(
        _script_json(json_ld(links, path, title))))
    return Markup("\n").join(lines)


def passage_citations(links: Links, path: str) -> Markup:
    """For the Cite links' copy to the clipboard: the Chicago note of the passages a page shows,
    as one template with the slots ``{passage}`` and ``{url}`` and each passage's two values."""
    document = links.page_document(path)
    shown = {}
    for anchor in links.on_page.get(path, ()):
        passage = _passages_of(links, links.document_of.get(anchor, document)).get(anchor)
        if passage is not None:
            shown[anchor] = passage
    if not shown:
        return Markup("")

    def template(of) -> str:
        return chicago_note(facts(of), "{url}", "{passage}").striptags()
    data = {"template": template(document), "passages": {}}
    for anchor, p in shown.items():
        data["passages"][anchor] = {"passage": p.label, "url": passage_url(links, p)}
        other = links.document_of.get(anchor, document)
        if other is not document:  # a passage of another document (notes.html): that document's citation
            data["passages"][anchor]["template"] = template(other)
    return Markup('<script type="application/json" id="passage-citations">{}</script>').format(_script_json(data))


def prepare(links: Links, documents) -> None:
    """Work out now what the pages of ``documents`` will look up (kept in ``links.memo``): forked
    workers then share it instead of each working it out again."""
    for document in documents:
        _passages_of(links, document)


def _passages_of(links: Links, document) -> dict:
    """A document's passages by anchor, looked up once a build (not once a page): only the
    documents whose pages are made, not every document of a large edition."""
    memo = ("passages by anchor", document.key)
    if memo not in links.memo:
        links.memo[memo] = {p.anchor: p for p in passages(links, document)}
    return links.memo[memo]


def _script_json(data) -> Markup:
    """JSON safe inside <script>: "<" escaped so no "</script>" can end it early."""
    return Markup(json.dumps(data, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c"))
