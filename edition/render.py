"""Stage 5: lay the resolved edition out as pages with the Jinja templates.

Templates only arrange what ``rules`` rendered and ``resolve`` linked; every
page is rendered in memory here, and nothing touches the disk until ``write``.
A page is a row of ``PAGES``: its path, template, title, navigation label and
the function that gathers its context. Files that are not pages (the TEI, the
stylesheet) come from the functions in ``FILES``.
"""
from __future__ import annotations

import datetime as dt
import json
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import jinja2
from lxml import etree
from markupsafe import Markup

from . import cite, metadata
from .diagnostics import BuildFailed, Diagnostic, display_path
from .load import NS
from .markdown import markdown_file
from .downloads import reading_text_file
from .model import XML_ID
from .resolve import CHRONOLOGY_PAGE, COMPARE_PAGE, COMPOSITE_PAGE, NAMES_PAGE, NOTES_PAGE, TEXT_PAGES, Links
from .rules import Renderer, permalink
from .timeline import channels, document_label, timeline

TEI_DIR = "tei"
KIND_HEADINGS = {"person": "Persons", "org": "Organisations", "place": "Places"}


# --- what each page shows --------------------------------------------------------------

def home(links: Links, path: str) -> dict:
    summary = next((note for note in links.edition.notes if note.type == "summary"), None)
    r = Renderer(links, path)
    return {"summary": r.inline(summary.element).strip() if summary is not None else Markup("")}


def text_view(view: str) -> Callable[[Links, str], dict]:
    def context(links: Links, path: str) -> dict:
        r = Renderer(links, path, view)
        return {"view": view, "document": r.render(links.edition.document), "back": r.render(links.edition.back)}
    return context


def names(links: Links, path: str) -> dict:
    r = Renderer(links, path)
    groups = []
    for kind, heading in KIND_HEADINGS.items():
        entries = [
            {"entry": e, "identification": r.inline(e.identification).strip(),
             "occurrences": [block.get(XML_ID) for block in links.occurrences.get(e.id, [])]}
            for e in links.edition.entries.values() if e.kind == kind
        ]
        if entries:
            groups.append({"heading": heading, "entries": entries})
    return {"groups": groups}


#: The edition's texts in Markdown, kept in the project's source/ folder.
TEXTS = Path(__file__).resolve().parent.parent / "source"


def about(links: Links, path: str) -> dict:
    """The introduction and the editorial principles."""
    return {"sections": [markdown_file(TEXTS / name) for name in ("introduction.md", "editing.md")]}


def _joined(links: Links) -> tuple[etree._Element, list[etree._Element]]:
    """The wire's join and the divisions it names, in order."""
    join = next(links.edition.source.root.iter(f"{{{NS['tei']}}}join"))
    return join, links.parts[join.get(XML_ID)]


def composite(links: Links, path: str) -> dict:
    """The full message for the Chinese leadership, assembled from the join: no text copied."""
    join, divisions = _joined(links)
    instruction = join.getprevious()
    notes = [links.note_of_ref[p.get(XML_ID)] for p in instruction.iterfind(".//tei:ptr[@type='noteAnchor']", NS)]
    quote = Renderer(links, path, anchors=False)
    return {
        "instruction": quote.inline(instruction).strip(),
        "instruction_href": links.href("#" + instruction.get(XML_ID), path),
        "explanation": quote.inline(join.find("tei:desc", NS)).strip(),
        "notes": [(note.number, links.href("#" + note.id, path)) for note in notes if note.type == "editorial"],
        "parts": [Renderer(links, path).render(div) for div in divisions],
        "notes_section": _notes_within(links, path, divisions),
    }


def _notes_within(links: Links, path: str, divisions: list[etree._Element]) -> Markup:
    """The notes referenced in some divisions, for a page that shows them apart from the text."""
    r = Renderer(links, path)
    refs = [p for d in divisions for p in d.iterfind(".//tei:ptr[@type='noteAnchor']", NS)]
    notes = [links.note_of_ref[p.get(XML_ID)] for p in refs]
    if not notes:
        return Markup("")
    heading = "Editorial notes" if all(n.type == "editorial" for n in notes) else "Notes"
    return Markup('<section class="notes" role="doc-endnotes" aria-label="{0}"><h2>{0}</h2>\n{1}</section>').format(
        heading, Markup("\n").join(r.render(n.element) for n in notes))


def _blocks(division: etree._Element) -> list[etree._Element]:
    return [e for e in division.iter(f"{{{NS['tei']}}}head", f"{{{NS['tei']}}}p")]


def compare(links: Links, path: str) -> dict:
    """The message to the DRV beside the message to the Chinese side, aligned block by block."""
    _, divisions = _joined(links)
    to_drv = [b for d in divisions if d.get("type") == "message" for b in _blocks(d)]
    to_china = [b for d in divisions for b in _blocks(d)]
    first, again = Renderer(links, path), Renderer(links, path, anchors=False)
    rows = []
    for block in to_china:
        shared = block in to_drv
        rows.append({"left": first.render(block) if shared else None,
                     "right": (again if shared else first).render(block)})
    rows += [{"left": first.render(b), "right": None} for b in to_drv if b not in to_china]
    return {"rows": rows, "notes_section": _notes_within(links, path, divisions)}


