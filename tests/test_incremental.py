"""A build that reuses earlier work gives the site a build from nothing gives: no stale page.

Each case changes one input (a document, a shared name entry, a template, the central
document's header, a passage another document links to) in a copy of the sources, builds
with the cache of the build before it and without any cache, and compares the two sites
byte for byte; it also checks that the change shows where it should, and that the parts of
the site that did not depend on it were taken from the cache, not made again.
"""
from __future__ import annotations

import pickle
import re
import shutil
from pathlib import Path

import pytest

from build import APPARATUS, build, load_edition
from edition import file_facts
from edition.cache import Cache, flush
from edition.diagnostics import BuildFailed
from edition.dependencies import document_key, edition_key
from edition.model import build_model
from edition.quotations import check_quotations
from edition.resolve import resolve
from edition.validate import edition_violations
from conftest import ROOT, SOURCE, snapshot


def copied(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A copy of the sources and templates, and a folder for a cache of their own (empty)."""
    folder = tmp_path / "source"
    shutil.copytree(ROOT / "source", folder)
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    return folder, templates, tmp_path / "cache"


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> tuple[Path, Path]:
    """A copy of the sources and templates with a cache, built once to fill it (``work``), and a copy
    of the three as that build left them (``kept``)."""
    top = tmp_path_factory.mktemp("incremental")
    work, kept = top / "work", top / "kept"
    folder, templates, cache = copied(work)
    build(folder / SOURCE.name, None, templates, base_url="", cache=cache)
    flush()
    shutil.copytree(work, kept)
    return work, kept


@pytest.fixture
def copy(filled):
    """The sources, templates and filled cache, as the build that filled it left them, for the test to
    change: taken back from the kept copy, at the same place, since the cache's entries for a file's
    problems name its path (filling a cache anew took each test a second)."""
    work, kept = filled
    shutil.rmtree(work)
    shutil.copytree(kept, work)
    return work / "source", work / "templates", work / "cache"


def entries(cache: Path) -> set[Path]:
    flush()  # the entries the builds so far handed to the cache's writer thread
    return set(cache.glob("*/*"))


def rebuilt(folder: Path, templates: Path, cache: Path) -> tuple[dict[str, bytes], int]:
    """The site built with the cache (checked against one built without), and how many parts
    of it were made anew (the cache's new entries)."""
    before = entries(cache)
    with_cache = build(folder / SOURCE.name, None, templates, base_url="", cache=cache)
    made = len(entries(cache) - before)
    without = build(folder / SOURCE.name, None, templates, base_url="", cache=None)
    assert sorted(with_cache) == sorted(without)
    stale = [path for path in without if with_cache[path] != without[path]]
    assert stale == [], f"stale after the change: {stale}"
    return with_cache, made


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_nothing_changed_nothing_is_made_again(copy):
    folder, templates, cache = copy
    _, made = rebuilt(folder, templates, cache)
    assert made == 0


def test_a_changed_document_is_made_again_and_shows_its_change_and_no_other_document_is(copy):
    folder, templates, cache = copy
    edit(folder / "frus1969-76ve13-d174.xml", "<p xml:id=\"d174-begin-text\">BEGIN TEXT:",
         "<p xml:id=\"d174-begin-text\">BEGIN TEXT (a test change):")
    site, made = rebuilt(folder, templates, cache)
    assert b"(a test change)" in site["d174.html"] and b"(a test change)" in site["d174-diplomatic.html"]
    assert b"(a test change)" in site["downloads/frus1969-76ve13-d174.txt"]
    # Made again: its validation, its plain facts (``file_facts``), its part (pages and downloads), the parts of the documents that
    # cite it (their links to it follow the words they quote), the pages of the whole edition, the
    # search index of its range (the dossier's one: the index, under the key of its records, and that
    # key, under the key of its documents), the quotation check of each file that quotes it or is it.
    # Taken from the cache: every other document's part, every other file's validation and quotation check.
    # A part is two entries: its outline (anchors, digests) and its files.
    citing = [p for p in folder.glob("*-d1*.xml")
              if p.name != "frus1969-76ve13-d174.xml" and "frus1969-76ve13/d174" in p.read_text(encoding="utf-8")]
    whole = sum(1 for path in site if path.endswith(".html") and not path.startswith(("d17", "text", "diplomatic", "cite")))
    quoting = [p for p in folder.glob("*.xml") if _quotes_held_text(p, of="d174" if "d174" not in p.name else "")]
    assert 0 < len(citing) < 5 and 0 < len(quoting) < 6
    assert made == 1 + 1 + 2 * (1 + len(citing) + whole) + 2 + len(quoting)


def _quotes_held_text(path: Path, of: str) -> bool:
    """Whether a file quotes a text the edition holds (a document's address, or a passage's "#id";
    only one of ``of``, a document's key, when it is given)."""
    from lxml import etree
    from edition.quotations import sources_of
    pointers = [pointer for quote in etree.parse(str(path)).iter("{http://www.tei-c.org/ns/1.0}quote")
                for pointer in sources_of(quote)]
    held = [p for p in pointers if re.search(r"frus1969-76ve13/d17[0-5]$", p) or p.startswith("#")]
    return any(f"/{of}" in p or p.startswith(f"#{of}-") for p in held) if of else bool(held)


def test_a_changed_name_entry_shows_on_every_page_that_carries_the_names(copy):
    folder, templates, cache = copy
    edit(folder / "apparatus.xml", "<persName>William Hood</persName>", "<persName>William J. Hood</persName>")
    site, _ = rebuilt(folder, templates, cache)
    pages = [path for path, data in site.items() if path.endswith(".html") and b'id="name-data"' in data]
    assert len(pages) > 10
    assert all(b"William J. Hood" in site[path] for path in pages)


def test_a_changed_template_shows_on_every_page(copy):
    folder, templates, cache = copy
    edit(templates / "base.html", "in the public domain.", "in the public domain (a template change).")
    site, _ = rebuilt(folder, templates, cache)
    assert all(b"(a template change)" in data for path, data in site.items() if path.endswith(".html"))


def test_a_new_version_of_the_central_document_shows_on_every_document_page(copy):
    folder, templates, cache = copy
    edit(folder / SOURCE.name, "https://creativecommons.org/publicdomain/zero/1.0/",
         "https://creativecommons.org/publicdomain/zero/1.0/deed")
    rebuilt(folder, templates, cache)


def test_a_passage_moved_in_one_document_changes_the_links_to_it_from_another(copy):
    folder, templates, cache = copy
    edit(folder / "apparatus.xml", 'target="#d170-please-deliver-the-following"', 'target="#d170-heading"')
    rebuilt(folder, templates, cache)
    # A document's text changes where another document's note quotes it: the note's link, which
    # goes to the first passage holding the quoted words, follows them to their new place.
    assert b'href="d174.html#d174-cite-new-york-0007"' in build(folder / SOURCE.name, None, templates, base_url="",
                                                                  cache=cache)["d170.html"]
    edit(folder / "frus1969-76ve13-d174.xml", '<p xml:id="d174-291711z-dec-72">291711Z DEC 72</p>',
         '<p xml:id="d174-291711z-dec-72">291711Z DEC 72 CITE NEW YORK 0007</p>')
    site, _ = rebuilt(folder, templates, cache)
    assert b'href="d174.html#d174-291711z-dec-72"' in site["d170.html"]


def test_the_cache_keeps_what_was_used_last_within_its_limit(tmp_path, monkeypatch):
    import os
    import time

    from edition import cache as module

    store = module.Cache(tmp_path)
    names = [f"{n:02x}" + "a" * 62 for n in range(5)]
    for n, name in enumerate(names):
        store.put(name, b"x" * 100)
        os.utime(tmp_path / name[:2] / name, (time.time() - 100 + n,) * 2)  # written in this order
    assert store.get(names[1]) == b"x" * 100  # used again: now the last to go
    monkeypatch.setattr(module, "LIMIT", 250)
    store.prune()
    assert sorted(path.name for path in tmp_path.glob("*/*")) == [names[1], names[4]]
    assert module.Cache(None).get(names[1]) is None  # no folder: nothing kept


def test_the_cache_is_looked_over_once_every_so_many_bytes_written(tmp_path, monkeypatch):
    """A write prunes with the chance its size is of ``PRUNE_EVERY``, by its name (a hash): a look at
    every entry of a full folder is costly, and was taken every 256 writes, whatever their size."""
    import hashlib

    from edition import cache as module

    every = module.PRUNE_EVERY
    assert module.prunes("0" * 64, 1) and not module.prunes("f" * 64, every - 1) and module.prunes("f" * 64, every)
    assert not module.prunes("not a hash", every)
    names = [hashlib.sha256(str(n).encode()).hexdigest() for n in range(20_000)]
    share = sum(module.prunes(name, every // 100) for name in names) / len(names)
    assert 0.007 < share < 0.013  # one write in a hundred, of a hundredth of it each
    monkeypatch.setattr(module, "LIMIT", 250)
    monkeypatch.setattr(module, "PRUNE_EVERY", 100)  # every write of 100 bytes prunes
    store = module.Cache(tmp_path)
    for name in names[:6]:
        store.put(name, b"x" * 100)
        assert sum(path.stat().st_size for path in tmp_path.glob("*/*")) <= 250


def test_an_entry_handed_to_the_writer_thread_is_there_at_once_and_on_disk_once_flushed(tmp_path):
    from edition import cache as module

    store = module.Cache(tmp_path, background=True)
    name = "ab" + "c" * 62
    store.put(name, b"worked out")
    assert store.get(name) == b"worked out"  # from memory, or from disk if already written
    module.flush()
    assert (tmp_path / "ab" / name).read_bytes() == b"worked out"
    assert module._pending == {}
    assert module.Cache(tmp_path).get(name) == b"worked out"


def test_a_damaged_cache_is_worked_out_again(copy):
    folder, templates, cache = copy
    for entry in entries(cache):
        entry.write_bytes(b"not what was written")
    _, made = rebuilt(folder, templates, cache)
    assert made == 0  # the same names, written anew
    assert all(entry.read_bytes() != b"not what was written" for entry in entries(cache))


def _part_files(cache: Path) -> list[Path]:
    """The entries that hold a part's files (path -> bytes), apart from its outline (``render._store``)."""
    found = []
    for entry in entries(cache):
        try:
            value = pickle.loads(entry.read_bytes())
        except Exception:  # noqa: BLE001 - another kind of entry
            continue
        if isinstance(value, dict) and value and all(isinstance(v, bytes) for v in value.values()):
            found.append(entry)
    return found


def test_a_site_written_from_the_cache_is_the_site_a_build_from_nothing_writes(copy, tmp_path):
    """A plain build reads a stored part's files only when it writes them: after two changes, the
    new build made in the spare (two builds old) and linking from the live one, the site on disk is
    the one a build from nothing writes, file for file."""
    folder, templates, cache = copy
    site, fresh = tmp_path / "site", tmp_path / "fresh"
    build(folder / SOURCE.name, site, templates, base_url="", cache=cache)  # every part from the cache
    edit(folder / "frus1969-76ve13-d174.xml", '<p xml:id="d174-begin-text">BEGIN TEXT:',
         '<p xml:id="d174-begin-text">BEGIN TEXT (a first change):')
    build(folder / SOURCE.name, site, templates, base_url="", cache=cache)
    edit(folder / "frus1969-76ve13-d175.xml", "December 30, 1972, 0420Z<ptr", "December 30, 1972, 0420Z (a second change)<ptr")
    build(folder / SOURCE.name, site, templates, base_url="", cache=cache)
    build(folder / SOURCE.name, fresh, templates, base_url="", cache=None)
    written, expected = snapshot(site), snapshot(fresh)
    assert b"(a first change)" in written["d174.html"] and b"(a second change)" in written["d175.html"]
    assert sorted(written) == sorted(expected)
    assert [path for path in expected if written[path] != expected[path]] == []


def test_a_part_whose_files_are_gone_from_the_cache_is_made_again_when_they_are_needed(copy, tmp_path):
    """A part's outline may outlive its files' entry (pruned, damaged): the files are made again when
    the build needs them, the same bytes, and kept again."""
    folder, templates, cache = copy
    damaged = _part_files(cache)
    assert len(damaged) >= 6  # one a document at least
    for entry in damaged:
        entry.write_bytes(b"not what was written")
    site = tmp_path / "site"
    build(folder / SOURCE.name, site, templates, base_url="", cache=cache)  # a new site: every file written
    build(folder / SOURCE.name, tmp_path / "fresh", templates, base_url="", cache=None)
    assert snapshot(site) == snapshot(tmp_path / "fresh")
    flush()
    assert all(entry.read_bytes() != b"not what was written" for entry in damaged)


def _loaded(folder: Path, cache: Path):
    """The edition's files as a build loads them with ``cache``: those whose facts it keeps, not parsed."""
    flush()  # the facts the build before handed to the cache's writer thread
    tei, others, apparatus = load_edition(folder / SOURCE.name, None, file_facts.known(Cache(cache)))
    return tei, others, apparatus, [tei, *others, apparatus]


def _stages_before_the_pages(folder: Path, templates: Path, cache: Path, tei, others, apparatus) -> None:
    """What a build works out of every file before it makes a page: the model, the links, the
    checks across files and of the quotations, the keys of what may be reused."""
    edition = build_model(tei, others, apparatus)
    links = resolve(edition, "")
    assert edition_violations(edition.sources) == []
    check_quotations(edition, Cache(cache))
    base = edition_key(links, templates)
    for document in edition.documents:
        document_key(links, base, document)


def test_a_file_whose_facts_a_build_kept_is_not_parsed_again_unless_a_stage_needs_more(copy):
    folder, templates, cache = copy
    tei, others, apparatus, sources = _loaded(folder, cache)
    assert [s.path.name for s in sources if s.parsed is not None] == []
    _stages_before_the_pages(folder, templates, cache, tei, others, apparatus)
    # the shared names, the central document's header and the divisions its joins name: parsed
    assert sorted(s.path.name for s in sources if s.parsed is not None) == [APPARATUS.name, SOURCE.name]
    # a changed file is parsed as it is read, and its facts worked out again
    edit(folder / "frus1969-76ve13-d172.xml", "the transcripts", "the transcripts (edited)")
    tei, others, apparatus, sources = _loaded(folder, cache)
    assert [s.path.name for s in sources if s.parsed is not None] == ["frus1969-76ve13-d172.xml"]
    # and the facts of a damaged entry are worked out again from the file, which is then parsed
    for entry in entries(cache):
        entry.write_bytes(b"not what was written")
    tei, others, apparatus, sources = _loaded(folder, cache)
    assert all(s.parsed is not None for s in sources)


def test_a_problem_in_a_file_whose_facts_were_kept_is_located_as_in_a_build_from_nothing(copy):
    folder, templates, cache = copy
    # Document 172 takes an id that Document 173, unchanged and not parsed until then, has
    edit(folder / "frus1969-76ve13-d172.xml", 'xml:id="d172-i-presented-the-package"', 'xml:id="d173-the-u-s-side-has"')
    with pytest.raises(BuildFailed) as with_facts:
        build(folder / SOURCE.name, None, templates, base_url="", cache=cache)
    with pytest.raises(BuildFailed) as from_nothing:
        build(folder / SOURCE.name, None, templates, base_url="", cache=None)
    shown = [str(d) for d in with_facts.value.diagnostics]
    assert shown == [str(d) for d in from_nothing.value.diagnostics]
    text = (folder / "frus1969-76ve13-d173.xml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, row in enumerate(text, 1) if 'xml:id="d173-the-u-s-side-has"' in row)
    assert any(f"frus1969-76ve13-d173.xml:{line}:" in d and 'duplicate xml:id "d173-the-u-s-side-has"' in d
               for d in shown), shown
