"""What each page of the site shows: ``PAGES``, one row a page of the edition, and
``document_pages``, the rows of each further document's pages.

A row gives the page's path, its template, its title, its label in the
edition's navigation (None keeps it out) and the function that gathers its
context from the resolved edition. ``render`` lays every row out with its template.
Document 171 keeps the addresses it was first published at (text.html …); every
other document's pages are named by its key (d170.html, d170-diplomatic.html,
d170-cite.html).
"""
from __future__ import annotations

import re
from html import unescape as html_unescape
from dataclasses import dataclass, replace
from typing import Callable

from lxml import etree
from markupsafe import Markup

from . import cite
from .cite import date_span, long_date
from .load import NS
from .markdown import TEXTS, markdown_file
from .model import XML_ID, Document, Edition
from .ranges import SIZES, range_of, ranges
from .resolve import (CHRONOLOGY_PAGE, COMPARE_PAGE, COMPOSITE_PAGE, CONTENTS_PAGE, NAMES_PAGE, NOTES_PAGE,
                      TEXT_PAGES, Links)
from .rules import Renderer, document_html
from .search import SEARCH_PAGE, search_page
from .timeline import channels, document_label, timeline

KIND_HEADINGS = {"person": "Persons", "org": "Organisations", "place": "Places"}


def summary_of(links: Links, document: Document, path: str) -> Markup:
    """A document's FRUS summary note, as the reading text shows it."""
    note = next((note for note in document.notes if note.type == "summary"), None)
    return Renderer(links, path).inline(note.element).strip() if note is not None else Markup("")


def home(links: Links, path: str) -> dict:
    return {"summary": summary_of(links, links.edition.central, path)}


def text_view(view: str) -> Callable[[Links, str], dict]:
    def context(links: Links, path: str) -> dict:
        text, back = document_html(links, links.page_document(path), path, view)
        return {"view": view, "document": text, "back": back}
    return context


READING, DIPLOMATIC = text_view("reading"), text_view("diplomatic")


def _parties(document: Document, kind: str) -> str:
    """Sender or recipient as the header's correspDesc records them."""
    action = document.source.root.find(f".//tei:correspDesc/tei:correspAction[@type='{kind}']", NS)
    if action is None:
        return ""
    return ", ".join(" ".join("".join(e.itertext()).split()) for e in action
                     if etree.QName(e).localname in ("persName", "orgName"))


def contents(links: Links, path: str) -> dict:
    """The documents of the edition (of the page's range) in FRUS order: number, date, from and to,
    FRUS summary, views."""
    rows = []
    for document in range_of(links.edition, path).documents:
        when, iso = document.dated
        rows.append({"document": document, "when": when, "iso": iso,
                     "sender": _parties(document, "sent"), "receiver": _parties(document, "received"),
                     "summary": summary_of(links, document, path)})
    return {"rows": rows, **_ranges_of(links, path)}


def names(links: Links, path: str) -> dict:
    """The entries with the passages where each is named: on names.html every entry, identified,
    with the passages of the central range; on a range's page, the entries named in its documents."""
    shown = range_of(links.edition, path)
    documents = {d.key for d in shown.documents}
    r = Renderer(links, path)
    groups = []
    for kind, heading in KIND_HEADINGS.items():
        entries = []
        for e in links.edition.entries.values():
            if e.kind != kind:
                continue
            named = links.occurrences.get(e.id, [])
            occurrences = _by_document(links, named, documents)
            if shown.page != NAMES_PAGE and not occurrences:
                continue
            own = shown.page == NAMES_PAGE  # a range's page links to the identification instead
            entries.append({"entry": e, "identification": r.inline(e.identification).strip() if own else "",
                            "occurrences": occurrences, "named": bool(named)})
        if entries:
            groups.append({"heading": heading, "entries": entries})
    return {"groups": groups, **_ranges_of(links, path)}


def _ranges_of(links: Links, path: str) -> dict:
    """What a list's page says of its range: None of it while the list has one page only."""
    shown = range_of(links.edition, path)
    pages = ranges(links.edition, shown.listing)
    return {"range": shown, "ranges": pages} if len(pages) > 1 else {"range": None, "ranges": []}


