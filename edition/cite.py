"""Citations of the document and of each passage, from the TEI header alone.

Chicago (notes and bibliography), MLA and APA are formatted here rather than by
a CSL processor: citeproc-py 0.11 ignores CSL's ``initialize="false"`` (so the
official Chicago and MLA styles print "S. E. Phillips"), puts the volume editor
in the author's place and repeats him, and sets the volume after the version.
One kind of item (a document in a volume of a series) needs a few rules,
which the tests pin word for word. The downloads (BibTeX, RIS, CSL-JSON) carry
the same facts for reference managers.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree
from markupsafe import Markup

from .escaping import escaped, markup, safe
from .load import NS, XML_NS
from .model import XML_ID, Document, Edition
from .resolve import TEXT_PAGES, Links

CITE_PAGE = "cite.html"
DOWNLOADS_DIR = "downloads"

#: How a citation names a passage, by the TEI element that carries its anchor.
PASSAGE_KINDS = {"head": "heading", "p": "paragraph", "closer": "paragraph", "opener": "wire header",
                 "dateline": "dateline", "list": "list", "note": "note", "pb": "page break"}
_MLA_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")


@dataclass(frozen=True)
class Passage:
    """A citable anchor: a block of the text or an entry of the names."""

    anchor: str
    page: str
    label: str   # how a citation names it: "paragraph drv-3"
    opening: str  # its first words, to recognise it by


@dataclass(frozen=True)
class Facts:
    """What every citation says, read from the TEI header."""

    title: str            # the document's FRUS title
    document: str         # its number in the volume
    series: str           # "Foreign Relations of the United States, 1969–1976"
    volume: str           # "E–13"
    book: str             # the volume's title
    editors: tuple[str, ...]
    general_editors: tuple[str, ...]
    place: str
    publisher: str
    year: str
    frus_url: str
    edition_title: str
    version: str
    date: str             # ISO date of this version
    language: str
    licence: str
    key: str              # the citation key: the TEI file's name


def facts(edition: Edition | Document) -> Facts:
    """A document's facts (the edition's central document's, given the edition): worked out once
    for its file, since every page and download of the document asks for them."""
    document = edition.central if isinstance(edition, Edition) else edition
    return document.source.once("citation facts", lambda source: _facts(document))


def _facts(edition: Document) -> Facts:
    v = edition.volume
    header = edition.source.root.find("tei:teiHeader", NS)
    licence = header.find("tei:fileDesc/tei:publicationStmt/tei:availability/tei:licence", NS)
    return Facts(
        title=v.document_title, document=v.document_number,
        series=", ".join(part for part in (v.series, v.subseries) if part),
        volume=v.number, book=v.title, editors=v.editors, general_editors=v.general_editors,
        place=v.pub_place, publisher=v.publisher, year=v.year, frus_url=v.url,
        edition_title=edition.title, version=edition.version, date=edition.date,
        language=edition.source.root.get(f"{{{XML_NS}}}lang", "en"),
        licence=licence.get("target", "") if licence is not None else "",
        key=edition.source.path.stem,
    )


# --- names and dates ---------------------------------------------------------------------

def split_name(name: str) -> tuple[str, str]:
    """("Steven E.", "Phillips"): the header gives each editor as "Given Family"."""
    given, _, family = name.rpartition(" ")
    return given, family


def initials(given: str) -> str:
    return " ".join(part[0] + "." for part in given.replace(".", " ").split())


def and_list(names: tuple[str, ...] | list[str], conjunction: str = "and") -> str:
    names = list(names)
    if len(names) < 3:
        return f" {conjunction} ".join(names)
    return ", ".join(names[:-1]) + f", {conjunction} " + names[-1]


@lru_cache(maxsize=1024)  # every citation of every passage gives its document's date
def long_date(iso: str) -> str:
    """1972-12-22 -> December 22, 1972 (no locale: the same on every machine); every shape the
    edition's rules let a date have: a year (2006), a month (December 1972), a day, or a time in
    UTC (its day)."""
    parts = iso[:10].split("-")
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return f"{dt.date(int(parts[0]), int(parts[1]), 1):%B} {parts[0]}"
    day = dt.date.fromisoformat(iso[:10])
    return f"{day:%B} {day.day}, {day.year}"


def date_span(start: str, end: str) -> str:
    """The way the chronology shows a day or a span of days (or of years or months)."""
    if start == end:
        return long_date(start)
    if not len(start) == len(end) == 10:
        return f"{long_date(start)} – {long_date(end)}"
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a:%B} {a.day}–{b.day}, {a.year}"
    return f"{long_date(start)} – {long_date(end)}"


@lru_cache(maxsize=1024)
def mla_date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {_MLA_MONTHS[day.month - 1]} {day.year}"


def _italic(value: str) -> Markup:
    return markup(f"<i>{escaped(value)}</i>")


def _join(*parts: Markup | str) -> Markup:
    return markup("".join([safe(part) for part in parts]))


# --- the formatted styles ------------------------------------------------------------------

# Each style's words before the version are the same for every passage of a document: made once.

@lru_cache(maxsize=64)
def _chicago_note_lead(f: Facts) -> Markup:
    return _join(f"“{f.title},” document {f.document} in {f.series}, vol. {f.volume}, ", _italic(f.book),
                 f", ed. {and_list(f.editors)} ({f.place}: {f.publisher}, {f.year}); digital edition, ",
                 _italic(f.edition_title))


def chicago_note(f: Facts, url: str = "", passage: str = "") -> Markup:
    """Chicago Manual of Style, notes: a document in a volume of a series."""
    tail = "".join(f", {part}" for part in (passage, url) if part)
    return _join(_chicago_note_lead(f), f", version {f.version} ({long_date(f.date)}){tail}.")


def chicago_bibliography(f: Facts, url: str = "") -> Markup:
    """Chicago Manual of Style, bibliography."""
    return _join(f"“{f.title}.” Document {f.document} in {f.series}, vol. {f.volume}, ", _italic(f.book),
                 f", edited by {and_list(f.editors)}. {f.place}: {f.publisher}, {f.year}. Digital edition, ",
                 _italic(f.edition_title), f", version {f.version}, {long_date(f.date)}." + (f" {url}." if url else ""))


@lru_cache(maxsize=64)
def _mla_lead(f: Facts) -> Markup:
    return _join(f"“{f.title}.” ", _italic(f.book), f", edited by {and_list(f.editors)}, {f.publisher}, {f.year}. "
                 f"{f.series}, vol. {f.volume}, document {f.document}. ", _italic(f.edition_title))


def mla(f: Facts, url: str = "", passage: str = "") -> Markup:
    """MLA Handbook, 9th edition: the volume is the container, the series follows; no "https://"."""
    shown = url.split("://", 1)[-1]
    tail = "".join(f", {part}" for part in (passage, shown) if part)
    return _join(_mla_lead(f), f", digital edition, version {f.version}, {mla_date(f.date)}{tail}.")


@lru_cache(maxsize=64)
def _apa_lead(f: Facts) -> Markup:
    editors = and_list([f"{initials(g)} {fam}" for g, fam in map(split_name, f.editors)], "&")
    label = "Ed." if len(f.editors) == 1 else "Eds."
    return _join(f"{f.title}. ({f.year}). In {editors} ({label}), ", _italic(f"{f.series}: Vol. {f.volume}. {f.book}"),
                 f" (Document {f.document}). {f.publisher}. Digital edition, ", _italic(f.edition_title))


def apa(f: Facts, url: str = "", passage: str = "") -> Markup:
    """APA, 7th edition: no author, so the title leads; the multivolume work's title in italics."""
    where = f", {passage}" if passage else ""
    return _join(_apa_lead(f), f" (Version {f.version}, {long_date(f.date)}){where}." + (f" {url}" if url else ""))


