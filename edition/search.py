"""Full-text search: one record a citable passage, indexed by Pagefind and shipped with the site.

The records come from the resolved edition, not from the rendered pages: every heading,
paragraph and other block of each document's text, every FRUS note and editorial note, every
entry of the names and every event of the chronology. A record's URL is the page and permanent
anchor of its passage (``text.html#drv-1``), so that a result lands on it, ready to cite. Its
text is the reading text (corrections as read; note markers, page labels and permalinks left
out), followed, where the editors corrected the source, by the source's own reading: a search
for "its conviction" and one for "it conviction" both find ``china-1``. Its metadata name the
document (number, date, title) and the kind of block; its filters are the document, the kind
and the persons the passage names (``persName/@ref``, by the name of their entry).

Pagefind (``pagefind[bin]``, pinned in pyproject.toml) builds the index in a process of its
own: ``start_index`` hands it the records before the pages are rendered, and
``Indexing.files`` collects the index when they are, to be written with the site in the same
switch. Each index is asked of a new ``pagefind --service`` (it starts in a few milliseconds),
every request written at once and the answers read in large pieces (``_ask``): the rendering,
which holds Python's interpreter lock, is hardly interrupted. Pagefind needs about a fifth of
a second of processor time for this edition, so an index once built is kept in the build's cache
and taken again while its records, Pagefind and this module are unchanged (an edit that changes no
passage's text, metadata or filters does not run Pagefind; ``_made``). A large edition's
index is in shards (``shards``), one a range of FRUS numbers, made side by side; a change makes
again only the shard of the document changed, and the search page merges them.

Pagefind writes the values of each filter, and the filters in its metadata file, in the order
of a hash map seeded at random, so that two builds of the same records would differ;
``_canonical`` sorts them and names the files it rewrote by their content.
"""
from __future__ import annotations

import base64
import concurrent.futures
import gzip
import hashlib
import json
import os
import pickle
import selectors
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from .cache import Cache, code, key
from .dependencies import document_key
from .cite import date_span, long_date
from .diagnostics import BuildFailed, Diagnostic, display_path
from .load import TEI_NS
from .model import XML_ID, Document
from .parallel import Forked, available
from .ranges import grouped
from .resolve import CHRONOLOGY_PAGE, NAMES_PAGE, Links
from .write import digests_of

try:  # installed with the edition (pyproject.toml); a build without it says so, at the search index
    from pagefind.service import get_executable
except ImportError:  # pragma: no cover - a broken installation
    get_executable = None

SEARCH_PAGE = "search.html"
INDEX_DIR = "pagefind"
LANGUAGE = "en"
PAGEFIND_VERSION = "1.5.2"  # the version pinned in pyproject.toml: the format _canonical knows
SECONDS = 60  # the longest a build waits for Pagefind
#: Documents one index holds, by FRUS number: a change re-indexes the range of the document changed.
SHARD_SIZE = 50

#: The kinds of passage a search can be narrowed to: (filter value, label of the choice).
KINDS = (("text", "Text of the documents"), ("FRUS note", "FRUS notes"), ("editorial note", "Editorial notes"),
         ("name", "Names"), ("event", "Chronology events"))
#: How a record names a block of the text, by its TEI element (page breaks carry no words: no record).
BLOCKS = {"head": "heading", "p": "paragraph", "closer": "paragraph", "opener": "wire header",
          "dateline": "dateline", "list": "list"}
#: What Pagefind writes that the search page uses: its script, the index and the English module
#: (not its ready-made interfaces, its highlighting script, nor the web worker, which search.js
#: does without: the page compiles the module itself, under 'wasm-unsafe-eval').
SHIPPED = ("pagefind.js", "pagefind-entry.json", f"wasm.{LANGUAGE}.pagefind")
SHIPPED_PREFIXES = ("index/", "fragment/", "filter/", "pagefind.")
#: The metadata of a record. Pagefind searches metadata too; the search page weighs it at nothing
#: and keeps only the passages whose own words match (a document's title or date is in every record
#: of the document: "Hood" would find every passage of four documents).
META_FIELDS = ("label", "document", "date", "title", "kind", "anchor", "cite")


