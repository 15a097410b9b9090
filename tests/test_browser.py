"""The served site in Chromium, as a reader uses it: notes both ways, permalinks,
navigation, name links and their pop-ups by mouse and keyboard, no errors, nothing from elsewhere,
the edition's own icon, and every page with all it loads within 100 KB."""
from __future__ import annotations

from posixpath import basename
from urllib.parse import urljoin, urlsplit

import pytest

from browsing import (DEFAULT_VIEWPORT, LIMIT_BYTES, NAVIGATION, clickable_and_left_to_the_browser, first_links,
                      in_viewport, pages_having, site_pages, weight)

NOTEREF = "//a[@role='doc-noteref']"
#: Every page that shows the document or part of it; the full views show all of it, under the
#: article that carries the document's id; the diplomatic view shows the source's passages alone.
VIEWS = pages_having("//article[contains(concat(' ', @class, ' '), ' document ')]")
FULL_VIEWS = pages_having("//article[@id='document']")
SOURCE_ALONE, = pages_having("//article[@id='document'][contains(concat(' ', @class, ' '), ' diplomatic ')]")
READING, = pages_having("//article[@id='document'][contains(concat(' ', @class, ' '), ' reading ')]")
ALL_PERMALINKS = "a.permalink"


def _land(page, url: str, twice: tuple[str, str]) -> str:
    """Open ``url`` afresh and return the id its fragment lands on: when the tab shows its page
    already, at the site's other address (``served_twice``), so that it is loaded, not jumped to."""
    here, there = urlsplit(page.url), urlsplit(url)
    if (here.netloc, here.path) == (there.netloc, there.path):
        first, second = twice
        url = second + url.removeprefix(first) if url.startswith(first) else first + url.removeprefix(second)
    page.evaluate("window.leftBehind = true")  # gone with the document: the new one is a load of its own
    page.goto(url)
    assert page.evaluate("window.leftBehind") is None, f"{url} was jumped to within the page, not loaded"
    return urlsplit(page.url).fragment


def _is_target_in_view(page, anchor: str) -> bool:
    return page.evaluate("id => document.getElementById(id)?.matches(':target') ?? false", anchor) \
        and in_viewport(page, anchor)


def test_the_checks_cover_every_page_of_the_built_site(site):
    built = sorted(str(p.relative_to(site)) for p in site.rglob("*.html"))
    assert built and "index.html" in built
    assert site_pages() == built


def test_the_pages_with_the_document_have_note_references():
    assert VIEWS and pages_having(NOTEREF)


@pytest.mark.parametrize("name", pages_having(NOTEREF))
def test_a_note_reference_leads_to_its_note_and_the_note_back_to_it(name, served, open_tab):
    """Each reference in turn, as a reader goes from note to note: clicked where the back-link of the
    note before left the page (each click is a move within the page, which stays loaded)."""
    page = open_tab().page
    page.goto(served + name)
    references = page.eval_on_selector_all("a[role=doc-noteref]", "links => links.map(a => [a.id, a.getAttribute('href')])")
    assert references
    for ref_id, href in references:
        page.click(f"#{ref_id}")
        page.wait_for_url(urljoin(served + name, href))
        note = urlsplit(page.url).fragment
        assert _is_target_in_view(page, note), f"{ref_id} -> #{note} is not shown"
        back = page.locator(f"[id='{note}'] [role=doc-backlink]")
        assert back.count() == 1, f"note {note} has {back.count()} back-links"
        back.click()
        page.wait_for_url(lambda url: urlsplit(url).fragment == ref_id)
        assert _is_target_in_view(page, ref_id), f"the back-link of {note} does not show {ref_id}"


@pytest.mark.parametrize("name", site_pages())
def test_every_permalink_on_a_page_opens_the_page_at_its_passage(name, served, served_twice, open_tab):
    page = open_tab(viewport={"width": 375, "height": 667}).page
    page.goto(served + name)
    # each passage's ¶ and Cite links name its anchor alike: the page opened at it once
    anchors = list(dict.fromkeys(page.eval_on_selector_all(ALL_PERMALINKS, "links => links.map(a => a.hash.slice(1))")))
    for anchor in anchors:
        assert _land(page, f"{served}{name}#{anchor}", served_twice) == anchor
        assert _is_target_in_view(page, anchor), f"{name}#{anchor} does not show its passage"


def _passage_anchors(page, url: str) -> set[str]:
    page.goto(url)
    return set(page.eval_on_selector_all(f"article.document {ALL_PERMALINKS}, [role=doc-endnotes] {ALL_PERMALINKS}",
                                         "links => links.map(a => a.hash.slice(1))"))


