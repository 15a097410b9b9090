"""Every link of the built site lands somewhere."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import html

ALLOWED_HOSTS = {"history.state.gov"}


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def _ids(path: Path) -> set[str]:
    return set(html.fromstring(path.read_bytes()).xpath("//@id"))


def test_every_internal_link_and_anchor_resolves(site):
    ids = {path: _ids(path) for path in _pages(site)}
    broken = []
    for path in _pages(site):
        doc = html.fromstring(path.read_bytes())
        for element, attribute in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
            for value in doc.xpath(f"//{element}/@{attribute}"):
                parts = urlsplit(value)
                if parts.scheme or parts.netloc:
                    continue
                target = (path.parent / unquote(parts.path)).resolve() if parts.path else path.resolve()
                if not target.is_file():
                    broken.append(f"{path.name}: {value} (no such file)")
                elif parts.fragment and parts.fragment not in ids.get(target, _ids(target) if target.suffix == ".html" else set()):
                    broken.append(f"{path.name}: {value} (no such anchor)")
    assert broken == []


def test_ids_are_unique_on_every_page(site):
    for path in _pages(site):
        all_ids = html.fromstring(path.read_bytes()).xpath("//@id")
        assert len(all_ids) == len(set(all_ids)), path.name


def test_external_links_go_only_to_known_stable_hosts(site):
    hosts = set()
    for path in _pages(site):
        for value in html.fromstring(path.read_bytes()).xpath("//a/@href | //link/@href | //*/@src"):
            parts = urlsplit(value)
            if parts.scheme or parts.netloc:
                assert parts.scheme == "https", value
                hosts.add(parts.netloc)
    assert hosts and hosts <= ALLOWED_HOSTS


def test_pages_load_nothing_from_another_host(site):
    for path in _pages(site):
        doc = html.fromstring(path.read_bytes())
        for value in doc.xpath("//link/@href | //script/@src | //img/@src | //iframe/@src"):
            assert not urlsplit(value).netloc, f"{path.name} loads {value}"


def test_every_page_reaches_every_view_through_the_navigation(site):
    """The edition's navigation on every page; each document's own on each of its pages."""
    edition_views = {"index.html", "documents.html", "about.html", "notes.html", "names.html", "chronology.html"}
    for path in _pages(site):
        doc = html.fromstring(path.read_bytes())
        assert set(doc.xpath("//nav[@aria-label='Edition']//a/@href")) >= edition_views, path.name
    contents = html.fromstring((site / "documents.html").read_bytes())
    for key, reading, diplomatic, cite in [("d171", "text.html", "diplomatic.html", "cite.html")] + [
            (f"d{n}", f"d{n}.html", f"d{n}-diplomatic.html", f"d{n}-cite.html") for n in (170, 172, 173, 174, 175)]:
        assert {reading, diplomatic} <= set(contents.xpath(f"//li[@id='{key}']//a/@href"))
        for name in (reading, diplomatic, cite):
            own = html.fromstring((site / name).read_bytes()).xpath(f"//nav[@aria-label='Document {key[1:]}']//a/@href")
            assert {reading, diplomatic, cite, f"tei/frus1969-76ve13-{key}.xml"} <= set(own), name


def test_a_reader_walks_the_channel_from_document_170_to_175_and_back_without_leaving_the_edition(site):
    order = ["d170.html", "text.html", "d172.html", "d173.html", "d174.html", "d175.html"]
    walked, here = ["d170.html"], "d170.html"
    while True:
        following = html.fromstring((site / here).read_bytes()).xpath("//nav//a[@rel='next']/@href")
        if not following:
            break
        here = following[0]
        walked.append(here)
    assert walked == order
    back = [order[-1]]
    while True:
        previous = html.fromstring((site / back[-1]).read_bytes()).xpath("//nav//a[@rel='prev']/@href")
        if not previous:
            break
        back.append(previous[0])
    assert back == order[::-1]
