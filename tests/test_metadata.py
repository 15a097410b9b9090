"""What every page's head tells reference managers and search engines, and the base URL setting."""
from __future__ import annotations

import json

import pytest

from conftest import BASE_URL, page, run_build
from edition.pages import PAGES as EDITION_PAGES
from edition.config import read_base_url
from edition.diagnostics import BuildFailed
from zotero import TITLE_FIELDS, route, unmodelled, zotero_import

PAGES = sorted(p.path for p in EDITION_PAGES)
TITLE = ("Backchannel Message From the Deputy Assistant to the President for National Security Affairs (Haig) "
         "to William Hood, Washington, December 22, 1972")
BOOK = "Documents on China, 1969–1972"
SERIES = "Foreign Relations of the United States, 1969–1976"
FRUS_URL = "https://history.state.gov/historicaldocuments/frus1969-76ve13/d171"


def meta(site, name: str) -> list[tuple[str, str]]:
    return [(m.get("name"), m.get("content")) for m in page(site, name).xpath("//head/meta[@name]")]


def json_ld(site, name: str) -> dict:
    [script] = page(site, name).xpath("//head/script[@type='application/ld+json']")
    return json.loads(script.text)


def public_url(name: str) -> str:
    return BASE_URL if name == "index.html" else BASE_URL + name


def imported(site, name: str, tags=None):
    """What Zotero's Embedded Metadata translator makes of the page (tests/zotero.py)."""
    canonical = page(site, name).xpath("//head/link[@rel='canonical']/@href")
    return zotero_import(meta(site, name) if tags is None else tags, canonical[0] if canonical else None,
                         location=f"http://127.0.0.1/{name}")


def test_the_metadata_is_checked_on_every_page():
    assert {"index.html", "text.html", "diplomatic.html", "cite.html", "chronology.html"} <= set(PAGES)


@pytest.mark.parametrize("name", PAGES)
def test_zotero_imports_every_page_as_a_book_section_of_the_volume(published_site, name):
    assert unmodelled(meta(published_site, name)) == []  # the model covers every tag the page carries
    assert imported(published_site, name).item == {
        "itemType": "bookSection",
        "title": TITLE,
        "bookTitle": BOOK,
        "series": SERIES,
        "volume": "E–13",
        "creators": [{"firstName": "Steven E.", "lastName": "Phillips", "creatorType": "editor"}],
        "publisher": "United States Government Printing Office",
        "date": "2006",
        "language": "en",
        "rights": "https://creativecommons.org/publicdomain/zero/1.0/",
        "url": public_url(name),  # the page's own public address
    }


@pytest.mark.parametrize("name", PAGES)
def test_no_tag_puts_a_url_where_zotero_expects_a_title(published_site, name):
    writes = imported(published_site, name).writes
    titles = [(stage, field, value) for stage, field, value in writes if field in TITLE_FIELDS]
    assert titles and not [w for w in titles if "://" in w[2]]


def test_without_a_base_url_zotero_takes_the_address_the_page_was_opened_at(site):
    item = imported(site, "text.html").item
    assert item["itemType"] == "bookSection" and item["url"] == "http://127.0.0.1/text.html"


# Why each tag is there: without it, Zotero's item loses what the tag gives it.
WITHOUT = {
    # the only name that both reaches the Highwire rules and makes a book section
    "citation_inbook_title": {"itemType": "journalArticle"},
    "citation_title": {"title": TITLE},  # DC.title is the fall-back, with the same title
    "citation_editor": {"creators": [{"firstName": "Steven E.", "lastName": "Phillips", "creatorType": "author"}]},
    "citation_series_title": {"series": None},
    "citation_volume": {"volume": None},
    "citation_publication_date": {"date": "2006"},  # DC.date is the fall-back
    "citation_public_url": {"url": BASE_URL + "text.html"},  # the canonical link is the fall-back
}