def notes(links: Links, path: str) -> dict:
    """Every FRUS note and every editorial note, each with the passage it belongs to."""
    r = Renderer(links, path)
    groups = {"FRUS notes": [], "Editorial notes": []}
    for note in links.edition.notes:
        ref = links.ref_of_note[note.id]
        block = links.block_of(next(e for e in links.edition.source.root.iter() if e.get(XML_ID) == ref))
        groups["Editorial notes" if note.type == "editorial" else "FRUS notes"].append({
            "note": note,
            "content": r.inline(note.element).strip(),
            "passage": block.get(XML_ID),
            "passage_href": f"{TEXT_PAGES[0]}#{ref}",
        })
    return {"groups": [(heading, items) for heading, items in groups.items() if items]}


def date_span(start: str, end: str) -> str:
    """The way the chronology shows a day or a span of days."""
    if start == end:
        return long_date(start)
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a:%B} {a.day}–{b.day}, {a.year}"
    return f"{long_date(start)} – {long_date(end)}"


def chronology(links: Links, path: str) -> dict:
    edition = links.edition
    r = Renderer(links, path)
    events = [{
        "event": e,
        "when": date_span(e.start, e.end),
        "label": r.inline(e.label).strip(),
        "desc": r.inline(e.desc).strip(),
        "passages": [(p, f"{TEXT_PAGES[0]}#{p}") for p in e.passages],
        "sources": [r.render(b) for b in e.sources],
    } for e in edition.events]
    lanes = {lane: edition.entries[lane].name for lane in {c.sender for c in edition.channels} | {c.receiver for c in edition.channels}}
    messages = [{
        "channel": c, "when": long_date(c.when), "document": document_label(c.source),
        "sender": lanes[c.sender], "receiver": lanes[c.receiver],
        "desc": r.inline(c.desc).strip(),
    } for c in edition.channels]
    return {
        "events": events,
        "timeline": timeline(edition.events, {e.id: "#" + e.id for e in edition.events}, "timeline-caption"),
        "messages": messages,
        "channels": channels(edition.channels, lanes, {c.id: "#" + c.id for c in edition.channels}, "channels-caption"),
    }
def cite_page(links: Links, path: str) -> dict:
    """The document in every style, its downloads, and each passage's ready citations."""
    f = cite.facts(links.edition)
    return {
        "styles": cite.document_styles(f, cite.document_url(links)),
        "downloads": [{"href": f"{cite.DOWNLOADS_DIR}/{f.key}.{suffix}", "label": label, "type": media}
                      for suffix, label, media, _ in cite.DOWNLOADS],
        "reading_text": f"{cite.DOWNLOADS_DIR}/{f.key}.txt",
        "passages": [{"passage": p, "styles": cite.passage_styles(f, p, cite.passage_url(links, p))}
                     for p in cite.passages(links)],
        "has_base_url": bool(links.base_url),
    }


def changes(links: Links, path: str) -> dict:
    return {"revisions": sorted(links.edition.revisions, key=lambda c: (c.when, c.version), reverse=True)}


@dataclass(frozen=True)
class Page:
    path: str
    template: str
    title: str
    nav: str | None  # its label in the navigation; None keeps it out
    context: Callable[[Links, str], dict]


PAGES = (
    Page("index.html", "index.html", "About this edition", "Home", home),
    Page("about.html", "about.html", "Introduction and editorial principles", "Introduction", about),
    Page(TEXT_PAGES[0], "text.html", "Reading text", "Reading text", text_view("reading")),
    Page(TEXT_PAGES[1], "diplomatic.html", "Diplomatic text", "Diplomatic text", text_view("diplomatic")),
    Page(COMPOSITE_PAGE, "composite.html", "The message to the Chinese side", "Message to the Chinese", composite),
    Page(COMPARE_PAGE, "compare.html", "The two messages compared", "Comparison", compare),
    Page(NOTES_PAGE, "notes.html", "All notes", "Notes", notes),
    Page(NAMES_PAGE, "names.html", "Names", "Names", names),
    Page(CHRONOLOGY_PAGE, "chronology.html", "Chronology and channels", "Chronology", chronology),
    # citation and versions
    Page(cite.CITE_PAGE, "cite.html", "Cite this edition", "Cite", cite_page),
    Page("changes.html", "changes.html", "Changes", "Changes", changes),
)


# --- files that are not pages ----------------------------------------------------------

def tei_files(links: Links, templates: Path) -> dict[str, bytes]:
    """The TEI as it stands in source/, with its schema beside it as its xml-model PIs expect."""
    source = links.edition.source.path
    files = {f"{TEI_DIR}/{source.name}": source.read_bytes()}
    for schema in sorted((source.parent / "schema").glob("edition.*")):
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
    env = environment(templates)
    common = {
        "edition": links.edition,
        "name_data": name_data(links),
        "pages": [page for page in PAGES if page.nav],
        "tei_href": f"{TEI_DIR}/{links.edition.source.path.name}",
        # reference-manager metadata and the Cite links' citations, per page
        "head_metadata": lambda page: metadata.head(links, page.path, page.title),
        "passage_citations": lambda page: metadata.passage_citations(links, page.path),
        "document_citation": cite.chicago_note(cite.facts(links.edition), cite.document_url(links)),
    }
    files: dict[str, bytes] = {}
    for page in PAGES:
        context = dict(common, page=page, **page.context(links, page.path))
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
