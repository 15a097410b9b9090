"""What the preview keeps between its builds (``edition.kept``) never makes a page stale.

Each case builds a copy of the sources with one ``Kept`` through a series of changes, as the
preview does, and compares every file with a build from nothing; it also checks that what was
kept was used (an unchanged file is not parsed again), and how the preview serves a rebuild:
its pages first, then the whole site, and the last good site again when the rebuild fails.
"""
from __future__ import annotations

import io
import shutil

import pytest

from build import run
from conftest import ROOT, SOURCE
from edition import kept as kept_module
from edition import search
from edition.diagnostics import BuildFailed, Diagnostic
from edition.cache import flush
from edition.kept import Kept
from edition.serve import Preview
from test_incremental import copied, edit


@pytest.fixture
def copy(tmp_path):
    return copied(tmp_path)


def test_every_build_that_keeps_gives_the_bytes_of_a_build_from_nothing(copy):
    folder, templates, cache = copy
    kept = Kept()

    def compare() -> dict[str, bytes]:
        _, again = run(folder / SOURCE.name, None, templates, base_url="", cache=cache, workers=1, kept=kept)
        _, fresh = run(folder / SOURCE.name, None, templates, base_url="", cache=None, workers=1)
        assert sorted(again) == sorted(fresh)
        assert [path for path in fresh if again[path] != fresh[path]] == []
        return again

    compare()
    edit(folder / "frus1969-76ve13-d174.xml", '<p xml:id="d174-begin-text">BEGIN TEXT:',
         '<p xml:id="d174-begin-text">BEGIN TEXT (a kept change):')
    assert b"(a kept change)" in compare()["d174.html"]
    edit(folder / "apparatus.xml", "<persName>William Hood</persName>", "<persName>William J. Hood</persName>")
    assert b"William J. Hood" in compare()["names.html"]
    edit(templates / "base.html", "in the public domain.", "in the public domain (a kept template change).")
    assert all(b"(a kept template change)" in data for path, data in compare().items() if path.endswith(".html"))
    # a passage moved: the links of another document that quote it follow it
    edit(folder / "frus1969-76ve13-d174.xml", '<p xml:id="d174-291711z-dec-72">291711Z DEC 72</p>',
         '<p xml:id="d174-291711z-dec-72">291711Z DEC 72 CITE NEW YORK 0007</p>')
    assert b'href="d174.html#d174-291711z-dec-72"' in compare()["d170.html"]
    edit(folder / SOURCE.name, "https://creativecommons.org/publicdomain/zero/1.0/",
         "https://creativecommons.org/publicdomain/zero/1.0/deed")
    compare()


def test_a_file_is_parsed_again_only_when_it_changed(copy, monkeypatch):
    folder, templates, cache = copy
    kept = Kept()
    parsed = []
    real = kept_module.load_tei
    monkeypatch.setattr(kept_module, "load_tei", lambda path, *read: parsed.append(path.name) or real(path, *read))

    def build() -> None:
        parsed.clear()
        run(folder / SOURCE.name, None, templates, base_url="", cache=cache, workers=1, kept=kept)

    build()
    assert len(parsed) == 7  # six documents and the apparatus
    build()
    assert parsed == []
    edit(folder / "frus1969-76ve13-d173.xml", "</p>", " </p>")
    build()
    assert parsed == ["frus1969-76ve13-d173.xml"]
    # saved again with the same text (a new time): read, compared, and not parsed
    (folder / "apparatus.xml").write_bytes((folder / "apparatus.xml").read_bytes())
    build()
    assert parsed == []


def test_the_pages_are_handed_over_before_a_search_index_still_in_the_making(copy, monkeypatch):
    folder, templates, cache = copy
    monkeypatch.setattr(search.Indexing, "done", lambda self: False)  # as when Pagefind is still at work
    handed = []
    _, files = run(folder / SOURCE.name, None, templates, base_url="", cache=cache, workers=1, kept=Kept(),
                   ready=lambda given, whole: handed.append((dict(given), whole)))
    assert [whole for _, whole in handed] == [False, True]
    pages, everything = handed[0][0], handed[1][0]
    assert everything == files
    assert {path for path in files if path.endswith(".html")} <= set(pages)
    assert not any(path.startswith("pagefind/") for path in pages) and "manifest.json" not in pages
    assert all(pages[path] == files[path] for path in pages)


class Rebuilds:
    """Rebuilds that hand over what a test gives them, as build.py's does, or fail."""

    def __init__(self):
        self.steps: list = []

    def __call__(self, ready) -> str:
        for step in self.steps:
            if isinstance(step, BuildFailed):
                raise step
            if callable(step):  # a look at what is served meanwhile
                step()
            else:
                ready(*step)
        return "built"


def served(preview: Preview, path: str) -> bytes | None:
    """What the preview sends for ``path`` (None: not found); HTML without what the preview adds."""
    status, kind, body = preview.respond(path)
    if status != 200:
        return None
    return body.split(b"<body>")[-1] if kind.startswith("text/html") else body


