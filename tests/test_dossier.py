"""The dossier: Documents 170 and 172–175 beside Document 171, faithful to the Office of the
Historian's TEI on their pages, and cross-referenced with the rest of the edition."""
from __future__ import annotations

import json
from copy import deepcopy

import pytest
from lxml import etree, html

from conftest import ROOT, page
from edition.load import NS, TEI_NS

EXCERPT = ROOT.parent / "shared" / "research" / "frus1969-76ve13-d170-d175.xml"
NEW = ("170", "172", "173", "174", "175")
HSG = "https://history.state.gov/historicaldocuments/frus1969-76ve13/"


def normal(text: str) -> str:
    return " ".join(text.split())


def source_blocks(number: str) -> tuple[list[str], list[str]]:
    """The document's text blocks in the OH TEI (heading without its notes, dateline, list labels
    and items, paragraphs, closer), in order, and its notes, in order."""
    div = etree.parse(str(EXCERPT)).xpath(f"//tei:div[@xml:id='d{number}']", namespaces=NS)[0]
    blocks, notes = [], []
    names = ("head", "dateline", "item", "p", "closer", "note")
    for el in div.iter(*(f"{{{TEI_NS}}}{n}" for n in names)):
        local = etree.QName(el).localname
        if local == "note":
            notes.append(normal("".join(el.itertext())))
        elif local == "head" and el.getparent() is div:
            parts = [el.text or ""] + [("".join(c.itertext()) if etree.QName(c).localname != "note" else "") + (c.tail or "")
                                       for c in el]
            blocks.append(normal("".join(parts)))
        else:
            blocks.append(normal("".join(el.itertext())))
    return blocks, notes


def shown(element: html.HtmlElement) -> str:
    """What a reader reads there, without the edition's labels: permalinks, note numbers, page markers."""
    copy = deepcopy(element)
    for label in copy.xpath(".//*[contains(concat(' ', @class, ' '), ' permalink ')"
                            " or contains(concat(' ', @class, ' '), ' visually-hidden ')"
                            " or @class='note-number' or self::sup]"):
        label.drop_tree()
    return normal(copy.text_content())


def page_blocks(number: str) -> tuple[list[str], list[str], list[str]]:
    """The diplomatic page's text blocks, its notes, and everything else it shows in the document."""
    doc = page(SITE, f"d{number}-diplomatic.html")
    article = doc.get_element_by_id(f"d{number}")
    blocks, labels = [], []
    for el in article.iter("h1", "p", "span", "li"):
        classes = (el.get("class") or "").split()
        if el.tag == "p" and "page-break" in classes:
            labels.append(shown(el))
        elif el.tag in ("h1", "li") or (el.tag == "p") or "list-label" in classes:
            blocks.append(shown(el))
    notes = [shown(p) for p in doc.xpath(f"//section[@id='d{number}-notes']//div[@role='doc-footnote']/p")]
    return blocks, notes, labels


@pytest.fixture(scope="module", autouse=True)
def built(site):
    global SITE
    SITE = site


@pytest.mark.parametrize("number", NEW)
def test_every_block_of_the_office_of_the_historians_tei_stands_verbatim_and_in_order_in_the_diplomatic_view(number):
    source, source_notes = source_blocks(number)
    blocks, notes, labels = page_blocks(number)
    assert blocks == source  # nothing left out, nothing added, in order
    assert notes == source_notes
    # and nothing else: the page breaks' labels, each "[Page n]" as the TEI numbers them
    pages = etree.parse(str(EXCERPT)).xpath(f"//tei:div[@xml:id='d{number}']//tei:pb/@n", namespaces=NS)
    assert labels == [f"[Page {n}]" for n in pages]


@pytest.mark.parametrize("number", NEW)
def test_the_reading_view_shows_the_same_text_with_names_linked_to_their_entries(site, number):
    reading = page(site, f"d{number}.html").get_element_by_id(f"d{number}")
    diplomatic = page(site, f"d{number}-diplomatic.html").get_element_by_id(f"d{number}")
    assert shown(reading) == shown(diplomatic)
    names = reading.xpath(".//a[contains(@class, 'name')]/@href")
    assert names and all(h.startswith("names.html#") for h in names)


