"""Every quotation of a text the edition holds is checked against that text.

A quotation of the apparatus is a ``<cit>`` (its ``<quote>`` and the ``<bibl>``
of its source) or, for words quoted within the editors' sentence, a ``<quote>``
naming its source in ``@source``. When that source is a passage of the edition
(``#drv-2``) or a document the edition holds, named by its FRUS address, the
quoted words must stand in that text character for character, in the source's
reading or the corrected one; only white space and the kind of quotation mark
(straight or curly, single or double) may differ. A ``<gap/>`` marks words the
editors left out: the parts around it must then stand in the text in order.

Quotations of texts the edition does not hold (other FRUS volumes) cannot be
checked here; the tests check those of Documents 170–175 against the research
copy of the Office of the Historian's TEI.
"""
from __future__ import annotations

import json
from dataclasses import astuple
from typing import Callable

from lxml import etree

from .cache import Cache, code, key
from .diagnostics import BuildFailed, Diagnostic
from .load import NS, TEI_NS, Source
from .model import XML_ID, Document, Edition, element_of

# Quoting turns a source's double marks into single ones within a quotation: all compare equal.
_MARKS = str.maketrans({"’": "'", "‘": "'", "“": "'", "”": "'", '"': "'"})
HINT = ("copy the words exactly as the source has them, quote whole sentences, "
        'and mark words left out with <gap reason="omitted"/>')

#: What is not the document's own text: the editors' notes and the encoding of the wire's instruction.
_NOT_SOURCE = (f"{{{TEI_NS}}}join", f"{{{TEI_NS}}}note")


def normalised(text: str) -> str:
    """Text as compared: one space for any white space, one mark for every kind of quotation mark."""
    return " ".join(text.split()).translate(_MARKS)  # str.split's white space is the same as re's \s


def readings(element: etree._Element) -> tuple[str, str]:
    """The source's reading and the corrected reading of an element's text, normalised."""
    return normalised(_text(element, skip=f"{{{TEI_NS}}}corr")), normalised(_text(element, skip=f"{{{TEI_NS}}}sic"))


def _text(element: etree._Element, skip: str) -> str:
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and tag != skip and not (
                tag in _NOT_SOURCE and child.get("type") not in ("source", "summary")):
            parts.append(_text(child, skip))
        parts.append(child.tail or "")
    return "".join(parts)


def parts_of(quote: etree._Element) -> list[str]:
    """The quoted words, split where the editors left words out."""
    parts, current = [], [quote.text or ""]
    for child in quote:
        if etree.QName(child).localname == "gap":
            parts.append("".join(current))
            current = []
        else:
            current.append("".join(child.itertext()))
        current.append(child.tail or "")
    parts.append("".join(current))
    return [normalised(p) for p in parts if normalised(p)]