def _by_document(links: Links, anchors: list[str], documents: set[str] | None = None) -> list[dict]:
    """Anchors grouped by their document, in FRUS order, each with its link (of ``documents``
    only, by key, when they are given)."""
    mine: dict[str, list[tuple[str, str]]] = {}
    for a in anchors:
        document = links.document_of.get(a)
        if document is not None and (documents is None or document.key in documents):
            mine.setdefault(document.key, []).append((a, f"{links.home[a]}#{a}"))
    return [{"document": d, "anchors": mine[d.key]} for d in links.edition.documents if d.key in mine]


def about(links: Links, path: str) -> dict:
    """The introduction and the editorial principles."""
    return {"sections": [held_links(links, markdown_file(TEXTS / name)) for name in ("introduction.md", "editing.md")]}


_LINK = re.compile(r'<a href="(?P<href>https://[^"]+)">(?P<text>.*?)</a>', re.S)


def held_links(links: Links, rendered: Markup) -> Markup:
    """A Markdown text's links to documents the edition holds, as the rules render a TEI <ref> to one:
    to the edition's page, with the history.state.gov address beside it."""
    def link(m: re.Match) -> str:
        held = links.held(html_unescape(m["href"]))
        if held is None:
            return m[0]
        document, fragment = held
        here = f'{document.pages["reading"]}#{fragment or document.document.get(XML_ID)}'
        return (f'<a href="{here}" class="xref">{m["text"]}</a> <span class="source-address">'
                f'(<a href="{m["href"]}" class="external">history.state.gov</a>)</span>')
    return Markup(_LINK.sub(link, str(rendered)))


def _joined(links: Links) -> tuple[etree._Element, list[etree._Element]]:
    """The wire's join and the divisions it names, in order."""
    join = next(links.edition.source.root.iter(f"{{{NS['tei']}}}join"))
    return join, links.parts[join.get(XML_ID)]


def composite(links: Links, path: str) -> dict:
    """The full message for the Chinese leadership, assembled from the join: no text copied."""
    join, divisions = _joined(links)
    instruction = join.getprevious()  # the join encodes the paragraph it follows: the wire's instruction
    notes = [links.note_of_ref[p.get(XML_ID)] for p in instruction.iterfind(".//tei:ptr[@type='noteAnchor']", NS)]
    quote = Renderer(links, path, anchors=False)
    return {
        "instruction": quote.inline(instruction).strip(),
        "instruction_href": links.href("#" + instruction.get(XML_ID), path),
        "explanation": quote.inline(join.find("tei:desc", NS)).strip(),
        "notes": [(note.number, links.href("#" + note.id, path)) for note in notes if note.type == "editorial"],
        "parts": [Renderer(links, path).render(div) for div in divisions],
        "notes_section": _notes_within(links, path, divisions),
    }


def _notes_within(links: Links, path: str, divisions: list[etree._Element]) -> Markup:
    """The notes referenced in some divisions, for a page that shows them apart from the text."""
    r = Renderer(links, path)
    refs = [p for d in divisions for p in d.iterfind(".//tei:ptr[@type='noteAnchor']", NS)]
    notes = [links.note_of_ref[p.get(XML_ID)] for p in refs]
    if not notes:
        return Markup("")
    heading = "Editorial notes" if all(n.type == "editorial" for n in notes) else "Notes"
    return Markup('<section class="notes" role="doc-endnotes" aria-label="{0}"><h2>{0}</h2>\n{1}</section>').format(
        heading, Markup("\n").join(r.render(n.element) for n in notes))


def _blocks(division: etree._Element) -> list[etree._Element]:
    return [e for e in division.iter(f"{{{NS['tei']}}}head", f"{{{NS['tei']}}}p")]


def compare(links: Links, path: str) -> dict:
    """The message to the DRV beside the message to the Chinese side, aligned block by block."""
    _, divisions = _joined(links)
    to_drv = [b for d in divisions if d.get("type") == "message" for b in _blocks(d)]
    to_china = [b for d in divisions for b in _blocks(d)]
    first, again = Renderer(links, path), Renderer(links, path, anchors=False)
    rows = []
    for block in to_china:
        shared = block in to_drv
        rows.append({"left": first.render(block) if shared else None,
                     "right": (again if shared else first).render(block)})
    rows += [{"left": first.render(b), "right": None} for b in to_drv if b not in to_china]
    return {"rows": rows, "notes_section": _notes_within(links, path, divisions)}


