"""The anchor lock: a published anchor never breaks; a moved one still lands on its passage."""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from lxml import html

from build import LOCK, build
from conftest import DIAGNOSTIC, SOURCE, project_copy, run_build, snapshot
from edition.anchors import MANIFEST, lock_new_anchors, published_anchors, read_lock, site_anchors, unlocked
from edition.diagnostics import BuildFailed

#: The pages that publish the anchor these tests rename: every view that shows the paragraph.
DRV3_PAGES = tuple(sorted(page for page, ids in json.loads(LOCK.read_text(encoding="utf-8"))["pages"].items()
                          if "drv-3" in ids))


def renamed(tmp_path: Path) -> Path:
    """The sources with drv-3 renamed drv-3a, and every pointer to it following in every file
    (the document and the shared apparatus), as an editor would."""
    folder = tmp_path / "source"
    shutil.copytree(SOURCE.parent, folder)
    source = folder / SOURCE.name
    text = source.read_text(encoding="utf-8")
    assert text.count('<p xml:id="drv-3">') == 1
    source.write_text(text.replace('<p xml:id="drv-3">', '<p xml:id="drv-3a">'), encoding="utf-8")
    for path in folder.glob("*.xml"):
        path.write_text(path.read_text(encoding="utf-8").replace('"#drv-3"', '"#drv-3a"'), encoding="utf-8")
    return source


def lock_copy(tmp_path: Path, moved: dict | None = None) -> Path:
    """A copy of the committed lock, with ``moved`` recorded in it."""
    data = json.loads(LOCK.read_text(encoding="utf-8"))
    data["moved"] = moved or {}
    path = tmp_path / "anchors.lock.json"
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def test_the_committed_lock_lists_every_anchor_the_site_publishes():
    files = build(SOURCE, None, base_url="")
    assert unlocked(files, read_lock(LOCK)) == []


def test_the_committed_lock_is_sorted_with_one_anchor_a_line():
    data = json.loads(LOCK.read_text(encoding="utf-8"))
    assert all(ids == sorted(set(ids)) for ids in data["pages"].values())
    assert LOCK.read_text(encoding="utf-8") == json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def test_renaming_a_published_anchor_fails_the_build_naming_it_and_keeps_the_site(tmp_path):
    site = tmp_path / "site"
    assert run_build("--out", str(site)).returncode == 0
    before, link = snapshot(site), os.readlink(site)
    result = run_build("--source", str(renamed(tmp_path)), "--out", str(site))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    found = [m.groupdict() for m in DIAGNOSTIC.finditer(result.stderr)]
    assert {(d["path"], d["what"]) for d in found} == {
        ("source/anchors.lock.json", f'the published anchor "drv-3" of {name} has disappeared')
        for name in DRV3_PAGES
    }
    text = LOCK.read_text(encoding="utf-8").splitlines()
    for d in found:  # each points at the anchor's own line in the lock
        assert text[int(d["line"]) - 1].strip() == '"drv-3",' and int(d["col"]) == text[int(d["line"]) - 1].index('"') + 1
    assert found[-1]["hint"] == ('restore xml:id="drv-3", since cited anchors must never break, or record where it '
                                 'moved in the lock: "moved": {"text.html": {"drv-3": "new-id"}}')
    assert f"{len(DRV3_PAGES)} problems found; the previous site is unchanged." in result.stderr
    assert snapshot(site) == before and os.readlink(site) == link


def test_recording_the_move_in_the_lock_lands_the_old_anchor_on_the_new_place(tmp_path):
    moved = {name: {"drv-3": "drv-3a"} for name in DRV3_PAGES}
    files = build(renamed(tmp_path), None, base_url="", lock=lock_copy(tmp_path, moved))
    for name in moved:
        doc = html.fromstring(files[name])
        alias = doc.get_element_by_id("drv-3")
        assert alias.tag == "span" and alias.get("class") == "anchor-alias" and alias.text_content() == ""
        assert alias.getparent().get("id") == "drv-3a" and alias.getparent().index(alias) == 0
    assert "drv-3" in json.loads(files["manifest.json"])["pages"]["text.html"]["anchors"]


