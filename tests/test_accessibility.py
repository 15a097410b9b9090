"""Every page is accessible: axe-core finds no WCAG 2.2 A/AA violation in light or
dark colours, and the structure a screen reader relies on is there."""
from __future__ import annotations

import pytest
from lxml import html

from browsing import site_files, site_pages

# axe-core's tags for the success criteria of WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def axe(page, axe_source: str | None) -> dict:
    """axe's results for the page: every violation with all its elements; the passes and the rest
    with one element each (``resultTypes``: axe then spends half the time, reporting the same violations).
    ``axe_source`` None: axe is in the page already."""
    if axe_source is not None:
        page.add_script_tag(content=axe_source)
    return page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
                         WCAG_22_AA)


def described(violations: list[dict]) -> list[str]:
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}" for v in violations]


@pytest.mark.parametrize("name", site_pages())
def test_axe_finds_no_wcag_22_aa_violation_in_light_or_dark_colours(name, served, open_tab, axe_source):
    """The page loaded once, in light colours, then switched to dark: its colours follow the
    reader's setting through CSS alone (no script reads it), as they would have loaded in dark."""
    # axe is injected as a script: the pages' own policy would refuse it, so this tab bypasses it.
    page = open_tab(color_scheme="light", bypass_csp=True).page
    page.goto(served + name)
    found, backgrounds = {}, set()
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        backgrounds.add(page.evaluate("getComputedStyle(document.documentElement).backgroundColor"))
        result = axe(page, axe_source if scheme == "light" else None)
        assert result["passes"], f"axe ran no rule in {scheme} colours"
        found[scheme] = described(result["violations"])
    assert len(backgrounds) == 2, "the page did not change its colours"
    assert found == {"light": [], "dark": []}


def test_axe_as_run_here_finds_a_real_violation(tmp_path, serve, open_tab, axe_source):
    (tmp_path / "bad.html").write_text(
        '<!DOCTYPE html><html lang="en"><title>t</title><main><p style="color:#bbb;background:#fff">faint</p>'
        '<img src="x.png"></main>', encoding="utf-8")
    page = open_tab(expect_errors=True).page  # a page made to fail: its missing image is an error
    page.goto(serve(tmp_path) + "bad.html")
    assert {v["id"] for v in axe(page, axe_source)["violations"]} >= {"color-contrast", "image-alt"}


# --- the structure, read from the HTML --------------------------------------------------

def doc(name: str) -> html.HtmlElement:
    return html.fromstring(site_files()[name])


@pytest.mark.parametrize("name", site_pages())
def test_a_page_declares_its_language_and_has_one_banner_navigation_main_and_footer(name):
    page = doc(name)
    assert page.get("lang") == "en"
    body = page.body
    assert len(body.xpath("./header")) == 1 and len(body.xpath("./footer")) == 1
    assert len(page.xpath("//main")) == 1
    navs = page.xpath("//nav")
    assert navs and all(nav.get("aria-label") for nav in navs)


@pytest.mark.parametrize("name", site_pages())
def test_a_page_opens_with_a_skip_link_to_its_main_content(name):
    page = doc(name)
    first = page.xpath("//body//a[@href] | //body//button")[0]
    assert first.get("class") == "skip-link"
    assert page.xpath(f"//main[@id='{first.get('href').lstrip('#')}']")


@pytest.mark.parametrize("name", site_pages())
def test_a_page_has_one_h1_and_its_headings_never_skip_a_level(name):
    levels = [int(h.tag[1]) for h in doc(name).xpath("//h1 | //h2 | //h3 | //h4 | //h5 | //h6")]
    assert levels[0] == 1 and levels.count(1) == 1
    skips = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
    assert skips == []


@pytest.mark.parametrize("name", site_pages())
def test_notes_and_their_links_carry_dpub_aria_roles(name):
    page = doc(name)
    assert page.xpath("//*[@role='doc-endnote']") == [], "doc-endnote is deprecated: use doc-footnote"
    for ref in page.xpath("//a[contains(concat(' ', @class, ' '), ' noteref ')]"):
        assert ref.get("role") == "doc-noteref"
    for notes in page.xpath("//*[@role='doc-endnotes']"):
        notes_in_it = notes.xpath(".//*[contains(concat(' ', @class, ' '), ' note ')]")
        assert notes_in_it and all(n.get("role") == "doc-footnote" for n in notes_in_it)
        assert all(n.xpath(".//a[@role='doc-backlink']") for n in notes_in_it)


def test_the_reading_text_has_notes_to_check():
    assert doc("text.html").xpath("//*[@role='doc-endnotes']//*[@role='doc-footnote']")


@pytest.mark.parametrize("name", site_pages())
def test_the_skip_link_is_the_first_tab_stop_shows_itself_and_moves_past_the_header(name, served, open_tab):
    page = open_tab(viewport={"width": 375, "height": 667}).page
    page.goto(served + name)
    page.keyboard.press("Tab")
    skip = page.evaluate("""() => { const e = document.activeElement, r = e.getBoundingClientRect();
                                    return {cls: e.className, left: r.left, right: r.right}; }""")
    assert skip["cls"] == "skip-link" and skip["left"] >= 0 and skip["right"] <= 375, "the skip link stays out of sight"
    page.keyboard.press("Enter")
    page.wait_for_url(served + name + "#main")
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main, main ~ *')"), "Tab after the skip link goes back into the header"