@dataclass(frozen=True)
class Style:
    id: str
    name: str
    html: Markup

    @property
    def text(self) -> str:
        return self.html.striptags()


def document_styles(f: Facts, url: str) -> list[Style]:
    return [
        Style("chicago-note", "Chicago, note", chicago_note(f, url)),
        Style("chicago-bibliography", "Chicago, bibliography", chicago_bibliography(f, url)),
        Style("mla", "MLA", mla(f, url)),
        Style("apa", "APA", apa(f, url)),
    ]


def passage_styles(f: Facts, passage: Passage, url: str) -> list[Style]:
    return [
        Style("chicago-note", "Chicago, note", chicago_note(f, url, passage.label)),
        Style("mla", "MLA", mla(f, url, passage.label)),
        Style("apa", "APA", apa(f, url, passage.label)),
    ]


# --- the passages ---------------------------------------------------------------------------

def passages(links: Links, document: Document | None = None) -> list[Passage]:
    """Every passage of a document's text that carries a Cite link, in reading order
    (of every document, when none is given)."""
    key = ("passages", document.key if document is not None else None)
    if key in links.memo:  # every page asks: worked out once a build
        return links.memo[key]
    found = links.memo[key] = []
    for element in (document.citable if document is not None else links.edition.citable):
        anchor = element.get(XML_ID)
        kind = PASSAGE_KINDS.get(etree.QName(element).localname, "passage")
        if kind == "note":
            label = f"note {element.get('n')} ({anchor})"
        elif kind == "page break":
            label = f"page {element.get('n')} ({anchor})"
        else:
            label = kind if anchor == kind else f"{kind} {anchor}"
        found.append(Passage(anchor, links.home.get(anchor, TEXT_PAGES[0]), label, _opening(element)))
    return found


