"""The scholarly apparatus: sourced notes and entries, the reconstructed message,
the comparison, the chronology and the introduction."""
from __future__ import annotations

import pytest

from conftest import edition_tei, page, visible_text
from edition.load import NS
from edition.diagnostics import BuildFailed
from edition.model import XML_ID, build_model
from edition.markdown import markdown_file

HSG = "https://history.state.gov/historicaldocuments/"


@pytest.fixture(scope="module")
def tei():
    return edition_tei()


def _sources(element) -> list[str]:
    return [" ".join(b.itertext()) for b in element.iterfind(".//tei:bibl", NS)]


def test_every_editorial_note_and_every_index_entry_names_a_source(tei):
    annotated = tei.root.xpath("//tei:note[@type='editorial' or @type='identification']", namespaces=NS)
    assert len(annotated) >= 10
    for note in annotated:
        assert _sources(note), f"line {note.sourceline}: no <bibl>"
    for event in tei.root.iterfind(".//tei:listEvent/tei:event", NS):
        assert _sources(event), f"event {event.get(XML_ID)} has no source"
    for relation in tei.root.iterfind(".//tei:listRelation/tei:relation", NS):
        assert relation.get("source", "").startswith(HSG), relation.get(XML_ID)


def test_every_linked_source_is_a_frus_document_on_history_state_gov_or_a_passage_of_this_one(tei):
    targets = tei.root.xpath("//tei:bibl//tei:ref/@target", namespaces=NS)
    text_ids = set(tei.root.xpath("//tei:text//@xml:id", namespaces=NS))
    assert targets and all(t.startswith(HSG + "frus1969-76") or t[1:] in text_ids for t in targets)


def test_the_channels_go_between_parties_never_places(tei):
    """Where Hood was, no source says: a channel may not put him, or anyone, in a place."""
    kinds = {e.get(XML_ID): e.tag.split("}")[1] for e in tei.root.iterfind(".//tei:standOff/*/*", NS)}
    relations = list(tei.root.iterfind(".//tei:listRelation/tei:relation", NS))
    for relation in relations:
        for end in ("active", "passive"):
            assert kinds[relation.get(end)[1:]] in ("person", "org"), relation.get(XML_ID)
    # who sent what to whom: the DRV's replies are drawn too, and Hood's message back
    senders = {r.get("active") for r in relations}
    assert {"#org-drv", "#person-hood", "#org-white-house"} <= senders


def test_the_drvs_reply_to_this_message_is_named_in_the_notes_the_chronology_and_the_channels(tei):
    reply = HSG + "frus1969-76v09/d224"
    title = "in reply to the U.S. messages of December 18 and 22, 1972"
    for where in ("//tei:note[@xml:id='ed-meeting-january-3']", "//tei:event[@xml:id='ev-message-december-22']",
                  "//tei:relation[@xml:id='ch-d224']"):
        element = tei.root.xpath(where, namespaces=NS)[0]
        quoted = element.xpath(f".//tei:quote[contains(., '{title}')]", namespaces=NS)
        assert quoted, where
        assert element.get("source") == reply or element.xpath(f".//@*[. = '{reply}']"), where


def test_a_days_messages_drawn_without_their_own_date_say_after_which_day_they_came(site):
    doc = page(site, "chronology.html")
    row = doc.get_element_by_id("ch-d224")
    assert row.xpath(".//time")[0].text.startswith("after ")
    assert any(t.text.startswith("after ") for t in doc.xpath("//svg[@class='channels']//text[@class='message-label']"))


def test_the_correction_release_lists_what_it_corrected(site, tei):
    doc = page(site, "changes.html")
    release = doc.get_element_by_id("version-0.2.0")
    assert "correction release" in release.xpath("./h2")[0].text_content()
    assert len(release.xpath(".//ul[@class='corrections']/li")) >= 8
    assert doc.get_element_by_id("version-0.1.0") is not None  # the earlier release stays listed


def test_editorial_notes_are_lettered_in_reading_order_and_distinct_from_the_frus_notes(site):
    doc = page(site, "text.html")
    letters = [a.text for a in doc.xpath("//article//a[@class='noteref editorial']")]
    assert letters == sorted(letters) and len(letters) == len(set(letters)) == 10
    section = doc.get_element_by_id("annotations")
    assert section.xpath("./h2")[0].text == "Editorial notes"
    assert doc.get_element_by_id("notes").xpath("./h2")[0].text == "Notes"


def test_each_editorial_note_is_reachable_from_its_passage_and_back(site):
    doc = page(site, "text.html")
    for ref in doc.xpath("//article//a[@class='noteref editorial']"):
        note = doc.get_element_by_id(ref.get("href")[1:])
        assert note.xpath(".//a[@role='doc-backlink']/@href") == [f"#{ref.get('id')}"]
        assert note.xpath(".//cite[@class='source']"), f"{note.get('id')} shows no source"


