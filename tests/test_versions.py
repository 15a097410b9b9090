"""The edition's version and date, its revision history, and the manifest for tools."""
from __future__ import annotations

import hashlib
import json
import re

import pytest
from lxml import etree, html

from build import build
from conftest import ROOT, SOURCE, mutate, page, visible_text

PAGES = ["index.html", "text.html", "diplomatic.html", "names.html", "cite.html", "changes.html"]
NEXT_CHANGE = ('<change when="2027-01-15" n="0.4.0" who="#editors">Fourth release: a corrected note.</change>\n'
               '      <change when="2026-11-29" n="0.3.1"')


def test_every_page_shows_the_version_and_date_of_the_tei(site):
    for name in PAGES:
        footer = visible_text(page(site, name).xpath("//footer")[0])
        assert footer.startswith("Version 0.3.1, November 29, 2026 (changes, how to cite)."), name


def test_the_version_and_date_come_from_the_edition_statement(tmp_path):
    source = mutate(tmp_path, '<edition n="0.3.1">Version 0.3.1, <date when="2026-11-29">November 29, 2026</date>',
                    '<edition n="0.4.0">Version 0.4.0, <date when="2027-01-15">January 15, 2027</date>')
    files = build(source, None, base_url="", lock=tmp_path / "none.json", locking=True)
    footer = visible_text(html.fromstring(files["names.html"]).xpath("//footer")[0])
    assert footer.startswith("Version 0.4.0, January 15, 2027")
    assert json.loads(files["manifest.json"])["edition"]["version"] == "0.4.0"


def test_the_changes_page_renders_the_revision_history(site):
    doc = page(site, "changes.html")
    second_correction, dossier, correction, first = doc.xpath("//ol[@class='revisions']/li")
    assert second_correction.get("id") == "version-0.3.1"
    assert visible_text(second_correction).startswith(
        "November 29, 2026: version 0.3.1 (correction release) Correction release: a second source-by-source review")
    assert second_correction.xpath(".//time/@datetime") == ["2026-11-29"]
    assert dossier.get("id") == "version-0.3.0"
    assert visible_text(dossier).startswith("November 28, 2026: version 0.3.0 The dossier of the channel")
    assert correction.get("id") == "version-0.2.0"
    assert visible_text(correction).startswith("November 28, 2026: version 0.2.0 (correction release) Correction release:")
    assert first.get("id") == "version-0.1.0"
    assert visible_text(first).startswith("November 28, 2026: version 0.1.0 First release: the whole document transcribed")
    assert first.xpath(".//time/@datetime") == ["2026-11-28"]


def test_the_changes_page_lists_every_change_newest_first(tmp_path):
    source = mutate(tmp_path, '<change when="2026-11-29" n="0.3.1"', NEXT_CHANGE)
    files = build(source, None, base_url="", lock=tmp_path / "none.json", locking=True)
    items = html.fromstring(files["changes.html"]).xpath("//ol[@class='revisions']/li")
    assert [li.get("id") for li in items] == ["version-0.4.0", "version-0.3.1", "version-0.3.0", "version-0.2.0", "version-0.1.0"]
    assert visible_text(items[0]) == "January 15, 2027: version 0.4.0 Fourth release: a corrected note."


def test_the_manifest_lists_pages_anchors_version_and_the_tei_checksum(site):
    data = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    assert data["edition"] == {
        "title": "Backchannel Message From Alexander Haig to William Hood, December 22, 1972",
        "subtitle": "A digital edition of Foreign Relations of the United States, 1969–1976, Volume E–13, Document 171",
        "version": "0.3.1", "date": "2026-11-29"}
    assert data["tei"] == {"path": f"tei/{SOURCE.name}", "sha256": hashlib.sha256(SOURCE.read_bytes()).hexdigest()}
    assert sorted(data["pages"]) == sorted(p.name for p in site.glob("*.html"))
    for name, entry in data["pages"].items():
        ids = sorted(set(page(site, name).xpath("//*[not(self::script)][not(ancestor::defs)]/@id")))
        assert entry["anchors"] == ids, name
    assert data["pages"]["text.html"]["title"] == "Reading text"
    assert "drv-3" in data["pages"]["cite.html"]["anchors"]
    assert data["base-url"] == ""


def test_the_manifest_gives_the_checksum_of_every_other_file(site):
    data = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    others = sorted(str(p.relative_to(site)) for p in site.rglob("*")
                    if p.is_file() and p.suffix != ".html" and p.name != "manifest.json")
    assert sorted(data["files"]) == others
    for path, entry in data["files"].items():
        assert entry["sha256"] == hashlib.sha256((site / path).read_bytes()).hexdigest(), path