def test_the_preview_serves_a_rebuilds_pages_at_once_and_the_last_good_site_when_it_fails(tmp_path):
    rebuilds = Rebuilds()
    preview = Preview(rebuilds, tmp_path / "site", [], port=0, out=io.StringIO())
    try:
        rebuilds.steps = [({"index.html": b"<head></head><body>one", "pagefind/a.js": b"index one"}, True)]
        assert preview.build()
        assert served(preview, "/") == b"one" and served(preview, "/pagefind/a.js") == b"index one"
        version = preview.state.read()[0]

        def midway() -> None:  # the pages first, over the last site
            assert served(preview, "/index.html") == b"two" and served(preview, "/pagefind/a.js") == b"index one"
            assert preview.state.read()[0] != version  # the pages reload with the first files of a rebuild

        rebuilds.steps = [({"index.html": b"<head></head><body>two"}, False), midway,
                          ({"index.html": b"<head></head><body>two", "pagefind/b.js": b"index two"}, True)]
        assert preview.build()
        assert served(preview, "/pagefind/a.js") is None and served(preview, "/pagefind/b.js") == b"index two"
        # a rebuild that fails after it handed over its pages: the last good site again, with its problems
        rebuilds.steps = [({"index.html": b"<head></head><body>four"}, False),
                          BuildFailed([Diagnostic("source/x.xml", 1, 2, "what", "hint")])]
        assert not preview.build()
        assert served(preview, "/").endswith(b"two")  # under the problems
        assert preview.state.read()[1] == ["source/x.xml:1:2: error: what (hint)"]
    finally:
        preview.server.server_close()


def test_documents_added_and_removed_are_built_as_from_nothing(tmp_path):
    import sys
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from corpus import synthetic_edition

    central = synthetic_edition(tmp_path / "edition", 12)
    more = synthetic_edition(tmp_path / "more", 16).parent
    kept = Kept()

    def compare() -> dict[str, bytes]:
        _, again = run(central, None, base_url="", cache=tmp_path / "cache", workers=1, kept=kept)
        _, fresh = run(central, None, base_url="", cache=None, workers=1)
        assert sorted(again) == sorted(fresh)
        assert [path for path in fresh if again[path] != fresh[path]] == []
        return again

    site = compare()
    assert "d1005.html" in site and "d1006.html" not in site
    added = [p for p in more.glob("*-d1*.xml") if not (central.parent / p.name).exists()]
    assert len(added) == 4
    for path in added:
        shutil.copy(path, central.parent / path.name)
    assert "d1009.html" in compare()
    for path in added:
        (central.parent / path.name).unlink()
    site = compare()
    assert "d1009.html" not in site and set(kept.sources) == {p for p in central.parent.glob("*.xml")}


def test_a_rebuild_that_hands_nothing_over_is_served_from_disk_and_nothing_outside_the_site(tmp_path):
    site = tmp_path / "site"

    def rebuild(ready) -> str:  # writes its site, as a build without ``ready`` does
        site.mkdir(exist_ok=True)
        (site / "index.html").write_text("<head></head><body>on disk", encoding="utf-8")
        (tmp_path / "secret.txt").write_text("not the site's", encoding="utf-8")
        return "built"

    preview = Preview(rebuild, site, [], port=0, out=io.StringIO())
    try:
        assert preview.build() and preview.files is None
        assert served(preview, "/") == b"on disk" and served(preview, "/index.html") == b"on disk"
        assert served(preview, "/../secret.txt") is None and served(preview, "/%2e%2e/secret.txt") is None
    finally:
        preview.server.server_close()


def test_a_build_that_keeps_collects_its_cycles_once_at_its_end_and_leaves_the_collector_as_it_was():
    import gc
    import weakref

    from build import collected_after

    class Cycle:
        pass

    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with collected_after():
            assert not gc.isenabled()
            made = Cycle()
            made.itself = made
            gone = weakref.ref(made)
            del made
            kept = [Cycle() for _ in range(10_000)]  # enough to start collections, were the collector on
            assert gone() is not None and kept  # none ran
            raise RuntimeError("a build that fails")
    assert gc.isenabled() and gone() is None  # collected once the block ended, and on again
    gc.disable()
    try:
        with collected_after():
            pass
        assert not gc.isenabled()  # a collector that was off stays off
    finally:
        gc.enable()


def test_the_first_build_of_a_preview_takes_the_facts_an_earlier_build_kept(copy):
    folder, templates, cache = copy
    run(folder / SOURCE.name, None, templates, base_url="", cache=cache, workers=1)  # as build.py does
    flush()
    kept = Kept()
    _, again = run(folder / SOURCE.name, None, templates, base_url="", cache=cache, workers=1, kept=kept)
    _, fresh = run(folder / SOURCE.name, None, templates, base_url="", cache=None, workers=1)
    assert sorted(again) == sorted(fresh)
    assert [path for path in fresh if again[path] != fresh[path]] == []
    # every page came from the cache: no document but the central one was parsed
    parsed = sorted(s.path.name for s in kept.sources.values() if s.parsed is not None)
    assert parsed == ["apparatus.xml", SOURCE.name]
