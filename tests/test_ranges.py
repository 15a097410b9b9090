"""Lists of documents in pages of bounded size: each list of a large edition in ranges of FRUS numbers."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from lxml import html

from build import LOCK, build, load_edition
from conftest import ROOT, SOURCE
from edition import search
from edition.cache import Cache, flush
from edition.dependencies import edition_key
from edition.model import build_model
from edition.pages import all_pages
from edition.ranges import SIZES, ranges
from edition.resolve import CONTENTS_PAGE, NAMES_PAGE, NOTES_PAGE, resolve
from test_accessibility import axe, described
from test_html_valid import nu_errors
from test_search import searched

sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import synthetic_edition  # noqa: E402

LISTS = (CONTENTS_PAGE, NOTES_PAGE, NAMES_PAGE)
PAGE_BYTES = 100_000


def _built(folder: Path, documents: int) -> tuple[dict[str, bytes], object]:
    central = synthetic_edition(folder, documents)
    files = build(central, None, base_url="", cache=None)
    tei, others, apparatus = load_edition(central)
    return files, resolve(build_model(tei, others, apparatus), "")


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """An edition of 70 documents: the six, and copies numbered 1000–1063."""
    return _built(tmp_path_factory.mktemp("ranges-70"), 70)


@pytest.fixture(scope="module")
def smaller(tmp_path_factory):
    """The same edition with fewer copies (1000–1033): the one above is it, with documents added."""
    return _built(tmp_path_factory.mktemp("ranges-40"), 40)


def _ids(data: bytes, xpath: str) -> list[str]:
    return html.fromstring(data).xpath(xpath)


def _range_page(listing: str, number: int, central_start: int) -> str:
    start = number // SIZES[listing] * SIZES[listing]
    return listing if start == central_start else f"{listing.removesuffix('.html')}-{start}.html"


def test_the_dossier_has_each_list_on_its_one_page(site):
    tei, others, apparatus = load_edition(SOURCE)
    edition = build_model(tei, others, apparatus)
    assert [p.path for p in all_pages(edition) if p.within] == []
    for listing in LISTS:
        assert [r.page for r in ranges(edition, listing)] == [listing]
        assert 'class="ranges"' not in (site / listing).read_text(encoding="utf-8")


def test_each_document_is_listed_once_on_the_contents_page_of_its_range(large):
    files, links = large
    central = 171 // SIZES[CONTENTS_PAGE] * SIZES[CONTENTS_PAGE]
    pages = [p for p in files if re.fullmatch(r"documents(-\d+)?\.html", p)]
    assert sorted(pages) == ["documents-1000.html", "documents-1050.html", "documents.html"]  # 150–199: the dossier
    listed = {p: _ids(files[p], "//ol[@class='document-list']/li/@id") for p in pages}
    for document in links.edition.documents:
        holding = [p for p, ids in listed.items() if document.key in ids]
        assert holding == [_range_page(CONTENTS_PAGE, int(document.number), central)], document.key


def test_each_documents_notes_are_on_the_notes_page_of_its_range(large):
    files, links = large
    central = 171 // SIZES[NOTES_PAGE] * SIZES[NOTES_PAGE]
    pages = [p for p in files if re.fullmatch(r"notes(-\d+)?\.html", p)]
    on_page = {p: set(_ids(files[p], "//div[contains(@class, 'note')]/@id")) for p in pages}
    for document in links.edition.documents:
        page = _range_page(NOTES_PAGE, int(document.number), central)
        for note in document.notes:
            assert [p for p, ids in on_page.items() if note.id in ids] == [page], note.id


def test_the_passages_naming_an_entry_are_split_by_range_and_add_up_to_all(large):
    files, links = large
    pages = sorted(p for p in files if re.fullmatch(r"names(-\d+)?\.html", p))
    assert pages == ["names-1000.html", "names-1050.html", "names.html"]
    for entry_id, blocks in links.occurrences.items():
        named = sorted(blocks)  # the ids of the blocks that name it
        found = []
        for page in pages:
            hrefs = _ids(files[page], f"//div[@id='{entry_id}']//p[@class='occurrences']/a/@href")
            found += [h.split("#")[1] for h in hrefs]
        assert sorted(found) == named, entry_id
    # names.html identifies every entry; a range's page links there for the identification
    assert len(_ids(files[NAMES_PAGE], "//div[@class='entry']")) == len(links.edition.entries)
    for href in _ids(files["names-1000.html"], "//div[@class='entry']/p[1]/a/@href"):
        assert href.startswith("names.html#") and href.split("#")[1] in links.edition.entries


def test_a_listed_document_stays_on_its_page_when_documents_are_added(smaller, large):
    before, _ = smaller
    after, _ = large
    for page, data in before.items():
        if re.fullmatch(r"(documents|notes|names)(-\d+)?\.html", page):
            kept = set(_ids(data, "//main//*[@id]/@id"))
            assert kept <= set(_ids(after[page], "//main//*[@id]/@id")), page


def test_the_anchors_published_on_the_lists_stay_on_their_pages(large):
    files, _ = large
    lock = json.loads(LOCK.read_text(encoding="utf-8"))["pages"]
    for listing in LISTS:
        assert set(lock[listing]) <= set(_ids(files[listing], "//*[@id]/@id")), listing


def test_each_list_names_every_page_of_its_ranges_and_marks_this_one(large):
    files, links = large
    for listing in LISTS:
        wanted = [r.page for r in ranges(links.edition, listing)]
        assert len(wanted) > 1
        for page in wanted:
            tree = html.fromstring(files[page])
            assert tree.xpath("//nav[@class='ranges']//a/@href") == wanted
            assert tree.xpath("//nav[@class='ranges']//a[@aria-current='page']/@href") == [page]
            # the edition's navigation marks the list this page belongs to
            assert tree.xpath("//nav[@class='site-nav']//a[@aria-current]/@href") == [listing]


def test_every_page_of_a_large_edition_is_under_100_kb_with_what_it_loads(large):
    files, _ = large
    heavy = {}
    for path, data in files.items():
        if path.endswith(".html"):
            loads = html.fromstring(data).xpath("//link[@rel='stylesheet' or @rel='icon']/@href | //script/@src")
            weight = len(data) + sum(len(files[href]) for href in set(loads))
            if weight > PAGE_BYTES:
                heavy[path] = weight
    assert heavy == {}


def test_the_pages_of_the_ranges_are_valid_html_and_accessible(large, tmp_path, java_vnu, serve, open_tab,
                                                               axe_source):
    files, _ = large
    for path, data in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    pages = ["documents.html", "documents-1000.html", "notes.html", "notes-1010.html", "names.html",
             "names-1050.html"]
    assert {page: errors for page, errors in nu_errors(java_vnu, tmp_path, [tmp_path / p for p in pages]).items()
            if errors} == {}
    served = serve(tmp_path)
    tab = open_tab(bypass_csp=True).page
    for page in pages:
        tab.goto(served + page)
        assert described(axe(tab, axe_source)["violations"]) == [], page


# --- the search index, in shards by range -------------------------------------------------------

def test_the_dossiers_search_index_is_one(site):
    assert not list(site.glob("pagefind-*"))
    assert "data-merge" not in (site / "search.html").read_text(encoding="utf-8")


def test_a_large_editions_search_index_is_in_shards_merged_by_the_search_page(large):
    files, links = large
    folders = sorted({path.split("/")[0] for path in files if path.startswith("pagefind")})
    assert folders == ["pagefind", "pagefind-1000", "pagefind-1050"]
    assert all(f"{folder}/pagefind-entry.json" in files for folder in folders)
    box = html.fromstring(files["search.html"]).get_element_by_id("search")
    assert box.get("data-merge") == "pagefind-1000/ pagefind-1050/"
    # each passage in the index of its document's range; the names and events in the first
    for shard in search.shards(links):
        found = search.shard_records(links, shard)
        numbers = {int(r.meta["document"]) for r in found if "document" in r.meta}
        if shard.folder == "pagefind":
            assert numbers <= {170, 171, 172, 173, 174, 175} and any("names.html#" in r.url for r in found)
        else:
            start = int(shard.folder.split("-")[1])
            assert numbers and all(start <= n < start + search.SHARD_SIZE for n in numbers), shard.folder


def test_a_change_to_one_document_indexes_its_shard_again_and_no_other(tmp_path, monkeypatch):
    central = synthetic_edition(tmp_path / "edition", 70)

    def indexed(store: Cache) -> dict[str, bytes]:
        tei, others, apparatus = load_edition(central)
        links = resolve(build_model(tei, others, apparatus), "")
        return search.index_files(links, store, edition_key(links, ROOT / "templates"))
    store = Cache(tmp_path / "cache")
    first = indexed(store)
    asked = []
    index = search._index

    def counted(folder, found, binary):
        asked.append(folder)
        return index(folder, found, binary)
    monkeypatch.setattr(search, "_index", counted)
    assert indexed(store) == first and asked == []
    copy = central.parent / "frus1969-76ve13-d1054.xml"
    text = copy.read_text(encoding="utf-8")
    assert "missile" in text
    copy.write_text(text.replace("missile", "rocket", 1), encoding="utf-8")
    again = indexed(store)
    assert asked == ["pagefind-1050"]
    assert again != first and {p: d for p, d in again.items() if not p.startswith("pagefind-1050/")} == \
        {p: d for p, d in first.items() if not p.startswith("pagefind-1050/")}


@pytest.fixture(scope="module")
def served_large(large, tmp_path_factory, serve):
    files, _ = large
    root = tmp_path_factory.mktemp("ranges-site")
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    return serve(root)


def test_a_search_finds_passages_in_every_shard(served_large, open_tab):
    _, found = searched(open_tab, served_large, "missile")
    pages = {url.split("#")[0] for url in found}
    assert {"d174.html", "d1004.html", "d1054.html"} <= pages, found


def test_a_document_filter_narrows_to_a_document_of_another_shard(served_large, open_tab):
    _, found = searched(open_tab, served_large, "missile", document="1054")
    assert found and {url.split("#")[0] for url in found} == {"d1054.html"}, found


# --- the pages of the ranges, made again only when their documents change -------------------------

def test_a_change_to_one_document_makes_again_the_pages_of_its_ranges_and_leaves_none_stale(tmp_path):
    central = synthetic_edition(tmp_path / "edition", 70)
    cache = tmp_path / "cache"
    build(central, None, base_url="", cache=cache)
    entries = lambda: flush() or {p.name for p in cache.glob("*/*")}  # noqa: E731 - the cache's entries, written
    before = entries()
    copy = central.parent / "frus1969-76ve13-d1054.xml"
    copy.write_text(copy.read_text(encoding="utf-8").replace("missile", "rocket"), encoding="utf-8")
    with_cache = build(central, None, base_url="", cache=cache)
    made = len(entries() - before)
    without = build(central, None, base_url="", cache=None)
    assert [p for p in without if with_cache.get(p) != without[p]] == []  # nothing stale
    assert b"rocket" in with_cache["d1054.html"]
    # Made again: the document's validation, plain facts (``file_facts``), quotation check and part, its search shard
    # (the index under the key of its records, and that key under the key of its documents), the parts
    # and quotation checks of the documents that cite or quote it, the pages of the lists' ranges that
    # hold it (documents-1050, notes-1050, names-1050), the edition's pages that are not lists; the
    # rest of the lists' pages (documents.html, notes-1000.html …) are taken from the cache. A part is
    # two entries: its outline (anchors, digests) and its files.
    others = [p for p in all_pages(load_model(central)) if p.path.endswith(".html") and p.within is None
              and p.path not in LISTS and not p.path.startswith(("d1", "text", "diplomatic", "cite"))]
    citing = [p for p in central.parent.glob("*-d1*.xml")
              if p != copy and "frus1969-76ve13/d1054" in p.read_text(encoding="utf-8")]
    quoting = [p for p in central.parent.glob("*.xml") if p != copy and _quotes(p, "d1054")]
    assert citing and made == 1 + 1 + 1 + 2 + len(quoting) + 2 * (1 + len(citing) + 3 + len(others))


def _quotes(path: Path, key: str) -> bool:
    """Whether a file quotes a passage or the whole of the document ``key``."""
    from lxml import etree
    from edition.quotations import sources_of
    return any(pointer.endswith(f"/{key}") or pointer.startswith(f"#{key}-")
               for quote in etree.parse(str(path)).iter("{http://www.tei-c.org/ns/1.0}quote")
               for pointer in sources_of(quote))


def load_model(central: Path):
    tei, others, apparatus = load_edition(central)
    return build_model(tei, others, apparatus)