@pytest.mark.parametrize("name", FULL_VIEWS)
def test_every_passage_of_the_source_lands_on_it_in_every_full_view(name, served, served_twice, open_tab):
    page = open_tab().page
    anchors = _passage_anchors(page, served + SOURCE_ALONE)  # the diplomatic view: the source's passages only
    assert anchors
    for anchor in sorted(anchors):
        _land(page, f"{served}{name}#{anchor}", served_twice)
        assert _is_target_in_view(page, anchor), f"{name}#{anchor} does not land on its passage"


@pytest.mark.parametrize("name", VIEWS)
def test_every_passage_of_a_view_lands_on_it_in_the_reading_text_too(name, served, served_twice, open_tab):
    page = open_tab().page
    anchors = _passage_anchors(page, served + name)
    assert anchors
    # Document 171's views share text.html; each further document has its own (d170.html …)
    reading = name.split("-")[0].removesuffix(".html") + ".html" if name.startswith("d17") else READING
    if reading != name:
        # The reading text's own case opens it at every one of its passages: another view's passages
        # are among them, or they would not all land there (each was opened twice before, once a case).
        assert reading in VIEWS
        missing = anchors - _passage_anchors(page, served + reading)
        assert not missing, f"passages of {name} that {reading} does not have: {sorted(missing)}"
        return
    for anchor in sorted(anchors):
        _land(page, f"{served}{reading}#{anchor}", served_twice)
        assert _is_target_in_view(page, anchor), f"{reading}#{anchor} does not land on its passage"


@pytest.mark.parametrize("name", site_pages())
def test_every_link_of_the_navigation_takes_a_click_and_leads_to_a_page_of_the_site(name, served, open_tab):
    """Every link of every page's navigation, checked where it stands without leaving the page; a click
    on each, followed to its page, is the next test's, once a page (scripts cannot take it: this test)."""
    page = open_tab().page
    page.goto(served + name)
    links = clickable_and_left_to_the_browser(page, "nav a")
    assert links
    assert [link["href"] for link in links if link["taken"]] == [], "a script takes the click"
    for link in links:
        assert link["url"] == urljoin(served + name, link["href"])
        assert page.request.get(link["url"]).status == 200, link["href"]


@pytest.mark.parametrize("target", sorted(first_links(NAVIGATION)))
def test_a_click_in_the_navigation_opens_its_page_and_the_page_marks_itself_current(target, served, open_tab):
    """Clicked from the first page that links to it (the same link on every other page is checked
    by the test before, which would see a script that took the click on that page alone)."""
    name, href = first_links(NAVIGATION)[target]
    page = open_tab().page
    page.goto(served + name)
    with page.expect_navigation() as navigation:
        page.click(f"nav a[href='{href}']")
    assert navigation.value.status == 200 and page.url == served + target
    if target.endswith(".html"):
        current = page.eval_on_selector_all("nav a[aria-current=page]", "links => links.map(a => a.getAttribute('href'))")
        assert current == [basename(target)], f"{target} marks {current} as current"


def test_the_link_probe_sees_a_click_or_a_key_that_a_script_cancels_or_stops(tmp_path, serve, open_tab):
    (tmp_path / "page.html").write_text(
        '<!DOCTYPE html><html lang="en"><title>t</title><link rel="icon" href="data:,">'
        '<nav><a id="plain" href="a.html">a</a> <a id="cancelled" href="b.html">b</a> <a id="stopped" href="c.html">c</a>'
        ' <a id="keyed" href="d.html">d</a></nav>'
        '<script>document.getElementById("cancelled").addEventListener("click", e => e.preventDefault());'
        'document.getElementById("stopped").addEventListener("click", e => e.stopPropagation());'
        'document.addEventListener("keydown", e => { if (e.target.id === "keyed" && e.key === "Enter") e.preventDefault(); });'
        '</script>', encoding="utf-8")
    page = open_tab().page
    page.goto(serve(tmp_path) + "page.html")
    links = clickable_and_left_to_the_browser(page, "nav a")
    assert [(link["href"], link["taken"]) for link in links] == [
        ("a.html", False), ("b.html", True), ("c.html", True), ("d.html", True)]
    page.wait_for_timeout(500)  # a link followed would have left the page by now
    assert page.url.endswith("/page.html")  # the probe followed no link


