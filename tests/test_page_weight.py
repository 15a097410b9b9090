"""The weighing of a page (``browsing.weight``), which the check of every page uses
(tests/test_browser.py: a page with all it loads stays under 100 KB, all of it from its own
origin), shown to count what a page loads and what it asks of other origins."""
from __future__ import annotations

from browsing import LIMIT_BYTES, weight


def test_the_weighing_counts_what_a_page_loads_and_what_it_asks_of_other_origins(tmp_path, serve, open_tab):
    (tmp_path / "heavy.css").write_text("/*" + "x" * LIMIT_BYTES + "*/", encoding="utf-8")
    (tmp_path / "page.html").write_text(
        '<!DOCTYPE html><html lang="en"><title>t</title><link rel="stylesheet" href="heavy.css">'
        '<script src="https://cdn.example.org/lib.js"></script>', encoding="utf-8")
    url = serve(tmp_path) + "page.html"
    visit = open_tab(expect_errors=True, full_browser=True)  # its script is refused
    visit.page.goto(url)
    visit.settle()
    sizes, other = weight(visit, url)
    assert sum(sizes.values()) > LIMIT_BYTES
    assert other == ["https://cdn.example.org/lib.js"]
