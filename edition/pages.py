"""What each page of the site shows: ``PAGES``, one row a page.

A row gives the page's path, its template, its title, its label in the
navigation (None keeps it out) and the function that gathers its context from
the resolved edition. ``render`` lays every row out with its template.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lxml import etree
from markupsafe import Markup

from . import cite
from .cite import long_date
from .load import NS
from .markdown import markdown_file
from .model import XML_ID
from .resolve import CHRONOLOGY_PAGE, COMPARE_PAGE, COMPOSITE_PAGE, NAMES_PAGE, NOTES_PAGE, TEXT_PAGES, Links
from .rules import Renderer
from .timeline import channels, document_label, timeline

KIND_HEADINGS = {"person": "Persons", "org": "Organisations", "place": "Places"}


def home(links: Links, path: str) -> dict:
    summary = next((note for note in links.edition.notes if note.type == "summary"), None)
    r = Renderer(links, path)
    return {"summary": r.inline(summary.element).strip() if summary is not None else Markup("")}


def text_view(view: str) -> Callable[[Links, str], dict]:
    def context(links: Links, path: str) -> dict:
        r = Renderer(links, path, view)
        return {"view": view, "document": r.render(links.edition.document), "back": r.render(links.edition.back)}
    return context


def names(links: Links, path: str) -> dict:
    r = Renderer(links, path)
    groups = []
    for kind, heading in KIND_HEADINGS.items():
        entries = [
            {"entry": e, "identification": r.inline(e.identification).strip(),
             "occurrences": [block.get(XML_ID) for block in links.occurrences.get(e.id, [])]}
            for e in links.edition.entries.values() if e.kind == kind
        ]
        if entries:
            groups.append({"heading": heading, "entries": entries})
    return {"groups": groups}


#: The edition's texts in Markdown, kept in the project's source/ folder.
TEXTS = Path(__file__).resolve().parent.parent / "source"


def about(links: Links, path: str) -> dict:
    """The introduction and the editorial principles."""
    return {"sections": [markdown_file(TEXTS / name) for name in ("introduction.md", "editing.md")]}


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
    """Every FRUS note and every editorial note, each with the passage it belongs to."""
    r = Renderer(links, path)
    groups = {"FRUS notes": [], "Editorial notes": []}
    for note in links.edition.notes:
        ref = links.ref_of_note[note.id]
        block = links.block_of(links.refs[ref])
        groups["Editorial notes" if note.type == "editorial" else "FRUS notes"].append({
            "note": note,
            "content": r.inline(note.element).strip(),
            "passage": block.get(XML_ID),
            "passage_href": f"{TEXT_PAGES[0]}#{ref}",
        })
    return {"groups": [(heading, items) for heading, items in groups.items() if items]}


def date_span(start: str, end: str) -> str:
    """The way the chronology shows a day or a span of days."""
    if start == end:
        return long_date(start)
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a:%B} {a.day}–{b.day}, {a.year}"
    return f"{long_date(start)} – {long_date(end)}"


def chronology(links: Links, path: str) -> dict:
    edition = links.edition
    r = Renderer(links, path)
    events = [{
        "event": e,
        "when": date_span(e.start, e.end),
        "label": r.inline(e.label).strip(),
        "desc": r.inline(e.desc).strip(),
        "passages": [(p, f"{TEXT_PAGES[0]}#{p}") for p in e.passages],
        "sources": [r.render(b) for b in e.sources],
    } for e in edition.events]
    lanes = {lane: edition.entries[lane].name for lane in {c.sender for c in edition.channels} | {c.receiver for c in edition.channels}}
    messages = [{
        "channel": c, "when": ("after " if c.after else "") + long_date(c.when), "document": document_label(c.source),
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
    f = cite.facts(links.edition)
    return {
        "styles": cite.document_styles(f, cite.document_url(links)),
        "downloads": [{"href": f"{cite.DOWNLOADS_DIR}/{f.key}.{suffix}", "label": label, "type": media}
                      for suffix, label, media, _ in cite.DOWNLOADS],
        "reading_text": f"{cite.DOWNLOADS_DIR}/{f.key}.txt",
        "passages": [{"passage": p, "styles": cite.passage_styles(f, p, cite.passage_url(links, p))}
                     for p in cite.passages(links)],
        "has_base_url": bool(links.base_url),
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


PAGES = (
    Page("index.html", "index.html", "About this edition", "Home", home),
    Page("about.html", "about.html", "Introduction and editorial principles", "Introduction", about),
    Page(TEXT_PAGES[0], "text.html", "Reading text", "Reading text", text_view("reading")),
    Page(TEXT_PAGES[1], "diplomatic.html", "Diplomatic text", "Diplomatic text", text_view("diplomatic")),
    Page(COMPOSITE_PAGE, "composite.html", "The message to the Chinese side", "Message to the Chinese", composite),
    Page(COMPARE_PAGE, "compare.html", "The two messages compared", "Comparison", compare),
    Page(NOTES_PAGE, "notes.html", "All notes", "Notes", notes),
    Page(NAMES_PAGE, "names.html", "Names", "Names", names),
    Page(CHRONOLOGY_PAGE, "chronology.html", "Chronology and channels", "Chronology", chronology),
    # citation and versions
    Page(cite.CITE_PAGE, "cite.html", "Cite this edition", "Cite", cite_page),
    Page("changes.html", "changes.html", "Changes", "Changes", changes),
)