def stands_in(parts: list[str], text: str) -> bool:
    """Whether the parts stand in ``text`` in order, each after the one before."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True


class Held:
    """Every text a quotation may name: each document by its FRUS address, each passage by "#id".
    A text is read out of the TEI when a quotation first names it: most are never quoted."""

    def __init__(self, edition: Edition):
        self._documents = {d.volume.url: d for d in edition.documents if d.volume.url}
        self._blocks: dict[str, Document] = {}  # each document's passages by "#id"
        for d in edition.documents:
            self._blocks.update(dict.fromkeys(("#" + i for i in d.citable_ids), d))
        self._texts: dict[str, tuple[str, tuple[str, ...]]] = {}

    def file_of(self, pointer: str) -> Source | None:
        """The file that holds a held text; None for any other pointer."""
        if pointer in self._documents:
            return self._documents[pointer].source
        if pointer in self._blocks:
            return self._blocks[pointer].source
        return None

    def get(self, pointer: str) -> tuple[str, tuple[str, ...]] | None:
        """(its name, its readings) of a held text; None for any other pointer."""
        if pointer not in self._texts:
            if pointer in self._documents:
                document = self._documents[pointer]
                notes = document.back.find("tei:div[@type='notes']", NS)
                parts = [readings(document.document)] + ([readings(notes)] if notes is not None else [])
                self._texts[pointer] = (f"Document {document.volume.document_number}",
                                        tuple(" ".join(reading) for reading in zip(*parts)))
            elif pointer in self._blocks:
                block = element_of(self._blocks[pointer].source, pointer[1:])
                self._texts[pointer] = (f"the passage {pointer}", readings(block))
            else:
                return None
        return self._texts[pointer]


def check_quotations(edition: Edition, cache: Cache = Cache(None)) -> None:
    """Raise BuildFailed for every quotation of a held text that is not in it, in source order.

    A file's quotations are checked again only when it, or a file whose text it quotes, or this
    code changed: their problems (mostly none) are otherwise taken from ``cache``."""
    held = Held(edition)
    problems = []
    for file in edition.sources:  # the documents and the apparatus
        # what each quotation of the file quotes, in order (its elements are read only to be checked)
        quoting = file.once("quoted", lambda s: [sources_of(quote) for quote in s.root.iter(_QUOTE)], plain=True)
        quoted = {id(other): other for pointers in quoting for pointer in pointers
                  if (other := held.file_of(pointer)) is not None}
        if not quoted:
            continue
        name = key("quotations", code("quotations", "model", "load", "diagnostics"), file.locator.shown, file.digest,
                   *sorted(other.digest for other in quoted.values() if other is not file))
        known = cache.get(name)
        if known is not None:
            try:
                problems += [Diagnostic(*fields) for fields in json.loads(known)]
                continue
            except (ValueError, TypeError):
                pass  # a damaged entry: checked again
        found = _problems(file, list(zip(file.root.iter(_QUOTE), quoting)), held)
        cache.put(name, json.dumps([astuple(d) for d in found]).encode("utf-8"))
        problems += found
    if problems:
        raise BuildFailed(problems)


_QUOTE = f"{{{TEI_NS}}}quote"


def _problems(file: Source, quotes: list[tuple[etree._Element, list[str]]], held: Held) -> list[Diagnostic]:
    found = []
    for quote, pointers in quotes:
        for pointer in pointers:
            source = held.get(pointer)
            if source is None:
                continue
            name, texts = source
            parts = parts_of(quote)
            if not any(stands_in(parts, text) for text in texts):
                shown = " ".join("".join(quote.itertext()).split())
                found.append(file.locator.at(quote, f"the quotation “{_shortened(shown)}” is not in {name}", HINT))
    return found


def sources_of(quote: etree._Element) -> list[str]:
    """What a quotation quotes: its own @source, or the links of its cit's bibl."""
    if quote.get("source"):
        return [quote.get("source")]
    cit = quote.getparent()
    return [ref.get("target", "") for ref in cit.iterfind("tei:bibl//tei:ref", NS)]


def _shortened(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def quoted_passage(quotes: list[etree._Element], blocks: list[etree._Element],
                   readings_of: Callable[[etree._Element], tuple[str, str]] = readings) -> str | None:
    """The id of the first block that holds every one of the quotations, or else of the block where
    the first begins: where a reference that cites them to a whole document means to point.
    ``readings_of``: ``readings``, or the same kept for a build (a document's blocks are asked often)."""
    wanted = [parts_of(q) for q in quotes]
    if not wanted:
        return None
    for block in blocks:
        texts = readings_of(block)
        if all(any(stands_in(parts, text) for text in texts) for parts in wanted):
            return block.get(XML_ID)
    # A quotation that runs over several blocks: the block where it begins.
    opening = " ".join(wanted[0][0].split()[:8]) if wanted[0] else ""
    for block in blocks:
        if opening and any(opening in text for text in readings_of(block)):
            return block.get(XML_ID)
    return None