def _opening(element: etree._Element, words: int = 8) -> str:
    """The first words of a block as the source has them (corrections in their source reading)."""
    if etree.QName(element).localname == "pb":
        return f"[Page {element.get('n')}]"
    text = " ".join("".join(_SOURCE_TEXT(element)).split())
    cut = text.split(" ")
    return " ".join(cut[:words]) + (" …" if len(cut) > words else "")


_SOURCE_TEXT = etree.XPath(".//text()[not(ancestor::tei:corr)]", namespaces=NS, smart_strings=False)


def passage_url(links: Links, passage: Passage) -> str:
    """The passage's absolute URL, or its page and anchor while no base URL is set."""
    path = f"{passage.page}#{passage.anchor}"
    return links.url(path) or path


# --- the downloads ------------------------------------------------------------------------

def _bibtex_value(value: str) -> str:
    """A BibTeX field value: TeX's special characters escaped, braces to keep capitals."""
    for char, escaped in (("\\", r"\textbackslash{}"), ("{", r"\{"), ("}", r"\}"), ("&", r"\&"), ("%", r"\%"),
                          ("$", r"\$"), ("#", r"\#"), ("_", r"\_"), ("~", r"\textasciitilde{}"),
                          ("^", r"\textasciicircum{}")):
        value = value.replace(char, escaped)
    return value


def bibtex(f: Facts, url: str) -> str:
    fields = [
        ("title", "{" + _bibtex_value(f.title) + "}"),
        ("booktitle", "{" + _bibtex_value(f.book) + "}"),
        ("series", "{" + _bibtex_value(f.series) + "}"),
        ("volume", _bibtex_value(f.volume)),
        ("chapter", _bibtex_value(f.document)),
        ("editor", " and ".join(_bibtex_value(f"{fam}, {g}") for g, fam in map(split_name, f.editors))),
        ("publisher", _bibtex_value(f.publisher)),
        ("address", _bibtex_value(f.place)),
        ("year", _bibtex_value(f.year)),
        ("version", _bibtex_value(f.version)),
        ("language", "english" if f.language == "en" else _bibtex_value(f.language)),
        ("note", _bibtex_value(f"Digital edition: {f.edition_title}, version {f.version}, {long_date(f.date)}")),
    ]
    if url:
        fields.append(("url", url))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@incollection{{{f.key},\n{body}\n}}\n"


def ris(f: Facts, url: str) -> str:
    """RIS, as Zotero and EndNote read it: tags of two letters, two spaces, a dash and a space."""
    lines = [("TY", "CHAP"), ("TI", f.title), ("T2", f.book), ("T3", f.series)]
    lines += [("A2", f"{fam}, {g}") for g, fam in map(split_name, f.editors)]
    lines += [("A3", f"{fam}, {g}") for g, fam in map(split_name, f.general_editors)]
    lines += [("VL", f.volume), ("SE", f"Document {f.document}"), ("PB", f.publisher), ("CY", f.place),
              ("PY", f.year), ("ET", f"Version {f.version}"), ("LA", f.language),
              ("N1", f"Digital edition: {f.edition_title}, version {f.version}, {long_date(f.date)}.")]
    if url:
        lines.append(("UR", url))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines)


def csl_json(f: Facts, url: str) -> str:
    def people(names):
        return [{"family": fam, "given": g} for g, fam in map(split_name, names)]
    item = {
        "id": f.key, "type": "chapter", "title": f.title, "container-title": f.book,
        "collection-title": f.series, "volume": f.volume, "chapter-number": f.document,
        "editor": people(f.editors), "collection-editor": people(f.general_editors),
        "publisher": f.publisher, "publisher-place": f.place, "issued": {"date-parts": [[int(f.year)]]},
        "version": f.version, "language": f.language, "source": f.frus_url,
        "note": f"Digital edition: {f.edition_title}, version {f.version}, {long_date(f.date)}",
    }
    if url:
        item["URL"] = url
    return json.dumps([item], ensure_ascii=False, indent=2, sort_keys=True) + "\n"


DOWNLOADS = (
    # (suffix, label, media type, writer)
    ("bib", "BibTeX", "application/x-bibtex", bibtex),
    ("ris", "RIS", "application/x-research-info-systems", ris),
    ("csl.json", "CSL-JSON", "application/vnd.citationstyles.csl+json", csl_json),
)


def document_url(links: Links, document: Document | None = None) -> str:
    """The absolute URL of a document's reading text (the central document's when none is given)."""
    return links.url((document or links.edition.central).pages["reading"])


def citation_files(links: Links, document: Document) -> dict[str, bytes]:
    """A document's citation as BibTeX, RIS and CSL-JSON."""
    f = facts(document)
    url = document_url(links, document)
    return {f"{DOWNLOADS_DIR}/{f.key}.{suffix}": write(f, url).encode("utf-8") for suffix, _, _, write in DOWNLOADS}
