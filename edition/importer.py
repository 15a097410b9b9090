"""The import command: one document of an Office of the Historian volume TEI as an edition TEI file.

    python -m edition.importer VOLUME.xml NUMBER [--force] [--volume-header FILE] [--source-dir DIR]

VOLUME.xml is the Office of the Historian's TEI of a FRUS volume (HistoryAtState/frus,
``volumes/*.xml``) or an excerpt of its ``<div type="document">`` elements; an excerpt
takes the volume's header from ``--volume-header`` (default: ``volume-header.xml``
beside it). The document is written to ``source/<volume>-d<NUMBER>.xml``:

* the header from the volume and the document: titles, editors, imprint, the FRUS
  document number and address, the source note as ``msIdentifier`` where it parses,
  the classification, sender and recipient; version, publication and encoding
  statements are the edition's, taken from its central document;
* the text exactly as the volume has it (every character and every space of it is
  copied, not retyped): the heading, datelines, FROM/TO lists, paragraphs, closers,
  page breaks with ``@n`` and ``@facs``, ``@when`` of dates and times;
* the FRUS notes moved from the heading to ``back/div[@type='notes']``, each
  anchored by ``<ptr type="noteAnchor">`` where it stood, as the edition encodes them;
* names pointed to the shared entries: ``persName/@corresp="#p_KHA1"`` becomes
  ``@ref="#person-kissinger"`` where an entry of the apparatus carries
  ``<idno type="frus-person">p_KHA1</idno>`` (likewise ``gloss`` with ``frus-term``);
  a glossed term with no entry keeps its text only.

Every citable block gets a permanent id prefixed with the document (``d170-``):
by role where the structure says it (``d170`` the document, ``d170-heading``,
``d170-dateline``, ``d170-from``, ``d170-to``, ``d170-closer``, ``d170-fn1`` and
its reference ``d170-fn1-ref``, ``d170-page-2``), and for a paragraph its first
words (``d170-cite-sw0005``), with ``-2``, ``-3`` … only when two paragraphs of
one document begin alike. Re-importing (``--force``) keeps the id of every block
whose text is unchanged and never gives a block an id the file used before.

An existing file is never overwritten without ``--force``: it holds the editors'
curation. Problems are printed as ``path:line:col: error: what (hint)``, exit code 1,
and nothing is written.
"""
from __future__ import annotations

import argparse
import copy
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from .diagnostics import BuildFailed, Diagnostic, Locator, display_path
from .load import NS, TEI_NS, XML_NS, _syntax_diagnostic, read_text, safe_parser

XML_ID = f"{{{XML_NS}}}id"
ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = ROOT / "source"
#: The document whose edition-wide statements (version, publication, encoding) new documents share.
CENTRAL = "frus1969-76ve13-d171.xml"
HISTORY_STATE = "https://history.state.gov/historicaldocuments"


def T(name: str) -> str:
    return f"{{{TEI_NS}}}{name}"


@dataclass
class Parsed:
    path: Path
    tree: etree._ElementTree
    locator: Locator


def parse(path: Path) -> Parsed:
    """Any XML file, safely (no DTD, no entities), or a located diagnostic."""
    text = read_text(path)
    locator = Locator(path, text)
    if re.search(r"<!(DOCTYPE|ENTITY)\b", text):
        raise BuildFailed([locator.at_line(1, 1, "DOCTYPE or entity declarations are not read",
                                           "remove them; the importer never loads DTDs or entities")])
    parser = safe_parser()
    try:
        root = etree.fromstring(text.encode("utf-8"), parser, base_url=str(path))
    except etree.XMLSyntaxError as e:
        raise BuildFailed([_syntax_diagnostic(locator, e, parser.error_log)]) from None
    return Parsed(path, etree.ElementTree(root), locator)


# --- the edition as it stands ----------------------------------------------------------

def edition_files(source_dir: Path) -> list[Path]:
    return sorted(p for p in source_dir.glob("*.xml"))


def frus_map(files: list[Parsed]) -> dict[str, tuple[str, str]]:
    """frus-person / frus-term id -> (entry id, entry kind) from every standOff of the edition."""
    found = {}
    for f in files:
        for idno in f.tree.iterfind(".//tei:standOff//tei:idno", NS):
            if idno.get("type") in ("frus-person", "frus-term"):
                entry = idno.getparent()
                found[(idno.text or "").strip()] = (entry.get(XML_ID), etree.QName(entry).localname)
    return found


# --- ids -----------------------------------------------------------------------------

