"""The table of TEI element -> HTML, row by row, on tiny inputs."""
from __future__ import annotations

import re
import sys

import pytest
from lxml import etree

from conftest import edition_model
from edition.diagnostics import BuildFailed
from edition.load import TEI_NS
from edition.resolve import resolve
from edition.rules import RULES, Renderer, collapsed


@pytest.fixture(scope="module")
def links():
    return resolve(edition_model())


def tei(fragment: str) -> etree._Element:
    return etree.fromstring(f'<wrap xmlns="{TEI_NS}" xmlns:xml="http://www.w3.org/XML/1998/namespace">{fragment}</wrap>')[0]


CASES = [
    # phrases, in the reading view of text.html
    ('<persName ref="#person-haig">Haig</persName>', "reading",
     '<a href="names.html#person-haig" class="name persName">Haig</a>'),
    ('<persName ref="#person-haig">Haig</persName>', "diplomatic",
     '<span class="name persName">Haig</span>'),
    ('<date when="1972-12-20">December 20</date>', "reading",
     '<time datetime="1972-12-20">December 20</time>'),
    ('<date from="1972-12-04" to="1972-12-13">December 4-13</date>', "reading",
     '<span class="date-range" data-from="1972-12-04" data-to="1972-12-13">December 4-13</span>'),
    ('<ref target="#drv">the message</ref>', "reading", '<a href="#drv" class="xref">the message</a>'),
    ('<choice><sic>it</sic><corr>its</corr></choice>', "diplomatic", '<span class="sic">it</span>'),
    ('<choice><sic>it</sic><corr>its</corr></choice>', "reading",
     '<span class="choice"><ins class="corr">its</ins><span class="sic-label"> [source: <span class="orig">it</span>]</span></span>'),
    # blocks
    ('<p xml:id="drv-1">Some  text\n  here</p>', "reading",
     '<p id="drv-1">Some text here <a class="permalink" href="#drv-1"'),
    ('<closer xml:id="wire-end">End text.</closer>', "reading", '<p id="wire-end" class="closer">End text. <a'),
    ('<seg type="from">FROM: Haig</seg>', "reading", '<p class="line from">FROM: Haig</p>'),
    ('<ptr type="noteAnchor" target="#fn1" xml:id="fn1-ref"/>', "reading",
     '<sup><a id="fn1-ref" href="#fn1" class="noteref" role="doc-noteref" aria-label="Note 1">1</a></sup>'),
    ('<p xml:id="x">a <b>&lt;script&gt;</b></p>', None, None),  # no rule for <b>
]


@pytest.mark.parametrize("fragment,view,expected", [c for c in CASES if c[2]])
def test_each_element_becomes_its_html(links, fragment, view, expected):
    assert Renderer(links, "text.html", view).render(tei(fragment)).startswith(expected)


def test_text_is_escaped(links):
    assert str(Renderer(links, "text.html").render(tei('<p xml:id="x">a &lt;script&gt; &amp; b</p>'))).startswith(
        '<p id="x">a &lt;script&gt; &amp; b')


def test_an_element_without_a_rule_is_a_located_build_error(links):
    with pytest.raises(BuildFailed, match=r"no rendering rule for <b> \(add a row for it to RULES"):
        Renderer(links, "text.html").render(tei('<p xml:id="x">a <b>bold</b></p>'))


def test_a_rule_is_narrowed_by_type_before_the_element_default(links):
    assert "div[type=document]" in RULES and "div" in RULES
    html = str(Renderer(links, "text.html").render(tei('<div type="document" xml:id="d"><p xml:id="p">x</p></div>')))
    assert html.startswith('<article id="d"')


def test_white_space_collapses_as_a_regular_expression_would():
    """``collapsed`` stands in for re.sub(r"\\s+", " ", …): the same result for every kind of
    white space Python knows, alone, inside, at either end or all of a value."""
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace() or re.fullmatch(r"\s", chr(c))]
    assert " " in spaces and "\u00a0" in spaces and "\u3000" in spaces
    values = ["a", "a b", "  a  b  ", "\n\t", "“Quoted”\u2003text", "x\u200by"]
    values += [f"{s}a{s}{s}b{s}" for s in spaces] + spaces
    for value in values:
        assert collapsed(value) == re.sub(r"\s+", " ", value), repr(value)


def test_the_renderings_escaping_is_markupsafes_for_every_character():
    # edition/escaping.py escapes as markupsafe.escape does, faster; the rendering's helpers use it
    from markupsafe import Markup, escape

    from edition.escaping import escaped, markup, safe
    every = "".join(chr(c) for c in range(0x250)) + "“”’…–— \u00a0\u2028\U0001F600"
    assert escaped(every) == str(escape(every))
    for value in (every, "a & b", "<p>", "'\"", "&amp;", ""):
        assert escaped(value) == str(escape(value))
        assert type(markup(value)) is Markup and markup(value) == Markup(value)
        assert safe(value) == str(escape(value)) and safe(Markup(value)) == value
    assert safe(3) == "3"
