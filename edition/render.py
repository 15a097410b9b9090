"""Stage 5: lay the resolved edition out as pages with the Jinja templates.

Templates only arrange what ``rules`` rendered and ``resolve`` linked; every
page is rendered in memory here, and nothing touches the disk until ``write``.
The pages are the rows of ``pages.PAGES``; files that are not pages come from the
functions in ``FILES`` (the TEI, the stylesheet) and ``DOCUMENT_FILES`` (each
document's downloads). A large edition is rendered by several processes, a share of
the documents each (``parallel``).
"""
from __future__ import annotations

import functools
import json
import os
import pickle
import traceback
from pathlib import Path
from typing import Callable

import jinja2
from jinja2.loaders import split_template_path
from markupsafe import Markup

from . import cite, metadata, search
from .anchors import published_anchors
from .cache import Cache, key
from .dependencies import document_key, edition_key, range_page_key, whole_key
from .diagnostics import BuildFailed, Diagnostic, display_path
from .downloads import reading_text_file
from .load import read_once
from .model import Document
from .pages import Page, all_pages, document_navigation, long_date
from .parallel import Forked, fork_map
from .ranges import range_of
from .resolve import NAMES_PAGE, Links
from .rules import permalink
from .site_files import SiteFiles, Stored
from .write import digests_of

TEI_DIR = "tei"


# --- files that are not pages ----------------------------------------------------------

def tei_files(links: Links, templates: Path) -> dict[str, bytes]:
    """Each document's TEI and the shared apparatus as they stand in source/ (the text the load
    stage read, not the file again), with the schemas beside them as their xml-model PIs expect."""
    files = {f"{TEI_DIR}/{source.path.name}": source.data for source in links.edition.sources}
    folder = links.edition.source.path.parent / "schema"
    if not folder.is_dir():  # a central document kept elsewhere: the edition's own schemas
        folder = Path(__file__).resolve().parent.parent / "source" / "schema"
    for schema in sorted(folder.glob("*.rng")) + sorted(folder.glob("*.sch")):
        files[f"{TEI_DIR}/schema/{schema.name}"] = read_once(schema)  # as the validation read it
    return files


def static_files(links: Links, templates: Path) -> dict[str, bytes]:
    return {f"static/{asset.name}": read_once(asset) for asset in sorted((templates / "static").iterdir())}


#: Files made once for the edition.
FILES: tuple[Callable[[Links, Path], dict[str, bytes]], ...] = (tei_files, static_files)

#: Files made for each document: its citation as BibTeX, RIS and CSL-JSON; its reading text.
DOCUMENT_FILES: tuple[Callable[[Links, Document], dict[str, bytes]], ...] = (
    cite.citation_files, reading_text_file)


# --- rendering -------------------------------------------------------------------------

