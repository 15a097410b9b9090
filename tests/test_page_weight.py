"""Light pages: what a page loads (its HTML, CSS, scripts and anything else) stays
under 100 KB uncompressed, all of it from the page's own origin."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from browsing import site_pages

LIMIT_BYTES = 100_000  # 100 KB, uncompressed


def weigh(open_tab, url: str, expect_errors: bool = False) -> tuple[dict[str, int], list[str]]:
    """Bytes of every response the page's load brought in, its icon included, and what it asked of
    other origins: in the full browser, which asks for the icon as a reader's does."""
    visit = open_tab(expect_errors=expect_errors, full_browser=True)
    visit.page.goto(url)
    visit.settle()
    origin = urlsplit(url).netloc
    sizes = {r.url: len(r.body()) for r in visit.responses if r.ok}
    other = visit.outside + [u for u in sizes if urlsplit(u).netloc != origin]
    return sizes, other


@pytest.mark.parametrize("name", site_pages())
def test_the_page_with_all_it_loads_stays_under_100_kb_from_its_own_origin(name, served, open_tab):
    sizes, other = weigh(open_tab, served + name)
    assert served + name in sizes and any(u.endswith(".css") for u in sizes)
    assert other == []
    assert sum(sizes.values()) <= LIMIT_BYTES, sizes


def test_the_weighing_counts_what_a_page_loads_and_what_it_asks_of_other_origins(tmp_path, serve, open_tab):
    (tmp_path / "heavy.css").write_text("/*" + "x" * LIMIT_BYTES + "*/", encoding="utf-8")
    (tmp_path / "page.html").write_text(
        '<!DOCTYPE html><html lang="en"><title>t</title><link rel="stylesheet" href="heavy.css">'
        '<script src="https://cdn.example.org/lib.js"></script>', encoding="utf-8")
    base = serve(tmp_path)
    sizes, other = weigh(open_tab, base + "page.html", expect_errors=True)  # its script is refused
    assert sum(sizes.values()) > LIMIT_BYTES
    assert other == ["https://cdn.example.org/lib.js"]
