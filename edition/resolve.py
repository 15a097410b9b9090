"""Stage 4: resolve every pointer once, on the whole model, before anything renders.

Knows which page shows which id, so a pointer becomes an ``href`` from any page:
note references and notes both ways, cross-references to divisions and blocks,
names to their entries, events and channels to the chronology, and each entry's
occurrences in the text.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from .diagnostics import BuildFailed
from .load import NS
from .model import XML_ID, Edition, Note

#: The views of the whole text: each shows every id of <text>, so the same anchors work in all.
TEXT_PAGES = ("text.html", "diplomatic.html")
NAMES_PAGE = "names.html"
NOTES_PAGE = "notes.html"
CHRONOLOGY_PAGE = "chronology.html"
COMPOSITE_PAGE = "composite.html"
COMPARE_PAGE = "compare.html"


@dataclass
class Links:
    edition: Edition
    home: dict[str, str]            # id -> the page a link to it goes to
    on_page: dict[str, set[str]]    # page -> the ids it shows
    note_of_ref: dict[str, Note]
    ref_of_note: dict[str, str]
    parts: dict[str, list[etree._Element]]  # join id -> the divisions it joins, in order
    occurrences: dict[str, list[etree._Element]] = field(default_factory=dict)
    refs: dict[str, etree._Element] = field(default_factory=dict)  # note reference id -> its <ptr>
    base_url: str = ""  # the edition's public address ("https://…/"); empty until one is decided

    def url(self, path: str) -> str:
        """The absolute URL of a site path (``text.html#drv-3``), or "" while no base URL is set."""
        return self.base_url + path if self.base_url else ""

    def href(self, pointer: str, page: str) -> str:
        """The link to ``pointer`` (``#id`` or an absolute URL) from ``page``."""
        if not pointer.startswith("#"):
            return pointer
        target = pointer[1:]
        if target in self.on_page.get(page, ()):
            return f"#{target}"
        return f"{self.home[target]}#{target}"

    def block_of(self, element: etree._Element) -> etree._Element:
        """The citable block an element stands in (the element itself if citable)."""
        for candidate in element.iterancestors():
            if candidate in self._citable:
                return candidate
        return element

    def __post_init__(self) -> None:
        self._citable = set(self.edition.citable)


def _ids(elements) -> set[str]:
    return {e.get(XML_ID) for root in elements for e in root.iter() if e.get(XML_ID)}


def resolve(edition: Edition, base_url: str = "") -> Links:
    root = edition.source.root
    text = root.find("tei:text", NS)
    locate = edition.source.locator.at
    problems = []

    parts: dict[str, list[etree._Element]] = {}
    divisions = {d.get(XML_ID): d for d in text.iter(f"{{{NS['tei']}}}div")}
    for join in text.iter(f"{{{NS['tei']}}}join"):
        wanted = [token[1:] for token in join.get("target", "").split()]
        missing = [w for w in wanted if w not in divisions]
        if missing:
            problems.append(locate(join, f"join names {', '.join('#' + m for m in missing)}, which is not a division",
                                   "point @target at the xml:ids of divisions, in reading order"))
        parts[join.get(XML_ID)] = [divisions[w] for w in wanted if w in divisions]

    text_ids = _ids([text])
    annotation_ids = _ids(text.iterfind("tei:back/tei:div[@type='annotations']", NS))
    notes_ids = {note.id for note in edition.notes}
    standoff = root.find("tei:standOff", NS)
    chronology_ids = {e.get(XML_ID) for e in standoff.iterfind("tei:listEvent/tei:event", NS)} | {
        r.get(XML_ID) for r in standoff.iterfind("tei:listRelation/tei:relation", NS)}
    joined = _ids(d for divs in parts.values() for d in divs)
    # The pages that show joined divisions show the notes referenced in them too.
    joined |= {ptr.get("target")[1:] for divs in parts.values() for d in divs
               for ptr in d.iterfind(".//tei:ptr[@type='noteAnchor']", NS)}
    on_page = {
        TEXT_PAGES[0]: text_ids,
        TEXT_PAGES[1]: text_ids - annotation_ids,
        NAMES_PAGE: set(edition.entries),
        NOTES_PAGE: notes_ids,
        CHRONOLOGY_PAGE: chronology_ids,
        COMPOSITE_PAGE: joined,
        COMPARE_PAGE: joined,
    }
    home = {i: TEXT_PAGES[0] for i in text_ids}
    home.update({i: NAMES_PAGE for i in edition.entries})
    home.update({i: CHRONOLOGY_PAGE for i in chronology_ids})

    notes = {note.id: note for note in edition.notes}
    note_of_ref: dict[str, Note] = {}
    refs: dict[str, etree._Element] = {}
    for ptr in text.iterfind(".//tei:ptr[@type='noteAnchor']", NS):
        note = notes.get(ptr.get("target", "")[1:])
        if note is None or not ptr.get(XML_ID):
            problems.append(locate(ptr, f"note reference {ptr.get('target')!r} cannot be resolved",
                                   "give the <ptr> an xml:id and point it at a note in back"))
            continue
        note_of_ref[ptr.get(XML_ID)] = note
        refs[ptr.get(XML_ID)] = ptr
    # The diplomatic view shows the source alone: no editorial notes, nor their references.
    on_page[TEXT_PAGES[1]] -= {ref for ref, note in note_of_ref.items() if note.type == "editorial"}

    links = Links(edition, home, on_page, note_of_ref,
                  {note.id: ref for ref, note in note_of_ref.items()}, parts, base_url=base_url, refs=refs)
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag == f"{{{NS['tei']}}}join":
            continue
        for attr in ("ref", "target", "active", "passive"):
            pointer = element.get(attr)
            if pointer is None or (attr == "target" and element.get("type") == "noteAnchor"):
                continue
            if pointer.startswith("#") and pointer[1:] not in home:
                problems.append(locate(element, f"@{attr}={pointer!r} points to nothing the edition shows",
                                       "point to an xml:id in <text> or in standOff"))
                continue
            if attr == "ref" and text in element.iterancestors():
                blocks = links.occurrences.setdefault(pointer[1:], [])
                block = links.block_of(element)
                if block not in blocks:
                    blocks.append(block)
    if problems:
        raise BuildFailed(problems)
    return links