def test_the_manifest_is_written_with_sorted_keys_and_no_clock(site):
    text = (site / "manifest.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert list(data) == sorted(data)
    # each section's entries one to a line (a document, a page, a file), every key sorted within
    entries = [line.strip().rstrip(",") for line in text.splitlines() if line.startswith('    "')]
    assert len(entries) == sum(len(value) for value in data.values() if isinstance(value, dict))
    for line in entries:
        (name, value), = json.loads("{" + line + "}").items()
        assert line == f"{json.dumps(name, ensure_ascii=False)}: {json.dumps(value, ensure_ascii=False, sort_keys=True)}"

@pytest.mark.parametrize("when, shown", [("2026", "2026"), ("2026-11", "November 2026")])
def test_a_change_dated_by_its_year_or_month_alone_builds_and_shows_that(tmp_path, when, shown):
    """The rules let a date be a year or a month (as FRUS dates some documents); a change so dated
    is shown so, not a template error."""
    source = mutate(tmp_path, '<change when="2026-11-28" n="0.1.0"', f'<change when="{when}" n="0.1.0"')
    files = build(source, None, base_url="", lock=tmp_path / "none.json", locking=True)
    first = html.fromstring(files["changes.html"]).xpath("//ol[@class='revisions']/li")[-1]
    assert visible_text(first).startswith(f"{shown}: version 0.1.0 First release")
    assert first.xpath(".//time/@datetime") == [when]
    home = visible_text(html.fromstring(files["index.html"]).xpath("//ul[@class='revisions']")[0])
    assert f"{shown}, version 0.1.0: First release" in home


#: The release in which each document's text or notes last changed, and its date: what its citations name.
DOCUMENT_VERSIONS = {"170": ("0.3.1", "2026-11-29"), "171": ("0.3.1", "2026-11-29"), "172": ("0.3.1", "2026-11-29"),
                     "173": ("0.3.1", "2026-11-29"), "174": ("0.3.0", "2026-11-28"), "175": ("0.3.1", "2026-11-29")}


@pytest.mark.parametrize("number", sorted(DOCUMENT_VERSIONS))
def test_a_documents_citations_name_the_release_its_notes_last_changed_in(site, number):
    """0.3.1 corrected notes of Documents 170, 172, 173 and 175: a citation of one of them names 0.3.1,
    whose text it cites, and not 0.3.0, which printed those notes otherwise; Document 174 is as 0.3.0 left it."""
    version, date = DOCUMENT_VERSIONS[number]
    doc = page(site, "cite.html" if number == "171" else f"d{number}-cite.html")
    citations = [visible_text(p) for p in doc.xpath("//p[@class='citation']")]
    assert citations
    assert all(f"version {version}" in text.lower() for text in citations), citations
    assert not [text for text in citations if re.search(r"version (?!" + re.escape(version) + r"\b)\d", text, re.I)]
    described = json.loads(doc.xpath("//script[@type='application/ld+json']")[0].text)["isPartOf"]
    assert (described["version"], described["dateModified"]) == (version, date)


def test_a_documents_version_is_a_release_of_the_edition_and_its_own_newest_numbered_change():
    """A document's header names a release of the edition (a numbered change of Document 171, with its
    date); a document whose revision history numbers a change gives that number's newest as its version,
    so that a correction recorded in a document is cited with the release that made it."""
    tei = "{http://www.tei-c.org/ns/1.0}"
    releases = {(c.get("n"), c.get("when")) for c in etree.parse(str(SOURCE)).iter(f"{tei}change") if c.get("n")}
    assert ("0.3.1", "2026-11-29") in releases
    for path in sorted((ROOT / "source").glob("frus1969-76ve13-d*.xml")):
        root = etree.parse(str(path)).getroot()
        edition = root.find(f"{tei}teiHeader/{tei}fileDesc/{tei}editionStmt/{tei}edition")
        own = (edition.get("n"), edition.find(f"{tei}date").get("when"))
        assert own in releases, f"{path.name}: version {own} is no release of the edition"
        numbered = [c for c in root.iter(f"{tei}change") if c.get("n")]
        if numbered:
            assert (numbered[0].get("n"), numbered[0].get("when")) == own, f"{path.name}: header {own}, newest change {numbered[0].get('n')}"