@dataclass(frozen=True)
class Record:
    """One passage as Pagefind indexes it."""

    url: str                       # its page and anchor: "text.html#drv-1"
    content: str                   # the words a search finds
    meta: dict[str, str]           # shown with a result: label, document, date, title, kind, anchor, cite
    filters: dict[str, list[str]]  # document, kind, person


# --- the records ------------------------------------------------------------------------

def records(links: Links) -> list[Record]:
    """Every passage of the edition, in the order of its pages: the documents in FRUS order, then
    the names, then the events."""
    return [record for shard in shards(links) for record in shard_records(links, shard)]


@dataclass(frozen=True)
class Shard:
    """One index of the edition's: a range of documents, and the names and events in the first."""

    folder: str                      # under the site's root: pagefind, pagefind-1000 …
    documents: tuple[Document, ...]
    apparatus: bool


def shards(links: Links) -> list[Shard]:
    """The indexes, in FRUS order: ``pagefind/`` the central document's range, the names and the
    events; each further range of ``SHARD_SIZE`` numbers an index of its own (``pagefind-1000/``),
    which the search page merges."""
    groups = grouped(links.edition, SHARD_SIZE)
    first = Shard(INDEX_DIR, next((documents for _, central, documents in groups if central), ()), True)
    return [first] + [Shard(f"{INDEX_DIR}-{start}", documents, False) for start, central, documents in groups
                      if not central]


def shard_records(links: Links, shard: Shard) -> list[Record]:
    found = [record for document in shard.documents for record in _document_records(links, document)]
    return found + (_apparatus_records(links) if shard.apparatus else [])


def _document_records(links: Links, document: Document) -> list[Record]:
    _, iso = document.dated
    date = long_date(iso[:10]) if iso else ""
    return [_block(links, document, date, element) for element in document.citable
            if etree.QName(element).localname != "pb"]


def _apparatus_records(links: Links) -> list[Record]:
    edition = links.edition
    found = []
    for entry in edition.entries.values():
        persons = _persons(links, entry.identification) if entry.identification is not None else []
        if entry.kind == "person":
            persons = [entry.name] + [p for p in persons if p != entry.name]
        found.append(Record(
            url=f"{NAMES_PAGE}#{entry.id}",
            content=f"{entry.name}: {text_of(entry.identification) if entry.identification is not None else ''}",
            meta={"label": f"Name: {entry.name}", "title": "Names", "kind": entry.kind, "anchor": entry.id},
            filters=_filters(kind="name", person=persons)))
    for event in edition.events:
        when = date_span(event.start, event.end) + (" (proposed)" if event.proposed else "")
        sources = "; ".join(text_of(b) for b in event.sources)
        found.append(Record(
            url=f"{CHRONOLOGY_PAGE}#{event.id}",
            content=f"{when}: {text_of(event.label)}. {text_of(event.desc)} Sources: {sources}.",
            meta={"label": f"Chronology: {text_of(event.label)}", "title": "Chronology", "date": when,
                  "kind": "event", "anchor": event.id},
            filters=_filters(kind="event", person=_persons(links, event.label, event.desc))))
    return found


def _block(links: Links, document: Document, date: str, element: etree._Element) -> Record:
    anchor = element.get(XML_ID)
    name = etree.QName(element).localname
    if name == "note":
        editorial = element.get("type") == "editorial"
        kind = f"{'editorial note' if editorial else 'note'} {element.get('n')}"
        label, filter_kind = f"Document {document.number}, {kind} ({anchor})", \
            "editorial note" if editorial else "FRUS note"
    else:
        kind = BLOCKS[name]
        label = f"Document {document.number}, {kind}" + ("" if anchor == kind else f" {anchor}")
        filter_kind = "text"
    content = text_of(element)
    if next(element.iter(f"{{{TEI_NS}}}choice"), None) is not None:
        source = text_of(element, reading=False)
        if source != content:  # the source's reading too, so that a search finds either
            content = f"{content} [source: {source}]"
    return Record(
        url=f"{links.home[anchor]}#{anchor}",
        content=content,
        meta={"label": label, "document": document.number, "date": date,
              "title": document.title, "kind": kind, "anchor": anchor, "cite": f"{links.cite_page(anchor)}#{anchor}"},
        filters=_filters(document=document.number, kind=filter_kind, person=_persons(links, element)))