def notes(links: Links, path: str) -> dict:
    """Every FRUS note and every editorial note, each with the passage it belongs to, under its document.

    The central document's notes are given whole; the other documents' are listed by
    their lemma (or, for a FRUS note, its first words), each linked to the whole note in
    that document's reading text: so the page stays light however many documents join.
    """
    r = Renderer(links, path)
    documents = []
    for document in range_of(links.edition, path).documents:
        whole = document is links.edition.central
        groups = {"FRUS notes": [], "Editorial notes": []}
        for note in document.notes:
            ref = links.ref_of_note[note.id]
            block = links.block_of(links.refs[ref])
            groups["Editorial notes" if note.type == "editorial" else "FRUS notes"].append({
                "note": note,
                "content": r.inline(note.element).strip() if whole else _incipit(r, note.element),
                "note_href": f"{document.pages['reading']}#{note.id}",
                "passage": block.get(XML_ID),
                "passage_href": f"{document.pages['reading']}#{ref}",
                "cite_page": document.pages["cite"],
            })
        documents.append({"document": document, "whole": whole,
                          "groups": [(heading, items) for heading, items in groups.items() if items]})
    return {"documents": documents, **_ranges_of(links, path)}


def _incipit(r: Renderer, note: etree._Element, words: int = 12) -> Markup:
    """What names a note in a list: its lemma, or the first words of a note without one."""
    label = note.find("tei:label", NS)
    if label is not None:
        return r.render(label)
    text = " ".join("".join(note.itertext()).split()).split(" ")
    return Markup("{}{}").format(" ".join(text[:words]), " …" if len(text) > words else "")


def chronology(links: Links, path: str) -> dict:
    edition = links.edition
    r = Renderer(links, path)
    events = [{
        "event": e,
        "when": date_span(e.start, e.end),
        "label": r.inline(e.label).strip(),
        "desc": r.inline(e.desc).strip(),
        "passages": [(p, f"{links.home[p]}#{p}") for p in e.passages],
        "sources": [r.render(b) for b in e.sources],
    } for e in edition.events]
    lanes = {lane: edition.entries[lane].name for lane in {c.sender for c in edition.channels} | {c.receiver for c in edition.channels}}
    messages = [{
        "channel": c, "when": ("after " if c.after else "") + long_date(c.when), "document": document_label(c.source),
        "held": links.held(c.source)[0].pages["reading"] if links.held(c.source) else None,
        "sender": lanes[c.sender], "receiver": lanes[c.receiver],
        "desc": r.inline(c.desc).strip(),
    } for c in edition.channels]
    return {
        "events": events,
        "timeline": timeline(edition.events, {e.id: "#" + e.id for e in edition.events}, "timeline-caption"),
        "messages": messages,
        "channels": channels(edition.channels, lanes, {c.id: "#" + c.id for c in edition.channels}, "channels-caption"),
    }
def cite_page(links: Links, path: str) -> dict:
    """The document in every style, its downloads, and each passage's ready citations."""
    document = links.page_document(path)
    f = cite.facts(document)
    return {
        "heading": "Cite this edition" if document is links.edition.central else f"Cite Document {document.number}",
        "styles": cite.document_styles(f, cite.document_url(links, document)),
        "downloads": [{"href": f"{cite.DOWNLOADS_DIR}/{f.key}.{suffix}", "label": label, "type": media}
                      for suffix, label, media, _ in cite.DOWNLOADS],
        "reading_text": f"{cite.DOWNLOADS_DIR}/{f.key}.txt",
        "passages": [{"passage": p, "styles": cite.passage_styles(f, p, cite.passage_url(links, p))}
                     for p in cite.passages(links, document)],
        "has_base_url": bool(links.base_url),
        # Citations link no names: the page needs neither the names' data nor their pop-up script,
        # which keeps the longest Cite pages light.
        "name_data": "",
    }


def changes(links: Links, path: str) -> dict:
    r = Renderer(links, path)
    return {"revisions": [
        {"change": c, "corrections": [r.inline(item).strip() for item in c.items]}
        for c in sorted(links.edition.revisions, key=lambda c: (c.when, c.version), reverse=True)]}


