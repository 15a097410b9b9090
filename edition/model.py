"""Stage 3: the validated TEI as plain data the later stages read.

Nothing here renders or links: for each document it gathers what the header
says about it and its source, the citable blocks and the FRUS notes; for the
edition, the documents in FRUS order and the name entries, events and channels
of the shared apparatus.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from lxml import etree

from .diagnostics import BuildFailed
from .load import NS, TEI_NS, XML_NS, Source

XML_ID = f"{{{XML_NS}}}id"

#: TEI elements in <text> that a reader can cite: each carries a permanent xml:id.
CITABLE = ("head", "p", "opener", "dateline", "list", "closer", "note", "pb")


@dataclass(frozen=True)
class Revision:
    when: str
    version: str
    description: str
    correction: bool = False  # a release that corrects what an earlier one said
    items: tuple[etree._Element, ...] = ()  # what it changed, one <item> each


@dataclass(frozen=True)
class Note:
    """A note of the text; ``number`` is the one the source gives it."""

    id: str
    number: str
    type: str
    source: Source = field(repr=False, compare=False)

    @property
    def element(self) -> etree._Element:
        """The note in its file (which is parsed, if it was not yet)."""
        return element_of(self.source, self.id)


@dataclass(frozen=True)
class Entry:
    """A person, organisation or place of standOff that names in the text point to."""

    id: str
    kind: str
    name: str
    identification: etree._Element


@dataclass(frozen=True)
class Event:
    """A dated event of the chronology, with the passages that mention it and its sources."""

    id: str
    start: str
    end: str
    proposed: bool
    label: etree._Element
    desc: etree._Element
    passages: tuple[str, ...]
    sources: tuple[etree._Element, ...]


@dataclass(frozen=True)
class Channel:
    """A message from one party to another, as the chronology's channel diagram draws it.

    ``when`` is its day; where the sources give no day but only a day it came
    after (``@notBefore``), ``after`` is true and ``when`` is that day.
    """

    id: str
    when: str
    after: bool
    sender: str
    receiver: str
    desc: etree._Element
    source: str


@dataclass(frozen=True)
class Volume:
    series: str
    subseries: str
    number: str
    title: str
    editors: tuple[str, ...]
    general_editors: tuple[str, ...]
    publisher: str
    pub_place: str
    year: str
    document_number: str
    document_title: str
    url: str


@dataclass(frozen=True)
class ArchivalSource:
    repository: str
    collections: tuple[str, ...]
    box: str
    folder: str
    classification: str


@dataclass
class Document:
    """One FRUS document of the edition: its file, header facts, text, notes and pages. The facts
    are plain data, which later builds take from ``file_facts``; the elements (``document``,
    ``citable`` …) are read from the file when first asked, which parses it if it was not yet."""

    source: Source
    key: str                # "d170": the document's number, the prefix of its ids
    title: str
    subtitle: str
    version: str
    date: str
    volume: Volume
    archive: ArchivalSource
    notes: list[Note]
    citable_ids: tuple[str, ...]  # the ids of ``citable``, in order
    dated: tuple[str, str]        # the date and time as the dateline (or heading) gives them, and @when
    pages: dict[str, str] = field(default_factory=dict)  # view ("reading", "diplomatic", "cite") -> path

    @property
    def number(self) -> str:
        return self.volume.document_number

    @functools.cached_property
    def document(self) -> etree._Element:
        return self.source.root.find("tei:text/tei:body/tei:div[@type='document']", NS)

    @functools.cached_property
    def back(self) -> etree._Element:
        return self.source.root.find("tei:text/tei:back", NS)

    @functools.cached_property
    def citable(self) -> list[etree._Element]:
        return _citable(self.source.root.find("tei:text", NS))

    @functools.cached_property
    def revisions(self) -> list[Revision]:
        return [_revision(c) for c in self.source.root.iterfind("tei:teiHeader/tei:revisionDesc/tei:change", NS)]

    @property
    def tei_name(self) -> str:
        return self.source.path.name


@dataclass
class Edition:
    """The documents in FRUS order and the apparatus they share; the central document
    (Document 171) gives the edition its title, version and history."""

    documents: list[Document]
    central: Document
    apparatus: Source | None = None
    entries: dict[str, Entry] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)

    # The edition as a whole is named and versioned by its central document.
    @property
    def source(self) -> Source:
        return self.central.source

    @property
    def title(self) -> str:
        return self.central.title

    @property
    def subtitle(self) -> str:
        return self.central.subtitle

    @property
    def version(self) -> str:
        return self.central.version

    @property
    def date(self) -> str:
        return self.central.date

    @property
    def volume(self) -> Volume:
        return self.central.volume

    @property
    def archive(self) -> ArchivalSource:
        return self.central.archive

    @property
    def revisions(self) -> list[Revision]:
        return self.central.revisions

    @property
    def document(self) -> etree._Element:
        return self.central.document

    @property
    def back(self) -> etree._Element:
        return self.central.back

    @property
    def notes(self) -> list[Note]:
        """Every note of every document, in FRUS order."""
        return [note for d in self.documents for note in d.notes]

    @property
    def citable(self) -> list[etree._Element]:
        return [block for d in self.documents for block in d.citable]

    @property
    def sources(self) -> list[Source]:
        return [d.source for d in self.documents] + ([self.apparatus] if self.apparatus is not None else [])


#: What the pages need that the grammar leaves optional: (context, path, message, hint).
REQUIRED = (
    ("tei:teiHeader/tei:fileDesc/tei:editionStmt/tei:edition", "tei:date[@when]",
     '<edition> has no <date when="...">',
     'add <date when="YYYY-MM-DD"> with the date of this version: every page\'s footer shows it'),
)


def document_pages(key: str, central: bool) -> dict[str, str]:
    """Where a document's views are: Document 171's addresses stay as first published;
    every other document's are flat, named by its key (d170.html, d170-diplomatic.html, d170-cite.html)."""
    if central:
        return {"reading": "text.html", "diplomatic": "diplomatic.html", "cite": "cite.html"}
    return {"reading": f"{key}.html", "diplomatic": f"{key}-diplomatic.html", "cite": f"{key}-cite.html"}


