"""Stage 5: lay the resolved edition out as pages with the Jinja templates.

Templates only arrange what ``rules`` rendered and ``resolve`` linked; every
page is rendered in memory here, and nothing touches the disk until ``write``.
"""
from __future__ import annotations

import datetime as dt
import traceback
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from .diagnostics import BuildFailed, Diagnostic, display_path
from .model import XML_ID
from .resolve import NAMES_PAGE, Links
from .rules import Renderer, permalink

TEI_DIR = "tei"


@dataclass(frozen=True)
class Page:
    path: str
    template: str
    title: str
    nav: str  # its label in the navigation


PAGES = (
    Page("index.html", "index.html", "About this edition", "Home"),
    Page("text.html", "text.html", "Reading text", "Reading text"),
    Page("diplomatic.html", "diplomatic.html", "Diplomatic text", "Diplomatic text"),
    Page(NAMES_PAGE, "names.html", "Names", "Names"),
)

KIND_HEADINGS = {"person": "Persons", "org": "Organisations", "place": "Places"}


def long_date(iso: str) -> str:
    """1972-12-22 -> December 22, 1972 (no locale: the same on every machine)."""
    day = dt.date.fromisoformat(iso)
    return f"{day:%B} {day.day}, {day.year}"


def environment(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
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
    edition = links.edition
    env = environment(templates)
    tei_name = edition.source.path.name
    common = {
        "edition": edition,
        "pages": PAGES,
        "tei_href": f"{TEI_DIR}/{tei_name}",
    }
    files: dict[str, bytes] = {}
    for page in PAGES:
        context = dict(common, page=page, depth="", **_page_context(links, page))
        files[page.path] = _render(env, page.template, context).encode("utf-8")
    files[f"{TEI_DIR}/{tei_name}"] = edition.source.path.read_bytes()
    schema_dir = edition.source.path.parent / "schema"
    for schema in sorted(schema_dir.glob("edition.*")):
        files[f"{TEI_DIR}/schema/{schema.name}"] = schema.read_bytes()
    for asset in sorted((templates / "static").iterdir()):
        files[f"static/{asset.name}"] = asset.read_bytes()
    return files


def _page_context(links: Links, page: Page) -> dict:
    edition = links.edition
    if page.path in ("text.html", "diplomatic.html"):
        view = "reading" if page.path == "text.html" else "diplomatic"
        r = Renderer(links, page.path, view)
        return {"view": view, "document": r.render(edition.document), "back": r.render(edition.back)}
    if page.path == NAMES_PAGE:
        r = Renderer(links, page.path)
        groups = []
        for kind, heading in KIND_HEADINGS.items():
            entries = [
                {"entry": e, "identification": r.inline(e.identification).strip(),
                 "occurrences": [b.get(XML_ID)
                                 for b in links.occurrences.get(e.id, [])]}
                for e in edition.entries.values() if e.kind == kind
            ]
            if entries:
                groups.append({"heading": heading, "entries": entries})
        return {"groups": groups}
    r = Renderer(links, page.path)
    summary = next((note for note in edition.notes if note.type == "summary"), None)
    return {"summary": r.inline(summary.element).strip() if summary is not None else Markup("")}


def _render(env: jinja2.Environment, name: str, context: dict) -> str:
    try:
        return env.get_template(name).render(context)
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