@pytest.mark.parametrize("tag", sorted(WITHOUT))
def test_each_field_depends_on_its_tag(published_site, tag):
    tags = meta(published_site, "text.html")
    full = imported(published_site, "text.html").item
    without = imported(published_site, "text.html", [(n, c) for n, c in tags if n != tag]).item
    changed = {k: without.get(k) for k in set(full) | set(without) if full.get(k) != without.get(k)}
    expected = {k: v for k, v in WITHOUT[tag].items() if full.get(k) != v}
    assert changed == expected


def test_zotero_files_citation_book_title_under_open_graph_and_citation_inbook_title_under_highwire():
    # Embedded Metadata.js splits a name at "." ":" "_" and, for three parts or more, takes the
    # second part as the namespace prefix when it knows it: "book" is Open Graph's book: prefix.
    assert route("citation_book_title") == ("rdf", "http://ogp.me/ns/book#title")
    assert route("citation_inbook_title") == ("highwire", "citation_inbook_title")
    assert route("citation_series_title") == ("highwire", "citation_series_title")
    assert route("citation_publication_date") == ("highwire", "citation_publication_date")
    assert route("DC.relation.isPartOf") == ("rdf", "http://purl.org/dc/elements/1.1/relation.isPartOf")
    assert route("DC.source") == ("rdf", "http://purl.org/dc/elements/1.1/source")


def test_the_model_reproduces_the_journal_article_the_earlier_tags_gave():
    """The tags before this fix: citation_book_title (lost to Open Graph) and DC.source (the address)."""
    earlier = [("citation_title", TITLE), ("citation_editor", "Steven E. Phillips"), ("citation_book_title", BOOK),
               ("citation_series_title", SERIES), ("DC.title", TITLE), ("DC.source", FRUS_URL)]
    result = zotero_import(earlier)
    assert result.item["itemType"] == "journalArticle" and result.item["publicationTitle"] == FRUS_URL
    assert ("rdf", "publicationTitle", FRUS_URL) in result.writes


@pytest.mark.parametrize("name", PAGES)
def test_every_page_carries_the_highwire_tags_google_scholar_reads(published_site, name):
    tags = [(n, c) for n, c in meta(published_site, name) if n.startswith("citation_")]
    assert tags == [
        ("citation_title", TITLE),
        ("citation_editor", "Steven E. Phillips"),
        ("citation_inbook_title", BOOK),
        ("citation_book_title", BOOK),
        ("citation_series_title", SERIES),
        ("citation_volume", "E–13"),
        ("citation_publisher", "United States Government Printing Office"),
        ("citation_publication_date", "2006"),
        ("citation_language", "en"),
        ("citation_public_url", public_url(name)),
    ]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_carries_dublin_core(published_site, name):
    tags = dict((n, c) for n, c in meta(published_site, name) if n.startswith("DC."))
    assert tags == {
        "DC.title": TITLE,
        "DC.contributor": "Steven E. Phillips",
        "DC.publisher": "United States Government Printing Office",
        "DC.date": "2006",
        "DC.type": "Text",
        "DC.format": "text/html",
        "DC.language": "en",
        "DC.identifier": public_url(name),
        # The FRUS document is a related resource; DC.source would be read as a journal's title.
        "DC.relation": FRUS_URL,
        "DC.relation.isPartOf": f"{SERIES}, vol. E–13, {BOOK}",
        "DC.rights": "https://creativecommons.org/publicdomain/zero/1.0/",
    }


