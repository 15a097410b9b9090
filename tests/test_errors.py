"""Bad input ends in located diagnostics, exit code 1, no traceback, and the previous site whole."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import DIAGNOSTIC, SCHEMA as SCHEMA_FOLDER, SOURCE, line_col, mutate, run_build, snapshot


@pytest.fixture(scope="module")
def built_once(tmp_path_factory) -> Path:
    """The folder of a site build.py wrote: the site's link and its builds beside it."""
    out = tmp_path_factory.mktemp("out")
    result = run_build("--out", str(out / "site"))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def good_site(built_once, tmp_path) -> Path:
    """A good site of the test's own, each as build.py wrote it: a copy of one built once (its
    link is relative), since every test here would build the same."""
    out = shutil.copytree(built_once, tmp_path / "out", symlinks=True)
    assert snapshot(out / "site") == snapshot(built_once / "site")
    return out / "site"


def diagnostics(result) -> list[dict]:
    assert "Traceback" not in result.stderr + result.stdout
    found = [m.groupdict() for m in DIAGNOSTIC.finditer(result.stderr)]
    assert found, f"no path:line:col diagnostic in: {result.stderr!r}"
    return found


def assert_fails_and_keeps_site(source: Path, site: Path):
    before, link = snapshot(site), os.readlink(site)
    result = run_build("--source", str(source), "--out", str(site))
    assert result.returncode == 1, result.stderr
    assert snapshot(site) == before and os.readlink(site) == link
    return result


# (name, text replaced, replacement, the text the error points at, what the message says)
CASES = [
    ("malformed XML", '<p xml:id="drv-4">If the <orgName', '<p xml:id="drv-4">If the <<orgName',
     "<<orgName", "malformed XML"),
    ("dangling name reference", 'ref="#person-thach"', 'ref="#person-thatch"',
     '<persName ref="#person-thatch"', '@ref="#person-thatch" names no person, org or place in standOff'),
    ("dangling cross-reference", '<ref target="#drv">Message Delivered to North Vietnamese December',
     '<ref target="#drv-9">Message Delivered to North Vietnamese December',
     '<ref target="#drv-9">', '@target="#drv-9" points to no xml:id in the edition'),
    ("note reference without its note", 'target="#fn2" xml:id="fn2-ref"', 'target="#fn9" xml:id="fn2-ref"',
     '<ptr type="noteAnchor" target="#fn9"', 'note reference points to "#fn9", but there is no note with that xml:id'),
    ("note without its reference", ' <ptr type="noteAnchor" target="#fn2" xml:id="fn2-ref"/>', "",
     '<note type="summary"', 'note "fn2" has 0 references, it needs exactly one'),
    ("impossible date", '<date when="1972-12-20">December 20</date>', '<date when="1972-02-30">December 20</date>',
     '<date when="1972-02-30">', '@when="1972-02-30" is an impossible date'),
    ("citable block without id", '<p xml:id="wire-begin">', "<p>",
     "<p>Begin text:", "citable <p> has no xml:id"),
    ("element the schema does not allow", "Begin text:</p>", "Begin <hi>text</hi>:</p>",
     "<hi>", "not allowed by the schema"),
]


