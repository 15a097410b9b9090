"""What Zotero makes of a page's <head>: the rules of its Embedded Metadata translator
(zotero/translators, ``Embedded Metadata.js``, and the ``RDF.js`` import it hands
namespaced tags to) that decide the fields this edition sets, written out in Python
so that the tests can hold the pages' tags to them.

Only the rules for the tags the pages use are modelled; ``unmodelled`` names any tag
that would need more, and a test requires it to find none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# Embedded Metadata.js, `_prefixes`: the namespace prefixes it recognises in a tag name.
PREFIXES = {
    "bib": "http://purl.org/net/biblio#",
    "bibo": "http://purl.org/ontology/bibo/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "prism": "http://prismstandard.org/namespaces/1.2/basic/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://nwalsh.com/rdf/vCard#",
    "link": "http://purl.org/rss/1.0/modules/link/",
    "z": "http://www.zotero.org/namespaces/export#",
    "eprint": "http://purl.org/eprint/terms/",
    "eprints": "http://purl.org/eprint/terms/",
    "og": "http://ogp.me/ns#",
    "article": "http://ogp.me/ns/article#",
    "book": "http://ogp.me/ns/book#",
    "music": "http://ogp.me/ns/music#",
    "video": "http://ogp.me/ns/video#",
    "so": "http://schema.org/",
    "codemeta": "https://codemeta.github.io/terms/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}
DC = PREFIXES["dc"]
DCTERMS = PREFIXES["dcterms"]

# Embedded Metadata.js, `HIGHWIRE_MAPPINGS`, in its order (a later one overwrites an earlier one's field).
HIGHWIRE_MAPPINGS = [
    ("citation_title", "title"),
    ("citation_publication_date", "date"),
    ("citation_cover_date", "date"),
    ("citation_date", "date"),
    ("citation_journal_title", "publicationTitle"),
    ("citation_journal_abbrev", "journalAbbreviation"),
    ("citation_inbook_title", "publicationTitle"),  # "used as bookTitle or proceedingTitle"
    ("citation_book_title", "bookTitle"),
    ("citation_volume", "volume"),
    ("citation_issue", "issue"),
    ("citation_series_title", "series"),
    ("citation_conference_title", "conferenceName"),
    ("citation_conference", "conferenceName"),
    ("citation_dissertation_institution", "university"),
    ("citation_technical_report_institution", "institution"),
    ("citation_technical_report_number", "number"),
    ("citation_publisher", "publisher"),
    ("citation_isbn", "ISBN"),
    ("citation_abstract", "abstractNote"),
    ("citation_doi", "DOI"),
    ("citation_public_url", "url"),
    ("citation_language", "language"),
]

# Embedded Metadata.js, init(): the Highwire names that set the item type (hwType) or guess it.
HIGHWIRE_TYPES = {
    "citation_journal_title": "journalArticle",
    "citation_technical_report_institution": "report",
    "citation_conference_title": "conferencePaper",
    "citation_conference": "conferencePaper",
    "citation_book_title": "bookSection",
    "citation_inbook_title": "bookSection",
    "citation_dissertation_institution": "thesis",
}
HIGHWIRE_GUESSES = {"citation_title": "journalArticle", "citation_series_title": "journalArticle"}

# RDF.js, importItem(): the predicates that fill each field (the first one present wins).
RDF_FIELDS = {
    "title": [DC + "title", DCTERMS + "title", PREFIXES["og"] + "title", PREFIXES["so"] + "headline"],
    "publicationTitle": [PREFIXES["prism"] + "publicationName", PREFIXES["eprints"] + "publication",
                         PREFIXES["eprints"] + "book_title", DC + "source", DCTERMS + "source"],
    "date": [DC + "date", DCTERMS + "date", DCTERMS + "issued"],
    "publisher": [DC + "publisher", DCTERMS + "publisher"],
    "language": [DC + "language", DCTERMS + "language"],
    "rights": [DC + "rights", DCTERMS + "rights"],
    "url": [PREFIXES["og"] + "url", PREFIXES["so"] + "url", PREFIXES["so"] + "sameAs"],
}
# RDF.js: dc:creator and dc:contributor both become authors.
RDF_AUTHORS = [DC + "creator", DCTERMS + "creator", DC + "contributor", DCTERMS + "contributor"]
# Predicates the pages may use that RDF.js reads into nothing the tests care about: dc:type only
# guesses a type (below hwType), dc:identifier only yields an ISBN, ISSN or DOI, dc:relation
# only "see also" (which the translator empties), the rest are read by nothing.
RDF_HARMLESS = {DC + "type", DC + "format", DC + "identifier", DC + "relation", DC + "relation.isPartOf",
                PREFIXES["book"] + "title"}

# Zotero's schema: the base field a type-specific field stands for.
BASE_FIELDS = {"bookSection": {"bookTitle": "publicationTitle"}}

TITLE_FIELDS = ("title", "publicationTitle", "bookTitle", "series", "seriesTitle")


def route(tag: str) -> tuple[str, str]:
    """Where init() sends a tag name: ("rdf", predicate URI) when it finds a namespace prefix
    (the second part of a name of three or more parts first, then the first), else
    ("highwire", the name)."""
    parts = re.split(r"[.:_]", tag)
    prefix, length = None, 0
    if len(parts) > 2:  # e.g. og:video:release_date
        prefix, length = parts[1].lower(), len(parts[0]) + len(parts[1]) + 1
    if not prefix or prefix not in PREFIXES:
        prefix, length = parts[0].lower(), len(parts[0])
    if prefix in PREFIXES:
        prop = tag[length + 1:]
        return "rdf", PREFIXES[prefix] + prop[:1].lower() + prop[1:]
    return "highwire", tag


@dataclass
class Import:
    """The item Zotero would save, and every value each stage wrote into a field."""
    item: dict
    writes: list[tuple[str, str, str]] = field(default_factory=list)  # (stage, field, value)


def unmodelled(meta: list[tuple[str, str]]) -> list[str]:
    """The tag names this model does not cover."""
    known = {p for ps in RDF_FIELDS.values() for p in ps} | set(RDF_AUTHORS) | RDF_HARMLESS
    highwire = {name for name, _ in HIGHWIRE_MAPPINGS} | {"citation_author", "citation_editor"}
    out = []
    for name, _ in meta:
        where, key = route(name)
        if (where == "rdf" and key not in known) or (where == "highwire" and key not in highwire
                                                     and name.lower() not in ("description", "viewport")):
            out.append(name)
    return out


def _ends_with(meta: list[tuple[str, str]], name: str) -> list[str]:
    """getContentText/getContent: the tags whose name ends with ``name``, in document order."""
    return [content for tag, content in meta if tag.endswith(name) and content.strip()]


def _person(name: str, role: str) -> dict:
    """ZU.cleanAuthor for "First Middle Last"."""
    *first, last = name.split()
    return {"firstName": " ".join(first), "lastName": last, "creatorType": role}


def zotero_import(meta: list[tuple[str, str]], canonical: str | None = None, location: str = "") -> Import:
    """The item from a page's <meta name> tags (in document order), its canonical link and address."""
    writes = []
    statements: dict[str, list[str]] = {}
    hw_type = hw_guess = None
    for name, content in meta:
        where, key = route(name)
        if where == "rdf":
            statements.setdefault(key, []).append(content)
            continue
        short = name[name.rfind("citation_"):]
        hw_type = HIGHWIRE_TYPES.get(short, hw_type)
        if short in HIGHWIRE_GUESSES:
            hw_guess = hw_guess or HIGHWIRE_GUESSES[short]

    # The RDF import of the namespaced tags.
    item: dict = {"itemType": hw_type or hw_guess or "webpage", "creators": []}
    for name, predicates in RDF_FIELDS.items():
        value = next((statements[p][0] for p in predicates if p in statements), None)
        if value is not None:
            item[name] = value
            writes.append(("rdf", name, value))
    rdf_creators = [_person(n, "author") for p in RDF_AUTHORS for n in statements.get(p, [])]

    # addHighwireMetadata: processFields, then authors and editors.
    for name, target in HIGHWIRE_MAPPINGS:
        values = _ends_with(meta, name)
        if values:
            item[target] = " ".join(values[0].split())
            writes.append(("highwire", target, item[target]))
    creators = [_person(n, "author") for n in _ends_with(meta, "citation_author")]
    creators += [_person(n, "editor") for n in _ends_with(meta, "citation_editor")]
    if not creators:
        creators = rdf_creators
    item["creators"] = creators
    if hw_type:  # "swap in hwType for itemType"
        item["itemType"] = hw_type

    # addLowQualityMetadata: the fall-backs.
    if not item.get("url"):
        item["url"] = canonical or location
    # Saving: a base field given for a type that names it otherwise lands in the type's own field.
    for own, base in BASE_FIELDS.get(item["itemType"], {}).items():
        if base in item:
            value = item.pop(base)
            if item.get(own, value) != value:
                raise AssertionError(f"{own} and {base} disagree: {item[own]!r} / {value!r}")
            item[own] = value
    return Import(item, writes)
