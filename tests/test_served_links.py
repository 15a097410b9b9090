"""A link check over the served site: crawled from its home page over HTTP, every
internal link and #anchor answers; external links go only to known hosts and are
never fetched."""
from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from lxml import html

from test_links import ALLOWED_HOSTS

#: Where a page leads: its links and what it loads, and the address of a form that a reader sends
#: without a script (the search field of every page's header: a GET form that opens the search page).
LINKS = ("//a/@href | //link/@href | //script/@src | //img/@src | //source/@src | //iframe/@src"
         " | //form[not(@method) or @method='get']/@action")


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as error:
        return error.code, "", b""


def crawl(start: str) -> tuple[dict[str, tuple[int, str, bytes]], list[tuple[str, str]], set[str]]:
    """Every local URL reachable from ``start``, the (page, link) pairs found, and the external links."""
    origin = urlsplit(start).netloc
    fetched: dict[str, tuple[int, str, bytes]] = {}
    found: list[tuple[str, str]] = []
    external: set[str] = set()
    queue = [start]
    while queue:
        url = queue.pop(0)
        if url in fetched:
            continue
        fetched[url] = status, kind, body = fetch(url)
        if status != 200 or kind != "text/html":
            continue
        for value in html.fromstring(body).xpath(LINKS):
            target = urljoin(url, value)
            if urlsplit(target).netloc != origin:
                external.add(target)
                continue
            found.append((url, target))
            queue.append(urldefrag(target).url)
    return fetched, found, external


def broken_links(fetched, found) -> list[str]:
    return sorted({f"{page} -> {link} ({fetched[urldefrag(link).url][0]})"
                   for page, link in found if fetched[urldefrag(link).url][0] != 200})


def missing_anchors(fetched, found) -> list[str]:
    ids = {url: set(html.fromstring(body).xpath("//@id")) for url, (status, kind, body) in fetched.items()
           if status == 200 and kind == "text/html"}
    return sorted({f"{page} -> {link}" for page, link in found
                   if urldefrag(link).fragment and urldefrag(link).fragment not in ids.get(urldefrag(link).url, set())})


@pytest.fixture(scope="module")
def crawled(served):
    return crawl(served + "index.html")


def test_every_internal_link_of_the_served_site_answers(crawled):
    fetched, found, _ = crawled
    assert found
    assert broken_links(fetched, found) == []


def test_every_anchor_a_link_names_is_on_its_page(crawled):
    fetched, found, _ = crawled
    assert any(urldefrag(link).fragment for _, link in found)
    assert missing_anchors(fetched, found) == []


def test_the_crawl_from_the_home_page_reaches_every_page_of_the_site(crawled, served, site):
    fetched, _, _ = crawled
    pages = {served + str(p.relative_to(site)) for p in site.rglob("*.html")}
    assert pages - set(fetched) == set()


def test_external_links_go_only_to_known_stable_hosts_over_https(crawled):
    _, _, external = crawled
    assert external
    assert sorted(url for url in external
                  if urlsplit(url).scheme != "https" or urlsplit(url).hostname not in ALLOWED_HOSTS) == []


def test_the_link_check_reports_a_missing_page_and_a_missing_anchor(tmp_path, serve):
    (tmp_path / "index.html").write_text(
        '<p id="here"><a href="gone.html">x</a> <a href="index.html#nowhere">y</a> <a href="#here">z</a>',
        encoding="utf-8")
    base = serve(tmp_path)
    fetched, found, _ = crawl(base + "index.html")
    assert broken_links(fetched, found) == [f"{base}index.html -> {base}gone.html (404)"]
    assert missing_anchors(fetched, found) == [f"{base}index.html -> {base}index.html#nowhere"]
