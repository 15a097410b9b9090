"""Citing the edition: each passage's Cite link, the document in three styles, the downloads."""
from __future__ import annotations

import json
import re

import bibtexparser
import pytest
import rispy

from build import build
from conftest import BASE_URL, SOURCE, mutate, page, visible_text
from edition.load import load_tei
from edition.model import XML_ID, build_model

TITLE = ("Backchannel Message From the Deputy Assistant to the President for National Security Affairs (Haig) "
         "to William Hood, Washington, December 22, 1972")
EDITION = "Backchannel Message From Alexander Haig to William Hood, December 22, 1972"
KEY = SOURCE.stem


def citation_texts(site, anchor: str, cite_page: str = "cite.html") -> dict[str, str]:
    """The citations that a Cite page gives for an anchor (or for the document), by style name."""
    doc = page(site, cite_page)
    scope = doc.get_element_by_id(anchor) if anchor else doc.get_element_by_id("cite-document").getparent()
    return {" ".join(dt.text_content().split()): visible_text(dt.getnext()) for dt in scope.xpath(".//dl/dt")}


# --- a passage ---------------------------------------------------------------------------

@pytest.mark.parametrize("view", ["text.html", "diplomatic.html", "notes.html", "composite.html"])
def test_every_permalink_is_followed_by_a_cite_link_to_that_passage_on_the_cite_page(site, view):
    """Each passage's Cite link goes to its own document's Cite page: cite.html for Document 171."""
    cite_ids = {i for name in ["cite.html"] + [f"d{n}-cite.html" for n in (170, 172, 173, 174, 175)]
                for i in page(site, name).xpath("//@id")}
    permalinks = page(site, view).xpath("//a[@class='permalink']")
    assert permalinks
    for link in permalinks:
        anchor = link.get("href")[1:]
        cite = link.getnext()
        assert cite is not None and cite.get("class") == "permalink cite-link", anchor
        own = "cite.html" if not anchor.startswith(("d170-", "d172-", "d173-", "d174-", "d175-")) \
            else f"{anchor[:4]}-cite.html"
        assert cite.get("href") == f"{own}#{anchor}"
        assert anchor in cite_ids


def test_the_cite_page_has_every_citable_block_of_the_text():
    edition = build_model(load_tei(SOURCE))
    anchors = [e.get(XML_ID) for e in edition.citable]
    files = build(SOURCE, None, base_url="")
    from lxml import html
    doc = html.fromstring(files["cite.html"])
    assert [s.get("id") for s in doc.xpath("//section[@class='passage-citation']")] == anchors


def test_a_paragraph_citation_names_the_document_the_edition_its_stable_url_and_the_version(published_site):
    chicago = citation_texts(published_site, "drv-3")["Chicago, note"]
    assert chicago == (
        f"“{TITLE},” document 171 in Foreign Relations of the United States, 1969–1976, vol. E–13, "
        "Documents on China, 1969–1972, ed. Steven E. Phillips (Washington: United States Government Printing "
        f"Office, 2006); digital edition, {EDITION}, version 0.3.1 (November 29, 2026), paragraph drv-3, "
        f"{BASE_URL}text.html#drv-3.")


def test_a_paragraph_is_cited_in_chicago_mla_and_apa(published_site):
    styles = citation_texts(published_site, "china-1")
    assert list(styles) == ["Chicago, note", "MLA", "APA"]
    assert styles["MLA"].endswith("digital edition, version 0.3.1, 29 Nov. 2026, paragraph china-1, "
                                  "example.org/frus-d171/text.html#china-1.")
    assert styles["APA"].endswith("(Version 0.3.1, November 29, 2026), paragraph china-1. "
                                  f"{BASE_URL}text.html#china-1")


@pytest.mark.parametrize("view", ["names.html", "chronology.html"])
def test_entries_of_the_apparatus_have_a_permalink_but_no_citation(site, view):
    permalinks = page(site, view).xpath("//a[@class='permalink']")
    assert permalinks and not page(site, view).xpath("//a[contains(@class, 'cite-link')]")


def test_without_a_base_url_a_passage_citation_gives_its_page_and_anchor(site):
    chicago = citation_texts(site, "drv-3")["Chicago, note"]
    assert chicago.endswith("version 0.3.1 (November 29, 2026), paragraph drv-3, text.html#drv-3.")
    assert "https://" not in chicago