@pytest.mark.parametrize("name", PAGES)
def test_every_page_has_its_canonical_link(published_site, name):
    expected = BASE_URL if name == "index.html" else BASE_URL + name
    assert page(published_site, name).xpath("//head/link[@rel='canonical']/@href") == [expected]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_describes_itself_in_schema_org_json_ld(published_site, name):
    data = json_ld(published_site, name)
    title = page(published_site, name).findtext(".//title").split(" · ")[0]
    assert (data["@context"], data["@type"], data["name"]) == ("https://schema.org", "WebPage", title)
    assert data["url"] == (BASE_URL if name == "index.html" else BASE_URL + name)
    assert data["isPartOf"]["version"] == "0.3.1" and data["isPartOf"]["dateModified"] == "2026-11-29"
    document = data["about"]
    assert (document["@type"], document["name"], document["position"]) == ("Chapter", TITLE, "171")
    book = document["isPartOf"]
    assert (book["@type"], book["name"], book["volumeNumber"]) == ("Book", "Documents on China, 1969–1972", "E–13")
    assert book["editor"] == [{"@type": "Person", "name": "Steven E. Phillips"}]
    assert book["isPartOf"]["name"] == "Foreign Relations of the United States, 1969–1976"


def test_without_a_base_url_no_metadata_claims_an_absolute_url(site):
    for name in PAGES:
        doc = page(site, name)
        assert doc.xpath("//link[@rel='canonical']") == []
        names = [n for n, _ in meta(site, name)]
        assert "citation_public_url" not in names and "DC.identifier" not in names
        assert "citation_book_title" in names
        data = json_ld(site, name)
        assert "url" not in data and "url" not in data["isPartOf"]


# --- the base URL setting ------------------------------------------------------------------

@pytest.mark.parametrize("value", ["http://example.org/", "https://example.org/edition", "example.org/", "https:///x/"])
def test_a_base_url_that_is_not_absolute_https_ending_in_a_slash_is_a_usage_error(value):
    result = run_build("--check", "--base-url", value)
    assert result.returncode == 2
    assert "argument --base-url: base URL" in result.stderr and "write it as https://host/path/, with the final slash" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_base_url_option_builds_absolute_urls(tmp_path):
    result = run_build("--base-url", BASE_URL, "--out", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert page(tmp_path / "site", "text.html").xpath("//link[@rel='canonical']/@href") == [f"{BASE_URL}text.html"]


def test_a_build_with_the_committed_settings_prints_one_line_and_nothing_alarming(tmp_path):
    result = run_build("--out", str(tmp_path / "site"))
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("Built ") and len(result.stdout.splitlines()) == 1


def test_the_base_url_is_read_from_the_settings_file(tmp_path):
    settings = tmp_path / "edition.toml"
    settings.write_text(f'base-url = "{BASE_URL}"\n', encoding="utf-8")
    assert read_base_url(settings) == BASE_URL


def test_a_bad_base_url_in_the_settings_file_is_reported_at_its_line(tmp_path):
    settings = tmp_path / "edition.toml"
    settings.write_text('# settings\nbase-url = "http://example.org"\n', encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        read_base_url(settings)
    assert str(failure.value).endswith(
        ":2:1: error: base URL 'http://example.org' is not an absolute https URL "
        "(write it as https://host/path/, with the final slash)")


def test_settings_that_are_not_toml_are_reported_at_their_place(tmp_path):
    settings = tmp_path / "edition.toml"
    settings.write_text('base-url = "https://example.org/\n', encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        read_base_url(settings)
    assert ":1:" in str(failure.value) and "error: the settings are not valid TOML" in str(failure.value)


def test_settings_that_cannot_be_read_are_reported_at_their_file(tmp_path):
    settings = tmp_path / "edition.toml"
    settings.mkdir()  # a folder where the file should be
    with pytest.raises(BuildFailed) as failure:
        read_base_url(settings)
    [problem] = failure.value.diagnostics
    assert (problem.line, problem.message) == (0, "cannot read the settings: Is a directory")


def test_settings_that_are_not_utf8_are_reported_at_their_first_bad_byte(tmp_path):
    settings = tmp_path / "edition.toml"
    settings.write_bytes('base-url = "https://ex\xe4mple.org/"\n'.encode("latin-1"))
    with pytest.raises(BuildFailed) as failure:
        read_base_url(settings)
    [problem] = failure.value.diagnostics
    assert (problem.line, problem.col) == (1, 23) and problem.message.startswith("the file is not UTF-8")