def name_data(links: Links) -> Markup:
    """Each entry's name and identification up to its first source, as JSON for the name pop-ups."""
    data = {}
    for entry in links.edition.entries.values():
        data[entry.id] = {"name": entry.name, "text": " ".join((entry.identification.text or "").split())}
    # "</" cannot end the script element early once every "<" is escaped.
    return Markup(json.dumps(data, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c"))


class _Loader(jinja2.FileSystemLoader):
    """Jinja's loader of a templates folder, but reading each template as ``read_once`` does: the
    key of what every page depends on has read the folder already."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        path = Path(self.searchpath[0], *split_template_path(template))  # split refuses ".." and the like
        try:
            data = read_once(path)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise jinja2.TemplateNotFound(template) from None
        # as Jinja's own loader reads it: in text mode, whose universal newlines make "\r\n" and "\r" "\n"
        text = data.decode(self.encoding).replace("\r\n", "\n").replace("\r", "\n")
        mtime = os.path.getmtime(path)

        def uptodate() -> bool:
            try:
                return os.path.getmtime(path) == mtime
            except OSError:
                return False

        return text, os.path.normpath(path), uptodate


@functools.lru_cache(maxsize=4)
def environment(templates: Path) -> jinja2.Environment:
    """One environment per templates folder for the life of the process: it compiles each template
    once and, checking the files' times (``auto_reload``), again when one is saved. The compiled
    code is kept between processes in Jinja's cache in the system's temporary folder (private to
    the user, keyed by each template's checksum), so a cold build does not compile them again."""
    env = jinja2.Environment(
        auto_reload=True,
        bytecode_cache=jinja2.FileSystemBytecodeCache(),
        loader=_Loader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = long_date
    env.globals["permalink"] = permalink
    return env


def render_site(links: Links, templates: Path, workers: int = 1, cache: Cache = Cache(None),
                kept: dict[str, tuple] | None = None,
                defer: bool = False) -> tuple[SiteFiles, dict[str, list[str]], dict[str, str]]:
    """Every file of the site, by its path relative to the site's root, in the order of the paths,
    each page's anchors, and the SHA-256 of the files of its parts (``digests_of``, worked out with
    each part and kept with it). ``workers`` > 1 shares the documents out to as many processes; a
    part of the site whose inputs are unchanged (``dependencies``) is taken from ``kept`` (the
    last build's parts, by key, in a process that builds again; they are replaced by this build's),
    or else from ``cache``: its anchors and digests from its entry's outline, its files from an entry
    of their own, read at once or, ``defer``, when one of them is first asked for (``site_files``).
    The bytes are the same either way."""
    env = environment(templates)
    pages = all_pages(links.edition)
    common = {
        "edition": links.edition,
        "name_data": name_data(links),
        "pages": [page for page in pages if page.nav],
        # reference-manager metadata and the Cite links' citations, per page
        "head_metadata": lambda page: metadata.head(links, page.path, page.title),
        "passage_citations": lambda page: metadata.passage_citations(links, page.path),
        "document_citation": cite.chicago_note(cite.facts(links.edition), cite.document_url(links)),
        "search_page": search.SEARCH_PAGE,  # the header's search field goes there
    }

    def produce(unit: tuple[Document | None, list[Page]]) -> tuple[dict[str, bytes], dict[str, list[str]], dict[str, str]]:
        document, unit_pages = unit
        made: dict[str, bytes] = {}
        for page in unit_pages:
            doc = links.page_document(page.path)
            context = dict(common, page=page, doc=doc, docnav=document_navigation(links, page.path),
                           tei_href=f"{TEI_DIR}/{doc.tei_name}", **page.context(links, page.path))
            _add(made, page.path, _render(env, page.template, context).encode("utf-8"))
        for make in DOCUMENT_FILES if document is not None else ():
            for path, data in make(links, document).items():
                _add(made, path, data)
        return made, published_anchors(made), digests_of(made)

    units = work_units(links, pages)
    base = edition_key(links, templates)
    whole = whole_key(links, base)
    keys = [_unit_key(links, base, whole, document, unit_pages[0].path) for document, unit_pages in units]
    parts: dict[int, tuple[dict[str, bytes], dict[str, list[str]], dict[str, str]]] = {}
    stored = []  # the parts the cache holds
    defer = defer and kept is None  # what a process keeps is read
    for i, name in enumerate(keys):
        if kept is not None and name in kept:
            parts[i] = kept[name]
        elif cache.has(name):
            stored.append(i)
    todo = [i for i in range(len(units)) if i not in parts and i not in stored]
    forked = None
    if workers > 1 and len(todo) > 1:
        # what the pages to be made look up, worked out before the workers share it
        made = [units[i][0] or links.edition.central for i in todo]
        metadata.prepare(links, list({document.key: document for document in made}.values()))
        # begun first: this process reads the stored parts meanwhile (their outlines, or their pages too)
        forked = Forked(produce, [units[i] for i in todo], workers)
    try:
        late = []  # stored parts whose outline is gone or damaged meanwhile: made now
        for i in stored:
            part = _stored(cache, keys[i], lambda i=i: produce(units[i])[0], defer)
            if part is None:
                late.append(i)
            else:
                parts[i] = part
        made_now = forked.results() if forked is not None else [produce(units[i]) for i in todo]
    except BaseException:  # Ctrl-C, or a failure: the workers are stopped, not waited for
        if forked is not None:
            forked.close()
        raise
    for i, made in [*zip(todo, made_now), *zip(late, fork_map(produce, [units[i] for i in late], workers))]:
        parts[i] = made
        _store(cache, keys[i], made)
    if kept is not None:
        kept.clear()
        kept.update(zip(keys, (parts[i] for i in range(len(units)))))
    files: dict[str, bytes | Stored] = {}
    anchors: dict[str, list[str]] = {}
    digests: dict[str, str] = {}
    for i in range(len(units)):
        made, found, hashed = parts[i]
        for path in hashed:  # every file of the part, as its files or its outline name them
            _add(files, path, made if isinstance(made, Stored) else made[path])
        anchors.update(found)
        digests.update(hashed)
    for make in FILES:
        for path, data in make(links, templates).items():
            _add(files, path, data)
    return SiteFiles(dict(sorted(files.items()))), dict(sorted(anchors.items())), digests


def _store(cache: Cache, name: str, part: tuple[dict[str, bytes], dict[str, list[str]], dict[str, str]]) -> None:
    """A part in the cache: its outline (anchors and digests) under its key, its files apart."""
    made, found, hashed = part
    _store_files(cache, name, made)
    cache.put(name, pickle.dumps((found, hashed), protocol=pickle.HIGHEST_PROTOCOL))


def _store_files(cache: Cache, name: str, made: dict[str, bytes]) -> None:
    cache.put(_files_key(name), pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL))


def _files_key(name: str) -> str:
    """The key of the entry of a part's files, beside its outline's ``name``."""
    return key("part files", name)


def _stored(cache: Cache, name: str, remade: Callable[[], dict[str, bytes]], defer: bool) -> tuple | None:
    """A part taken from the cache; None if its outline is gone or damaged. Its files are read now,
    or (``defer``) when first asked for; files gone or damaged meanwhile are made again then
    (``remade``), the same bytes, and kept again."""
    outline = cache.unpickled(name)
    if not (isinstance(outline, tuple) and len(outline) == 2 and all(isinstance(o, dict) for o in outline)):
        return None
    found, hashed = outline

    def read() -> dict[str, bytes]:
        made = cache.unpickled(_files_key(name))
        if not (isinstance(made, dict) and made.keys() == hashed.keys()):
            made = remade()
            _store_files(cache, name, made)
        return made

    stored = Stored(read)
    return (stored if defer else stored.files(), found, hashed)


def _unit_key(links: Links, base: str, whole: str, document: Document | None, path: str) -> str:
    """A part's key: a document's; a list's page, its range's (``ranges``); any other page, the whole's."""
    if document is not None:
        return document_key(links, base, document)
    shown = range_of(links.edition, path)
    if shown is not None:  # a names page says too which entries are named in no document at all
        named = " ".join(sorted(e for e, places in links.occurrences.items() if places)) if path == NAMES_PAGE else ""
        return range_page_key(links, base, path, list(shown.documents), named)
    return key("page", whole, path)


def work_units(links: Links, pages: tuple[Page, ...]) -> list[tuple[Document | None, list[Page]]]:
    """The site in parts that can be made apart: each document with its own pages and files
    (reading, diplomatic and Cite, which render its text, and the downloads made from it),
    and each page of the edition (the central document's views among them) alone."""
    by_path = {page.path: page for page in pages}
    units: list[tuple[Document | None, list[Page]]] = []
    taken: set[str] = set()
    for document in links.edition.documents:
        own = [by_path[p] for p in document.pages.values() if p in by_path]
        taken.update(page.path for page in own)
        units.append((document, own))
    units += [(None, [page]) for page in pages if page.path not in taken]
    return units


def _add(files: dict[str, bytes], path: str, data: bytes) -> None:
    if path in files:  # two producers claiming one path is a bug, never an overwrite
        raise ValueError(f"two outputs claim {path!r}")
    files[path] = data


def _render(env: jinja2.Environment, name: str, context: dict) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateNotFound as e:
        folder = Path(env.loader.searchpath[0])
        raise BuildFailed([Diagnostic(display_path(folder / e.name), 0, 0, "template not found",
                                      "restore it from git, or correct the name that includes or extends it")]) from None
    except jinja2.TemplateSyntaxError as e:
        raise BuildFailed([Diagnostic(display_path(Path(e.filename or name)), e.lineno or 0, 1,
                                      f"template error: {e.message}", "fix the template syntax")]) from None
    except BuildFailed:
        raise
    except Exception as e:  # an error raised while a template runs: point at its line
        path, line = _template_frame(e)
        raise BuildFailed([Diagnostic(display_path(Path(path or name)), line, 1 if line else 0,
                                      f"template error: {type(e).__name__}: {e}",
                                      "check the variables and filters the template uses")]) from None


def _template_frame(error: Exception) -> tuple[str | None, int]:
    """The innermost template file and line in the traceback (Jinja keeps them there)."""
    found: tuple[str | None, int] = (None, 0)
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.endswith((".html", ".xml", ".txt")):
            found = (frame.filename, frame.lineno or 0)
    return found