def test_a_move_is_followed_through_later_moves(tmp_path):
    moved = {name: {"drv-3": "drv-3a"} for name in DRV3_PAGES}
    moved["text.html"] = {"drv-3": "drv-3-old", "drv-3-old": "drv-3a"}
    lock = lock_copy(tmp_path, moved)
    files = build(renamed(tmp_path), None, base_url="", lock=lock)
    assert html.fromstring(files["text.html"]).get_element_by_id("drv-3").getparent().get("id") == "drv-3a"


def test_a_move_to_an_anchor_the_page_does_not_have_fails_naming_both(tmp_path):
    moved = {name: {"drv-3": "drv-3b"} for name in DRV3_PAGES}
    with pytest.raises(BuildFailed) as failure:
        build(renamed(tmp_path), None, base_url="", lock=lock_copy(tmp_path, moved))
    messages = [d.message for d in failure.value.diagnostics]
    assert 'the anchor "drv-3" of text.html is recorded as moved to "drv-3b", which is not on the page' in messages


def test_a_move_recorded_for_an_anchor_still_on_the_page_fails(tmp_path):
    with pytest.raises(BuildFailed) as failure:
        build(SOURCE, None, base_url="", lock=lock_copy(tmp_path, {"text.html": {"drv-3": "drv-4"}}))
    assert [d.message for d in failure.value.diagnostics] == [
        'the anchor "drv-3" of text.html is recorded as moved to "drv-4", but the page still has it']


def test_a_page_that_is_no_longer_built_fails_naming_it(tmp_path):
    data = json.loads(LOCK.read_text(encoding="utf-8"))
    data["pages"]["timeline.html"] = ["main"]
    lock = tmp_path / "anchors.lock.json"
    lock.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        build(SOURCE, None, base_url="", lock=lock)
    [problem] = failure.value.diagnostics
    assert problem.message == "the published page timeline.html is no longer built"
    assert lock.read_text(encoding="utf-8").splitlines()[problem.line - 1].strip().startswith('"timeline.html"')


def test_new_anchors_build_but_are_not_locked_until_the_editor_locks_them(tmp_path):
    data = json.loads(LOCK.read_text(encoding="utf-8"))
    data["pages"]["text.html"].remove("wire-end")
    lock = tmp_path / "anchors.lock.json"
    lock.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    files = build(SOURCE, None, base_url="", lock=lock)
    assert unlocked(files, read_lock(lock)) == ["text.html#wire-end"]
    assert lock_new_anchors(files, read_lock(lock)) == ["text.html#wire-end"]
    assert json.loads(lock.read_text(encoding="utf-8"))["pages"] == json.loads(LOCK.read_text(encoding="utf-8"))["pages"]


def test_locking_never_drops_an_anchor_or_a_move(tmp_path):
    moved = {name: {"drv-3": "drv-3a"} for name in DRV3_PAGES}
    lock = lock_copy(tmp_path, moved)
    files = build(renamed(tmp_path), None, base_url="", lock=lock)
    assert lock_new_anchors(files, read_lock(lock)) == [f"{name}#drv-3a" for name in DRV3_PAGES]
    data = json.loads(lock.read_text(encoding="utf-8"))
    assert data["moved"] == moved
    assert all({"drv-3", "drv-3a"} <= set(data["pages"][name]) for name in moved)


def test_the_lock_anchors_option_creates_a_missing_lock_from_the_site(tmp_path):
    # Run a copy of the project, so the committed lock is never touched.
    project = project_copy(tmp_path / "project")
    (project / "source" / "anchors.lock.json").unlink()
    import subprocess
    import sys
    result = subprocess.run([sys.executable, str(project / "build.py"), "--check", "--lock-anchors"],
                            capture_output=True, text=True, cwd=project, timeout=120)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^Locked \d+ new anchors in source/anchors.lock.json: about.html#main, ", result.stdout, re.M)
    assert (project / "source" / "anchors.lock.json").read_text(encoding="utf-8") == LOCK.read_text(encoding="utf-8")