@pytest.mark.parametrize("name", site_pages())
def test_every_link_is_reached_by_tab_in_order_and_shows_its_focus(name, served, open_tab):
    page = open_tab(viewport={"width": 375, "height": 667}).page
    page.goto(served + name)
    count = page.evaluate("""() => { const all = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])')]
                                         .filter(e => e.checkVisibility({visibilityProperty: true}));
                                     all.forEach((e, i) => e.dataset.tabIndexCheck = i); return all.length; }""")
    # Where each Tab left the focus is seen when the next Tab is pressed (the page has moved to show
    # the focused link by then), and after the last: one call to the browser a Tab, not two.
    page.evaluate("""() => {
        window.focusSeen = () => { const e = document.activeElement;
            if (!e || e === document.body) return null;
            const s = getComputedStyle(e), r = e.getBoundingClientRect();
            return {i: Number(e.dataset.tabIndexCheck), label: e.textContent.trim().slice(0, 40),
                    outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
                    inView: r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth}; };
        window.focusLog = [];
        window.addEventListener('keydown', e => { if (e.key === 'Tab') focusLog.push(focusSeen()); }, true); }""")
    for _ in range(count + 2):
        page.keyboard.press("Tab")
    states = page.evaluate("() => [...focusLog.slice(1), focusSeen()]")  # after Tab 1, 2, … count + 2
    assert len(states) == count + 2
    reached = []
    for focused in states:
        if focused is None or (reached and focused["i"] == reached[0]["i"]):
            break
        assert focused["outline"], f"{name}: no visible focus on {focused['label']!r}"
        assert focused["inView"], f"{name}: {focused['label']!r} is focused out of sight"
        reached.append(focused)
    assert [f["i"] for f in reached] == list(range(count)), f"{name}: Tab does not reach every link in order"


NAME_LINKS = "//a[contains(concat(' ', @class, ' '), ' name ')]"


def test_some_page_links_names_to_their_entries():
    assert pages_having(NAME_LINKS)


@pytest.mark.parametrize("name", pages_having(NAME_LINKS))
def test_every_name_link_takes_a_click_and_the_enter_key(name, served, open_tab):
    """Every name link of the page checked where it stands, without leaving the page; each entry
    opened by mouse and by keyboard is the next test's."""
    page = open_tab().page
    page.goto(served + name)
    links = clickable_and_left_to_the_browser(page, "a.name")
    assert links and [link["href"] for link in links if link["taken"]] == [], "a script takes the click or the key"
    assert {urljoin(name, link["href"]) for link in links} <= set(first_links(NAME_LINKS))


@pytest.mark.parametrize("how", ["mouse", "keyboard"])
@pytest.mark.parametrize("entry", sorted(first_links(NAME_LINKS)))
def test_a_name_link_opens_the_entry_of_its_name_by_mouse_and_by_keyboard(entry, how, served, open_tab):
    """From the first page that names it, by its first link there."""
    name, href = first_links(NAME_LINKS)[entry]
    page = open_tab().page
    page.goto(served + name)
    link = page.locator(f"a.name[href='{href}']").first
    if how == "mouse":
        link.click()
    else:
        link.focus()
        page.keyboard.press("Enter")
    page.wait_for_url(served + entry)
    fragment = urlsplit(page.url).fragment
    assert _is_target_in_view(page, fragment), f"{how}: {entry} from {name} does not show its entry"


@pytest.mark.parametrize("name", pages_having(NAME_LINKS))
def test_a_name_shows_its_identification_on_hover_and_on_focus_and_escape_dismisses_it(name, served, open_tab):
    page = open_tab().page
    page.goto(served + name)
    link = page.locator("a.name").first
    tip = page.locator("[role=tooltip]")
    entry = link.get_attribute("href").split("#")[1]
    expected = page.evaluate("id => JSON.parse(document.getElementById('name-data').textContent)[id].name", entry)
    link.hover()
    assert tip.is_visible() and tip.inner_text().startswith(expected)
    assert link.get_attribute("aria-describedby") == tip.get_attribute("id")
    tip.hover()  # the pop-up can be hovered without vanishing (WCAG 1.4.13)
    page.wait_for_timeout(500)
    assert tip.is_visible()
    page.mouse.move(0, 0)
    tip.wait_for(state="hidden")
    link.focus()
    assert tip.is_visible()
    page.keyboard.press("Escape")
    assert not tip.is_visible() and link.get_attribute("aria-describedby") is None
    href = link.get_attribute("href")
    page.keyboard.press("Enter")  # the link itself still works
    page.wait_for_url(urljoin(served + name, href))