def _filters(document: str = "", kind: str = "", person: list[str] = ()) -> dict[str, list[str]]:
    filters = {"document": [document] if document else [], "kind": [kind], "person": list(person)}
    return {name: values for name, values in filters.items() if values}


def _persons(links: Links, *elements: etree._Element) -> list[str]:
    """The persons the elements name (``persName/@ref``), by the names of their entries, in order."""
    names = []
    for element in elements:
        for name in element.iter(f"{{{TEI_NS}}}persName"):
            entry = links.edition.entries.get((name.get("ref") or "#")[1:])
            if entry is not None and entry.kind == "person" and entry.name not in names:
                names.append(entry.name)
    return names


#: What the pages add around an element's words (``rules`` renders them so): quotation marks,
#: the sign for words left out; a space where one block of a line ends.
_AROUND = {"quote": ("“", "”"), "gap": ("…", ""), "lb": (" ", ""),
           "item": (" ", " "), "seg": (" ", " "), "dateline": (" ", " "), "signed": (" ", " "), "head": ("", " ")}


def text_of(element: etree._Element, reading: bool = True) -> str:
    """The words of an element as the reading text has them (``reading``: corrections as read), or
    as the source has them: no note markers (``ptr``), no page labels (``pb``)."""
    parts: list[str] = []
    _words(element, "sic" if reading else "corr", parts)
    return " ".join("".join(parts).split())


def _words(element: etree._Element, left_out: str, parts: list[str]) -> None:
    name = etree.QName(element).localname
    if name == left_out:
        return
    before, after = _AROUND.get(name, ("", ""))
    parent = element.getparent()
    if name == "bibl" and parent is not None and etree.QName(parent).localname == "cit":
        before, after = " (", ")"  # a quotation's source, after it
    elif name == "label" and parent is not None and etree.QName(parent).localname == "note":
        after = "]"  # an editorial note's lemma
    parts.append(before)
    parts.append(element.text or "")
    for child in element:
        if isinstance(child.tag, str):
            _words(child, left_out, parts)
        parts.append(child.tail or "")
    parts.append(after)


# --- the search page ----------------------------------------------------------------------

def search_page(links: Links, path: str) -> dict:
    """The choices of the search page's filters: the documents, the kinds of passage, the persons."""
    edition = links.edition
    return {
        "documents": [{"value": d.number, "label": f"Document {d.number} ({long_date(d.dated[1][:10])})"}
                      for d in edition.documents],
        "kinds": [{"value": value, "label": label} for value, label in KINDS],
        "persons": [{"value": e.name, "label": e.name} for e in edition.entries.values() if e.kind == "person"],
        "meta_fields": " ".join(META_FIELDS),
        "name_data": "",  # names link to nothing here: neither the names' data nor their pop-up script
        "index": f"{INDEX_DIR}/pagefind.js",
        # a large edition's further indexes, merged into the first by the search page's script
        "merge": " ".join(f"{shard.folder}/" for shard in shards(links)[1:]),
    }


# --- the index ----------------------------------------------------------------------------

class Indexing:
    """The indexes being built: ``files`` waits for them and returns their files, by path in the site;
    ``close`` gives up on them (the build failed)."""

    def __init__(self, futures: list[concurrent.futures.Future], binary: Path, forked: Forked | None = None):
        self._futures = futures
        self._binary = binary
        self._forked = forked  # the processes that make the futures not yet done, if forked

    def done(self) -> bool:
        """Whether every index is made (``files`` would not wait)."""
        return all(future.done() for future in self._futures) and (self._forked is None or self._forked.ready())

    def finished(self) -> tuple[dict[str, bytes], dict[str, str]]:
        """The files and SHA-256 of the indexes made already (taken from the cache, or done), without waiting."""
        return _merged(future.result() for future in self._futures if future.done() and future.exception() is None)

    def files(self) -> tuple[dict[str, bytes], dict[str, str]]:
        """The indexes' files, by path, and their SHA-256 (``digests_of``: kept with each index)."""
        if self._forked is not None:
            made = iter(self._forked.results())  # BuildFailed (each problem once): a process's Pagefind failed
            for future in self._futures:
                if not future.done():
                    future.set_result(next(made))
        files, digests = _merged(self._index_of(future) for future in self._futures)
        return dict(sorted(files.items())), digests

    def _index_of(self, future: concurrent.futures.Future) -> tuple[dict[str, bytes], dict[str, str]]:
        try:
            return _awaited(future)
        except _Failed as failed:
            raise _failure(self._binary, str(failed)) from None

    def close(self) -> None:
        """Stop the processes still making indexes (threads end by themselves)."""
        if self._forked is not None:
            self._forked.close()