@dataclass(frozen=True)
class Page:
    path: str
    template: str
    title: str
    nav: str | None  # its label in the navigation; None keeps it out
    context: Callable[[Links, str], dict]
    within: str | None = None  # the page of the navigation it belongs to (a list's further range)


#: The edition's pages: those with a label in ``nav`` make the edition's navigation; Document 171's
#: views (reading, diplomatic, the message to the Chinese side, the comparison, cite) are in its own.
PAGES = (
    Page("index.html", "index.html", "About this edition", "Home", home),
    Page(CONTENTS_PAGE, "documents.html", "The documents", "Documents", contents),
    Page("about.html", "about.html", "Introduction and editorial principles", "Introduction", about),
    Page(TEXT_PAGES[0], "text.html", "Reading text", None, READING),
    Page(TEXT_PAGES[1], "diplomatic.html", "Diplomatic text", None, DIPLOMATIC),
    Page(COMPOSITE_PAGE, "composite.html", "The message to the Chinese side", None, composite),
    Page(COMPARE_PAGE, "compare.html", "The two messages compared", None, compare),
    Page(NOTES_PAGE, "notes.html", "All notes", "Notes", notes),
    Page(NAMES_PAGE, "names.html", "Names", "Names", names),
    Page(CHRONOLOGY_PAGE, "chronology.html", "Chronology and channels", "Chronology", chronology),
    # citation and versions
    Page(cite.CITE_PAGE, "cite.html", "Cite this edition", None, cite_page),
    Page("changes.html", "changes.html", "Changes", "Changes", changes),
    # the search page: the header's search field on every other page leads there
    Page(SEARCH_PAGE, "search.html", "Search", None, search_page),
)

#: The views of each document in its own navigation: (view, label); Document 171 has two more.
DOCUMENT_VIEWS = (("reading", "Reading text"), ("diplomatic", "Diplomatic text"), ("cite", "Cite"))
CENTRAL_VIEWS = ((COMPOSITE_PAGE, "Message to the Chinese"), (COMPARE_PAGE, "Comparison"))


def document_pages(edition: Edition) -> tuple[Page, ...]:
    """The reading, diplomatic and Cite pages of every document but the central one."""
    rows = []
    for d in edition.documents:
        if d is edition.central:
            continue
        rows += [Page(d.pages["reading"], "document.html", f"Document {d.number}: reading text", None,
                      READING),
                 Page(d.pages["diplomatic"], "document.html", f"Document {d.number}: diplomatic text", None,
                      DIPLOMATIC),
                 Page(d.pages["cite"], "cite.html", f"Cite Document {d.number}", None, cite_page)]
    return tuple(rows)


def range_pages(edition: Edition) -> tuple[Page, ...]:
    """The pages of the lists' further ranges (none while every document is in the central range)."""
    listed = {page.path: page for page in PAGES}
    return tuple(Page(r.page, listed[listing].template, r.title, None, listed[listing].context, within=listing)
                 for listing in SIZES for r in ranges(edition, listing) if r.page != listing)


def all_pages(edition: Edition) -> tuple[Page, ...]:
    """Every page; a list split into ranges is titled by the range its own page shows."""
    own = tuple(replace(page, title=range_of(edition, page.path).title)
                if page.path in SIZES and len(ranges(edition, page.path)) > 1 else page for page in PAGES)
    return own + document_pages(edition) + range_pages(edition)


def document_navigation(links: Links, path: str) -> dict | None:
    """A document's own navigation for one of its pages: its views, its TEI, the previous and
    next documents in FRUS order (the same view); None for the edition's pages."""
    documents = links.edition.documents
    document = links.page_document(path)
    if path not in document.pages.values():
        if path not in (COMPOSITE_PAGE, COMPARE_PAGE):
            return None
        document = links.edition.central
    view = next((v for v, p in document.pages.items() if p == path), "reading")
    views = [(document.pages[v], label) for v, label in DOCUMENT_VIEWS]
    if document is links.edition.central:
        views[2:2] = CENTRAL_VIEWS
    i = links.position(document)
    neighbour = lambda d: {"href": d.pages[view], "label": f"Document {d.number}"} if d else None
    return {
        "document": document,
        "views": views,
        "previous": neighbour(documents[i - 1] if i > 0 else None),
        "next": neighbour(documents[i + 1] if i + 1 < len(documents) else None),
    }