@pytest.mark.parametrize("fresh", [False, True], ids=["from the cache", "afresh"])
def test_a_request_to_another_host_is_caught_and_never_sent(tmp_path, serve, open_tab, fresh):
    elsewhere = ["https://example.org/s.css", "http://192.0.2.1/s.css"]  # a name, and an address
    (tmp_path / "page.html").write_text('<!DOCTYPE html><html lang="en"><title>t</title>' + "".join(
        f'<link rel="stylesheet" href="{url}">' for url in elsewhere), encoding="utf-8")
    visit = open_tab(expect_errors=True, fresh=fresh)
    visit.page.goto(serve(tmp_path) + "page.html")
    visit.settle()
    assert sorted(visit.outside) == sorted(elsewhere)
    assert sorted(visit.failed) == sorted(elsewhere) and not [r for r in visit.responses if r.url in elsewhere]


def test_a_tab_made_new_again_shows_nothing_of_the_test_before(served, contexts, open_tab):
    """The tabs are handed from test to test (``_Contexts.done_with``): one left narrow, dark, in
    print, on another page and hovering a name comes back as a new tab would be."""
    before = open_tab()
    page = before.page
    page.goto(served + "text.html")
    state = """() => [matchMedia('print').matches, matchMedia('(prefers-color-scheme: dark)').matches,
                      innerWidth, document.querySelectorAll('body:hover, body :hover').length]"""
    page.locator("a.name").first.hover()
    assert page.evaluate(state)[3] > 0
    page.set_viewport_size({"width": 375, "height": 667})
    page.emulate_media(media="print", color_scheme="dark")
    assert page.evaluate(state)[:3] == [True, True, 375]
    contexts.done_with(before)
    after = open_tab()
    assert after.page is page and page.url == "about:blank"
    page.emulate_media(media="screen")  # the tip shows on screens only
    page.goto(served + "text.html")
    page.wait_for_timeout(300)  # a pointer still over the page would have hovered by now (a new tab: none)
    assert page.evaluate(state) == [False, False, DEFAULT_VIEWPORT["width"], 0]
    assert not page.locator("[role=tooltip]").is_visible()


# --- the icon, the policy, the guard -----------------------------------------------------

ICON = "static/favicon.svg"


def _open_and_catch_the_icon(open_tab, url: str):
    """The page loaded in the full browser, which asks for its icon as a reader's browser does."""
    visit = open_tab(full_browser=True)
    with visit.page.expect_response(lambda r: r.url.endswith(ICON)) as icon:
        response = visit.page.goto(url)
    visit.settle()
    return visit, response, icon.value


@pytest.mark.parametrize("name", site_pages())
def test_a_page_loads_with_the_editions_own_icon_no_error_nothing_from_elsewhere_and_under_100_kb(name, served, open_tab):
    """All that a reader's browser loads with the page, from one load of it in the full browser."""
    visit, response, icon = _open_and_catch_the_icon(open_tab, served + name)
    assert response.status == 200
    # no console error, failed request or error response (open_tab fails the test on any), nothing from elsewhere
    assert visit.errors == []
    assert visit.outside == []
    assert all(urlsplit(r.url).hostname == "127.0.0.1" for r in visit.responses)
    # the edition's own icon, declared and loaded, and no other
    assert visit.page.eval_on_selector_all("link[rel~=icon]", "ls => ls.map(l => l.getAttribute('href'))") == [ICON]
    assert (icon.status, icon.headers["content-type"]) == (200, "image/svg+xml")
    assert icon.url == urljoin(served + name, ICON)
    assert not any(urlsplit(r.url).path == "/favicon.ico" for r in visit.responses)
    # the page with all it loads, its icon included, within 100 KB, all from its own origin
    sizes, other = weight(visit, served + name)
    assert served + name in sizes and any(u.endswith(".css") for u in sizes) and icon.url in sizes
    assert other == []
    assert sum(sizes.values()) <= LIMIT_BYTES, sizes


def test_under_a_sub_folder_the_pages_find_their_own_icon(site, tmp_path, serve, open_tab):
    (tmp_path / "edition").symlink_to(site, target_is_directory=True)
    base = serve(tmp_path) + "edition/"
    for name in ("index.html", "text.html"):
        visit, _, icon = _open_and_catch_the_icon(open_tab, base + name)
        assert icon.url == base + ICON and icon.status == 200


