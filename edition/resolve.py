"""Stage 4: resolve every pointer once, on the whole model, before anything renders.

Knows which page shows which id, so a pointer becomes an ``href`` from any page:
note references and notes both ways, cross-references to divisions and blocks,
names to their entries, events and channels to the chronology, and each entry's
occurrences in the text.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from .diagnostics import BuildFailed
from .load import NS, TEI_NS, Source
from .model import CITABLE, XML_ID, Document, Edition, Note, element_of

#: Document 171's views of the whole text: each shows every id of <text>, so the same anchors work in all.
TEXT_PAGES = ("text.html", "diplomatic.html")
CONTENTS_PAGE = "documents.html"
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
    occurrences: dict[str, list[str | None]] = field(default_factory=dict)  # entry id -> the ids of its blocks
    refs: Mapping[str, etree._Element] = field(default_factory=dict)  # note reference id -> its <ptr>
    base_url: str = ""  # the edition's public address ("https://…/"); empty until one is decided
    document_of: dict[str, Document] = field(default_factory=dict)  # id of a text -> its document
    memo: dict = field(default_factory=dict)  # what several pages need, worked out once a build

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
        """The citable block an element of a document's text stands in (the element itself if citable)."""
        return block_of(element)

    def __post_init__(self) -> None:
        self._held = {d.volume.url: d for d in self.edition.documents if d.volume.url}
        self._of_page = {path: d for d in self.edition.documents for path in d.pages.values()}
        self._position = {d.key: i for i, d in enumerate(self.edition.documents)}

    def held(self, url: str) -> tuple[Document, str] | None:
        """A history.state.gov address of a document the edition holds: the document and the
        anchor the address names (``…/d172#d172-i-presented-the-package``; "" for the document)."""
        address, _, fragment = url.partition("#")
        document = self._held.get(address.rstrip("/"))
        return (document, fragment) if document is not None else None

    def page_document(self, path: str) -> Document:
        """The document a page is about: its own for a document's page, else the central one."""
        return self._of_page.get(path, self.edition.central)

    def position(self, document: Document) -> int:
        """Where a document stands in the edition's (FRUS) order."""
        return self._position[document.key]

    def cite_page(self, anchor: str) -> str:
        """The Cite page of the document an anchor stands in."""
        document = self.document_of.get(anchor)
        return document.pages["cite"] if document is not None else self.edition.central.pages["cite"]

    def locate(self, element: etree._Element, message: str, hint: str = ""):
        """A diagnostic at the element, in whichever file of the edition holds it."""
        root = element.getroottree().getroot()
        for source in self.edition.sources:
            if source.root is root:
                return source.locator.at(element, message, hint)
        return self.edition.source.locator.at(element, message, hint)


def _ids(elements) -> set[str]:
    return {value for root in elements for value in _ID_VALUES(root)}


# Found by libxml2: reading every attribute of every element in Python is the slow way at scale.
_ID_VALUES = etree.XPath("descendant-or-self::*/@xml:id[. != '']", smart_strings=False)


_CITABLE_TAGS = frozenset(f"{{{TEI_NS}}}{name}" for name in CITABLE)
_TEXT = f"{{{TEI_NS}}}text"


def block_of(element: etree._Element) -> etree._Element:
    """The citable block an element of a document's text stands in (the element itself if none):
    the nearest ancestor that a document's ``citable`` holds, one of CITABLE with an id, in <text>."""
    for candidate in element.iterancestors():
        if candidate.tag == _TEXT:
            break
        if candidate.tag in _CITABLE_TAGS and candidate.get(XML_ID):
            return candidate
    return element


def _locator(edition: Edition):
    roots: dict[int, Source] = {}

    def locate(element, message, hint=""):
        if not roots:  # a problem to locate: every file is parsed now, if it was not yet
            roots.update((id(source.root), source) for source in edition.sources)
        source = roots.get(id(element.getroottree().getroot()), edition.source)
        return source.locator.at(element, message, hint)
    return locate


class _ById(Mapping):
    """Elements by xml:id, each read from its file when first asked (which parses it, if it was not yet)."""

    def __init__(self, sources: dict[str, Source]):
        self._sources = sources

    def __getitem__(self, identifier: str) -> etree._Element:
        return element_of(self._sources[identifier], identifier)

    def __iter__(self):
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