@pytest.mark.parametrize("number", NEW)
def test_frus_notes_are_linked_both_ways_and_every_block_has_its_permalink_and_cite_link(site, number):
    doc = page(site, f"d{number}.html")
    for ref in doc.xpath("//a[@role='doc-noteref']"):
        note = doc.get_element_by_id(ref.get("href")[1:])
        assert note.xpath(".//a[@role='doc-backlink']/@href") == ["#" + ref.get("id")]
    cite = page(site, f"d{number}-cite.html")
    for link in doc.xpath("//a[@class='permalink cite-link']"):
        target, anchor = link.get("href").split("#")
        assert target == f"d{number}-cite.html" and cite.get_element_by_id(anchor) is not None


@pytest.mark.parametrize("number", NEW)
def test_each_document_is_cited_by_its_own_title_and_number(site, number):
    cite = page(site, f"d{number}-cite.html")
    title = cite.xpath("//meta[@name='citation_title']/@content")[0]
    assert title == normal(source_blocks(number)[0][0].split(". ", 1)[1])
    chicago = shown(cite.get_element_by_id("document-chicago-note").getnext())
    assert f"document {number} in Foreign Relations" in chicago and title in chicago
    assert (site / "tei" / f"frus1969-76ve13-d{number}.xml").read_bytes() == \
        (ROOT / "source" / f"frus1969-76ve13-d{number}.xml").read_bytes()


def test_the_contents_lists_the_six_documents_with_date_parties_summary_and_both_views(site):
    doc = page(site, "documents.html")
    rows = doc.xpath("//ol[@class='document-list']/li")
    assert [r.get("id") for r in rows] == ["d170", "d171", "d172", "d173", "d174", "d175"]
    d170 = rows[0]
    assert "December 18, 1972, 2240Z" in shown(d170) and d170.xpath(".//time/@datetime") == ["1972-12-18T22:40:00Z"]
    assert "From Kissinger → to William Hood" in shown(d170)
    assert "remains prepared to sign an agreement on Vietnam" in shown(d170)
    assert {"d170.html", "d170-diplomatic.html", "d170-cite.html"} <= set(d170.xpath(".//a/@href"))


def test_the_manifest_lists_each_document_with_its_pages(site):
    data = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    assert data["documents"]["d171"]["reading"] == "text.html"
    assert data["documents"]["d170"] == {
        "number": "170", "reading": "d170.html", "diplomatic": "d170-diplomatic.html", "cite": "d170-cite.html",
        "tei": "tei/frus1969-76ve13-d170.xml", "frus": HSG + "d170",
        "title": data["documents"]["d170"]["title"]}
    for entry in data["documents"].values():
        for key in ("reading", "diplomatic", "cite"):
            assert entry[key] in data["pages"]


def test_a_reference_to_a_document_the_edition_holds_reaches_its_page_with_the_address_beside_it(site):
    """Document 171's apparatus cites Documents 170 and 172–175: each now a page of the edition."""
    text = page(site, "text.html")
    for number in NEW:
        links = text.xpath(f"//section[@id='annotations']//a[@href='d{number}.html#d{number}']")
        assert links, number
        beside = links[0].getnext().xpath(".//a/@href") if links[0].getnext() is not None else []
        assert beside == [HSG + f"d{number}"], number
    # a document the edition does not hold stays external
    assert text.xpath("//a[@href='https://history.state.gov/historicaldocuments/frus1969-76v09/d215']")


def test_the_channels_and_the_names_reach_the_documents(site):
    chronology = page(site, "chronology.html")
    row = chronology.get_element_by_id("ch-d174")
    assert "d174.html" in row.xpath(".//a/@href")
    names = page(site, "names.html")
    fazio = names.get_element_by_id("person-fazio")
    assert "d172.html#d172-closer" in fazio.xpath(".//p[@class='occurrences']/a/@href")


