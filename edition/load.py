"""Stage 1: read a TEI file safely, and every other input of the build once.

The parser never loads a DTD, never resolves an entity and never touches the
network; a DOCTYPE or entity declaration is refused before parsing, so an
entity-expansion bomb costs nothing.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TypeVar

from lxml import etree

from .diagnostics import BuildFailed, Diagnostic, Locator, display_path

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
NS = {"tei": TEI_NS}

T = TypeVar("T")
_DECLARATION = re.compile(r"<!(DOCTYPE|ENTITY)\b")


@dataclass
class Source:
    """One file of the edition with what is needed to point back into it, parsed when first asked
    (``tree``): a file an earlier build parsed, and whose plain facts it kept (``file_facts``), is
    parsed only if a stage needs more of it than those facts."""

    path: Path
    text: str
    parsed: etree._ElementTree | None
    locator: Locator
    #: What later stages work out from this file alone, kept as long as the file is: a process
    #: that builds again (the preview) reuses a file whose text is unchanged, and all of it.
    memo: dict = field(default_factory=dict, repr=False, compare=False)
    #: The names in ``memo`` of plain data (strings, numbers, frozen dataclasses of them and their
    #: containers; no element): what ``file_facts`` keeps between builds. ``made``: those worked
    #: out by this process and not kept yet.
    plain: set = field(default_factory=set, repr=False, compare=False)
    made: set = field(default_factory=set, repr=False, compare=False)

    @property
    def tree(self) -> etree._ElementTree:
        if self.parsed is None:
            with _PARSE_LOCK:  # one tree a file, whichever thread asks first (the search index's)
                if self.parsed is None:
                    self.parsed = _parsed(self.path, self.data, self.locator)
        return self.parsed

    @property
    def root(self) -> etree._Element:
        return self.tree.getroot()

    def once(self, name: object, make: Callable[[Source], T], plain: bool = False) -> T:
        """``make(self)``, worked out once for this file: ``make`` may read this file alone.
        ``plain``: the result is plain data, which later builds may take from ``file_facts``."""
        if name not in self.memo:
            self.memo[name] = make(self)
            if plain:
                self.plain.add(name)
                self.made.add(name)
        return self.memo[name]

    @property
    def data(self) -> bytes:
        """The text as UTF-8: the file's bytes, as the site's TEI downloads give them."""
        return self.once("bytes", lambda s: s.text.encode("utf-8"))

    @property
    def digest(self) -> str:
        """The SHA-256 of the text: what keys of results made from it hash, instead of the text."""
        return self.once("sha256", lambda s: hashlib.sha256(s.data).hexdigest())


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        # Comments and processing instructions are the encoder's notes, not the text:
        # dropped here, so no later stage meets them inside a paragraph.
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,  # duplicate xml:ids are reported by the Schematron, with a clear message
    )


#: The files ``read_once`` holds, by path: (size, time, inode) when read, and the bytes.
_READ: OrderedDict[Path, tuple[tuple[int, int, int], bytes]] = OrderedDict()
_READ_LOCK = threading.Lock()  # the preview's validation may read a schema from a thread
_READ_KEPT = 256  # the most recently read; a test session builds from many copies of the sources


def read_once(path: Path) -> bytes:
    """The bytes of one of the edition's inputs besides its TEI (a schema, a template, a Markdown
    text, the anchor lock, the build's code), read once however many stages need it (the keys of
    what may be reused hash a file that a later stage shows or compiles) and again only once it
    changed: when its size, time or inode differ from when it was read, as the preview's watcher
    sees a save. OSError as ``Path.read_bytes`` raises it."""
    found = os.stat(path)
    stamp = (found.st_size, found.st_mtime_ns, found.st_ino)
    with _READ_LOCK:
        known = _READ.get(path)
        if known is not None and known[0] == stamp:
            _READ.move_to_end(path)
            return known[1]
    data = path.read_bytes()
    with _READ_LOCK:
        _READ[path] = (stamp, data)
        while len(_READ) > _READ_KEPT:
            _READ.popitem(last=False)
    return data


def read_text(path: Path, once: bool = False) -> str:
    """The file's text, or BuildFailed naming the file and the first bad byte (``once``: as ``read_once``)."""
    return read_source(path, once)[1]


