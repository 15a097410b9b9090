"""The reading text as plain UTF-8 text, each passage headed by its anchor.

The text is taken from the reading view as ``rules`` renders it, so the two can
never differ: the editors' correction with the source's reading in brackets,
note references as ``[note 1]`` and ``[editorial note a]``, the page break as ``[Page 2]``.
"""
from __future__ import annotations

import threading

from lxml import etree

from .cite import DOWNLOADS_DIR, facts, long_date
from .model import XML_ID, Document
from .resolve import Links
from .rules import document_html

#: Rendered parts that are navigation, not text.
_NOT_TEXT = ("permalink", "visually-hidden")


def reading_text(links: Links, edition: Document | None = None) -> str:
    """A document's reading text (the central document's when none is given)."""
    edition = edition or links.edition.central
    f = facts(edition)
    page = edition.pages["reading"]
    text, back = document_html(links, edition, page)  # as the reading page shows it
    # parsed by libxml2's HTML parser, as lxml.html would, into plain elements (lxml.html's own
    # classes cost a Python call for every element the code below looks at)
    rendered = etree.fromstring(f"<html><body><div>{text}{back}</div></body></html>", _html_parser())[0][0]
    # Navigation is no text, and a note's reference reads as "[note 1]": changed once, in the
    # whole rendering, before the blocks are read from it.
    for hidden in _HIDDEN(rendered):
        _drop(hidden)
    for ref in _NOTE_REFERENCES(rendered):
        kind = "editorial note" if "editorial" in ref.get("class", "") else "note"
        ref.text = f"[{kind} {_text_content(ref).strip()}]"
    by_id: dict[str, etree._Element] = {}
    for element in _WITH_ID(rendered):
        by_id.setdefault(element.get("id"), element)
    address = links.url(page) or page
    example = next((b.get(XML_ID) for b in edition.citable if etree.QName(b).localname == "p"), "")
    lines = [
        edition.title,
        edition.subtitle,
        f"Version {edition.version}, {long_date(edition.date)}. The reading text; source: {f.frus_url}",
        f"Each passage begins with its anchor in brackets: cite [#{example}] as {address}#{example}.",
        "",
    ]
    outer = {id(e) for e in edition.citable}
    headings = {}  # the first note of each kind opens its section
    for note in reversed(edition.notes):
        headings[note.type == "editorial"] = note.element
    headings = {id(element): "Editorial notes" if editorial else "Notes" for editorial, element in headings.items()}
    for element in edition.citable:
        if any(id(a) in outer for a in element.iterancestors()):
            continue  # shown within the block that holds it
        anchor = element.get(XML_ID)
        if id(element) in headings:
            lines += [headings[id(element)], ""]
        block = by_id[anchor]
        text = _text_of(block)
        lines += [f"[#{anchor}]" + (text if text.startswith("\n") else " " + text), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _text_of(block: etree._Element) -> str:
    lines = _LINES(block)
    if lines:  # the wire's header: one line a part, as the source lays it out
        return "\n" + "\n".join(" ".join(_text_content(line).split()) for line in lines)
    return " ".join(_text_content(block).split())


def _html_parser() -> etree.HTMLParser:
    """This thread's HTML parser: one is made once a thread (making one costs about half as much as
    parsing a document's text), and lxml's parsers are not to be shared between threads."""
    if not hasattr(_THREAD, "parser"):
        _THREAD.parser = etree.HTMLParser()
    return _THREAD.parser


_THREAD = threading.local()


def _text_content(element: etree._Element) -> str:
    """All the text within the element (lxml.html's ``text_content``)."""
    return "".join(element.itertext())


def _drop(element: etree._Element) -> None:
    """Remove the element and what it holds, keeping the text that follows it (lxml.html's ``drop_tree``)."""
    parent, tail = element.getparent(), element.tail
    if tail:
        previous = element.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + tail
        else:
            previous.tail = (previous.tail or "") + tail
    parent.remove(element)


_HIDDEN = etree.XPath(" | ".join(f"//*[contains(concat(' ', @class, ' '), ' {name} ')]" for name in _NOT_TEXT))
_NOTE_REFERENCES = etree.XPath("//a[@role='doc-noteref']")
_LINES = etree.XPath("./p[contains(concat(' ', @class, ' '), ' line ')]")
_WITH_ID = etree.XPath("descendant-or-self::*[@id != '']")


def reading_text_file(links: Links, document: Document) -> dict[str, bytes]:
    return {f"{DOWNLOADS_DIR}/{facts(document).key}.txt": reading_text(links, document).encode("utf-8")}