def test_a_missing_icon_is_caught_as_an_error(tmp_path, serve, open_tab):
    (tmp_path / "page.html").write_text('<!DOCTYPE html><html lang="en"><title>t</title>'
                                        '<link rel="icon" href="static/none.svg"><p>x', encoding="utf-8")
    visit = open_tab(expect_errors=True, full_browser=True)
    visit.page.goto(serve(tmp_path) + "page.html")
    visit.settle()
    assert any("404" in e and "none.svg" in e for e in visit.errors), visit.errors


def test_the_policy_lets_a_page_fetch_from_its_own_origin_and_nowhere_else(served, open_tab):
    visit = open_tab(expect_errors=True)  # the refused request is logged as an error
    visit.page.goto(served + "text.html")
    result = visit.page.evaluate("""async () => {
        const own = await fetch('index.html').then(r => r.status, e => String(e));
        const violations = [];
        document.addEventListener('securitypolicyviolation', e => violations.push(e.effectiveDirective));
        const other = await fetch('https://example.org/').then(r => r.status, e => e.name);
        await new Promise(r => setTimeout(r, 100));
        return {own, other, violations}; }""")
    assert result == {"own": 200, "other": "TypeError", "violations": ["connect-src"]}
    assert visit.outside == []  # refused by the policy before the request was made


# --- text size and the chronology on a phone ---------------------------------------------

PHONE = {"width": 375, "height": 667}
SMALLEST_PX = 12

#: Every rendered element holding text, with its size as drawn: the font size times the
#: scale of the SVG drawing it is in (a drawing scaled to fit the screen shrinks its text).
_TEXT_SIZES = """() => {
    const out = [];
    for (const e of document.body.querySelectorAll('*')) {
        const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
        if (!own || !e.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
        const r = e.getBoundingClientRect();
        if (r.width <= 1 && r.height <= 1) continue;  // visually hidden, for screen readers
        let size = parseFloat(getComputedStyle(e).fontSize);
        if (e instanceof SVGElement) size *= e.getScreenCTM().a;
        out.push({text: e.textContent.trim().slice(0, 30), tag: e.tagName, size: Math.round(size * 10) / 10});
    }
    return out; }"""


@pytest.mark.parametrize("name", site_pages())
def test_on_a_phone_no_text_is_smaller_than_12_px(name, served, open_tab):
    page = open_tab(viewport=PHONE).page
    page.goto(served + name)
    sizes = page.evaluate(_TEXT_SIZES)
    assert sizes
    assert [s for s in sizes if s["size"] < SMALLEST_PX] == []


def test_the_size_check_sees_small_text_and_text_shrunk_in_a_drawing(tmp_path, serve, open_tab):
    (tmp_path / "page.html").write_text(
        '<!DOCTYPE html><html lang="en"><title>t</title><link rel="icon" href="data:,">'
        '<p>big <small style="font-size:11px">small</small></p>'
        '<svg viewBox="0 0 720 100" style="width:300px"><text x="10" y="50" font-size="14">shrunk</text></svg>',
        encoding="utf-8")
    page = open_tab(viewport=PHONE).page
    page.goto(serve(tmp_path) + "page.html")
    small = {s["text"]: s["size"] for s in page.evaluate(_TEXT_SIZES) if s["size"] < SMALLEST_PX}
    assert small == {"small": 11, "shrunk": 5.8}


def _boxes(page, selector: str) -> list[dict]:
    return page.eval_on_selector_all(selector, """es => es.map(e => { const r = e.getBoundingClientRect();
        return {text: e.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom}; })""")


def _overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    return [(a["text"], b["text"]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]]


def test_on_a_phone_the_timeline_is_a_readable_drawing_whose_labels_never_collide(served, open_tab):
    page = open_tab(viewport=PHONE).page
    page.goto(served + "chronology.html")
    drawing = page.locator("svg.timeline").bounding_box()
    assert drawing["height"] >= 0.75 * drawing["width"], "a thin strip"
    assert drawing["x"] >= 0 and drawing["x"] + drawing["width"] <= PHONE["width"]
    labels = _boxes(page, "svg.timeline text")
    assert len(labels) > 10 and _overlapping(labels) == []
    assert all(drawing["x"] <= b["left"] and b["right"] <= drawing["x"] + drawing["width"] for b in labels)


def test_the_collision_check_sees_labels_that_overlap():
    assert _overlapping([{"text": "1", "left": 0, "right": 10, "top": 0, "bottom": 10},
                         {"text": "2", "left": 8, "right": 18, "top": 5, "bottom": 15},
                         {"text": "3", "left": 20, "right": 30, "top": 0, "bottom": 10}]) == [("1", "2")]