@dataclass(frozen=True)
class _Read:
    """What resolving needs of one document's text, read from its file alone as plain data: the ids
    of its divisions; its joins (id, @target); its ids, of all and of the annotations; its note
    references (id, @target). Elements are looked up by these only where one is needed."""

    divisions: tuple[str, ...]
    joins: tuple[tuple[str | None, str], ...]
    ids: frozenset[str]
    annotation_ids: frozenset[str]
    note_refs: tuple[tuple[str | None, str | None], ...]


def _read_text(source: Source) -> _Read:
    text = source.root.find("tei:text", NS)
    return _Read(
        divisions=tuple(d.get(XML_ID) for d in text.iter(f"{{{NS['tei']}}}div")),
        joins=tuple((j.get(XML_ID), j.get("target", "")) for j in _joins(text)),
        ids=frozenset(_ids([text])),
        annotation_ids=frozenset(_ids(text.iterfind("tei:back/tei:div[@type='annotations']", NS))),
        note_refs=tuple((p.get(XML_ID), p.get("target")) for p in _note_refs(text)),
    )


def _joins(text: etree._Element) -> list[etree._Element]:
    return list(text.iter(f"{{{NS['tei']}}}join"))


def _note_refs(text: etree._Element) -> list[etree._Element]:
    return list(text.iterfind(".//tei:ptr[@type='noteAnchor']", NS))


#: A file's pointers, found by libxml2 (an edition of a thousand documents has tens of thousands):
#: those that must land ("#…" in @ref, @active, @passive, or @target but a note's anchor), and the
#: https:// addresses that may name a held document's passage; a join's are its parts (checked above).
_MUST_LAND_PATH = " | ".join(
    f"//@{attr}[starts-with(., '#')]{extra}[not(parent::tei:join)]"
    for attr, extra in (("ref", ""), ("active", ""), ("passive", ""), ("target", "[not(../@type = 'noteAnchor')]")))
_ADDRESSES_PATH = " | ".join(f"//@{attr}[starts-with(., 'https://')][not(parent::tei:join)]" for attr in ("target", "source"))
# As plain strings, for every build; with their elements, to locate a pointer that does not land.
_MUST_LAND = etree.XPath(_MUST_LAND_PATH, namespaces=NS, smart_strings=False)
_ADDRESSES = etree.XPath(_ADDRESSES_PATH, namespaces=NS, smart_strings=False)
_PLACED = etree.XPath(f"{_MUST_LAND_PATH} | {_ADDRESSES_PATH}", namespaces=NS)
#: Where a text names an entry: an element with @ref and no id of its own.
_NAMING = etree.XPath("tei:text//*[@ref][not(@xml:id)][not(self::tei:join)]", namespaces=NS)


def _pointers_of(source: Source, in_text: bool) -> tuple[list[str], list[str], list[tuple[str, str | None]]]:
    """A file's pointers that must land, its https:// addresses, and (``in_text``: a document's) where
    its text names an entry: the pointer and the id of the block it stands in, in document order.
    Read from the file alone, and kept with it: which of them land is a question for each build."""
    naming = [(e.get("ref"), block_of(e).get(XML_ID)) for e in _NAMING(source.root)] if in_text else []
    return _MUST_LAND(source.root), _ADDRESSES(source.root), naming


def _lands(links: Links, address: str) -> bool:
    """Whether an address names no held document's passage, or one that document has."""
    held = links.held(address)
    return held is None or not held[1] or links.document_of.get(held[1]) is held[0]


def _landing_problems(source: Source, links: Links, locate) -> list:
    """Where a file's pointers do not land: the same pointers, read with their elements (only when
    one does not land)."""
    problems = []
    for value in _PLACED(source.root):
        element, attr = value.getparent(), value.attrname
        if value.startswith("#") and value[1:] not in links.home:
            problems.append(locate(element, f'@{attr}="{value}" points to nothing the edition shows',
                                   "point to an id that a page shows: a passage or note of a text, or an entry, "
                                   "event or channel of standOff; an id of a header is on no page"))
        # A link to a document the edition holds may name one of its passages after "#".
        elif value.startswith("https://") and not _lands(links, value):
            problems.append(locate(element, f'@{attr}="{value}" names no passage of Document '
                                   f'{links.held(value)[0].number}',
                                   "after # write the id of one of its blocks, as its ¶ link shows it, "
                                   "or leave out # to point to the whole document"))
    return problems


