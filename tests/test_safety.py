"""Safe by construction: the parser loads nothing, text is escaped, pages request nothing from another host."""
from __future__ import annotations

import re
import time

import pytest
from lxml import html

from build import build
from conftest import line_col, mutate
from edition.diagnostics import BuildFailed
from edition.load import load_tei

PROLOGUE = '<?xml version="1.0" encoding="UTF-8"?>\n'
#: connect-src 'self' lets a tool running in the page (Lighthouse's robots.txt check, a crawler's
#: script) fetch from the site's own origin, and the search page read its index; form-action 'self'
#: lets the search field of every page's header open the search page; all else stays shut.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; script-src 'self'; "
       "connect-src 'self'; base-uri 'none'; form-action 'self'")
#: The search page alone may compile WebAssembly (Pagefind's search runs as a module of it).
SEARCH_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'")
#: Attributes by which an HTML element makes the browser fetch something.
FETCHING = {"link": "href", "script": "src", "img": "src", "iframe": "src", "source": "src",
            "audio": "src", "video": "src", "object": "data", "embed": "src", "input": "src"}


def pages(site):
    return sorted(site.rglob("*.html"))


def test_an_entity_expansion_bomb_is_refused_at_once(tmp_path):
    laughs = "".join(f'<!ENTITY l{i} "{"&l%d;" % (i - 1) * 10}">' for i in range(1, 10))
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(f'{PROLOGUE}<!DOCTYPE TEI [<!ENTITY l0 "lol">{laughs}]>\n<TEI>&l9;</TEI>\n', encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(BuildFailed) as failed:
        load_tei(bomb)
    assert time.perf_counter() - started < 0.5
    assert str(failed.value.diagnostics[0]).endswith(
        ":2:1: error: <!DOCTYPE> declarations are not allowed in the edition's TEI"
        " (remove it: the edition never loads DTDs or entities; type characters as UTF-8)")


def test_an_external_entity_is_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET", encoding="utf-8")
    source = mutate(tmp_path, PROLOGUE, f'{PROLOGUE}<!DOCTYPE TEI [<!ENTITY x SYSTEM "file://{secret}">]>\n')
    with pytest.raises(BuildFailed) as failed:
        build(source, None)
    assert "SECRET" not in str(failed.value)


def test_an_undeclared_entity_is_a_located_error_and_nothing_is_fetched(tmp_path):
    source = mutate(tmp_path, "Vice Minister Thach</persName>", "Vice Minister &thach;</persName>")
    with pytest.raises(BuildFailed) as failed:
        build(source, None)
    (diagnostic,) = failed.value.diagnostics
    line = line_col(source, "&thach;")[0]
    assert (diagnostic.line, "malformed XML: Entity 'thach' not defined" in diagnostic.message) == (line, True)


def test_markup_typed_as_text_in_the_tei_is_shown_as_text(tmp_path):
    # (in words no note quotes: a quotation that no longer matches would stop the build)
    source = mutate(tmp_path, '<p xml:id="wire-begin">Begin text:</p>',
                    '<p xml:id="wire-begin">Begin &lt;script&gt;alert(1)&lt;/script&gt; &amp; text:</p>')
    files = build(source, None)
    for name in ("text.html", "diplomatic.html"):
        page = files[name].decode("utf-8")
        assert "<script>alert" not in page  # the page's own scripts are only static/*.js and JSON data
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; text:" in page


def test_every_page_carries_a_policy_that_allows_no_other_origin(site):
    for path in pages(site):
        doc = html.fromstring(path.read_bytes())
        policies = doc.xpath("//head/meta[@http-equiv='Content-Security-Policy']/@content")
        assert policies == [SEARCH_CSP if path.name == "search.html" else CSP], path.name


def test_the_policy_names_no_host_and_no_scheme():
    for directive in CSP.split(";"):
        sources = directive.split()[1:]
        assert set(sources) <= {"'self'", "'none'"}, directive


def test_the_search_page_adds_only_webassembly_to_the_policy():
    added = {d.strip() for d in SEARCH_CSP.split(";")} - {d.strip() for d in CSP.split(";")}
    assert added == {"script-src 'self' 'wasm-unsafe-eval'"}


def test_no_page_requests_anything_from_another_host(site):
    for path in pages(site):
        doc = html.fromstring(path.read_bytes())
        for tag, attribute in FETCHING.items():
            for value in doc.xpath(f"//{tag}/@{attribute}"):
                assert not re.match(r"^(?:[a-z][a-z0-9+.-]*:|//)", value, re.I), f"{path.name}: <{tag} {attribute}={value!r}>"
        for css in doc.xpath("//style/text() | //@style"):
            assert "url(" not in css and "@import" not in css, path.name
    for css in site.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(?:[a-z]+:|//)|@import", css.read_text(encoding="utf-8"), re.I), css.name
