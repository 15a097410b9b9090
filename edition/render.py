"""Stage 5: lay the resolved edition out as pages with the Jinja templates.

Templates only arrange what ``rules`` rendered and ``resolve`` linked; every
page is rendered in memory here, and nothing touches the disk until ``write``.
The pages are the rows of ``pages.PAGES``; files that are not pages (the TEI,
the stylesheet, the downloads) come from the functions in ``FILES``.
"""
from __future__ import annotations

import functools
import json
import traceback
from pathlib import Path
from typing import Callable

import jinja2
from markupsafe import Markup

from . import cite, metadata, search
from .diagnostics import BuildFailed, Diagnostic, display_path
from .downloads import reading_text_file
from .pages import all_pages, document_navigation, long_date
from .resolve import Links
from .rules import permalink

TEI_DIR = "tei"


# --- files that are not pages ----------------------------------------------------------

def tei_files(links: Links, templates: Path) -> dict[str, bytes]:
    """Each document's TEI and the shared apparatus as they stand in source/ (the text the load
    stage read, not the file again), with the schemas beside them as their xml-model PIs expect."""
    files = {f"{TEI_DIR}/{source.path.name}": source.text.encode("utf-8") for source in links.edition.sources}
    folder = links.edition.source.path.parent / "schema"
    if not folder.is_dir():  # a central document kept elsewhere: the edition's own schemas
        folder = Path(__file__).resolve().parent.parent / "source" / "schema"
    for schema in sorted(folder.glob("*.rng")) + sorted(folder.glob("*.sch")):
        files[f"{TEI_DIR}/schema/{schema.name}"] = schema.read_bytes()
    return files


def static_files(links: Links, templates: Path) -> dict[str, bytes]:
    return {f"static/{asset.name}": asset.read_bytes() for asset in sorted((templates / "static").iterdir())}


FILES: tuple[Callable[[Links, Path], dict[str, bytes]], ...] = (
    tei_files, static_files,
    cite.citation_files, reading_text_file,  # downloads: BibTeX, RIS, CSL-JSON; the reading text
)


# --- rendering -------------------------------------------------------------------------

def name_data(links: Links) -> Markup:
    """Each entry's name and identification up to its first source, as JSON for the name pop-ups."""
    data = {}
    for entry in links.edition.entries.values():
        data[entry.id] = {"name": entry.name, "text": " ".join((entry.identification.text or "").split())}
    # "</" cannot end the script element early once every "<" is escaped.
    return Markup(json.dumps(data, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c"))


@functools.lru_cache(maxsize=4)
def environment(templates: Path) -> jinja2.Environment:
    """One environment per templates folder for the life of the process: it compiles each template
    once and, checking the files' times (``auto_reload``), again when one is saved. The compiled
    code is kept between processes in Jinja's cache in the system's temporary folder (private to
    the user, keyed by each template's checksum), so a cold build does not compile them again."""
    env = jinja2.Environment(
        auto_reload=True,
        bytecode_cache=jinja2.FileSystemBytecodeCache(),
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = long_date
    env.globals["permalink"] = permalink
    return env


def render_site(links: Links, templates: Path) -> dict[str, bytes]:
    """Every file of the site, by its path relative to the site's root."""
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
    files: dict[str, bytes] = {}
    for page in pages:
        document = links.page_document(page.path)
        context = dict(common, page=page, doc=document, docnav=document_navigation(links, page.path),
                       tei_href=f"{TEI_DIR}/{document.tei_name}", **page.context(links, page.path))
        _add(files, page.path, _render(env, page.template, context).encode("utf-8"))
    for produce in FILES:
        for path, data in produce(links, templates).items():
            _add(files, path, data)
    return files


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
