"""Every page at phone, tablet and desktop widths, in light and dark colours and in
print: what can be asserted of them, and (with ``--screenshots``) screenshots and PDFs for a
person to look at."""
from __future__ import annotations

import shutil

import pytest

from browsing import ARTIFACTS, artifacts, pages_having, site_pages

WIDTHS = (375, 768, 1280)
MODES = ("light", "dark", "print")
SCREENSHOTS = "screenshots"

# What only a screen needs: navigation and the machinery of pop-ups and copy buttons.
SCREEN_ONLY = "nav, .skip-link, .permalink, button, dialog, [popover], [role=tooltip]"
# What a printed page must show: the text, its notes and citations.
PRINTED = "main, [role=doc-footnote], [role=doc-noteref], cite, .citation"

SMALLEST_TEXT_PX = 14    # no paragraph set smaller than this
LONGEST_LINE_EM = 45     # about 90 characters: beyond this lines are hard to follow


@pytest.fixture(scope="module", autouse=True)
def fresh_screenshots(screenshots):
    """Old screenshots go when new ones are taken, so that what is there is one run's, of one site's pages."""
    if screenshots:
        shutil.rmtree(ARTIFACTS / SCREENSHOTS, ignore_errors=True)
        shutil.rmtree(ARTIFACTS / "print", ignore_errors=True)


def open_in(open_tab, served: str, name: str, width: int, mode: str):
    page = open_tab(viewport={"width": width, "height": 800},
                    color_scheme="dark" if mode == "dark" else "light").page
    if mode == "print":
        page.emulate_media(media="print")
    page.goto(served + name)
    return page


def file_name(name: str) -> str:
    return name.removesuffix(".html").replace("/", "_")


PHONE_WIDTH, PRINT_WIDTH = 375, 768


@pytest.mark.parametrize("name", site_pages())
def test_at_every_width_the_page_is_readable_on_a_phone_never_scrolls_sideways_and_it_prints(
        name, served, open_tab, screenshots):
    """The page loaded once, then shown in each mode (light and dark colours, print) and at each width
    in turn: the layout follows the width, the medium and the colour setting through the stylesheet
    alone (no script of the pages reads them), as a page loaded that way shows it. Its text readable
    at every width, nothing wider than a phone on a phone, and in print the text and notes without
    the screen's machinery. With --screenshots, a screenshot at each width and a PDF of the printed page."""
    page = open_in(open_tab, served, name, WIDTHS[0], MODES[0])
    backgrounds = {}
    for mode in MODES:
        page.emulate_media(media="print" if mode == "print" else "screen",
                           color_scheme="dark" if mode == "dark" else "light")
        backgrounds[mode] = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
        check_widths(page, name, mode, screenshots)
    assert backgrounds["light"] != backgrounds["dark"], "the page did not change its colours"


def check_widths(page, name: str, mode: str, screenshots: bool) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        if screenshots:
            shot = artifacts(SCREENSHOTS) / f"{file_name(name)}-{width}-{mode}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 0
        readable(page, width, mode)
        if width == PHONE_WIDTH and mode != "print":
            never_scrolls_sideways(page, width)
        if width == PRINT_WIDTH and mode == "print":
            printed(page)
            if screenshots:
                page.pdf(path=str(artifacts("print") / f"{file_name(name)}.pdf"), format="A4")


def readable(page, width: int, mode: str) -> None:
    sizes = page.eval_on_selector_all("main p", """ps => ps.filter(p => p.checkVisibility()).map(p => {
        const s = getComputedStyle(p);
        return [p.textContent.trim().slice(0, 30), parseFloat(s.fontSize), p.clientWidth / parseFloat(s.fontSize)]; })""")
    assert sizes, width
    assert [text for text, px, _ in sizes if px < SMALLEST_TEXT_PX] == [], f"text set too small at {width} px"
    if mode != "print":  # a printed line is as long as the paper is wide, not the window
        assert [text for text, _, em in sizes if em > LONGEST_LINE_EM] == [], f"lines too long at {width} px"


def never_scrolls_sideways(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    wider = page.evaluate("""() => [...document.body.querySelectorAll('*')]
        .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5 && e.checkVisibility())
        .filter(e => !e.closest('.visually-hidden, .skip-link'))
        .map(e => e.tagName + (e.id ? '#' + e.id : '') + ' ' + e.textContent.trim().slice(0, 30))""")
    assert wider == [], f"wider than {width} px"


def printed(page) -> None:
    """Printing hides the screen's machinery and shows the text and notes."""
    shown = page.eval_on_selector_all(SCREEN_ONLY, "all => all.filter(e => e.checkVisibility()).map(e => e.outerHTML.slice(0, 80))")
    assert shown == []
    on_paper = page.eval_on_selector_all(PRINTED, "all => all.map(e => [e.outerHTML.slice(0, 60), e.checkVisibility()])")
    assert on_paper and [html for html, visible in on_paper if not visible] == []


def test_printing_the_reading_text_shows_every_note_in_full(served, open_tab, site):
    from lxml import html

    from conftest import visible_text

    page = open_in(open_tab, served, "text.html", PRINT_WIDTH, "print")
    notes = html.fromstring((site / "text.html").read_bytes()).xpath("//*[@role='doc-footnote']")
    assert notes
    for note in notes:
        printed = " ".join(page.inner_text(f"[id='{note.get('id')}']").split())
        assert printed == visible_text(note)


@pytest.mark.parametrize("name", pages_having("//article[contains(concat(' ', @class, ' '), ' document ')]//h1"))
def test_on_a_375_px_phone_without_javascript_the_first_screen_shows_the_documents_heading(name, served, open_tab):
    """The edition's and the document's navigation stay short enough that the heading begins on the first screen."""
    page = open_tab(viewport={"width": 375, "height": 667}, java_script_enabled=False).page
    page.goto(served + name)
    top = page.eval_on_selector("article.document h1", "h => h.getBoundingClientRect().top")
    assert top < 667 - 60, f"{name}: the heading begins {top:.0f} px down"