def plain(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def slug(text: str, words: int = 4) -> str:
    tokens = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(tokens[:words]) or "p"


def wrap_text(div: etree._Element, prefix: str, ids: "Ids") -> None:
    """Everything after the heading and the first page break in one division, ``type="text"``:
    the edition's documents are a heading and divisions (encoding only; not a character changes)."""
    children = list(div)
    first = next(i for i, c in enumerate(children) if i > 0 and etree.QName(c).localname != "pb")
    inner = etree.SubElement(div, T("div"), type="text")
    inner.text = children[first - 1].tail
    children[first - 1].tail = "\n" + " " * 20
    for child in children[first:]:
        inner.append(child)
    inner[-1].tail = "\n" + " " * 20
    inner.tail = "\n" + " " * 16
    inner.set(XML_ID, ids.give(inner, "text"))


def paragraph_role(p: etree._Element, div: etree._Element) -> str:
    """A paragraph's first words: four, or as many more (up to ten) as tell it from the others."""
    others = [plain(o) for o in div.iterfind(".//tei:p", NS) if o is not p]
    text = plain(p)
    for words in range(4, 11):
        candidate = slug(text, words)
        if all(slug(o, words) != candidate for o in others):
            return candidate
    return slug(text, 10)


class Ids:
    """Assigns ids: an unchanged block keeps its id, and no id the file used before goes to another block.

    A block named by its role (heading, dateline, page-2 …) keeps the id of that role; a
    paragraph keeps the id of the paragraph with the same text in the file imported over.
    """

    def __init__(self, prefix: str, previous: dict[str, tuple[str, str]], taken: set[str]):
        self.prefix = prefix
        self.previous = previous  # id -> (element name, text), in the file being imported over
        self.taken = set(taken) | set(previous)  # every id the edition has or had here
        self.claimed: set[str] = set()

    def give(self, element: etree._Element, role: str, by_text: bool = False) -> str:
        name = etree.QName(element).localname
        base = f"{self.prefix}-{role}" if role else self.prefix
        if by_text:
            key = (name, plain(element))
            kept = next((i for i, k in self.previous.items() if k == key and i not in self.claimed), None)
        else:
            kept = base if self.previous.get(base, ("",))[0] == name and base not in self.claimed else None
        if kept is not None:
            self.claimed.add(kept)
            return kept
        candidate, n = base, 2
        while candidate in self.taken:
            candidate, n = f"{base}-{n}", n + 1
        self.taken.add(candidate)
        self.claimed.add(candidate)
        return candidate


# --- the text --------------------------------------------------------------------------

def unwrap(element: etree._Element) -> None:
    """Replace an element by its content, keeping every character."""
    parent = element.getparent()
    index = parent.index(element)
    text = element.text or ""
    if index == 0:
        parent.text = (parent.text or "") + text
    else:
        prev = parent[index - 1]
        prev.tail = (prev.tail or "") + text
    children = list(element)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    tail = element.tail or ""
    if children:
        children[-1].tail = (children[-1].tail or "") + tail
    elif index == 0:
        parent.text += tail
    else:
        parent[index - 1].tail = (parent[index - 1].tail or "") + tail
    parent.remove(element)


def clean(element: etree._Element, names: dict[str, tuple[str, str]]) -> None:
    """The volume's phrase markup as the edition's: names pointed to entries, glosses resolved or dropped."""
    for el in list(element.iter(T("persName"), T("gloss"), T("placeName"), T("date"), T("time"), T("lb"))):
        local = etree.QName(el).localname
        pointer = (el.get("corresp") or el.get("target") or "").lstrip("#")
        entry = names.get(pointer)
        role = el.get("type")
        if local == "gloss":
            if entry and entry[1] in ("org", "person", "place"):
                el.tag = T({"org": "orgName", "person": "persName", "place": "placeName"}[entry[1]])
                el.attrib.clear()
                el.set("ref", "#" + entry[0])
            elif role in ("from", "to"):  # the sender or recipient named in the heading
                el.tag = T("orgName")
                el.attrib.clear()
            else:
                unwrap(el)
            continue
        if local in ("persName", "placeName"):
            el.attrib.clear()
            if entry:
                el.set("ref", "#" + entry[0])


def build_text(div: etree._Element, prefix: str, names, ids: Ids) -> tuple[etree._Element, list[etree._Element]]:
    """The document division in the edition's encoding, and its FRUS notes for back."""
    div = copy.deepcopy(div)
    for attr in list(div.attrib):
        if attr not in ("type", "n"):
            del div.attrib[attr]
    div.set(XML_ID, ids.give(div, ""))
    clean(div, names)
    wrap_text(div, prefix, ids)
    notes: list[etree._Element] = []
    for child in list(div)[:-1] + list(div[-1]):
        local = etree.QName(child).localname
        if local == "head":
            child.set(XML_ID, ids.give(child, "heading"))
            for note in list(child.iter(T("note"))):
                number = note.get("n")
                note_id = f"{prefix}-fn{number}"
                ptr = etree.Element(T("ptr"), type="noteAnchor", target="#" + note_id)
                ptr.set(XML_ID, note_id + "-ref")
                ptr.tail = note.tail
                note.getparent().replace(note, ptr)
                note.tail = None
                kind = note.get("type") if note.get("type") in ("source", "summary") else "source"
                for attr in list(note.attrib):
                    del note.attrib[attr]
                note.set("type", kind)
                note.set("n", number)
                note.set(XML_ID, note_id)
                notes.append(note)
                ids.taken.update({note_id, note_id + "-ref"})
        elif local == "pb":
            n, facs = child.get("n"), child.get("facs")
            child.attrib.clear()
            child.set("n", n)
            if facs:
                child.set("facs", facs)
            child.set(XML_ID, ids.give(child, f"page-{n}"))
        elif local == "dateline":
            child.set(XML_ID, ids.give(child, "dateline"))
        elif local == "list":
            child.set(XML_ID, ids.give(child, child.get("type") or "list"))
        elif local == "closer":
            child.set(XML_ID, ids.give(child, "closer"))
        elif local == "p":
            child.set(XML_ID, ids.give(child, paragraph_role(child, div), by_text=True))
    return div, notes


# --- the header ------------------------------------------------------------------------

def volume_facts(header: etree._Element) -> dict:
    def text(path: str) -> str:
        found = header.xpath(path, namespaces=NS)
        return plain(found[0]) if found else ""
    return {
        "id": text(".//tei:publicationStmt/tei:idno[@type='frus']"),
        "series": text(".//tei:titleStmt/tei:title[@type='series']"),
        "subseries": text(".//tei:titleStmt/tei:title[@type='subseries']"),
        "number": re.sub(r"^Volume\s+", "", text(".//tei:titleStmt/tei:title[@type='volumenumber']")),
        "title": text(".//tei:titleStmt/tei:title[@type='volume']"),
        "editors": [(e.get("role"), plain(e)) for e in header.iterfind(".//tei:titleStmt/tei:editor", NS)],
        "publisher": text(".//tei:publicationStmt/tei:publisher"),
        "pub_place": text(".//tei:publicationStmt/tei:pubPlace"),
        "year": text(".//tei:publicationStmt/tei:date"),
        "release": text(".//tei:sourceDesc/tei:p"),
    }


_SOURCE_NOTE = re.compile(
    r"^Source: (?P<repository>[^,]+), (?P<materials>[^,]+ Materials), (?P<files>[^,]+ Files), "
    r"(?P<box>Box \d+), (?P<folder>[^.]+?)\. (?P<classification>[^.]+)\.")


def heading_title(head: etree._Element) -> str:
    """The heading's words without the notes and the FRUS number."""
    h = copy.deepcopy(head)
    for note in list(h.iter(T("note"))):
        unwrap_note(note)
    return re.sub(r"^\d+\.\s*", "", plain(h))


def unwrap_note(note: etree._Element) -> None:
    tail = note.tail or ""
    parent = note.getparent()
    prev = note.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(note)


def E(name: str, *children, **attrs) -> etree._Element:
    el = etree.Element(T(name), nsmap={None: TEI_NS})
    for key, value in attrs.items():
        el.set(XML_ID if key == "xml_id" else key, value)
    for child in children:
        if isinstance(child, str):
            if len(el):
                el[-1].tail = (el[-1].tail or "") + child
            else:
                el.text = (el.text or "") + child
        elif child is not None:
            el.append(child)
    return el


def build_header(div, volume, central: etree._Element, prefix: str, names) -> etree._Element:
    number = div.get("n")
    head = div.find("tei:head", NS)
    title = heading_title(head)
    url = f"{HISTORY_STATE}/{volume['id']}/d{number}"
    source_note = head.find("tei:note[@type='source']", NS)
    note_text = plain(source_note) if source_note is not None else ""
    m = _SOURCE_NOTE.match(note_text)
    if m:
        identifier = E("msIdentifier", E("repository", m["repository"]),
                       E("collection", m["materials"], type="materials"),
                       E("collection", m["files"], type="files"),
                       E("idno", m["box"], type="box"),
                       E("altIdentifier", E("idno", m["folder"], type="folder"), type="file"))
        contents = E("p", "Classification (FRUS source note): ",
                     E("seg", m["classification"], type="classification"), ".")
    else:  # not in the usual form: the note stands whole, nothing is guessed
        identifier = E("msIdentifier", E("repository", note_text.removeprefix("Source: ") or "not given"))
        contents = E("p", "As the FRUS source note gives it.")
    central_header = central.find("tei:teiHeader", NS)
    edition_stmt = copy.deepcopy(central_header.find("tei:fileDesc/tei:editionStmt", NS))
    publication = copy.deepcopy(central_header.find("tei:fileDesc/tei:publicationStmt", NS))
    encoding = copy.deepcopy(central_header.find("tei:encodingDesc", NS))
    date = edition_stmt.find(".//tei:date", NS).get("when")
    editors = [E("editor", name, role=role) for role, name in volume["editors"] if role in ("primary", "general")]
    sender, recipient = (head.xpath(f".//*[@type='{t}']", namespaces=NS) for t in ("from", "to"))
    dated = div.xpath("tei:dateline//tei:date[@when]", namespaces=NS)

    def party(found):
        if not found:
            return None
        el = copy.deepcopy(found[0])
        el.tail = None
        wrapper = E("x", el)
        clean(wrapper, names)
        return wrapper[0]

    sent = E("correspAction", party(sender), type="sent")
    if dated:
        sent.append(E("date", plain(dated[0]), when=dated[0].get("when")))
    received = E("correspAction", party(recipient), type="received")
    actions = [a for a in (sent, received) if len(a)]
    return E(
        "teiHeader",
        E("fileDesc",
          E("titleStmt",
            E("title", title, type="main"),
            E("title", f"A digital edition of {volume['series']}, {volume['subseries']}, Volume {volume['number']}, "
                       f"Document {number}", type="sub"),
            E("respStmt", E("resp", "Transcription, encoding and editorial apparatus"),
              E("orgName", "The editors of this digital edition"), xml_id=f"{prefix}-editors")),
          edition_stmt, publication,
          E("sourceDesc",
            E("biblStruct",
              E("analytic", E("title", title, level="a"), E("idno", number, type="frus-document"),
                E("idno", url, type="URI")),
              E("monogr", E("title", volume["title"], level="m", type="volume"), *editors,
                E("imprint", E("pubPlace", volume["pub_place"]), E("publisher", volume["publisher"]),
                  E("date", volume["year"], when=volume["year"])),
                E("biblScope", volume["number"], unit="volume"), E("biblScope", number, unit="document")),
              E("series", E("title", volume["series"], level="s"), E("title", volume["subseries"], level="s", type="sub"),
                E("idno", volume["id"], type="frus")),
              E("note", volume["release"], type="release") if volume["release"] else None,
              xml_id=f"{prefix}-frus-volume"),
            E("msDesc", identifier, E("msContents", contents), xml_id=f"{prefix}-archival-source"))),
        encoding,
        E("profileDesc", E("correspDesc", *actions), E("langUsage", E("language", "English", ident="en"))),
        E("revisionDesc", E("change", "Imported from the Office of the Historian’s TEI of the volume by "
                                      "edition.importer: text, FRUS notes, page breaks, dates and names.",
                            when=date, who=f"#{prefix}-editors")),
    )


# --- the command ---------------------------------------------------------------------------

def find_document(volume: Parsed, number: str) -> etree._Element:
    docs = volume.tree.xpath("//tei:div[@type='document']", namespaces=NS)
    for div in docs:
        if div.get("n") == number or div.get(XML_ID) == f"d{number}":
            return div
    held = [d.get("n") for d in docs]
    span = f"Documents {held[0]}–{held[-1]}" if held else "no <div type=\"document\">"
    raise BuildFailed([volume.locator.at(volume.tree.getroot(), f"no Document {number} in this file",
                                         f"it holds {span}; give one of their numbers")])


def volume_header(volume: Parsed, header_path: Path | None) -> etree._Element:
    header = volume.tree.find(".//tei:teiHeader", NS)
    if header is not None:
        return header
    path = header_path or volume.path.parent / "volume-header.xml"
    if not path.exists():
        raise BuildFailed([Diagnostic(display_path(volume.path), 0, 0, "this excerpt has no volume header",
                                      "give the volume's teiHeader with --volume-header FILE")])
    header = parse(path).tree.find(".//tei:teiHeader", NS)
    if header is None:
        raise BuildFailed([Diagnostic(display_path(path), 0, 0, "no <teiHeader> in the volume header file",
                                      "give the file that holds the volume's teiHeader")])
    return header


def import_document(volume_path: Path, number: str, source_dir: Path = SOURCE_DIR, *,
                    force: bool = False, header_path: Path | None = None) -> tuple[Path, str]:
    """The path to write and the text of the edition TEI of Document ``number``; BuildFailed if any problem."""
    volume = parse(volume_path)
    div = find_document(volume, number)
    facts = volume_facts(volume_header(volume, header_path))
    prefix = f"d{number}"
    target = source_dir / f"{facts['id']}-{prefix}.xml"
    others = [parse(p) for p in edition_files(source_dir) if p.resolve() != target.resolve()]
    previous: dict[str, tuple[str, str]] = {}
    if target.exists():
        if not force:
            raise BuildFailed([Diagnostic(display_path(target), 0, 0,
                                          f"Document {number} is already in the edition, with its editors' curation",
                                          "to import it again, keeping the ids of unchanged blocks, add --force")])
        existing = parse(target)
        for el in existing.tree.find("tei:text", NS).iter():
            if isinstance(el.tag, str) and el.get(XML_ID):
                previous[el.get(XML_ID)] = (etree.QName(el).localname, plain(el))
    elsewhere = {el.get(XML_ID): (f, el) for f in others for el in f.tree.iter()
                 if isinstance(el.tag, str) and el.get(XML_ID)}
    ids = Ids(prefix, previous, set())
    names = frus_map(others)
    text_div, notes = build_text(div, prefix, names, ids)
    central = next((f for f in others if f.path.name == CENTRAL), None)
    if central is None:
        raise BuildFailed([Diagnostic(display_path(source_dir / CENTRAL), 0, 0,
                                      "the edition's central document is missing",
                                      "its version, publication and encoding statements are those of every document")])
    header = build_header(div, facts, central.tree.getroot(), prefix, names)
    tei = E("TEI", header, E("text", E("body", text_div), E("back", E("div", *notes, type="notes",
                                                                        xml_id=f"{prefix}-notes"))))
    tei.set(f"{{{XML_NS}}}lang", "en")
    clashes = []
    for el in tei.iter():
        if isinstance(el.tag, str) and el.get(XML_ID) in elsewhere:
            f, other = elsewhere[el.get(XML_ID)]
            clashes.append(f.locator.at(other, f'the id "{el.get(XML_ID)}" that Document {number} needs is already '
                                              "used here", "ids are unique across the edition: rename this one "
                                              "if it is not yet published, or the import's"))
    if clashes:
        raise BuildFailed(clashes)
    return target, serialise(tei)


def serialise(tei: etree._Element) -> str:
    header = tei[0]
    etree.indent(header, space="  ", level=1)
    header.tail = "\n  "
    tei.text = "\n  "
    text = tei[1]
    text.text, text.tail = "\n    ", "\n"
    body, back = text
    body.text, body.tail = "\n      ", "\n    "
    body[0].tail = "\n    "
    back.text, back.tail = "\n      ", "\n  "
    notes = back[0]
    notes.text, notes.tail = "\n        ", "\n    "
    for i, note in enumerate(notes):
        note.tail = "\n        " if i < len(notes) - 1 else "\n      "
    etree.cleanup_namespaces(tei, top_nsmap={None: TEI_NS})
    xml = etree.tostring(tei, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<?xml-model href="schema/edition.rng" type="application/xml" schematypens="http://relaxng.org/ns/structure/1.0"?>\n'
            '<?xml-model href="schema/edition.sch" type="application/xml" schematypens="http://purl.oclc.org/dsdl/schematron"?>\n'
            + xml + "\n")


def write_atomically(path: Path, text: str) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edition.importer",
                                     description="Import a document of an Office of the Historian volume TEI into the edition.")
    parser.add_argument("volume", type=Path, help="the volume's TEI, or an excerpt of its documents")
    parser.add_argument("number", help="the document's number in the volume, e.g. 170")
    parser.add_argument("--force", action="store_true",
                        help="import over an existing document (its curation is replaced; unchanged blocks keep their ids)")
    parser.add_argument("--volume-header", type=Path, help="the volume's teiHeader, for an excerpt")
    parser.add_argument("--source-dir", type=Path, default=SOURCE_DIR, help="the edition's source folder")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"\d+", args.number):
        parser.error(f"the document number must be digits, not {args.number!r}")
    try:
        target, text = import_document(args.volume, args.number, args.source_dir,
                                       force=args.force, header_path=args.volume_header)
    except BuildFailed as failure:
        for diagnostic in failure.diagnostics:
            print(diagnostic, file=sys.stderr)
        print("Nothing written.", file=sys.stderr)
        return 1
    write_atomically(target, text)
    print(f"Wrote {display_path(target)}: Document {args.number}. Check it with build.py --check.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