def read_source(path: Path, once: bool = False) -> tuple[bytes, str]:
    """The file's bytes and its text, or BuildFailed naming the file and the first bad byte
    (``once``: read as ``read_once`` reads, for an input that is not a TEI file)."""
    shown = display_path(path)
    try:
        data = read_once(path) if once else path.read_bytes()
    except FileNotFoundError:
        raise BuildFailed([Diagnostic(shown, 0, 0, "source file not found",
                                      "check the path, or restore the file from git")]) from None
    except OSError as e:
        raise BuildFailed([Diagnostic(shown, 0, 0, f"cannot read the file: {e.strerror}")]) from None
    if not data.strip():
        raise BuildFailed([Diagnostic(shown, 0, 0, "source file is empty",
                                      "restore it from git or write the TEI document into it")])
    return data, decoded(path, data)


def decoded(path: Path, data: bytes, hint: str = "save the file as UTF-8") -> str:
    """The file's bytes as UTF-8 text, or BuildFailed at the line and column of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = data[:e.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        raise BuildFailed([Diagnostic(
            display_path(path), line, col,
            f"the file is not UTF-8: byte 0x{data[e.start]:02x} cannot start or continue a character", hint)]) from None


def load_tei(path: Path, read: tuple[bytes, str] | None = None,
             known: Callable[[str], dict | None] | None = None) -> Source:
    """Parse a TEI file (``read``: its bytes and text, as ``read_source`` gave them); BuildFailed
    with located diagnostics if it is not well-formed TEI. ``known(sha256)``: the plain facts an
    earlier build kept of a file of this very text, if any (``file_facts``); such a file was well-formed
    TEI then, and is parsed only when a stage needs more of it."""
    data, text = read_source(path) if read is None else read
    locator = Locator(path, text)
    if known is not None:
        digest = hashlib.sha256(data).hexdigest()
        facts = known(digest)
        if facts is not None:
            source = Source(path, text, None, locator)
            source.memo.update(facts)
            source.plain.update(facts)
            source.memo["bytes"], source.memo["sha256"] = data, digest
            return source
    source = Source(path, text, _parsed(path, data, locator), locator)
    source.memo["bytes"] = data  # UTF-8 decoded and encoded again gives the same bytes
    return source


#: Lazy parsing: held while a file is parsed, so that two threads never make two trees of it.
_PARSE_LOCK = threading.Lock()


def _parsed(path: Path, data: bytes, locator: Locator) -> etree._ElementTree:
    text = locator.text
    declarations = [
        locator.at_line(*_line_col(text, m.start()),
                        f"<!{m.group(1)}> declarations are not allowed in the edition's TEI",
                        "remove it: the edition never loads DTDs or entities; type characters as UTF-8")
        for m in _DECLARATION.finditer(text)
    ]
    if declarations:
        raise BuildFailed(declarations)
    parser = safe_parser()
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser, base_url=str(path)))
    except etree.XMLSyntaxError as e:
        # The parser's own log: the exception's may carry errors of earlier validations in this thread.
        raise BuildFailed([_syntax_diagnostic(locator, e, parser.error_log)]) from None
    root = tree.getroot()
    if root.tag != f"{{{TEI_NS}}}TEI":
        qname = etree.QName(root)
        found = f"<{qname.localname}>" + (f" in namespace {qname.namespace}" if qname.namespace else " in no namespace")
        raise BuildFailed([locator.at(root, f"the root element is {found}, expected <TEI> in namespace {TEI_NS}",
                                      f'write <TEI xmlns="{TEI_NS}">')])
    return tree


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _syntax_diagnostic(locator: Locator, error: etree.XMLSyntaxError, log: etree._ListErrorLog) -> Diagnostic:
    entries = [entry for entry in log if entry.line]
    first = entries[0] if entries else None
    line = first.line if first else (error.lineno or 0)
    col = first.column if first else (error.offset or 1)
    message = (first.message if first else str(error)).strip().rstrip(".")
    return locator.at_line(line, col, f"malformed XML: {message}",
                           "fix the markup at this place; every start tag needs its end tag")
