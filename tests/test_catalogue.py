"""docs/errors.md, the catalogue of diagnostics: every entry's example is what the build prints.

Each entry of the catalogue has an example (a fenced block after an
``<!-- example: NAME -->`` comment); ``EXAMPLES`` below makes that mistake in a
copy of the sources and prints what the build prints, run from the top of the
repository. A catalogue entry without a case here, or a case without an entry,
fails too.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from build import run
from conftest import ROOT, SOURCE, run_build
from edition.diagnostics import BuildFailed
from edition.markdown import markdown_file

CATALOGUE = ROOT / "docs" / "errors.md"
_EXAMPLE = re.compile(r"<!-- example: (?P<name>[\w-]+) -->\n```text\n(?P<text>.*?)\n```", re.S)
TEI = f"source/{SOURCE.name}"
LOCK = "source/anchors.lock.json"


def documented() -> dict[str, str]:
    return {m["name"]: m["text"] for m in _EXAMPLE.finditer(CATALOGUE.read_text(encoding="utf-8"))}


def printed(source: str = TEI, site: str | None = None, templates: str = "templates") -> str:
    """What the build prints for the sources in the working directory, one problem a line."""
    try:
        run(Path(source), Path(site) if site else None, Path(templates), lock=Path(LOCK))
    except BuildFailed as failure:
        return "\n".join(map(str, failure.diagnostics))
    return "(the build succeeded)"


def tei(old: str, new: str):
    """The build of the TEI with ``old`` replaced by ``new``."""
    def case() -> str:
        text = (ROOT / TEI).read_text(encoding="utf-8")
        assert old in text, old
        Path(TEI).write_text(text.replace(old, new, 1), encoding="utf-8")
        return printed()
    return case


def tei_bytes(data: bytes | None):
    def case() -> str:
        if data is None:
            Path(TEI).unlink()
        else:
            Path(TEI).write_bytes(data)
        return printed()
    return case


def template(name: str, old: str, new: str):
    def case() -> str:
        path = Path("templates") / name
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return printed()
    return case


def schema(name: str, old: str, new: str):
    """The build with the edition's schema ``name`` (in the copy of source/) changed."""
    def case(monkeypatch) -> str:
        import build
        path = Path("source/schema") / name
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        monkeypatch.setattr(build, "SCHEMA", Path.cwd() / "source" / "schema")
        return printed()
    return case


def lock_bytes(old: bytes | None, new: bytes = b""):
    """The build with the anchor lock's first ``old`` replaced by ``new`` (``old`` None: no lock)."""
    def case() -> str:
        path = Path(LOCK)
        if old is None:
            path.unlink()
        else:
            data = path.read_bytes()
            assert old in data, old
            path.write_bytes(data.replace(old, new, 1))
        return printed()
    return case


def missing_template() -> str:
    (Path("templates") / "names.html").unlink()
    return printed()


def markdown() -> str:
    path = Path("source/about.md")
    path.write_text("# About this edition\n\nThe text is <b>exactly</b> the source's.\n", encoding="utf-8")
    try:
        markdown_file(path)
    except BuildFailed as failure:
        return "\n".join(map(str, failure.diagnostics))
    return "(no problem)"


def unwritable() -> str:
    Path("notes.txt").write_text("a file, not a folder\n", encoding="utf-8")
    return printed(site="notes.txt/site")


def bad_epoch(monkeypatch) -> str:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    return printed(site="site")


def failing_pagefind(monkeypatch) -> str:
    program = Path("bin/pagefind")
    program.parent.mkdir()
    program.write_text("#!/bin/sh\necho 'pagefind: cannot index here' >&2\nexit 3\n", encoding="utf-8")
    program.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(program))
    return printed(site="site")


def usage() -> str:
    return run_build("--chek").stderr.splitlines()[-1]


ORIGINAL = SOURCE.read_bytes()

