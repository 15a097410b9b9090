"""What every page's head tells reference managers and search engines, and the base URL setting."""
from __future__ import annotations

import json

import pytest

from conftest import BASE_URL, page, run_build
from edition.config import read_base_url
from edition.diagnostics import BuildFailed

PAGES = ["index.html", "text.html", "diplomatic.html", "names.html", "cite.html", "changes.html"]
TITLE = ("Backchannel Message From the Deputy Assistant to the President for National Security Affairs (Haig) "
         "to William Hood, Washington, December 22, 1972")


def meta(site, name: str) -> list[tuple[str, str]]:
    return [(m.get("name"), m.get("content")) for m in page(site, name).xpath("//head/meta[@name]")]


def json_ld(site, name: str) -> dict:
    [script] = page(site, name).xpath("//head/script[@type='application/ld+json']")
    return json.loads(script.text)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_carries_the_highwire_tags_zotero_reads_as_a_book_section(published_site, name):
    tags = [(n, c) for n, c in meta(published_site, name) if n.startswith("citation_")]
    assert tags == [
        ("citation_title", TITLE),
        ("citation_editor", "Steven E. Phillips"),
        ("citation_book_title", "Documents on China, 1969–1972"),
        ("citation_series_title", "Foreign Relations of the United States, 1969–1976"),
        ("citation_volume", "E–13"),
        ("citation_publisher", "United States Government Printing Office"),
        ("citation_publication_date", "2006"),
        ("citation_language", "en"),
        ("citation_public_url", f"{BASE_URL}text.html"),
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
        "DC.identifier": f"{BASE_URL}text.html",
        "DC.source": "https://history.state.gov/historicaldocuments/frus1969-76ve13/d171",
        "DC.relation.isPartOf": "Foreign Relations of the United States, 1969–1976, vol. E–13, Documents on China, 1969–1972",
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
    assert data["isPartOf"]["version"] == "0.2.0" and data["isPartOf"]["dateModified"] == "2026-11-28"
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