def _dated(text: etree._Element) -> tuple[str, str]:
    dateline = text.find(".//tei:dateline", NS)
    when = text.find(".//tei:dateline//tei:date[@when]", NS)
    if dateline is not None and etree.QName(dateline.getparent()).localname != "opener":
        return " ".join("".join(dateline.itertext()).split()), when.get("when") if when is not None else ""
    heading_date = text.find("tei:head/tei:date[@when]", NS)
    if heading_date is not None:
        return " ".join("".join(heading_date.itertext()).split()), heading_date.get("when")
    return "", ""


def build_document(source: Source, central: bool = False) -> Document:
    """The document of a file, from its plain facts (``_facts``, worked out once a file's text)."""
    key, title, subtitle, version, date, volume, archive, notes, citable_ids, when = source.once(
        "document facts", _facts, plain=True)
    return Document(source=source, key=key, title=title, subtitle=subtitle, version=version, date=date,
                    volume=volume, archive=archive, notes=[Note(*note, source) for note in notes],
                    citable_ids=citable_ids, dated=when, pages=document_pages(key, central))


#: A document's notes: FRUS's and the editors', in the divisions of its back matter.
_NOTES = "tei:text/tei:back/tei:div/tei:note"


def element_of(source: Source, identifier: str) -> etree._Element:
    """The element of a file that has this xml:id (the file is parsed, if it was not yet)."""
    return source.once("elements by id", lambda s: {e.get(XML_ID): e for e in _WITH_ID(s.root)})[identifier]


_WITH_ID = etree.XPath("//*[@xml:id]")


def _citable(text: etree._Element) -> list[etree._Element]:
    return [e for e in text.iter(*(f"{{{TEI_NS}}}{name}" for name in CITABLE)) if e.get(XML_ID)]


def _facts(source: Source) -> tuple:
    """What the pages and lists need of a document, read from its file as plain data."""
    root = source.root
    missing = []
    for context_path, path, message, hint in REQUIRED:
        for context in _xpath(context_path)(root):
            if not _xpath(path)(context):
                missing.append(source.locator.at(context, message, hint))
    if missing:
        raise BuildFailed(missing)
    header = root.find("tei:teiHeader", NS)
    bibl = header.find(".//tei:sourceDesc/tei:biblStruct", NS)
    edition = header.find("tei:fileDesc/tei:editionStmt/tei:edition", NS)
    text = root.find("tei:text", NS)
    document = text.find("tei:body/tei:div[@type='document']", NS)
    return (
        f"d{document.get('n')}",
        _text(header, "tei:fileDesc/tei:titleStmt/tei:title[@type='main']"),
        _text(header, "tei:fileDesc/tei:titleStmt/tei:title[@type='sub']"),
        edition.get("n"),
        edition.find("tei:date", NS).get("when"),
        _volume(bibl),
        _archive(header.find(".//tei:sourceDesc/tei:msDesc", NS)),
        tuple((n.get(XML_ID), n.get("n"), n.get("type")) for n in root.iterfind(_NOTES, NS)),
        tuple(e.get(XML_ID) for e in _citable(text)),
        _dated(document),
    )