def test_the_cite_links_copy_the_same_citation_the_cite_page_gives(published_site):
    for view in ("text.html", "notes.html"):
        data = json.loads(page(published_site, view).get_element_by_id("passage-citations").text)
        cite_links = {a.get("href").split("#")[1] for a in page(published_site, view).xpath("//a[@class='permalink cite-link']")}
        assert set(data["passages"]) == cite_links
        for anchor, values in data["passages"].items():
            template = values.get("template", data["template"])
            copied = template.replace("{passage}", values["passage"]).replace("{url}", values["url"])
            cite_page = [a.get("href").split("#")[0] for a in page(published_site, view).xpath(
                f"//a[@class='permalink cite-link'][@href][contains(@href, '#{anchor}')]")][0]
            assert copied == citation_texts(published_site, anchor, cite_page)["Chicago, note"]


def test_the_cite_script_is_served_and_only_enhances_the_links(site):
    script = (site / "static" / "cite.js").read_text(encoding="utf-8")
    assert "navigator.clipboard.writeText" in script and "passage-citations" in script
    assert page(site, "text.html").xpath("//script[@src='static/cite.js'][@defer]")


# --- the document --------------------------------------------------------------------------

def test_the_document_is_cited_in_chicago_notes_and_bibliography_mla_and_apa(published_site):
    assert citation_texts(published_site, None) == {
        "Chicago, note":
            f"“{TITLE},” document 171 in Foreign Relations of the United States, 1969–1976, vol. E–13, Documents on "
            "China, 1969–1972, ed. Steven E. Phillips (Washington: United States Government Printing Office, 2006); "
            f"digital edition, {EDITION}, version 0.3.1 (November 29, 2026), {BASE_URL}text.html.",
        "Chicago, bibliography":
            f"“{TITLE}.” Document 171 in Foreign Relations of the United States, 1969–1976, vol. E–13, Documents on "
            "China, 1969–1972, edited by Steven E. Phillips. Washington: United States Government Printing Office, "
            f"2006. Digital edition, {EDITION}, version 0.3.1, November 29, 2026. {BASE_URL}text.html.",
        "MLA":
            f"“{TITLE}.” Documents on China, 1969–1972, edited by Steven E. Phillips, United States Government "
            "Printing Office, 2006. Foreign Relations of the United States, 1969–1976, vol. E–13, document 171. "
            f"{EDITION}, digital edition, version 0.3.1, 29 Nov. 2026, example.org/frus-d171/text.html.",
        "APA":
            f"{TITLE}. (2006). In S. E. Phillips (Ed.), Foreign Relations of the United States, 1969–1976: Vol. E–13. "
            "Documents on China, 1969–1972 (Document 171). United States Government Printing Office. Digital "
            f"edition, {EDITION} (Version 0.3.1, November 29, 2026). {BASE_URL}text.html",
    }


def test_titles_of_books_are_set_in_italics(published_site):
    chicago = page(published_site, "cite.html").get_element_by_id("document-chicago-note").getnext()
    assert [i.text for i in chicago.xpath(".//i")] == ["Documents on China, 1969–1972", EDITION]


def test_citations_are_generated_from_the_tei_header(tmp_path):
    source = mutate(tmp_path, '<editor role="primary">Steven E. Phillips</editor>',
                    '<editor role="primary">Ada B. Lovelace</editor>')
    files = build(source, None, base_url=BASE_URL, lock=tmp_path / "none.json", locking=True)
    cite_page = files["cite.html"].decode("utf-8")
    assert "ed. Ada B. Lovelace" in cite_page and "In A. B. Lovelace (Ed.)" in cite_page
    assert "Phillips" not in cite_page
    assert "editor = {Lovelace, Ada B.}" in files[f"downloads/{KEY}.bib"].decode("utf-8")


# --- the downloads ---------------------------------------------------------------------------

def test_the_cite_page_links_every_download(published_site):
    hrefs = page(published_site, "cite.html").xpath("//ul[@class='downloads']//a/@href")
    assert hrefs == [f"downloads/{KEY}.bib", f"downloads/{KEY}.ris", f"downloads/{KEY}.csl.json",
                     f"downloads/{KEY}.txt", f"tei/{KEY}.xml", "manifest.json"]
    for href in hrefs:
        assert (published_site / href).is_file(), href


def test_the_bibtex_download_parses_back_to_the_document(published_site):
    library = bibtexparser.parse_string((published_site / f"downloads/{KEY}.bib").read_text(encoding="utf-8"))
    assert library.failed_blocks == [] and len(library.entries) == 1
    entry = library.entries[0]
    fields = {field.key: field.value for field in entry.fields}
    assert (entry.entry_type, entry.key) == ("incollection", KEY)
    assert fields["title"] == "{" + TITLE + "}"
    assert fields["booktitle"] == "{Documents on China, 1969–1972}"
    assert fields["series"] == "{Foreign Relations of the United States, 1969–1976}"
    assert (fields["volume"], fields["chapter"], fields["editor"], fields["year"]) == ("E–13", "171", "Phillips, Steven E.", "2006")
    assert fields["publisher"] == "United States Government Printing Office"
    assert (fields["version"], fields["url"]) == ("0.3.1", f"{BASE_URL}text.html")


