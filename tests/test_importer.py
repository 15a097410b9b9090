"""The import command and the documents it made: valid, faithful to the Office of the Historian's TEI,
ids kept across imports, and bad input refused with a located error and nothing written."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree, isoschematron

from conftest import ROOT, SCHEMA
from edition.importer import import_document
from edition.load import NS, TEI_NS, XML_NS, load_tei

EXCERPT = ROOT.parent / "shared" / "research" / "frus1969-76ve13-d170-d175.xml"
NEW = ("170", "172", "173", "174", "175")
XML_ID = f"{{{XML_NS}}}id"


def edition_file(number: str) -> Path:
    return ROOT / "source" / f"frus1969-76ve13-d{number}.xml"


def normal(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def oh_blocks(number: str) -> list[str]:
    """Every heading, paragraph, list item, note and closer of the document in the OH TEI, in order."""
    div = etree.parse(str(EXCERPT)).xpath(f"//tei:div[@xml:id='d{number}']", namespaces=NS)[0]
    blocks = []
    for el in div.iter(*(f"{{{TEI_NS}}}{n}" for n in ("head", "p", "item", "note", "closer"))):
        if el.getparent() is div and etree.QName(el).localname == "head":
            blocks.append(_without_notes(el))  # its notes follow, as their own blocks
        else:
            blocks.append(normal(el))
    return blocks


def _without_notes(head: etree._Element) -> str:
    parts = [head.text or ""]
    for child in head:
        if etree.QName(child).localname != "note":
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


@pytest.mark.parametrize("number", NEW)
def test_each_imported_document_is_valid_against_the_editions_schema_and_its_rules(number):
    """And against TEI P5 itself: tests/test_tei.py checks every source file against it."""
    tree = load_tei(edition_file(number)).tree
    rng = etree.RelaxNG(etree.parse(str(SCHEMA / "edition.rng")))
    assert rng.validate(tree), rng.error_log
    sch = isoschematron.Schematron(etree.parse(str(SCHEMA / "edition.sch")), store_report=True)
    assert sch.validate(tree), etree.tostring(sch.validation_report)


@pytest.mark.parametrize("number", NEW)
def test_the_tei_holds_the_office_of_the_historians_text_block_for_block(number):
    """Heading, notes (moved to back), paragraphs, list items and closers, in order, as the OH TEI has them."""
    tree = load_tei(edition_file(number)).tree
    div = tree.find(".//tei:body/tei:div[@type='document']", NS)
    ours = []
    for el in div.iter(*(f"{{{TEI_NS}}}{n}" for n in ("head", "p", "item", "closer"))):
        ours.append(_without_notes(el) if el.getparent() is div else normal(el))
        if el.getparent() is div and etree.QName(el).localname == "head":
            ours += [normal(tree.xpath(f"//tei:note[@xml:id='{p.get('target')[1:]}']", namespaces=NS)[0])
                     for p in el.iterfind(".//tei:ptr[@type='noteAnchor']", NS)]
    assert ours == oh_blocks(number)


@pytest.mark.parametrize("number", NEW)
def test_ids_are_prefixed_with_the_document_and_name_the_roles_the_structure_gives(number):
    tree = load_tei(edition_file(number)).tree
    ids = [e.get(XML_ID) for e in tree.find("tei:text", NS).iter() if e.get(XML_ID)]
    assert all(i == f"d{number}" or i.startswith(f"d{number}-") for i in ids), ids
    assert {f"d{number}-heading", f"d{number}-dateline", f"d{number}-fn1", f"d{number}-fn2",
            f"d{number}-fn1-ref", f"d{number}-page-1"} <= set(ids)
    for pb in tree.iterfind(".//tei:pb", NS):
        assert pb.get(XML_ID) == f"d{number}-page-{pb.get('n')}" and pb.get("facs") == f"d{number}-0{pb.get('n')}"


@pytest.mark.parametrize("number", NEW)
def test_importing_again_keeps_every_id_of_the_edition_file(number, tmp_path):
    """The committed file's ids are what a new import (with --force) gives it, never reassigned;
    the committed file has besides only its curation: the editorial notes and their anchors."""
    source = tmp_path / "source"
    shutil.copytree(ROOT / "source", source)
    target, text = import_document(EXCERPT, number, source, force=True)
    new = {e.get(XML_ID) for e in etree.fromstring(text.encode()).iter() if e.get(XML_ID)}
    old = {e.get(XML_ID) for e in load_tei(edition_file(number)).tree.iter() if e.get(XML_ID)}
    assert new <= old
    assert all(i == f"d{number}-annotations" or i.startswith(f"d{number}-ed-") for i in old - new), old - new


def test_a_changed_paragraph_gets_a_new_id_and_the_others_keep_theirs(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ROOT / "source", source)
    excerpt = tmp_path / "excerpt.xml"
    text = EXCERPT.read_text(encoding="utf-8")
    assert text.count("<p>END TEXT.</p>") == 1
    excerpt.write_text(text.replace("<p>END TEXT.</p>", "<p>END OF TEXT.</p>"), encoding="utf-8")
    shutil.copy(EXCERPT.parent / "volume-header.xml", tmp_path / "volume-header.xml")
    _, imported = import_document(excerpt, "174", source, force=True)
    new = [e.get(XML_ID) for e in etree.fromstring(imported.encode()).iter() if e.get(XML_ID)]
    old = [e.get(XML_ID) for e in load_tei(edition_file("174")).tree.iter() if e.get(XML_ID)]
    assert "d174-end-text" in old and "d174-end-text" not in new and "d174-end-of-text" in new
    curation = {i for i in old if i == "d174-annotations" or i.startswith("d174-ed-")}  # the editors' notes
    assert set(old) - {"d174-end-text"} - curation <= set(new)


def importer(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edition.importer", *args], cwd=cwd,
                          capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def source(tmp_path) -> Path:
    folder = tmp_path / "source"
    shutil.copytree(ROOT / "source", folder)
    return folder


def test_an_existing_document_is_not_overwritten_without_force(source):
    before = snapshot(source)
    done = importer(str(EXCERPT), "170", "--source-dir", str(source))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "frus1969-76ve13-d170.xml: error: Document 170 is already in the edition" in done.stderr
    assert "--force" in done.stderr and snapshot(source) == before


def test_force_imports_again_and_writes_the_same_file(source):
    (source / "frus1969-76ve13-d175.xml").unlink()
    done = importer(str(EXCERPT), "175", "--source-dir", str(source))
    assert done.returncode == 0, done.stderr
    first = (source / "frus1969-76ve13-d175.xml").read_bytes()
    again = importer(str(EXCERPT), "175", "--source-dir", str(source), "--force")
    assert again.returncode == 0, again.stderr
    assert (source / "frus1969-76ve13-d175.xml").read_bytes() == first


def test_names_are_pointed_to_the_shared_entries_through_the_volumes_person_ids(source):
    (source / "frus1969-76ve13-d173.xml").unlink()
    assert importer(str(EXCERPT), "173", "--source-dir", str(source)).returncode == 0
    tree = load_tei(source / "frus1969-76ve13-d173.xml").tree
    refs = {(" ".join(n.text.split()), n.get("ref")) for n in tree.iterfind(".//tei:text//tei:persName", NS)}
    assert {("Kissinger", "#person-kissinger"), ("Xuan Thuy", "#person-xuan-thuy"),
            ("David Y. McManis", "#person-mcmanis"), ("Nixon", "#person-nixon")} <= refs
    # a glossed term with an entry becomes its name; one without keeps its text only
    glossed = etree.parse(str(EXCERPT)).xpath("//tei:div[@xml:id='d173']//tei:gloss[@target='#t_DRV1']", namespaces=NS)
    assert [o.get("ref") for o in tree.iterfind(".//tei:text//tei:orgName[@ref]", NS)] == ["#org-drv"] * len(glossed)
    assert "gloss" not in (source / "frus1969-76ve13-d173.xml").read_text(encoding="utf-8")


def test_no_such_document_is_a_located_error_and_writes_nothing(source):
    before = snapshot(source)
    done = importer(str(EXCERPT), "176", "--source-dir", str(source))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "frus1969-76ve13-d170-d175.xml:7:1: error: no Document 176 in this file (it holds Documents 170–175" in done.stderr
    assert snapshot(source) == before


def test_malformed_xml_is_a_located_error_and_writes_nothing(source, tmp_path):
    broken = tmp_path / "broken.xml"
    broken.write_text(EXCERPT.read_text(encoding="utf-8").replace("<p>CITE SW0005</p>", "<p>CITE SW0005</q>"),
                      encoding="utf-8")
    shutil.copy(EXCERPT.parent / "volume-header.xml", tmp_path / "volume-header.xml")
    (source / "frus1969-76ve13-d170.xml").unlink()
    before = snapshot(source)
    done = importer(str(broken), "170", "--source-dir", str(source))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    line = next(i for i, l in enumerate(broken.read_text(encoding="utf-8").splitlines(), 1) if "CITE SW0005" in l)
    assert f"broken.xml:{line}:" in done.stderr and "error: malformed XML" in done.stderr
    assert snapshot(source) == before


def test_an_id_already_used_elsewhere_in_the_edition_is_a_located_error(source):
    (source / "frus1969-76ve13-d172.xml").unlink()
    d171 = source / "frus1969-76ve13-d171.xml"
    d171.write_text(d171.read_text(encoding="utf-8").replace('xml:id="wire-begin"', 'xml:id="d172-memorandum"'),
                    encoding="utf-8")
    before = snapshot(source)
    done = importer(str(EXCERPT), "172", "--source-dir", str(source))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    line = next(i for i, l in enumerate(d171.read_text(encoding="utf-8").splitlines(), 1) if "d172-memorandum" in l)
    assert f'frus1969-76ve13-d171.xml:{line}:' in done.stderr
    assert 'error: the id "d172-memorandum" that Document 172 needs is already used here' in done.stderr
    assert snapshot(source) == before


def test_the_shared_apparatus_is_valid_against_its_schema_and_the_rules():
    """And against TEI P5 itself: tests/test_tei.py checks every source file against it."""
    tree = load_tei(ROOT / "source" / "apparatus.xml").tree
    rng = etree.RelaxNG(etree.parse(str(SCHEMA / "apparatus.rng")))
    assert rng.validate(tree), rng.error_log
    sch = isoschematron.Schematron(etree.parse(str(SCHEMA / "edition.sch")), store_report=True)
    assert sch.validate(tree), etree.tostring(sch.validation_report)
    # the volume's person ids through which the import command links names
    ids = {i.text: i.getparent().get(XML_ID) for i in tree.iterfind(".//tei:idno[@type='frus-person']", NS)}
    assert ids["p_KHA1"] == "person-kissinger" and ids["p_HBMJ1"] == "person-haig"