def test_a_missing_lock_fails_with_a_clear_message(tmp_path):
    with pytest.raises(BuildFailed) as failure:
        build(SOURCE, None, base_url="", lock=tmp_path / "anchors.lock.json")
    assert str(failure.value).endswith(
        "anchors.lock.json: error: the anchor lock is missing "
        "(restore it from git; only a new edition creates it, with build.py --lock-anchors)")


def test_a_lock_that_is_not_json_is_reported_at_its_line(tmp_path):
    lock = tmp_path / "anchors.lock.json"
    lock.write_text('{\n  "pages": {\n    "text.html": ["main",]\n  }\n}\n', encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        build(SOURCE, None, base_url="", lock=lock)
    [problem] = failure.value.diagnostics
    assert (problem.line, problem.message) == (3, "the anchor lock is not valid JSON: Expecting value")


def test_a_lock_that_cannot_be_read_is_reported_at_its_file(tmp_path):
    lock = tmp_path / "anchors.lock.json"
    lock.mkdir()  # a folder where the file should be
    with pytest.raises(BuildFailed) as failure:
        build(SOURCE, None, base_url="", lock=lock)
    [problem] = failure.value.diagnostics
    assert (problem.line, problem.message) == (0, "cannot read the anchor lock: Is a directory")


def test_script_ids_are_not_anchors():
    files = build(SOURCE, None, base_url="")
    assert all("passage-citations" not in ids for ids in published_anchors(files).values())


def _parsed_ids(data: bytes) -> list[str]:
    """The page's ids as an HTML parser finds them, leaving out scripts' and a drawing's defs."""
    ids = html.fromstring(data).xpath("//*[@id][not(self::script)][not(ancestor::defs)]/@id")
    return sorted(set(ids))


def test_the_anchors_read_from_each_page_are_the_ids_a_parser_finds(site):
    files = {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*.html"))}
    assert len(files) > 20
    assert published_anchors(files) == {path: _parsed_ids(data) for path, data in files.items()}


def test_ids_in_scripts_drawings_comments_or_text_are_not_anchors():
    page = ('<!DOCTYPE html><html><body><p id="kept" class="x">Say id=&#34;text&#34; and '
            ' id=&quot;quoted&quot;</p><!-- <p id="commented"></p> -->'
            '<script type="application/json" id="data">{"a": " id=\\"in-script\\""}</script>'
            '<svg id="drawing"><defs><marker id="arrow"></marker></defs><g id="line"></g></svg>'
            '<a href="#kept" title="an &amp; id" id="a&amp;b">x</a></body></html>').encode("utf-8")
    assert published_anchors({"p.html": page, "p.css": b'x { id="no" }'}) == {
        "p.html": ["a&b", "drawing", "kept", "line"]}
    assert published_anchors({"p.html": page})["p.html"] == _parsed_ids(page)


def test_a_page_given_a_new_alias_is_written_anew_though_its_part_comes_from_the_cache(tmp_path):
    """The aliases are added after the pages are made: a page whose part (and that part's digests) the
    cache gives again, but whose aliases changed with the lock, is still the new page on disk."""
    source, site, cache = renamed(tmp_path), tmp_path / "site", tmp_path / "cache"
    moved = {name: {"drv-3": "drv-3a"} for name in DRV3_PAGES}
    build(source, site, base_url="", lock=lock_copy(tmp_path, moved), cache=cache)
    moved["text.html"] = {"drv-3": "drv-3-old", "drv-3-old": "drv-3a"}
    files = build(source, site, base_url="", lock=lock_copy(tmp_path, moved), cache=cache)
    assert b'id="drv-3-old"' in files["text.html"]
    assert snapshot(site) == files


def test_the_anchors_remembered_with_the_manifest_are_the_ones_it_lists():
    files = build(SOURCE, None, base_url="", cache=None)
    remembered = site_anchors(files)  # the manifest just made: its anchors, not parsed
    parsed = site_anchors({MANIFEST: bytes(bytearray(files[MANIFEST]))})  # other bytes: parsed
    assert remembered is not parsed
    assert list(remembered.items()) == list(parsed.items())
