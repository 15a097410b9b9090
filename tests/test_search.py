"""Searching the edition: one record a citable passage, built from the model with the site, and
the search page in Chromium over the served site, as a reader uses it: a name, a phrase, a filter,
a result that lands on its passage; without JavaScript and from a file, a page that says so."""
from __future__ import annotations

import gzip
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from lxml import etree, html

from browsing import in_viewport, site_files, site_pages
from conftest import ROOT, edition_model, snapshot
from edition import search
from edition.cache import Cache
from edition.dependencies import edition_key
from edition.model import XML_ID
from edition.resolve import resolve
from edition.write import DIGESTS, builds_dir
from test_accessibility import axe, described
from test_html_valid import nu_errors

FIRST_SEARCH_BYTES = 200_000  # what the search page and its first search may bring in, uncompressed
SEARCH = "search.html"


@pytest.fixture(scope="module")
def links():
    return resolve(edition_model(), "")


@pytest.fixture(scope="module")
def records(links):
    return {record.url: record for record in search.records(links)}


# --- the records, from the model ---------------------------------------------------------------

def test_every_citable_block_name_and_event_has_one_record_at_its_page_and_anchor(links, records):
    edition = links.edition
    wanted = [f"{links.home[b.get(XML_ID)]}#{b.get(XML_ID)}" for b in edition.citable
              if etree.QName(b).localname != "pb"]  # a page break carries no words
    wanted += [f"names.html#{e}" for e in edition.entries] + [f"chronology.html#{e.id}" for e in edition.events]
    found = [record.url for record in search.records(links)]
    assert len(found) == len(set(found)) and sorted(found) == sorted(wanted)
    assert {"text.html#drv-1", "text.html#fn1", "text.html#ed-bombing-halt", "d174.html#d174-fn2",
            "names.html#person-thach", "chronology.html#ev-chinese-protest"} <= set(found)


def test_a_record_holds_the_reading_text_without_note_markers_or_permalink_labels(records):
    assert records["text.html#drv-1"].content == (
        "The U.S. side wants to take the occasion of Vice Minister Thach’s remarks"
        " at the December 20 experts meeting to state the following:")
    assert records["text.html#ed-bombing-halt"].content.startswith(
        "suspend its bombing north of the 20th parallel starting as of midnight December 31] The bombing")


def test_a_corrected_passage_is_found_in_the_reading_text_and_in_the_sources_reading(records):
    china = records["text.html#china-1"].content
    assert "rapidly and its conviction that" in china and "rapidly and it conviction that" in china
    assert sum("it conviction" in r.content for r in records.values() if r.url.startswith("text.html#china")) == 1


def test_a_record_names_its_document_date_title_kind_and_the_persons_it_names(records):
    drv1 = records["text.html#drv-1"]
    assert drv1.meta == {"label": "Document 171, paragraph drv-1", "document": "171", "date": "December 22, 1972",
                         "title": "Backchannel Message From Alexander Haig to William Hood, December 22, 1972",
                         "kind": "paragraph", "anchor": "drv-1", "cite": "cite.html#drv-1"}
    assert drv1.filters == {"document": ["171"], "kind": ["text"], "person": ["Thach"]}
    assert records["text.html#china-1"].filters["person"] == ["Richard M. Nixon"]
    assert records["text.html#ed-bombing-halt"].filters["kind"] == ["editorial note"]
    assert records["d174.html#d174-fn2"].filters == {"document": ["174"], "kind": ["FRUS note"]}
    assert records["d172.html#d172-fn1"].filters["person"] == ["Richard M. Nixon", "David Y. McManis"]
    assert records["d172.html#d172-closer"].filters["person"] == ["V. James Fazio"]
    assert records["names.html#person-thach"].filters == {"kind": ["name"], "person": ["Thach"]}
    assert records["chronology.html#ev-chinese-protest"].meta["date"] == "December 29, 1972"
    assert set(search.META_FIELDS) == {key for r in records.values() for key in r.meta}


def test_the_index_ships_with_the_site_and_only_what_the_search_page_uses(site, records):
    index = site / search.INDEX_DIR
    assert {"pagefind.js", "pagefind-entry.json", "wasm.en.pagefind"} <= {p.name for p in index.iterdir()}
    assert len(list((index / "fragment").iterdir())) == len(records)
    assert not [p.name for p in index.rglob("*") if "ui" in p.name or p.name in ("pagefind-worker.js", "pagefind-highlight.js")]


def test_no_page_but_the_search_page_loads_pagefind_or_the_search_script():
    for name in site_pages():
        doc = html.fromstring(site_files()[name])
        loads = doc.xpath("//script/@src | //link/@href")
        mentions = "pagefind" in site_files()[name].decode("utf-8")
        if name == SEARCH:
            assert "static/search.js" in loads and mentions
        else:
            assert [src for src in loads if "search" in src or "pagefind" in src] == [] and not mentions, name