@pytest.mark.parametrize("name,old,new,at,message", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_reported_at_its_place_and_keeps_the_previous_site(tmp_path, good_site, name, old, new, at, message):
    source = mutate(tmp_path, old, new)
    result = assert_fails_and_keeps_site(source, good_site)
    line, col = line_col(source, at)
    found = diagnostics(result)
    assert any(d["line"] == str(line) and message in d["what"] for d in found), result.stderr
    located = next(d for d in found if message in d["what"])
    assert located["path"].endswith(SOURCE.name)
    if name != "malformed XML":  # libxml2 places syntax errors where it noticed them
        assert located["col"] == str(col), result.stderr
    assert located["hint"], "every diagnostic gives a hint"


def test_a_duplicate_id_is_reported_at_both_places(tmp_path, good_site):
    source = mutate(tmp_path, 'xml:id="drv-3"', 'xml:id="drv-2"')
    result = assert_fails_and_keeps_site(source, good_site)
    lines = [int(d["line"]) for d in diagnostics(result) if 'duplicate xml:id "drv-2"' in d["what"]]
    first = line_col(source, 'xml:id="drv-2"')[0]
    assert lines == [first, first + 1]


def test_all_problems_of_a_run_are_reported_together_in_source_order(tmp_path, good_site):
    text = SOURCE.read_text(encoding="utf-8")
    text = text.replace('ref="#person-thach"', 'ref="#person-x"').replace(
        '<date when="1973-01-03">', '<date when="1973-13-03">')
    source = tmp_path / SOURCE.name
    source.write_text(text, encoding="utf-8")
    found = diagnostics(assert_fails_and_keeps_site(source, good_site))
    assert len(found) == 2
    assert [int(d["line"]) for d in found] == sorted(int(d["line"]) for d in found)


def test_a_doctype_or_entity_declaration_is_refused_before_parsing(tmp_path, good_site):
    source = mutate(tmp_path, '<?xml version="1.0" encoding="UTF-8"?>\n',
                    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE TEI [<!ENTITY lol "lol">]>\n')
    found = diagnostics(assert_fails_and_keeps_site(source, good_site))
    assert [(d["line"], d["col"]) for d in found] == [("2", "1"), ("2", "16")]
    assert "not allowed" in found[0]["what"]


def test_a_file_that_is_not_utf8_is_reported_at_the_bad_byte(tmp_path, good_site):
    source = tmp_path / SOURCE.name
    source.write_bytes(SOURCE.read_bytes().replace("Thach</persName>’s".encode(), b"Thach</persName>\x92s"))
    found = diagnostics(assert_fails_and_keeps_site(source, good_site))
    line, col = line_col(SOURCE, "’s remarks")
    assert (found[0]["line"], "not UTF-8" in found[0]["what"]) == (str(line), True)


def test_a_wrong_root_element_is_named(tmp_path, good_site):
    source = tmp_path / SOURCE.name
    source.write_text('<?xml version="1.0"?>\n<html><p>x</p></html>\n', encoding="utf-8")
    found = diagnostics(assert_fails_and_keeps_site(source, good_site))
    assert found[0]["line"] == "2" and "expected <TEI>" in found[0]["what"]


@pytest.mark.parametrize("content", [None, b"", b"  \n"], ids=["missing", "empty", "blank"])
def test_a_missing_or_empty_source_file_is_named(tmp_path, good_site, content):
    source = tmp_path / SOURCE.name
    if content is not None:
        source.write_bytes(content)
    before = snapshot(good_site)
    result = run_build("--source", str(source), "--out", str(good_site))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0].endswith(("source file not found (check the path, or restore the file from git)",
                                                   "source file is empty (restore it from git or write the TEI document into it)"))
    assert source.name in result.stderr.splitlines()[0]
    assert snapshot(good_site) == before


def test_check_writes_nothing_and_reports_the_same_problems(tmp_path):
    source = mutate(tmp_path, 'ref="#person-thach"', 'ref="#person-thatch"')
    out = tmp_path / "never"
    result = run_build("--check", "--source", str(source), "--out", str(out))
    assert result.returncode == 1 and "person-thatch" in result.stderr
    assert not out.exists() and not (tmp_path / ".never-builds").exists()


def test_a_usage_error_exits_2():
    result = run_build("--no-such-option")
    assert result.returncode == 2 and "usage:" in result.stderr


def test_a_syntax_error_after_a_schema_error_in_one_process_is_reported_in_the_parsers_words(tmp_path):
    """The preview rebuilds in one process: an earlier validation's errors must not leak into a later message."""
    from build import build
    from edition.diagnostics import BuildFailed

    with pytest.raises(BuildFailed):
        build(mutate(tmp_path, "Begin text:</p>", "Begin <hi>text</hi>:</p>"), None)
    with pytest.raises(BuildFailed) as failed:
        build(mutate(tmp_path, '<p xml:id="drv-4">If the <orgName', '<p xml:id="drv-4">If the <<orgName'), None)
    (diagnostic,) = failed.value.diagnostics
    assert diagnostic.message == "malformed XML: StartTag: invalid element name"


def test_an_output_folder_that_cannot_be_written_is_named_and_exits_1(tmp_path):
    (tmp_path / "notes.txt").write_text("a file, not a folder\n", encoding="utf-8")
    result = run_build("--out", str(tmp_path / "notes.txt" / "site"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == (
        f"{tmp_path}/notes.txt/site: error: cannot write the site: Not a directory: {tmp_path}/notes.txt/.site-builds"
        f" (check that {tmp_path}/notes.txt is a folder and that you may write in it)")


def test_a_file_known_to_be_invalid_stops_the_build_before_any_page_is_made(tmp_path, monkeypatch):
    import build as build_module
    from edition.diagnostics import BuildFailed

    path = mutate(tmp_path, "Begin text:</p>", "Begin <hi>text</hi>:</p>")
    cache = tmp_path / "cache"
    with pytest.raises(BuildFailed) as first:  # its problems are now in the build's cache
        build_module.build(path, None, cache=cache)

    asked = []

    def no_pages(*args, **kwargs):  # a failure here would be hidden by the validation's: it is counted
        asked.append(args)
        raise AssertionError("pages made from a file known to be invalid")
    monkeypatch.setattr(build_module, "render_site", no_pages)
    monkeypatch.setattr(build_module, "start_index", no_pages)
    with pytest.raises(BuildFailed) as again:
        build_module.build(path, None, cache=cache)
    assert asked == []
    assert [str(d) for d in again.value.diagnostics] == [str(d) for d in first.value.diagnostics]
    assert "Did not expect element hi there" in str(again.value.diagnostics[0])


def test_a_schema_that_is_not_well_formed_is_located_in_itself_after_another_files_error(tmp_path):
    """libxml2 keeps a thread's errors: the schema's place is taken from its own parse, not from a
    file that failed before it (the preview parses many files in one thread, build after build)."""
    from lxml import etree

    from edition.diagnostics import BuildFailed
    from edition.validate import grammar

    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(b"<TEI>\n\n<text></TEI>")  # an error of another file, earlier in this thread
    text = (SCHEMA_FOLDER / "edition.rng").read_text(encoding="utf-8")
    broken = tmp_path / "edition.rng"
    broken.write_text(text.replace('<define name="msDesc">', '<define name="msDesc>', 1), encoding="utf-8")
    with pytest.raises(BuildFailed) as failed:
        grammar(broken)
    [problem] = [DIAGNOSTIC.match(str(d)) for d in failed.value.diagnostics]
    # the attribute's value runs on to the next "<", where libxml2 stops
    after = text.index('<', text.index('<define name="msDesc">') + 1)
    line = text[:after].count("\n") + 1
    assert (problem["path"], int(problem["line"])) == (str(broken), line)
    assert problem["what"].startswith("the schema is not well-formed XML: Unescaped '<' not allowed")