def _merged(indexes) -> tuple[dict[str, bytes], dict[str, str]]:
    """The files and SHA-256 of several indexes (each a pair of them), in one pair."""
    files: dict[str, bytes] = {}
    digests: dict[str, str] = {}
    for made, hashed in indexes:
        files.update(made)
        digests.update(hashed)
    return files, digests


def _awaited(future: concurrent.futures.Future):
    """The future's result, waited for in short spells: Ctrl-C may be taken by one of the build's
    threads (Pagefind's, the cache's), and Python raises it in the main thread when that thread next
    runs, which one long wait on a lock, not woken by a signal another thread took, would put off
    until Pagefind has answered."""
    while True:
        try:
            return future.result(timeout=0.1)
        except concurrent.futures.TimeoutError:
            continue


def start_index(links: Links, store: Cache = Cache(None), base: str | None = None,
                forked: bool = False) -> Indexing:
    """Start indexing the edition's records in Pagefind's processes; ``files()`` collects the result.

    The indexes (``shards``) are made side by side, as many at once as there are cores, each from
    its records, worked out on its own thread; ``forked``, in forked processes instead (a build of
    many documents, whose pages are made by forked workers too: this process may not run threads
    when they fork, and the indexes can be begun before the pages). With ``base``, the key of what
    every page depends on (``dependencies.edition_key``: the code, the templates, the apparatus …),
    an index is kept in the build's cache (``store``) under the keys of its documents' parts and
    taken again while they and Pagefind's program are the same, without working out its records.
    """
    binary = _binary()
    program = _program(binary)  # None: not to be looked at, nothing kept
    futures: list[concurrent.futures.Future] = []
    todo: list[tuple[concurrent.futures.Future, Shard, str | None]] = []
    for shard in shards(links):
        future: concurrent.futures.Future = concurrent.futures.Future()
        name = _cache_key(links, shard, program, base) if store.folder is not None and base is not None else None
        cached = _cached(store, _pointed_to(store, name))
        if cached is not None:
            future.set_result(cached)
        else:
            todo.append((future, shard, name))
        futures.append(future)

    if forked and todo:
        def made(item: tuple[concurrent.futures.Future, Shard, str | None]) -> tuple[dict[str, bytes], dict[str, str]]:
            _, shard, name = item  # in a forked process
            try:
                return _made(store, shard.folder, shard_records(links, shard), binary, program, name)
            except _Failed as failed:
                raise _failure(binary, str(failed)) from None
        return Indexing(futures, binary, Forked(made, todo, min(len(todo), available())))

    def work() -> None:
        while True:
            with lock:
                if not todo:
                    return
                future, shard, name = todo.pop(0)
            try:
                future.set_result(_made(store, shard.folder, shard_records(links, shard), binary, program, name))
            except BaseException as e:  # handed to the build, which waits for it
                future.set_exception(e)

    lock = threading.Lock()
    for _ in range(min(len(todo), os.cpu_count() or 1)):
        threading.Thread(target=work, name="pagefind", daemon=True).start()
    return Indexing(futures, binary)


def index_files(links: Links, store: Cache = Cache(None), base: str | None = None) -> dict[str, bytes]:
    """The index files of the edition, built now (or taken from ``store``)."""
    return start_index(links, store, base).files()[0]


def _cache_key(links: Links, shard: Shard, program: str | None, base: str) -> str | None:
    """What an index depends on: its folder, the parts of its documents (their TEI and what they
    point to), what every page depends on (``base``: the code, this module's among it, and the
    apparatus, which holds the names and events) and Pagefind's program (path, size, time); None if
    the program cannot be looked at. Its entry names the key of the index's records (``_made``)."""
    if program is None:
        return None
    return key("search", shard.folder, PAGEFIND_VERSION, program, base,
               *(document_key(links, base, document) for document in shard.documents))


