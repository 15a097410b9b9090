"""The reading and diplomatic views against the source text."""
from __future__ import annotations

from copy import deepcopy

import pytest

from conftest import SOURCE, edition_model, page, text_blocks, visible_text
from edition.load import load_tei
from edition.model import build_model

VIEWS = ("text.html", "diplomatic.html")


def test_every_paragraph_of_the_source_text_stands_verbatim_in_the_diplomatic_view(site, source_paragraphs):
    shown = {visible_text(block) for block in text_blocks(page(site, "diplomatic.html"))}
    for paragraph in source_paragraphs:
        assert paragraph in shown, f"not in the diplomatic view: {paragraph[:70]!r}"


def test_the_diplomatic_view_shows_nothing_the_source_text_does_not_have(site, source_paragraphs):
    shown = [visible_text(block) for block in text_blocks(page(site, "diplomatic.html"))]
    # The wire's header is one block of four lines; its lines are blocks of their own.
    assert [text for text in shown if text not in source_paragraphs] == []
    assert len(shown) == len(source_paragraphs)


def test_the_diplomatic_view_keeps_the_slip_and_shows_the_page_break(site):
    doc = page(site, "diplomatic.html")
    china_1 = visible_text(doc.get_element_by_id("china-1"))
    assert "readiness to settle rapidly and it conviction" in china_1
    assert visible_text(doc.get_element_by_id("page-2")) == "[Page 2]"
    header = doc.get_element_by_id("wire-header")
    assert [visible_text(line) for line in header.xpath("./p")] == ["BY WIRE", "December 22, 1972", "FROM: Haig", "TO: Hood"]


def test_the_reading_view_differs_from_the_diplomatic_only_by_marked_interventions(site):
    reading, diplomatic = page(site, "text.html"), page(site, "diplomatic.html")
    interventions = reading.xpath("//article//span[@class='choice']")
    assert interventions, "the reading view marks no intervention"
    undone = deepcopy(reading)
    for ref in undone.xpath("//article//sup[a[@class='noteref editorial']]"):
        _replace_with_text(ref, "")  # an editorial note's letter: marked as the editors'
    for choice in undone.xpath("//article//span[@class='choice']"):
        # Each intervention shows the editors' reading and, visibly, the source's.
        assert choice.xpath("./ins[@class='corr']") and choice.xpath(".//span[@class='sic-label']//span[@class='orig']")
        original = choice.xpath(".//span[@class='orig']")[0].text_content()
        _replace_with_text(choice, original)
    assert [(b.get("id"), visible_text(b)) for b in text_blocks(undone)] == \
           [(b.get("id"), visible_text(b)) for b in text_blocks(diplomatic)]


def _replace_with_text(element, text: str) -> None:
    parent = element.getparent()
    previous = element.getprevious()
    tail = (element.tail or "")
    if previous is not None:
        previous.tail = (previous.tail or "") + text + tail
    else:
        parent.text = (parent.text or "") + text + tail
    parent.remove(element)


def test_the_reading_view_shows_the_correction_and_what_the_source_has(site):
    china_1 = visible_text(page(site, "text.html").get_element_by_id("china-1"))
    assert "settle rapidly and its [source: it] conviction" in china_1


@pytest.mark.parametrize("view", VIEWS)
def test_every_citable_block_carries_its_tei_id_and_a_permalink_in_every_view(site, view):
    edition = build_model(load_tei(SOURCE))
    doc = page(site, view)
    for block in edition.citable:
        anchor = block.get("{http://www.w3.org/XML/1998/namespace}id")
        if view == "diplomatic.html" and block.get("type") == "editorial":
            assert not doc.xpath(f"//*[@id='{anchor}']"), "the diplomatic view shows the source alone"
            continue
        element = doc.get_element_by_id(anchor)
        links = element.xpath(".//a[@class='permalink']")
        assert [a.get("href") for a in links][-1:] == [f"#{anchor}"], f"{view}: #{anchor} has no permalink"


@pytest.mark.parametrize("view", VIEWS)
def test_note_references_and_notes_link_both_ways(site, view):
    doc = page(site, view)
    refs = doc.xpath("//a[@role='doc-noteref']")
    frus = [a.text_content() for a in refs if "editorial" not in a.get("class")]
    assert frus == ["1", "2"]  # the numbers FRUS gives them
    editorial = [a.text_content() for a in refs if "editorial" in a.get("class")]
    assert editorial == (list("abcdefghij") if view == "text.html" else [])
    for ref in refs:
        note = doc.get_element_by_id(ref.get("href")[1:])
        assert note.get("role") == "doc-footnote"
        back = note.xpath(".//a[@role='doc-backlink']")
        assert [a.get("href") for a in back] == [f"#{ref.get('id')}"]
    assert len(doc.xpath("//*[@role='doc-footnote']")) == len(refs)
    assert not doc.xpath("//*[@role='doc-endnote']"), "doc-endnote is deprecated"


def test_names_link_to_their_entries_in_the_reading_view_only(site):
    reading = page(site, "text.html").get_element_by_id("drv-3")
    assert [a.get("href") for a in reading.xpath(".//a[contains(@class, 'name')]")][:2] == [
        "names.html#person-le-duc-tho", "names.html#person-kissinger"]
    diplomatic = page(site, "diplomatic.html").get_element_by_id("drv-3")
    assert not diplomatic.xpath(".//a[contains(@class, 'name')]")


def test_every_name_entry_gives_a_source_and_the_passages_naming_it(site):
    names = page(site, "names.html")
    entries = names.xpath("//div[@class='entry']")
    assert len(entries) == len(edition_model().entries)
    for entry in entries:
        assert entry.xpath(".//cite[@class='source']"), f"{entry.get('id')} names no source"
        occurrences = entry.xpath(".//p[@class='occurrences']")[0]
        assert occurrences.xpath("./a") or "Not named in the document itself" in occurrences.text_content()
    kissinger = names.get_element_by_id("person-kissinger")
    found = [a.get("href") for a in kissinger.xpath(".//p[@class='occurrences']/a")]
    # document by document, in FRUS order: Document 171's passages on its own pages
    assert [h for h in found if h.startswith("text.html")] == ["text.html#drv-3", "text.html#drv-5", "text.html#china-2"]
    order = [int(h.split("#")[0][1:4]) if h.startswith("d17") else 171 for h in found]
    assert found[0].startswith("d170.html#d170-") and order == sorted(order) and 173 in order


def test_the_home_page_links_every_view_and_gives_version_and_citation(site):
    home = page(site, "index.html")
    hrefs = {a.get("href") for a in home.xpath("//main//a")}
    assert {"text.html", "diplomatic.html", "names.html", "tei/frus1969-76ve13-d171.xml"} <= hrefs
    text = visible_text(home.xpath("//main")[0])
    edition = build_model(load_tei(SOURCE))
    assert f"version {edition.version}" in text
    assert "How to cite" in text and "Document 171" in text


def test_the_tei_source_is_offered_for_download_unchanged(site):
    assert (site / "tei" / SOURCE.name).read_bytes() == SOURCE.read_bytes()
    assert (site / "tei" / "schema" / "edition.rng").exists()
