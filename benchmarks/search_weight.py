#!/usr/bin/env python3
"""Weigh the search (not a test: tests/test_search.py asserts the limit for one search).

    .venv/bin/python benchmarks/search_weight.py [--queries Thach "20th parallel" ...] [--source FILE]

Builds the site into a temporary folder and reports the size of the search index it writes
(pagefind/: Pagefind's script and WebAssembly module, its metadata, the word index, the filters and
one fragment a passage). Then serves the site on 127.0.0.1 and, in headless Chromium (/usr/bin/chromium,
or CHROME_PATH), opens the search page afresh for each query, types it and waits for its results:
every byte the page and its first search brought in (bodies as served, uncompressed: the test server
compresses nothing) is added up. Target: at most 200 KB for the first search; exits 1 if one misses it.
``--source`` weighs another edition (the central document of a synthetic one of benchmarks/corpus.py,
whose index is in shards, one a range of 50 documents, that the first search all asks for).
"""
from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
import threading
from collections import defaultdict
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from build import SOURCE, build  # noqa: E402
from edition.search import INDEX_DIR, SEARCH_PAGE  # noqa: E402

CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
FIRST_SEARCH_BYTES = 200_000
QUERIES = ("Thach", "missile", "Shih", "20th parallel", "its conviction", "December")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class names it so
        pass


def index_sizes(files: dict[str, bytes]) -> dict[str, tuple[int, int]]:
    """(files, bytes) of each part of the index."""
    parts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for path, data in files.items():
        if path.startswith(INDEX_DIR) and "/" in path:  # pagefind/ and a large edition's shards
            inner = path.split("/", 1)[1]
            part = inner.split("/")[0] + "/" if "/" in inner else ("metadata" if inner.endswith(".pf_meta") else inner)
            parts[part][0] += 1
            parts[part][1] += len(data)
    return {part: (n, size) for part, (n, size) in sorted(parts.items())}


def first_search(browser, url: str, words: str) -> tuple[int, dict[str, int], int]:
    """Bytes the search page and its first search for ``words`` brought in, by kind, and the results."""
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(url)
    page.fill("#search-q", words)
    page.wait_for_selector("#search-status:not(:empty)")
    page.wait_for_load_state("networkidle")
    found = page.locator("#search-results > li").count()
    by_kind: dict[str, int] = defaultdict(int)
    for response in responses:
        if response.ok:
            path = urlsplit(response.url).path
            kind = path.split("/")[2] + "/" if path.count("/") > 2 else path.rsplit("/", 1)[-1]
            kind = "metadata" if kind.endswith(".pf_meta") else kind
            by_kind["fragment/" if kind == "fragment/" else kind] += len(response.body())
    context.close()
    return sum(by_kind.values()), dict(by_kind), found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", nargs="+", default=QUERIES)
    parser.add_argument("--source", type=Path, default=SOURCE, help="the central document of the edition to weigh")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        files = build(args.source, site)
        sizes = index_sizes(files)
        shards = sorted({path.split("/")[0] for path in files if path.startswith(INDEX_DIR) and "/" in path})
        print(f"search index ({', '.join(f'{shard}/' for shard in shards[:3])}{' …' if len(shards) > 3 else ''}"
              f" {len(shards)} shard{'s' if len(shards) != 1 else ''}): {sum(n for n, _ in sizes.values())} files, "
              f"{sum(s for _, s in sizes.values()):,} bytes")
        for part, (n, size) in sizes.items():
            print(f"     {part:28} {n:4} file{'s' if n != 1 else ' '} {size:9,} bytes")
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/{SEARCH_PAGE}"
        missed = 0
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROME, args=["--no-sandbox", "--disable-gpu"])
                for words in args.queries:
                    total, by_kind, found = first_search(browser, url, words)
                    ok = total <= FIRST_SEARCH_BYTES
                    missed += not ok
                    print(f"{'ok ' if ok else 'MISS'} first search for “{words}” ({found} results shown): "
                          f"{total:,} bytes (target <= {FIRST_SEARCH_BYTES:,})")
                    print("     " + ", ".join(f"{kind} {size:,}" for kind, size in sorted(by_kind.items(), key=lambda kv: -kv[1])))
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