def _made(store: Cache, folder: str, found: list[Record], binary: Path, program: str | None,
          name: str | None) -> tuple[dict[str, bytes], dict[str, str]]:
    """The index of ``found`` (``_index``) and its files' SHA-256; or the one made before of the same
    records, the same Pagefind and this module: a change that shows in no passage's text, metadata or
    filters (and a file whose passages an earlier build indexed) does not run Pagefind. ``name``, the
    key of the index's documents, is kept naming the records' key: the next build finds the index
    without working out its records. ``program``: ``_program(binary)``."""
    by_records = None
    if store.folder is not None and program is not None:
        by_records = key("search records", folder, PAGEFIND_VERSION, program, code("search", "write"),  # write: the digests
                         json.dumps([[r.url, r.content, r.meta, r.filters] for r in found], ensure_ascii=False, sort_keys=True))
    index = _cached(store, by_records)
    if index is None:
        index = _digested(_index(folder, found, binary))
        if by_records is not None:
            store.put(by_records, pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
    if name is not None and by_records is not None:
        store.put(name, by_records.encode("ascii"))
    return index


def _pointed_to(store: Cache, name: str | None) -> str | None:
    """The key of the records that the entry ``name`` names (``_made``); None if there is none."""
    data = store.get(name) if name is not None else None
    try:
        return data.decode("ascii") if data is not None and len(data) == 64 else None
    except UnicodeDecodeError:  # a damaged entry is a miss
        return None


def _program(binary: Path) -> str | None:
    """Pagefind's program as the keys of indexes name it (path, size, time); None if it cannot be looked at."""
    try:
        program = binary.stat()
    except OSError:
        return None
    return f"{binary.resolve()} {program.st_size} {program.st_mtime_ns}"


def _digested(files: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, str]]:
    return files, digests_of(files)


def _cached(store: Cache, name: str | None) -> tuple[dict[str, bytes], dict[str, str]] | None:
    index = store.unpickled(name)  # a damaged entry is made again
    return index if isinstance(index, tuple) and len(index) == 2 and isinstance(index[0], dict) else None


class _Failed(Exception):
    """Pagefind did not give an index; the message says what happened."""


def _failure(binary: Path, what: str) -> BuildFailed:
    """The one-line diagnostic of a search index that was not built, at Pagefind's program."""
    hint = f"install the edition's packages again: .venv/bin/pip install -e . installs Pagefind {PAGEFIND_VERSION}"
    if os.environ.get("PAGEFIND_BINARY_PATH"):
        hint = (f"PAGEFIND_BINARY_PATH names this program: unset it to use the Pagefind {PAGEFIND_VERSION} "
                f"that .venv/bin/pip install -e . installs")
    return BuildFailed([Diagnostic(display_path(binary), 0, 0, f"the search index was not built: {what}", hint)])


def _binary() -> Path:
    """Pagefind's program: the one PAGEFIND_BINARY_PATH names, or the one pagefind_bin installed."""
    found = get_executable() if get_executable is not None else None
    if found is None:
        raise _failure(Path("pagefind"), "Pagefind's program is not installed")
    return found


def _index(folder: str, found: list[Record], binary: Path) -> dict[str, bytes]:
    """The index of the records, under ``folder``, from a Pagefind process of its own, asked
    everything at once."""
    requests = [{"type": "NewIndex", "config": {"force_language": LANGUAGE}}]
    requests += [{"type": "AddRecord", "index_id": 0, "url": record.url, "content": record.content,
                  "language": LANGUAGE, "meta": record.meta, "filters": record.filters} for record in found]
    requests.append({"type": "GetFiles", "index_id": 0})
    answers = _ask(binary, requests)
    for answer in answers:
        if answer["type"] == "Error":
            raise _Failed(f"Pagefind refused a record: {answer.get('message')}")
    if ([a["type"] for a in answers] != ["NewIndex", *["IndexedFile"] * len(found), "GetFiles"]
            or answers[0].get("index_id") != 0):
        raise _Failed("Pagefind answered in a way this edition does not know "
                      f"({', '.join(sorted({a['type'] for a in answers}))})")
    try:
        files = _canonical({f["path"]: base64.b64decode(f["content"], validate=True) for f in answers[-1]["files"]
                            if _shipped(f["path"])}, folder)  # the rest (its user interfaces) is never decoded
    except (KeyError, TypeError, ValueError) as e:
        raise _Failed(f"Pagefind answered in a way this edition does not know ({type(e).__name__}: {e})") from None
    return files