def test_the_ris_download_parses_back_to_the_document(published_site):
    data = (published_site / f"downloads/{KEY}.ris").read_bytes()
    [record] = rispy.loads(data.decode("utf-8"))
    assert record["type_of_reference"] == "CHAP"
    assert record["title"] == TITLE
    assert record["secondary_title"] == "Documents on China, 1969–1972"
    assert record["tertiary_title"] == "Foreign Relations of the United States, 1969–1976"
    assert record["secondary_authors"] == ["Phillips, Steven E."]
    assert record["tertiary_authors"] == ["Keefer, Edward C."]
    assert (record["volume"], record["year"], record["place_published"]) == ("E–13", "2006", "Washington")
    assert record["urls"] == [f"{BASE_URL}text.html"]
    assert data.endswith(b"ER  - \r\n")


def test_the_csl_json_download_parses_back_to_the_document(published_site):
    [item] = json.loads((published_site / f"downloads/{KEY}.csl.json").read_text(encoding="utf-8"))
    assert item["type"] == "chapter" and item["id"] == KEY
    assert item["title"] == TITLE and item["container-title"] == "Documents on China, 1969–1972"
    assert item["collection-title"] == "Foreign Relations of the United States, 1969–1976"
    assert item["editor"] == [{"family": "Phillips", "given": "Steven E."}]
    assert item["collection-editor"] == [{"family": "Keefer", "given": "Edward C."}]
    assert item["issued"] == {"date-parts": [[2006]]}
    assert (item["volume"], item["chapter-number"], item["version"]) == ("E–13", "171", "0.3.1")
    assert item["URL"] == f"{BASE_URL}text.html"


def test_without_a_base_url_the_downloads_carry_no_url(site):
    assert "url" not in (site / f"downloads/{KEY}.bib").read_text(encoding="utf-8")
    assert "UR  -" not in (site / f"downloads/{KEY}.ris").read_text(encoding="utf-8")
    assert "URL" not in json.loads((site / f"downloads/{KEY}.csl.json").read_text(encoding="utf-8"))[0]


def test_the_tei_download_is_the_source_byte_for_byte(site):
    assert (site / "tei" / SOURCE.name).read_bytes() == SOURCE.read_bytes()


def test_the_plain_text_download_has_each_passage_of_the_reading_view_after_its_anchor(site):
    text = (site / f"downloads/{KEY}.txt").read_bytes().decode("utf-8")
    assert "BY WIRE[editorial note g]\n" in text and "\nEditorial notes\n\n[#ed-thach-remarks] a. " in text
    text = _without_editorial_refs(text)
    for anchor in ("heading", "drv-1", "drv-3", "page-2", "china-1", "wire-end", "fn1", "fn2"):
        assert f"\n[#{anchor}] " in text, anchor
    assert "[#china-1] The President would like to bring to the personal attention of the Chinese leadership" in text
    assert "readiness to settle rapidly and its [source: it] conviction" in text
    assert "Washington, December 22, 1972[note 1] [note 2]\n" in text
    assert "[#wire-header]\nBY WIRE\nDecember 22, 1972\nFROM: Haig\nTO: Hood\n" in text
    assert "\n[#fn2] 2. Haig transmitted a copy of a message entitled" in text


def test_the_plain_text_download_holds_every_paragraph_of_the_source(site, source_paragraphs):
    text = _without_editorial_refs((site / f"downloads/{KEY}.txt").read_text(encoding="utf-8"))
    passages = {line.split("] ", 1)[1] for line in text.splitlines() if line.startswith("[#") and "] " in line}
    # The reading text differs from the source only where it marks the editors' correction.
    for paragraph in source_paragraphs:
        reading = paragraph.replace("rapidly and it conviction", "rapidly and its [source: it] conviction")
        if paragraph in ("BY WIRE", "December 22, 1972", "FROM: Haig", "TO: Hood"):
            assert f"\n{paragraph}\n" in text
            continue
        assert any(_without_note_refs(p) == reading or p == reading for p in passages), paragraph[:60]


def _without_editorial_refs(text: str) -> str:
    """The editors' note letters are theirs, not the source's."""
    return re.sub(r"\[editorial note [a-z]+\]", "", text)


def _without_note_refs(line: str) -> str:
    return line.replace("[note 1] [note 2]", "1 2").replace("[note 1]", "1")