def test_every_name_link_lands_on_an_entry_of_its_kind(site, tei):
    names = page(site, "names.html")
    links = page(site, "text.html").xpath("//article//a[contains(@class, 'name')]")
    refs = tei.root.xpath("//tei:text/tei:body//*[@ref]", namespaces=NS)
    assert len(links) == len(refs)
    for link in links:
        target = link.get("href").removeprefix("names.html#")
        entry = names.get_element_by_id(target)
        assert entry.get("class") == "entry"
        kind = link.get("class").split()[-1]
        assert target.split("-")[0] == {"persName": "person", "orgName": "org", "placeName": "place"}[kind]


def test_the_composite_gives_the_two_replacement_paragraphs_then_the_whole_message_to_the_drv_once(site, tei):
    composite = page(site, "composite.html")
    ids = [e.get("id") for e in composite.xpath("//article//*[self::p or self::h2][@id]")]
    drv = [e.get(XML_ID) for e in tei.root.xpath("//tei:div[@xml:id='drv']/*", namespaces=NS)]
    assert ids == ["china-1", "china-2"] + drv
    assert len(ids) == len(set(ids))
    text = page(site, "text.html")
    for anchor in ids:
        assert visible_text(composite.get_element_by_id(anchor)) == visible_text(text.get_element_by_id(anchor))


def test_the_composite_is_built_from_the_join_and_copies_no_text(tei):
    assert tei.root.find(".//tei:join", NS).get("target") == "#china #drv"
    for opening in ("The President would like", "The U.S. side wants to take the occasion"):
        assert len(tei.root.xpath(f"//tei:p[starts-with(., '{opening}')]", namespaces=NS)) == 1


def test_the_comparison_aligns_each_passage_with_its_counterpart(site):
    rows = page(site, "compare.html").xpath("//div[@role='row'][not(contains(@class, 'compare-head'))]")
    pairs = []
    for row in rows:
        left, right = row.xpath("./div[@role='cell']")
        pairs.append((visible_text(left), visible_text(right), "only-one" in row.get("class")))
    only_right = [p for p in pairs if p[2]]
    assert len(only_right) == 2 and all("Not in this message" in left for left, _, _ in only_right)
    shared = [p for p in pairs if not p[2]]
    assert len(shared) == 6  # the heading and the five paragraphs of the message to the DRV
    for left, right, _ in shared:
        assert left.replace("To the North Vietnamese:", "").strip() == right.replace("To the Chinese side:", "").strip()


def test_every_chronology_event_has_a_date_and_a_passage_or_a_source(site):
    events = page(site, "chronology.html").xpath("//ol[@class='events']/li")
    assert len(events) >= 10
    for event in events:
        assert event.xpath(".//time/@datetime"), event.get("id")
        assert event.xpath(".//p[@class='event-refs']//a"), event.get("id")
    dates = [e.xpath(".//time/@datetime")[0] for e in events]
    assert dates == sorted(dates)


def test_the_timeline_and_the_channels_are_drawn_with_a_text_equivalent(site):
    doc = page(site, "chronology.html")
    timeline, channels = doc.xpath("//svg[@class='timeline']")[0], doc.xpath("//svg[@class='channels']")[0]
    assert len(timeline.xpath(".//a")) == len(doc.xpath("//ol[@class='events']/li"))
    rows = doc.xpath("//table[@class='channel-table']/tbody/tr")
    assert len(channels.xpath(".//a")) == len(rows) >= 8
    assert {a.get("href") for a in channels.xpath(".//a")} == {"#" + r.get("id") for r in rows}
    assert not timeline.xpath(".//script") and not channels.xpath(".//script")  # drawn at build time


def test_the_notes_page_lists_every_note_with_its_passage(site, tei):
    doc = page(site, "notes.html")
    edition = build_model(tei)
    for note in edition.notes:
        entry = doc.get_element_by_id(note.id)
        assert entry.xpath(".//p[@class='note-passage']/a/@href")[0].startswith("text.html#")


def test_the_introduction_is_rendered_and_names_its_sources(site):
    about = page(site, "about.html")
    headings = [h.text for h in about.xpath("//main//h2")]
    for heading in ("What the document is", "The channel to the Chinese side",
                    "Where the Paris negotiations stood", "How the text was established", "How to cite"):
        assert heading in headings
    assert len(about.xpath(f"//main//a[starts-with(@href, '{HSG}')]")) >= 10


def test_markdown_raw_html_is_shown_as_text_never_emitted(tmp_path):
    text = tmp_path / "intro.md"
    text.write_text("A <script>alert(1)</script> and <b>bold</b>.\n\n<div>block</div>\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        markdown_file(text)
    assert all(d.line for d in failure.value.diagnostics)  # reported where it stands
    from edition.markdown import render_markdown
    html = str(render_markdown(text.read_text(encoding="utf-8"), text).html)
    assert "<script>" not in html and "<b>" not in html and "<div>" not in html
    assert "&lt;script&gt;" in html and "&lt;div&gt;block&lt;/div&gt;" in html