EXAMPLES = {
    # the file itself
    "missing-file": tei_bytes(None),
    "empty-file": tei_bytes(b""),
    "not-utf8": tei_bytes(ORIGINAL.replace("Thach</persName>’s".encode(), b"Thach</persName>\x92s")),
    "declaration": tei_bytes(ORIGINAL.replace(b'?>\n<?xml-model', b'?>\n<!DOCTYPE TEI>\n<?xml-model', 1)),
    "malformed": tei('<p xml:id="drv-4">If the <orgName', '<p xml:id="drv-4">If the <<orgName'),
    "wrong-root": tei_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n<html>\n  <p>Text</p>\n</html>\n'),
    "wrong-namespace": tei('<TEI xmlns="http://www.tei-c.org/ns/1.0"', "<TEI"),
    # the grammar
    "schema-element": tei("Begin text:</p>", "Begin <hi>text</hi>:</p>"),
    "schema-attribute": tei('<p xml:id="drv-3">', '<p xml:id="drv-3" rend="bold">'),
    "schema-value": tei('<div type="message" xml:id="drv">', '<div type="mesage" xml:id="drv">'),
    "schema-missing": tei('<edition n="0.3.1">', "<edition>"),
    "schema-text": tei('<closer xml:id="wire-end">End text.</closer>', '<closer xml:id="wire-end">End text.</closer> End.'),
    # the rules
    "duplicate-id": tei('xml:id="drv-3"', 'xml:id="drv-2"'),
    "duplicate-id-across-files": tei('<p xml:id="wire-begin">', '<p xml:id="d172-memorandum">'),
    "duplicate-document": tei('<div type="document" xml:id="document" n="171">',
                              '<div type="document" xml:id="document" n="172">'),
    "name-reference": tei('ref="#person-thach"', 'ref="#person-thatch"'),
    "dangling-target": tei('<ref target="#drv">', '<ref target="#drv-9">'),
    "pointer-to-no-page": tei('<ref target="#drv">', '<ref target="#archival-source">'),
    "dangling-resp": tei('<corr resp="#editors">', '<corr resp="#editor">'),
    "dangling-passage": tei('<ref target="https://history.state.gov/historicaldocuments/frus1969-76ve13/d172">',
                            '<ref target="https://history.state.gov/historicaldocuments/frus1969-76ve13/d172#d172-transcript">'),
    "reference-without-note": tei('target="#fn2" xml:id="fn2-ref"', 'target="#fn9" xml:id="fn2-ref"'),
    "note-without-reference": tei(' <ptr type="noteAnchor" target="#fn2" xml:id="fn2-ref"/>', ""),
    "date-not-iso": tei('when="1972-12-20"', 'when="20 December 1972"'),
    "date-no-month": tei('when="1972-12-20"', 'when="1972-13-20"'),
    "date-impossible": tei('when="1972-12-20"', 'when="1972-02-30"'),
    "date-range": tei('from="1972-12-04" to="1972-12-13"', 'from="1972-12-13" to="1972-12-04"'),
    "block-without-id": tei('<p xml:id="wire-begin">', "<p>"),
    "empty-block": tei('<closer xml:id="wire-end">End text.</closer>', '<closer xml:id="wire-end"></closer>'),
    "edition-date": tei('Version 0.3.1, <date when="2026-11-29">November 29, 2026</date>', "Version 0.3.1"),
    # the quotations
    "quotation": tei("<quote>The DRV Side’s references to the past record",
                     "<quote>The DRV side’s references to the past record"),
    # the published anchors
    "anchor-disappeared": tei('<p xml:id="wire-begin">', '<p xml:id="wire-opening">'),
    "lock-not-json": lock_bytes(b'"main"', b'"main",'),
    "lock-not-utf8": lock_bytes(b'"main"', b'"m\xe4in"'),
    "lock-missing": lock_bytes(None),
    # the other inputs
    "markdown-html": markdown,
    "schema-not-well-formed": schema("edition.rng", '<define name="msDesc">', '<define name="msDesc>'),
    "schema-grammar-broken": schema("edition.rng", '<define name="msDesc">', '<define name="msDesc"><bogus/>'),
    "schema-rules-broken": schema("edition.sch", '<sch:rule context="tei:join">', '<sch:rule context="tei:join[">'),
    "schema-rule-on-attribute": schema("edition.sch", '<sch:rule context="tei:join">',
                                       '<sch:rule context="tei:join/@target">'),
    "template-syntax": template("names.html", "{% for group in groups %}", "{% for group in groups }"),
    "template-missing": missing_template,
    "template-undefined": template("names.html", "{{ item.entry.name }}", "{{ item.entry.nmae }}"),
    "unwritable": unwritable,
    "source-date-epoch": bad_epoch,
    "search-index": failing_pagefind,
    "usage": usage,
}


#: The cases that change what the build uses for the length of the test.
MONKEYPATCHING = ("source-date-epoch", "search-index", "schema-not-well-formed", "schema-grammar-broken",
                  "schema-rules-broken", "schema-rule-on-attribute")


@pytest.fixture
def repository(tmp_path, monkeypatch):
    """A copy of the sources and templates; the working directory its top, as for an editor."""
    shutil.copytree(ROOT / "source", tmp_path / "source")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_catalogue_entry_has_a_case_and_every_case_an_entry():
    assert sorted(documented()) == sorted(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_catalogue_shows_what_the_build_prints(repository, monkeypatch, name):
    case = EXAMPLES[name]
    output = case(monkeypatch) if name in MONKEYPATCHING else case()
    assert output == documented().get(name), f"docs/errors.md, example {name}, should read:\n{output}"


def test_the_readme_quotes_examples_of_the_catalogue_as_they_stand():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quoted = [line.strip() for line in readme.splitlines() if ": error: " in line and line.strip().startswith("source/")]
    printed_lines = {line for text in documented().values() for line in text.splitlines()}
    assert len(quoted) >= 2 and all(line in printed_lines for line in quoted), quoted