def resolve(edition: Edition, base_url: str = "") -> Links:
    # What each document's file alone says, kept with it (``Source.once``): a process that builds
    # again reads only the files that changed.
    read = [d.source.once("resolve", _read_text, plain=True) for d in edition.documents]
    locate = _locator(edition)
    problems = []

    parts: dict[str, list[etree._Element]] = {}
    divisions = {i: d.source for d, own in zip(edition.documents, read) for i in own.divisions}
    for document, own in zip(edition.documents, read):
        for n, (join_id, target) in enumerate(own.joins):
            wanted = [token[1:] for token in target.split()]
            missing = [w for w in wanted if w not in divisions]
            if missing:
                join = _joins(document.source.root.find("tei:text", NS))[n]
                problems.append(locate(join, f"join names {', '.join('#' + m for m in missing)}, which is not a division",
                                       "point @target at the xml:ids of divisions, in reading order"))
            parts[join_id] = [element_of(divisions[w], w) for w in wanted if w in divisions]

    chronology_ids = {e.id for e in edition.events} | {c.id for c in edition.channels}
    joined = _ids(d for divs in parts.values() for d in divs)
    # The pages that show joined divisions show the notes referenced in them too.
    joined |= {ptr.get("target")[1:] for divs in parts.values() for d in divs
               for ptr in d.iterfind(".//tei:ptr[@type='noteAnchor']", NS)}
    on_page = {
        NAMES_PAGE: set(edition.entries),
        # notes.html gives the central document's notes whole; the others' it only lists,
        # so links to those notes (and their citations) go to their documents' pages.
        NOTES_PAGE: {note.id for note in edition.central.notes},
        CHRONOLOGY_PAGE: chronology_ids,
        COMPOSITE_PAGE: joined,
        COMPARE_PAGE: joined,
    }
    home: dict[str, str] = {}
    document_of: dict[str, Document] = {}
    annotation_ids: dict[str, set[str]] = {}
    for document, own in zip(edition.documents, read):
        text_ids = own.ids
        annotation_ids[document.key] = own.annotation_ids
        on_page[document.pages["reading"]] = set(text_ids)
        on_page[document.pages["diplomatic"]] = set(text_ids - annotation_ids[document.key])
        home.update(dict.fromkeys(text_ids, document.pages["reading"]))
        document_of.update(dict.fromkeys(text_ids, document))
    home.update({i: NAMES_PAGE for i in edition.entries})
    home.update({i: CHRONOLOGY_PAGE for i in chronology_ids})

    notes = {note.id: note for note in edition.notes}
    note_of_ref: dict[str, Note] = {}
    refs: dict[str, Source] = {}  # the file of each
    for document, own in zip(edition.documents, read):
        for n, (ref_id, target) in enumerate(own.note_refs):
            note = notes.get((target or "")[1:])
            if note is None or not ref_id:
                ptr = _note_refs(document.source.root.find("tei:text", NS))[n]
                problems.append(locate(ptr, f"note reference {target!r} cannot be resolved",
                                       "give the <ptr> an xml:id and point it at a note in back"))
                continue
            note_of_ref[ref_id] = note
            refs[ref_id] = document.source
    # The diplomatic view shows the source alone: no editorial notes, nor their references.
    editorial_refs = {ref for ref, note in note_of_ref.items() if note.type == "editorial"}
    for document in edition.documents:
        on_page[document.pages["diplomatic"]] -= editorial_refs

    links = Links(edition, home, on_page, note_of_ref,
                  {note.id: ref for ref, note in note_of_ref.items()}, parts, base_url=base_url, refs=_ById(refs),
                  document_of=document_of)
    seen: set[tuple[str, str | None]] = set()
    documents = {id(d.source) for d in edition.documents}
    for source in edition.sources:
        in_text = id(source) in documents  # a document's text names occurrences; the apparatus, none
        pointers, addresses, naming = source.once(("pointers", in_text), lambda s: _pointers_of(s, in_text), plain=True)
        if not all(pointer[1:] in home for pointer in pointers) or not all(_lands(links, a) for a in addresses):
            problems += _landing_problems(source, links, locate)
            continue
        for pointer, block in naming:
            if pointer[1:] in edition.entries and (pointer, block) not in seen:
                seen.add((pointer, block))
                links.occurrences.setdefault(pointer[1:], []).append(block)
    if problems:
        raise BuildFailed(problems)
    return links