def build_model(source: Source, others: list[Source] = (), apparatus: Source | None = None) -> Edition:
    """The edition: ``source`` its central document, ``others`` the rest, ``apparatus`` the shared
    names, events and channels (read from the central document's own standOff when None)."""
    central = source.once(("document", True), lambda s: build_document(s, central=True))
    documents = sorted([central] + [s.once(("document", False), build_document) for s in others],
                       key=lambda d: int(d.number or 0))
    shared = (apparatus or source).root.find("tei:standOff", NS)
    found = shared if shared is not None else etree.Element(f"{{{TEI_NS}}}standOff")
    return Edition(
        documents=documents,
        central=central,
        apparatus=apparatus,
        entries={
            e.get(XML_ID): Entry(e.get(XML_ID), etree.QName(e).localname,
                                 _plain(e.find("tei:*", NS)), e.find("tei:note[@type='identification']", NS))
            for e in found.iterfind("*/*", NS) if etree.QName(e).localname in ("person", "org", "place")
        },
        events=[_event(e) for e in found.iterfind("tei:listEvent/tei:event", NS)],
        channels=[
            Channel(r.get(XML_ID), r.get("when") or r.get("notBefore"), r.get("when") is None,
                    r.get("active")[1:], r.get("passive")[1:], r.find("tei:desc", NS), r.get("source"))
            for r in found.iterfind("tei:listRelation/tei:relation", NS)
        ],
    )


def _revision(change: etree._Element) -> Revision:
    summary = change.find("tei:p", NS)
    return Revision(change.get("when"), change.get("n", ""), _plain(change if summary is None else summary),
                    change.get("type") == "correction", tuple(change.iterfind("tei:list/tei:item", NS)))


def _event(e: etree._Element) -> Event:
    return Event(
        id=e.get(XML_ID),
        start=e.get("when") or e.get("from"),
        end=e.get("when") or e.get("to"),
        proposed=e.get("type") == "proposed",
        label=e.find("tei:label", NS),
        desc=e.find("tei:desc", NS),
        passages=tuple(p.get("target")[1:] for p in e.iterfind("tei:ptr[@type='passage']", NS)),
        sources=tuple(e.iterfind("tei:bibl", NS)),
    )


def _volume(bibl: etree._Element) -> Volume:
    monogr = bibl.find("tei:monogr", NS)
    return Volume(
        series=_text(bibl, "tei:series/tei:title[not(@type)]"),
        subseries=_text(bibl, "tei:series/tei:title[@type='sub']"),
        number=_text(monogr, "tei:biblScope[@unit='volume']"),
        title=_text(monogr, "tei:title"),
        editors=tuple(_plain(e) for e in monogr.iterfind("tei:editor[@role='primary']", NS)),
        general_editors=tuple(_plain(e) for e in monogr.iterfind("tei:editor[@role='general']", NS)),
        publisher=_text(monogr, "tei:imprint/tei:publisher"),
        pub_place=_text(monogr, "tei:imprint/tei:pubPlace"),
        year=_text(monogr, "tei:imprint/tei:date"),
        document_number=_text(monogr, "tei:biblScope[@unit='document']"),
        document_title=_text(bibl, "tei:analytic/tei:title"),
        url=_text(bibl, "tei:analytic/tei:idno[@type='URI']"),
    )


def _archive(ms: etree._Element) -> ArchivalSource:
    ident = ms.find("tei:msIdentifier", NS)
    return ArchivalSource(
        repository=_text(ident, "tei:repository"),
        collections=tuple(_plain(c) for c in ident.iterfind("tei:collection", NS)),
        box=_text(ident, "tei:idno[@type='box']"),
        folder=_text(ident, "tei:altIdentifier/tei:idno"),
        classification=_text(ms, ".//tei:seg[@type='classification']"),
    )


def _text(context: etree._Element, path: str) -> str:
    found = _xpath(path)(context)
    return _plain(found[0]) if found else ""


@functools.lru_cache(maxsize=None)
def _xpath(path: str) -> etree.XPath:
    """A path compiled once, not once a document."""
    return etree.XPath(path, namespaces=NS)


def _plain(element: etree._Element) -> str:
    """An element's text with white space collapsed, as a reader sees it."""
    return " ".join("".join(element.itertext()).split())