def _ask(binary: Path, requests: list[dict]) -> list[dict]:
    """Pagefind's answers to ``requests``, in their order, from ``pagefind --service``.

    Its protocol: each message is base64 of JSON, followed by a comma. Pagefind takes the requests
    one at a time, in the order written, and leaves when its input ends, even with requests still
    unanswered: so every request is written at once, from a thread of its own, and the input is
    closed once every answer is in. This process reads the answers in large pieces and decodes them
    at the end, so that it rarely needs Python's interpreter lock while the pages are rendered.
    """
    data = b"".join(base64.b64encode(json.dumps({"message_id": i, "payload": payload}).encode("utf-8")) + b","
                    for i, payload in enumerate(requests))
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen([str(binary), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=errors)
        except OSError as e:
            raise _Failed(f"Pagefind did not start: {e.strerror or e}") from None
        writer = threading.Thread(target=_write, args=(process.stdin, data), name="pagefind input", daemon=True)
        writer.start()
        received, answered, ended = bytearray(), 0, False
        deadline = time.monotonic() + SECONDS
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while answered < len(requests) and selector.select(max(0.0, deadline - time.monotonic())):
                chunk = os.read(process.stdout.fileno(), 1 << 20)
                if not chunk:
                    ended = True
                    break
                received += chunk
                answered += chunk.count(b",")
                if len(chunk) < 1 << 16:
                    time.sleep(0.003)  # answers come one a record: read them in fewer, larger pieces
        try:  # Pagefind leaves when its input is closed; one that ended its answers is left a moment to leave
            process.wait(timeout=2) if ended else None
        except subprocess.TimeoutExpired:
            pass
        if process.poll() is None and answered < len(requests):
            process.kill()
        writer.join()
        for pipe in (process.stdin, process.stdout):
            try:
                pipe.close()
            except BrokenPipeError:  # what was left unwritten, Pagefind having left
                pass
        code = process.wait()
        if answered < len(requests):
            if not ended:
                raise _Failed(f"Pagefind did not answer within {SECONDS} s")
            errors.seek(0)
            said = " ".join(errors.read().decode("utf-8", "replace").split())[-300:]
            raise _Failed(f"Pagefind stopped before it answered (exit status {code})" + (f": {said}" if said else ""))
    try:
        by_id = {}
        for part in bytes(received).split(b",")[:-1]:
            answer = json.loads(base64.b64decode(part, validate=True))
            if answer is None:
                continue
            message_id = answer.get("message_id")
            if message_id is None and (original := answer["payload"].get("original_message")):
                message_id = json.loads(original).get("message_id")  # an error names the request it answers
            by_id[message_id] = answer["payload"]
        return [by_id[i] for i in range(len(requests))]
    except (ValueError, TypeError, KeyError) as e:
        raise _Failed(f"Pagefind answered in a way this edition does not know ({type(e).__name__}: {e})") from None


def _write(pipe, data: bytes) -> None:
    try:
        pipe.write(data)
        pipe.flush()
    except (BrokenPipeError, ValueError):  # Pagefind left (its leaving is reported by the reader)
        pass


# --- deterministic output -----------------------------------------------------------------------

_SIGNATURE = b"pagefind_dcd"


def _canonical(written: dict[str, bytes], folder: str = INDEX_DIR) -> dict[str, bytes]:
    """The files the site needs, under pagefind/, with each filter's values and the metadata's
    filters sorted and the rewritten files named by their content: the same records, the same bytes."""
    files = {path: data for path, data in written.items() if _shipped(path)}
    entry = json.loads(files["pagefind-entry.json"])
    if entry.get("version") == PAGEFIND_VERSION and not entry.get("languages"):
        raise _Failed("Pagefind indexed no passage: it found no word to index in any")
    if entry.get("version") != PAGEFIND_VERSION or list(entry.get("languages", {})) != [LANGUAGE]:
        raise _Failed(f"Pagefind wrote an index of another version or language than {PAGEFIND_VERSION} "
                      f"({LANGUAGE}): {entry.get('version')}, {list(entry.get('languages', {}))}")
    old_meta = entry["languages"][LANGUAGE]["hash"]
    renamed: dict[str, str] = {}
    for path in sorted(p for p in files if p.startswith("filter/")):
        name, values = _read_cbor_file(files.pop(path), path)
        data = _write_cbor_file([name, sorted(values, key=lambda v: v[0])])
        new = f"{LANGUAGE}_{hashlib.sha256(data).hexdigest()[:7]}"
        renamed[path.removeprefix("filter/").removesuffix(".pf_filter")] = new
        files[f"filter/{new}.pf_filter"] = data
    meta_path = f"pagefind.{old_meta}.pf_meta"
    meta = _read_cbor_file(files.pop(meta_path), meta_path)
    filters = meta[3]  # [version, pages, index chunks, filters [[name, file]], sorts, meta fields]
    if not all(isinstance(f, list) and len(f) == 2 and f[1] in renamed for f in filters):
        raise _Failed(f"Pagefind's metadata is not in the form of version {PAGEFIND_VERSION}")
    meta[3] = sorted([name, renamed[old]] for name, old in filters)
    data = _write_cbor_file(meta)
    new_meta = f"{LANGUAGE}_{hashlib.sha256(data).hexdigest()[:10]}"
    files[f"pagefind.{new_meta}.pf_meta"] = data
    entry["languages"][LANGUAGE]["hash"] = new_meta
    files["pagefind-entry.json"] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return {f"{folder}/{path}": data for path, data in sorted(files.items())}


def _shipped(path: str) -> bool:
    return path in SHIPPED or path.startswith(SHIPPED_PREFIXES)


def _read_cbor_file(data: bytes, path: str):
    """A Pagefind file: gzip, then the signature, then one CBOR item; checked to be written back
    byte for byte by ``_write_cbor_file``, so that sorting it changes nothing else."""
    try:
        raw = gzip.decompress(data)
        if not raw.startswith(_SIGNATURE):
            raise ValueError("no signature")
        value, end = _cbor_decode(raw, len(_SIGNATURE))
        if end != len(raw) or _cbor_encode(value) != raw[len(_SIGNATURE):]:
            raise ValueError("not in canonical form")
    except (OSError, ValueError, IndexError, EOFError) as e:
        raise _Failed(f"Pagefind wrote {INDEX_DIR}/{path} in a form this edition does not know ({e})") from None
    return value


def _write_cbor_file(value) -> bytes:
    return gzip.compress(_SIGNATURE + _cbor_encode(value), compresslevel=9, mtime=0)


def _cbor_decode(data: bytes, i: int):
    """One CBOR item (RFC 8949) of the kinds Pagefind writes: integers, strings, arrays, maps."""
    major, info = data[i] >> 5, data[i] & 31
    i += 1
    if info < 24:
        arg = info
    elif info <= 27:
        size = 1 << (info - 24)
        arg, i = int.from_bytes(data[i:i + size], "big"), i + size
    else:
        raise ValueError(f"CBOR item of additional information {info}")
    if major == 0:
        return arg, i
    if major == 1:
        return -1 - arg, i
    if major == 2:
        return bytes(data[i:i + arg]), i + arg
    if major == 3:
        return data[i:i + arg].decode("utf-8"), i + arg
    if major in (4, 5):
        items = []
        for _ in range(arg * (2 if major == 5 else 1)):
            item, i = _cbor_decode(data, i)
            items.append(item)
        return (items if major == 4 else _Map(zip(items[::2], items[1::2]))), i
    raise ValueError(f"CBOR item of major type {major}")


class _Map(list):
    """A CBOR map, kept as its pairs in their order."""


def _cbor_encode(value) -> bytes:
    if isinstance(value, _Map):
        return _cbor_head(5, len(value)) + b"".join(_cbor_encode(k) + _cbor_encode(v) for k, v in value)
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(_cbor_encode(v) for v in value)
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _cbor_head(3, len(data)) + data
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, int):
        return _cbor_head(0, value) if value >= 0 else _cbor_head(1, -1 - value)
    raise ValueError(f"cannot write {type(value).__name__} as CBOR")


def _cbor_head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | info]) + arg.to_bytes(size, "big")
    raise ValueError(f"integer too large for CBOR: {arg}")
