"""The Cite links in a real browser: with JavaScript they copy, without it they open cite.html.

Uses the session's Chromium from ``browsing`` (``tests/setup.sh`` installs it): skipped
on a machine without it, except in CI, where that is a failure.
"""
from __future__ import annotations

import functools
import http.server
import threading

import pytest

from browsing import QuietServer
from conftest import BASE_URL, page, visible_text


@pytest.fixture(scope="module")
def served(published_site):
    """The published site over HTTP on a free local port (the clipboard wants a secure origin)."""
    handler = functools.partial(_QuietHandler, directory=str(published_site))
    server = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_with_javascript_a_cite_link_copies_the_passage_citation_and_says_so(browser, served, published_site):
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served)
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(f"{served}/text.html")
    tab.click("#drv-3 a.cite-link")
    tab.wait_for_function("document.querySelector('.cite-status').textContent !== ''")
    expected = visible_text(page(published_site, "cite.html").get_element_by_id("drv-3").xpath(".//dd")[0])
    assert tab.evaluate("navigator.clipboard.readText()") == expected
    assert expected.endswith(f"paragraph drv-3, {BASE_URL}text.html#drv-3.")
    assert tab.inner_text("[role=status]") == "Citation of drv-3 copied (Chicago note). See all styles."
    assert tab.url == f"{served}/text.html" and errors == []
    context.close()


def test_when_the_clipboard_refuses_a_cite_link_opens_the_citations(browser, served):
    context = browser.new_context()  # no clipboard permission: writing is refused
    tab = context.new_page()
    tab.goto(f"{served}/notes.html")
    tab.evaluate("() => { navigator.clipboard.writeText = () => Promise.reject(new Error('denied')); }")
    tab.click("#fn1 a.cite-link")
    tab.wait_for_url(f"{served}/cite.html#fn1")
    context.close()


def test_without_javascript_a_cite_link_opens_the_citations_of_its_passage(browser, served):
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(f"{served}/diplomatic.html")
    tab.click("#china-1 a.cite-link")
    tab.wait_for_url(f"{served}/cite.html#china-1")
    assert "paragraph china-1" in tab.inner_text("#china-1")
    context.close()