def test_a_reference_given_as_the_source_of_a_quotation_reaches_the_passage_quoted(site):
    """Note j quotes Document 172 and cites the whole document: the link goes to the paragraph quoted."""
    note = page(site, "text.html").get_element_by_id("ed-transcripts")
    # the first quotation runs over two paragraphs: it begins in the first; the second quotes FRUS note 1
    assert note.xpath(".//a[@class='xref']/@href") == ["d172.html#d172-i-presented-the-package", "d172.html#d172-fn1"]
    paragraph = page(site, "d172.html").get_element_by_id("d172-i-presented-the-package")
    assert "although Dr. Kissinger had intended to send two sets of the minutes" in shown(paragraph)


def test_the_introductions_links_to_held_documents_reach_their_pages(site):
    about = page(site, "about.html")
    for number in NEW:
        link = about.xpath(f"//a[@href='d{number}.html#d{number}']")
        assert link and link[0].getnext().xpath("./a/@href") == [HSG + f"d{number}"], number


def test_a_link_to_a_passage_of_a_held_document_lands_there_or_is_a_located_error(tmp_path):
    from build import run
    from edition.diagnostics import BuildFailed
    import shutil
    folder = tmp_path / "source"
    shutil.copytree(ROOT / "source", folder)
    d171 = folder / "frus1969-76ve13-d171.xml"
    old = '<ref target="https://history.state.gov/historicaldocuments/frus1969-76ve13/d174">'
    text = d171.read_text(encoding="utf-8")
    assert old in text
    d171.write_text(text.replace(old, old[:-2] + '#d174-cite-new-york-0007">', 1), encoding="utf-8")
    _, files = run(d171, None, base_url="")
    assert b'href="d174.html#d174-cite-new-york-0007" class="xref"' in files["text.html"]
    d171.write_text(text.replace(old, old[:-2] + '#d174-cite-new-york">', 1), encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        run(d171, None, base_url="")
    [problem] = failure.value.diagnostics
    assert problem.path.endswith("frus1969-76ve13-d171.xml") and problem.line > 0
    assert "names no passage of Document 174" in problem.message


def test_a_pointer_to_an_id_that_no_page_shows_is_a_located_error(tmp_path):
    """An id of a header (the archival source's) is in the edition but on no page: a passage pointer
    to it is reported at its file, line and column, and the edition's other pointers still land."""
    from build import run
    from edition.diagnostics import BuildFailed
    folder, apparatus, text = _apparatus_copy(tmp_path)
    old = '<ptr type="passage" target="#drv-2"/>'
    assert old in text
    apparatus.write_text(text.replace(old, '<ptr type="passage" target="#archival-source"/>', 1), encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        run(folder / "frus1969-76ve13-d171.xml", None, base_url="")
    [problem] = failure.value.diagnostics
    line = text[:text.index(old)].count("\n") + 1
    assert (problem.path.endswith("apparatus.xml"), problem.line) == (True, line) and problem.col > 0
    assert problem.message == '@target="#archival-source" points to nothing the edition shows'


def _apparatus_copy(tmp_path):
    """A copy of the sources: its folder, its apparatus file, and the apparatus's text."""
    import shutil
    folder = tmp_path / "source"
    shutil.copytree(ROOT / "source", folder)
    apparatus = folder / "apparatus.xml"
    return folder, apparatus, apparatus.read_text(encoding="utf-8")


def test_an_event_may_point_to_a_passage_of_any_document(tmp_path):
    from build import run
    folder, apparatus, text = _apparatus_copy(tmp_path)
    old = '<event xml:id="ev-message-december-18" when="1972-12-18">'
    assert old in text
    at = text.index("</desc>", text.index(old)) + len("</desc>")
    apparatus.write_text(text[:at] + '<ptr type="passage" target="#d170-please-deliver-the-following"/>\n' + text[at:],
                         encoding="utf-8")
    _, files = run(folder / "frus1969-76ve13-d171.xml", None, base_url="")
    event = html.fromstring(files["chronology.html"]).get_element_by_id("ev-message-december-18")
    assert "d170.html#d170-please-deliver-the-following" in event.xpath(".//a/@href")