def _filter_values(data: bytes) -> list[str]:
    value, _ = search._cbor_decode(gzip.decompress(data), len(search._SIGNATURE))
    return [v[0] for v in value[1]]


def test_the_index_is_the_same_bytes_however_pagefind_orders_a_filter(links):
    files = search.index_files(links)
    assert files == search.index_files(links)
    raw = {path.removeprefix(f"{search.INDEX_DIR}/"): data for path, data in files.items()}
    filters = {p: d for p, d in raw.items() if p.startswith("filter/")}
    assert filters and all(_filter_values(d) == sorted(_filter_values(d)) for d in filters.values())
    for path, data in filters.items():  # as a Pagefind with another hash seed would write it
        name, values = search._cbor_decode(gzip.decompress(data), len(search._SIGNATURE))[0]
        raw[path] = gzip.compress(search._SIGNATURE + search._cbor_encode([name, values[::-1]]))
    assert any(_filter_values(d) != sorted(_filter_values(d)) for p, d in raw.items() if p.startswith("filter/"))
    assert search._canonical(raw) == files


def test_an_index_already_built_from_the_same_records_is_taken_from_the_cache(links, monkeypatch, tmp_path):
    store, base = Cache(tmp_path), edition_key(links, ROOT / "templates")
    built = search.index_files(links, store, base)
    # two entries of the build's cache: the index, under the key of its records, and under the key of
    # its documents the records' key, so that a build finds it without working out the records
    pointer, entry = sorted(tmp_path.glob("*/*"), key=lambda path: path.stat().st_size)
    assert len(pointer.read_bytes()) == 64

    def no_pagefind(*args):
        raise search._Failed("Pagefind was asked")
    monkeypatch.setattr(search, "_index", no_pagefind)
    assert search.index_files(links, store, base) == built  # from the cache: Pagefind is not asked
    monkeypatch.setattr(search, "shard_records", lambda *args: pytest.fail("the records were worked out"))
    assert search.index_files(links, store, base) == built  # found by its documents' key alone
    monkeypatch.undo()
    monkeypatch.setattr(search, "_index", no_pagefind)
    # the code, templates or apparatus changed, or no key of what the pages depend on: the same
    # records all the same, whose index is taken again
    for changed in (base + "changed", None):
        assert search.index_files(links, store, changed) == built
    pointer.write_bytes(b"damaged")  # a damaged pointer: the records are worked out, and their index found
    assert search.index_files(links, store, base) == built
    with pytest.raises(search.BuildFailed, match="Pagefind was asked"):  # no cache
        search.index_files(links)
    records = search.shard_records
    monkeypatch.setattr(search, "shard_records", lambda *args: [search.Record(r.url, r.content + " changed", r.meta, r.filters)
                                                                for r in records(*args)])
    with pytest.raises(search.BuildFailed, match="Pagefind was asked"):  # a passage's text changed (and so the key)
        search.index_files(links, store, base + "and a passage")
    monkeypatch.setattr(search, "shard_records", records)
    entry.write_bytes(entry.read_bytes()[:1000])  # the index cut short
    with pytest.raises(search.BuildFailed, match="Pagefind was asked"):
        search.index_files(links, store, base)


def _failing_pagefind(folder: Path) -> Path:
    program = folder / "pagefind"
    program.write_text("#!/bin/sh\necho 'pagefind: cannot index here' >&2\nexit 3\n", encoding="utf-8")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return program


def test_a_pagefind_that_fails_fails_the_build_in_one_line_and_leaves_the_site(tmp_path):
    site = tmp_path / "site"
    assert subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(site)], cwd=ROOT,
                          capture_output=True, timeout=120).returncode == 0
    before = snapshot(site)
    program = _failing_pagefind(tmp_path)
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(site)], cwd=ROOT, text=True,
                            env={**os.environ, "PAGEFIND_BINARY_PATH": str(program)}, capture_output=True, timeout=120)
    assert result.returncode == 1
    first, *rest = result.stderr.splitlines()
    # path: error: what (hint), with no line and column: the problem is with the program as a whole
    assert first == (f"{program}: error: the search index was not built: Pagefind stopped before it answered"
                     " (exit status 3): pagefind: cannot index here (PAGEFIND_BINARY_PATH names this program:"
                     " unset it to use the Pagefind 1.5.2 that .venv/bin/pip install -e . installs)")
    assert rest == ["1 problem found; the previous site is unchanged."]
    assert snapshot(site) == before
    # the new build, its pages written while Pagefind ran, is removed: only whole builds, with their records, are left
    assert sorted(p.name for p in builds_dir(site).iterdir()) == [site.resolve().name, site.resolve().name + DIGESTS]


