"""Stage 4: resolve every pointer once, on the whole model, before anything renders.

Knows which page shows which id, so a pointer becomes an ``href`` from any page:
note references and notes both ways, cross-references to divisions and blocks,
names to their entries, and each entry's occurrences in the text.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from .diagnostics import BuildFailed
from .load import NS
from .model import XML_ID, Edition, Note

#: The views of the text: each shows every id of <text>, so the same anchors work in all.
TEXT_PAGES = ("text.html", "diplomatic.html")
NAMES_PAGE = "names.html"


@dataclass
class Links:
    edition: Edition
    text_ids: set[str]
    entry_ids: set[str]
    note_of_ref: dict[str, Note]
    ref_of_note: dict[str, str]
    occurrences: dict[str, list[etree._Element]] = field(default_factory=dict)
    base_url: str = ""  # the edition's public address ("https://…/"); empty until one is decided

    def url(self, path: str) -> str:
        """The absolute URL of a site path (``text.html#drv-3``), or "" while no base URL is set."""
        return self.base_url + path if self.base_url else ""

    def href(self, pointer: str, page: str) -> str:
        """The link to ``pointer`` (``#id`` or an absolute URL) from ``page``."""
        if not pointer.startswith("#"):
            return pointer
        target = pointer[1:]
        if target in self.text_ids:
            home = page if page in TEXT_PAGES else TEXT_PAGES[0]
        elif target in self.entry_ids:
            home = NAMES_PAGE
        else:
            raise KeyError(pointer)
        return f"#{target}" if home == page else f"{home}#{target}"

    def block_of(self, element: etree._Element) -> etree._Element:
        """The citable block an element stands in (the element itself if citable)."""
        for candidate in element.iterancestors():
            if candidate in self._citable:
                return candidate
        return element

    def __post_init__(self) -> None:
        self._citable = set(self.edition.citable)


def resolve(edition: Edition, base_url: str = "") -> Links:
    text = edition.source.root.find("tei:text", NS)
    text_ids = {e.get(XML_ID) for e in text.iter() if e.get(XML_ID)}
    notes = {note.id: note for note in edition.notes}
    note_of_ref: dict[str, Note] = {}
    problems = []
    for ptr in text.iterfind(".//tei:ptr[@type='noteAnchor']", NS):
        note = notes.get(ptr.get("target", "")[1:])
        if note is None or not ptr.get(XML_ID):
            problems.append(edition.source.locator.at(
                ptr, f"note reference {ptr.get('target')!r} cannot be resolved",
                "give the <ptr> an xml:id and point it at a note in back/div[@type='notes']"))
            continue
        note_of_ref[ptr.get(XML_ID)] = note
    links = Links(edition, text_ids, set(edition.entries), note_of_ref,
                  {note.id: ref for ref, note in note_of_ref.items()}, base_url=base_url)
    for element in text.iter():
        for attr in ("ref", "target"):
            pointer = element.get(attr)
            if pointer is None or (attr == "target" and element.get("type") == "noteAnchor"):
                continue
            try:
                links.href(pointer, TEXT_PAGES[0])
            except KeyError:
                problems.append(edition.source.locator.at(
                    element, f"@{attr}={pointer!r} points to nothing the edition shows",
                    "point to an xml:id in <text> or in standOff"))
                continue
            if attr == "ref":
                blocks = links.occurrences.setdefault(pointer[1:], [])
                block = links.block_of(element)
                if block not in blocks:
                    blocks.append(block)
    if problems:
        raise BuildFailed(problems)
    return links
