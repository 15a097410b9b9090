"""No page needs JavaScript, a server or the network: with scripts off every page
shows all it has; scripts only add (pop-ups, copy buttons); and every page works
opened straight from the file system."""
from __future__ import annotations

import re

import pytest
from lxml import html

from browsing import NAVIGATION, clickable_and_left_to_the_browser, first_links, site_files, site_pages

# What must be visible on every page that has it, with no script.
ESSENTIALS = {
    "navigation": "nav a",
    "notes": "[role=doc-footnote]",
    "note references": "[role=doc-noteref]",
    "names": ".name",
    "citations": "cite, .citation",
    "permalinks": "a.permalink",
}
# What a script may add to a page, and nothing else: its controls and pop-ups, and what it reveals
# for its own work (the search page's form and results, or why it cannot search), kept hidden in the
# HTML so that a reader without scripts never meets them.
ADDED_BY_SCRIPT = "button, dialog, [popover], [role=tooltip], .script-only"
# The same, with what a page never shows as text, as XPath for the HTML itself.
NOT_PAGE_TEXT = ("//button | //dialog | //*[@popover] | //*[@role='tooltip']"
                 " | //script | //style | //template | //*[@hidden]")


def letters(text: str) -> str:
    """Text without white space, which HTML rendering may add or fold."""
    return re.sub(r"\s+", "", text)


def source_text(name: str, also_drop: str = "") -> str:
    """All the text of a page's HTML, as a reader without scripts should see it."""
    doc = html.fromstring(site_files()[name])
    for element in doc.body.xpath(NOT_PAGE_TEXT + also_drop):
        element.drop_tree()
    return letters(doc.body.text_content())


def shown_text(page, also_hide: str = "") -> str:
    """The page's rendered text, less what a script may have added."""
    return letters(page.evaluate("""sel => { document.querySelectorAll(sel).forEach(e => e.style.display = 'none');
                                             return document.body.innerText; }""", ADDED_BY_SCRIPT + also_hide))


@pytest.mark.parametrize("name", site_pages())
def test_without_javascript_the_page_shows_all_its_text_and_its_navigation_notes_names_and_citations(
        name, served, open_tab):
    page = open_tab(java_script_enabled=False).page
    page.goto(served + name)
    assert shown_text(page) == source_text(name)
    hidden = {what: page.eval_on_selector_all(selector, "all => all.filter(e => !e.checkVisibility()).length")
              for what, selector in ESSENTIALS.items()}
    assert page.locator("nav a").count() > 0
    assert {what: count for what, count in hidden.items() if count} == {}


@pytest.mark.parametrize("name", site_pages())
def test_javascript_only_adds_to_the_page(name, served, open_tab):
    """With scripts, the page shows the text of its HTML (less what the scripts add), which is what
    it shows without them (the test before). A <noscript> message is for readers without scripts only."""
    with_script = open_tab().page
    with_script.goto(served + name)
    assert shown_text(with_script, ", noscript") == source_text(name, also_drop=" | //noscript")


def test_the_text_check_notices_text_that_only_a_script_reveals(tmp_path, serve, open_tab):
    (tmp_path / "page.html").write_text('<!DOCTYPE html><html lang="en"><title>t</title><body><p>shown</p>'
                                        '<p style="display:none" class="js-only">a note</p>', encoding="utf-8")
    page = open_tab(expect_errors=True, java_script_enabled=False).page  # a bare page: no icon
    page.goto(serve(tmp_path) + "page.html")
    assert shown_text(page) == "shown"


@pytest.mark.parametrize("name", site_pages())
def test_the_page_opened_from_the_file_system_is_styled_and_its_links_work(name, site, open_tab):
    """Its navigation's links checked where they stand, without leaving the page; a click on each,
    followed to its page, is the next test's, once a page."""
    visit = open_tab()
    page = visit.page
    page.goto((site / name).resolve().as_uri())
    assert page.evaluate("getComputedStyle(document.body).maxWidth") != "none", "the stylesheet did not load"
    assert shown_text(page, ", noscript") == source_text(name, also_drop=" | //noscript")
    links = clickable_and_left_to_the_browser(page, "nav a[href$='.html']")
    assert links and [link["href"] for link in links if link["taken"]] == [], "a script takes the click"
    for link in links:
        target = (site / name).resolve().parent.joinpath(link["href"])
        assert link["url"] == target.as_uri() and target.is_file(), link["href"]
    assert visit.errors == [] and visit.outside == []


@pytest.mark.parametrize("target", sorted(t for t in first_links(NAVIGATION) if t.endswith(".html")))
def test_a_click_in_the_navigation_opens_its_page_from_the_file_system(target, site, open_tab):
    """Clicked from the first page that links to it; the same link on every other page is checked by
    the test before."""
    name, href = first_links(NAVIGATION)[target]
    visit = open_tab()
    page = visit.page
    page.goto((site / name).resolve().as_uri())
    with page.expect_navigation():
        page.click(f"nav a[href='{href}']")
    assert page.url == (site / target).resolve().as_uri()
    assert page.title()
    assert visit.errors == [] and visit.outside == []
