"""Quotations in the apparatus: each marked as one, and each checked against the text it quotes.

The build checks the quotations of Document 171 (tests below make it fail);
the quotations of Documents 170 and 172–175 are checked here against the
Office of the Historian's TEI in ../shared/research/, until those documents
are part of the edition. The same holds for the Markdown introduction, where a
quotation is “…” followed at once by a link to its source.
"""
from __future__ import annotations

import re

import pytest
from lxml import etree

from conftest import DIAGNOSTIC, ROOT, SOURCE, mutate, page, run_build
from edition.load import NS, load_tei
from edition.quotations import normalised, parts_of, sources_of, stands_in

RESEARCH = ROOT.parent / "shared" / "research" / "frus1969-76ve13-d170-d175.xml"
E13 = "https://history.state.gov/historicaldocuments/frus1969-76ve13/"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


@pytest.fixture(scope="module")
def research() -> dict[str, str]:
    """The text of each document of the research copy, by its FRUS address."""
    if not RESEARCH.exists():
        pytest.fail(f"the research copy is missing: {RESEARCH}")
    root = etree.parse(str(RESEARCH), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    return {E13 + d.get(XML_ID): normalised("".join(d.itertext())) for d in root.iterfind("tei:div", NS)}


@pytest.fixture(scope="module")
def quotes():
    return list(load_tei(SOURCE).root.iter(f"{{{NS['tei']}}}quote"))


def test_every_quotation_of_documents_170_to_175_stands_in_the_office_of_the_historians_text(quotes, research):
    checked = 0
    for quote in quotes:
        for source in sources_of(quote):
            if source in research and not source.endswith("/d171"):
                assert stands_in(parts_of(quote), research[source]), (
                    f"line {quote.sourceline}: “{' … '.join(parts_of(quote))}” is not in {source}")
                checked += 1
    assert checked >= 15  # the apparatus quotes Documents 170, 172, 173 and 174 often


def test_every_quotation_names_its_source(quotes):
    for quote in quotes:
        cited = quote.getparent().find("tei:bibl", NS) if quote.get("source") is None else None
        assert quote.get("source") or (cited is not None and "".join(cited.itertext()).strip()), (
            f"line {quote.sourceline}: a quotation without a source")


def test_no_quotation_mark_in_the_apparatus_stands_outside_a_quotation_a_citation_or_a_lemma():
    """Words between curly quotation marks in the notes and the chronology are a quotation
    (encoded as one), a title or an entry being cited (inside bibl), or a lemma; the few
    words the editors only mention ("its conviction") are listed here by name."""
    mentioned = {"its conviction", "it", "its", "The message to the Chinese side",
                 "the Chinese side", "after"}
    root = load_tei(SOURCE).root
    stray = []
    for container in root.xpath("//tei:note[@type='editorial' or @type='identification']"
                                " | //tei:event/tei:desc | //tei:relation/tei:desc", namespaces=NS):
        for text in container.xpath(".//text()[not(ancestor::tei:quote or ancestor::tei:bibl"
                                    " or ancestor::tei:label)]", namespaces=NS):
            stray += [m for m in re.findall(r"“([^“”]*)”", text) if m not in mentioned]
    assert stray == []


def test_a_quotation_changed_by_one_word_stops_the_build_at_its_line_and_column(tmp_path):
    path = mutate(tmp_path, "<quote>The DRV Side’s references to the past record",
                  "<quote>The DRV side’s references to the past record")
    result = run_build("--check", "--source", str(path))
    assert result.returncode == 1
    found = DIAGNOSTIC.search(result.stderr)
    assert found and found["what"].startswith("the quotation “The DRV side’s references")
    assert found["what"].endswith("is not in the passage #drv-2")
    text = path.read_text(encoding="utf-8")
    offset = text.index("<quote>The DRV side’s")
    assert int(found["line"]) == text.count("\n", 0, offset) + 1
    assert int(found["col"]) == offset - text.rfind("\n", 0, offset)
    assert "Traceback" not in result.stderr


def test_a_quotation_naming_this_document_by_address_is_checked_against_its_whole_text(tmp_path):
    path = mutate(tmp_path, '<quote source="https://history.state.gov/historicaldocuments/frus1969-76ve13/d171">'
                  "within 48 hours of an agreement</quote>",
                  '<quote source="https://history.state.gov/historicaldocuments/frus1969-76ve13/d171">'
                  "within 24 hours of an agreement</quote>")
    result = run_build("--check", "--source", str(path))
    assert result.returncode == 1 and "is not in Document 171" in result.stderr


def test_words_left_out_must_keep_the_order_of_the_source(tmp_path):
    path = mutate(tmp_path, "<quote>The DRV Side’s references to the past record concerning U.S. military actions",
                  "<quote>concerning U.S. military actions<gap reason=\"omitted\"/>The DRV Side’s references")
    assert run_build("--check", "--source", str(path)).returncode == 1


def test_the_source_reading_and_the_corrected_reading_may_both_be_quoted():
    from edition.quotations import readings
    p = etree.fromstring('<p xmlns="http://www.tei-c.org/ns/1.0">its <choice><sic>it</sic>'
                         '<corr resp="#editors">its</corr></choice> conviction</p>')
    assert readings(p) == ("its it conviction", "its its conviction")


def test_quotations_are_shown_between_the_editions_quotation_marks_with_their_source(site):
    note = page(site, "text.html").get_element_by_id("ed-meeting-january-3")
    shown = note.xpath(".//span[@class='quotation']")
    assert shown and all(s.text_content().startswith("“") and s.text_content().endswith("”") for s in shown)
    assert "“Experts of the two sides will resume meetings on January 2, 1973.” (FRUS" in note.text_content()


_MARKDOWN_QUOTE = re.compile(r"“(?P<words>(?:[^“”]|“[^“”]*”)*)”\s*,?\s*\(\[[^\]]*\]\((?P<url>[^)]+)\)")


@pytest.mark.parametrize("name", ["introduction.md", "editing.md"])
def test_the_markdown_quotations_of_held_and_companion_documents_stand_in_their_texts(name, research, site):
    from edition.quotations import readings
    text = (ROOT / "source" / name).read_text(encoding="utf-8")
    d171 = readings(load_tei(SOURCE).root.find(".//tei:text", NS))
    checked = 0
    for match in _MARKDOWN_QUOTE.finditer(text):
        words, url = normalised(match["words"]), match["url"]
        if url.endswith("/d171") or url.startswith("text.html"):
            assert any(words in reading for reading in d171), words
        elif url in research:
            assert words in research[url], f"{name}: “{words}” is not in {url}"
        else:
            continue
        checked += 1
    assert checked >= (5 if name == "introduction.md" else 0)