def test_a_pagefind_that_does_not_answer_is_stopped_and_named(links, monkeypatch, tmp_path):
    program = tmp_path / "pagefind"
    program.write_text("#!/bin/sh\nexec sleep 60\n", encoding="utf-8")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(search, "_binary", lambda: program)
    monkeypatch.setattr(search, "SECONDS", 1)
    started = time.monotonic()
    with pytest.raises(search.BuildFailed, match="Pagefind did not answer within 1 s"):
        search.index_files(links)
    assert time.monotonic() - started < 30  # stopped, not waited for


def test_a_record_pagefind_refuses_is_named(links, monkeypatch):
    refused = [search.Record(r.url, r.content, r.meta, {"document": "not a list"}) for r in search.records(links)[:2]]
    monkeypatch.setattr(search, "shard_records", lambda links, shard: refused)
    with pytest.raises(search.BuildFailed, match="Pagefind refused a record"):
        search.index_files(links)


def test_check_builds_the_index_too(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--check"], cwd=ROOT, text=True,
                            env={**os.environ, "PAGEFIND_BINARY_PATH": str(tmp_path / "missing")},
                            capture_output=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith(f"{tmp_path / 'missing'}: error: the search index was not built:"
                                                    " Pagefind did not start: No such file or directory")


# --- the search page, in Chromium --------------------------------------------------------------

def results(page) -> list[str]:
    """The addresses of every result of the search the page shows, once it has shown it."""
    page.wait_for_selector("#search-status:not(:empty)")
    while page.locator("#search-more").is_visible():
        count = page.locator("#search-results > li").count()
        page.click("#search-more")
        page.wait_for_selector(f"#search-results > li:nth-child({count + 1})")
    return page.eval_on_selector_all("#search-results > li .search-result-link a", "as => as.map(a => a.getAttribute('href'))")


def searched(open_tab, served: str, words: str, **filters) -> tuple[object, list[str]]:
    page = open_tab().page
    query = "&".join(f"{name}={quote(value)}" for name, value in {"q": words, **filters}.items())
    page.goto(f"{served}{SEARCH}?{query}")
    return page, results(page)


def test_thach_finds_the_paragraph_that_names_him_among_the_first_results(served, open_tab):
    page, found = searched(open_tab, served, "Thach")
    assert "text.html#drv-1" in found[:3], found
    assert page.inner_text("#search-status") == f"{len(found)} passages contain “Thach”."


def test_missile_finds_document_174(served, open_tab):
    _, found = searched(open_tab, served, "missile")
    assert any(url.startswith("d174.html#") for url in found), found


def test_shih_finds_documents_172_and_173(served, open_tab):
    _, found = searched(open_tab, served, "Shih")
    assert {url.split("#")[0] for url in found} >= {"d172.html", "d173.html"}, found


def test_20th_parallel_finds_the_paragraph_and_its_editorial_note(served, open_tab):
    _, found = searched(open_tab, served, "20th parallel")
    assert {"text.html#drv-4", "text.html#ed-bombing-halt"} <= set(found), found


@pytest.mark.parametrize("words", ["its conviction", "it conviction"])
def test_the_corrected_passage_is_found_by_either_reading(words, served, open_tab):
    _, found = searched(open_tab, served, words)
    assert "text.html#china-1" in found, found


def test_a_filter_narrows_the_results_to_one_document(served, open_tab):
    page, everywhere = searched(open_tab, served, "Shih")
    page.select_option("#search-document", "173")
    page.wait_for_url(re.compile(r"document=173"))
    page.wait_for_selector("#search-status:has-text('choices made')")
    narrowed = results(page)
    assert narrowed and set(narrowed) < set(everywhere)
    assert all(url.startswith("d173.html#") for url in narrowed), narrowed
    _, again = searched(open_tab, served, "Shih", document="173")  # the address keeps the filter
    assert again == narrowed


def test_the_kind_and_person_filters_keep_those_passages_only(served, open_tab, records):
    _, found = searched(open_tab, served, "Thach", kind="name")
    assert found == ["names.html#person-thach"]
    _, everywhere = searched(open_tab, served, "Shih")
    _, found = searched(open_tab, served, "Shih", person="V. James Fazio")
    assert found and set(found) < set(everywhere)
    assert all("V. James Fazio" in records[url].filters["person"] for url in found), found


def test_results_come_as_you_type_with_the_words_marked_and_the_anchor_shown(served, open_tab):
    page = open_tab().page
    page.goto(served + SEARCH)
    page.click("#search-q")
    page.keyboard.type("Thach", delay=40)
    page.wait_for_selector("#search-results > li")
    assert "q=Thach" in page.url
    first = page.locator("#search-results > li").filter(has=page.locator("a[href='text.html#drv-1']"))
    assert first.locator("mark").all_inner_texts() == ["Thach’s"]
    assert "text.html#drv-1" in first.locator("code").inner_text()
    assert first.locator("a[href='cite.html#drv-1']").count() == 1


def test_a_result_lands_on_its_passage_by_keyboard(served, open_tab):
    page = open_tab(viewport={"width": 375, "height": 667}).page
    page.goto(served + SEARCH)
    page.focus("#search-q")
    page.keyboard.type("its conviction")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results > li")
    page.focus("#search-results > li:first-child .search-result-link a")
    href = page.locator("#search-results > li:first-child .search-result-link a").get_attribute("href")
    page.keyboard.press("Enter")
    page.wait_for_url(served + href)
    anchor = urlsplit(page.url).fragment
    assert page.evaluate("id => document.getElementById(id).matches(':target')", anchor) and in_viewport(page, anchor)


def test_the_result_count_is_a_polite_status_for_screen_readers(served, open_tab):
    page, found = searched(open_tab, served, "zzzz")
    assert found == []
    status = page.locator("#search-status")
    assert status.get_attribute("role") == "status" and status.inner_text() == "No passage contains “zzzz”."


def test_the_search_field_in_a_pages_header_opens_the_search_page_with_its_words(served, open_tab):
    page = open_tab().page
    page.goto(served + "text.html")
    page.fill(".site-search input[name=q]", "Thach")
    page.press(".site-search input[name=q]", "Enter")
    page.wait_for_url(served + SEARCH + "?q=Thach")
    assert "text.html#drv-1" in results(page)


def test_without_javascript_the_search_page_says_so_and_links_elsewhere(served, open_tab):
    page = open_tab(java_script_enabled=False).page
    page.goto(served + SEARCH + "?q=Thach")
    notice = page.locator("p.search-unavailable")  # the <noscript> message
    assert notice.is_visible() and "needs JavaScript" in notice.inner_text()
    assert sorted(notice.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")) == \
        ["documents.html", "names.html", "notes.html"]
    assert not page.locator("#search-q").is_visible()


def test_opened_from_a_file_the_search_page_says_why_it_cannot_search(site, open_tab):
    visit = open_tab(fresh=True)  # every request it makes seen
    visit.page.goto((site / SEARCH).resolve().as_uri() + "?q=Thach")
    notice = visit.page.locator("#search-unavailable")
    assert notice.is_visible() and "opened from a file" in notice.inner_text()
    assert sorted(notice.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")) == \
        ["documents.html", "names.html", "notes.html"]
    assert not visit.page.locator("#search-q").is_visible()
    assert not [r.url for r in visit.responses if "pagefind" in r.url]
    assert visit.errors == []


def test_a_reading_page_never_asks_for_the_index(served, open_tab):
    visit = open_tab(fresh=True)  # every request it makes seen, none taken from the cache
    visit.page.goto(served + "text.html")
    visit.page.focus(".site-search input[name=q]")
    visit.page.keyboard.type("Thach")
    visit.page.wait_for_load_state("networkidle")
    assert [r.url for r in visit.responses if "pagefind" in r.url or "search" in r.url] == []


def test_the_first_search_brings_in_at_most_200_kb_all_from_its_own_origin(served, open_tab):
    visit = open_tab(fresh=True)  # all it brings in weighed, nothing from the cache
    visit.page.goto(served + SEARCH)
    visit.page.fill("#search-q", "20th parallel")
    results(visit.page)
    visit.page.wait_for_load_state("networkidle")
    sizes = {r.url: len(r.body()) for r in visit.responses if r.ok}
    assert any("/pagefind/" in url for url in sizes) and visit.outside == []
    assert all(urlsplit(url).netloc == urlsplit(served).netloc for url in sizes)
    assert sum(sizes.values()) <= FIRST_SEARCH_BYTES, sizes


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_on_the_search_page_with_results(scheme, served, open_tab, axe_source):
    page = open_tab(color_scheme=scheme, bypass_csp=True).page
    page.goto(served + SEARCH + "?q=Thach")
    results(page)
    result = axe(page, axe_source)
    assert result["passes"], "axe ran no rule"
    assert described(result["violations"]) == []


def test_the_search_page_with_results_is_valid_html(served, open_tab, java_vnu, tmp_path):
    page = open_tab().page
    page.goto(served + SEARCH + "?q=Thach")
    assert results(page)
    shown = tmp_path / SEARCH
    shown.write_text("<!DOCTYPE html>\n" + page.evaluate("document.documentElement.outerHTML"), encoding="utf-8")
    assert nu_errors(java_vnu, tmp_path, [shown]) == {SEARCH: []}
