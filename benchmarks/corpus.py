#!/usr/bin/env python3
"""How the build grows with the edition: synthetic editions of 10, 100 and 1,000 documents.

    .venv/bin/python benchmarks/corpus.py [--sizes 10 100 1000] [--keep DIR]

Each synthetic edition is the real one (the six documents and their apparatus) with copies
of Documents 170 and 172–175 added until it holds the number asked for. A copy is a valid
document of its own: its own number (from 1000 up), ids (``d1003-…``), pages and TEI; copies
made together point at each other where the originals do (a copy of 172 that cites Document
173 cites the copy of 173 made with it), and at Document 171 and the shared names as the
originals do. Nothing of a copy is published: it measures the engine, not the history.

For each size the edition is built cold in a fresh process (``build.py``, validation
included, the build's cache emptied first) and the table gives its pages, the megabytes written, the wall and CPU seconds
and the peak memory of the build's largest process. Then, on the largest edition, the
preview: over five saves of one document, the time from saving it to the preview serving the
changed page (the median is ``preview_edit_s``), and to its serving the whole site with the
search index; and the time of a plain ``build.py`` after one more change, with the cache the
builds before left (the median of five, each after a change of its own, is ``rebuild_one_s``; its
processor time, ``rebuild_one_cpu_s``). Then the largest edition is built cold again, beside a full
cache: its folder filled to its limit with older entries of other builds, as a folder in use for
long is (``cold_full_cache``: what looking over the entries, to keep within the limit, costs a build).
Last, the search indexes of the largest edition are made
again from the same records, apart, for the processor time Pagefind's program alone needs
(``search_index``): a share of any cold build that this edition's code cannot shorten.
The figures go to ``benchmarks/results/corpus.json`` (not in git) for other tools:
``{"rows": [{"documents", "pages", "bytes", "wall_s", "cpu_s", "peak_mib"}, …],
"preview_edit_s", "preview": {"page_s", "page_slowest_s", "whole_s", "whole_slowest_s"},
"rebuild_one_s", "rebuild_one_runs_s", "rebuild_one_cpu_s", "cold_full_cache": {"wall_s", "cpu_s"},
"largest_page": {"path", "bytes"},
"search_index": {"indexes", "passages", "cpu_s"},
"host_reference_s": [before, after]}``
(the machine's speed before and after the measurements: ``host.py``).

Targets on a 2-core machine (reported, not asserted): 1,000 documents in ≤ 10 s wall and
≤ 1 GiB; time for 1,000 ≤ 11 × time for 100; one document changed in 1,000 served by the
preview in ≤ 1 s, and rebuilt by a plain build in ≤ 2 s; every page ≤ 100 KB.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from lxml import html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from host import described, reference_seconds  # noqa: E402 - beside this file
from edition.parallel import available  # noqa: E402

ORIGINALS = (170, 172, 173, 174, 175)  # Document 171 is the centre: it is not copied
FIRST_COPY = 1000
PAGE_BYTES = 100_000
EDITS = 5  # saves of one document in the preview, one after another
REBUILDS = 5  # plain builds after a change each
FILLER = 30_000  # bytes of each older entry of a full cache
TARGETS = {"wall_s": 10.0, "peak_mib": 1024, "growth": 11.0, "preview_edit_s": 1.0, "rebuild_one_s": 2.0}

# A build in a child process of its own, so that its CPU time and peak memory are its own.
MEASURED = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(done.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
sys.stderr.write(done.stderr)
"""


def synthetic_edition(folder: Path, documents: int) -> Path:
    """The real sources in ``folder/source`` with copies added up to ``documents``; the central file."""
    source = folder / "source"
    shutil.copytree(ROOT / "source", source)
    texts = {n: (ROOT / "source" / f"frus1969-76ve13-d{n}.xml").read_text(encoding="utf-8") for n in ORIGINALS}
    wanted = documents - 1 - len(ORIGINALS)
    made = 0
    while made < wanted:
        group = FIRST_COPY + made  # each round copies the five, numbered together
        numbers = {n: group + i for i, n in enumerate(ORIGINALS)}
        for original in ORIGINALS[:wanted - made]:
            (source / f"frus1969-76ve13-d{numbers[original]}.xml").write_text(
                _renumbered(texts[original], numbers), encoding="utf-8")
            made += 1
    return source / "frus1969-76ve13-d171.xml"


def _renumbered(text: str, numbers: dict[int, int]) -> str:
    """A document's TEI with every original's number, id prefix and address replaced by its copy's."""
    for old, new in numbers.items():
        text = re.sub(rf"\bd{old}\b", f"d{new}", text)  # ids (d170-…), pointers (#d170-…), addresses (/d170)
        text = re.sub(rf'(<(?:idno type="frus-document"|biblScope unit="document")>){old}<', rf"\g<1>{new}<", text)
        text = text.replace(f'<div type="document" n="{old}"', f'<div type="document" n="{new}"')
    return text


def measured_build(central: Path, site: Path, cold: bool = True) -> dict:
    """Build in a fresh process: wall and CPU seconds, peak MiB, pages and bytes written. Cold: with
    the build's cache (.build-cache/) emptied first; else with what the builds before left in it."""
    if cold:
        from build import CACHE
        shutil.rmtree(CACHE, ignore_errors=True)
    out = subprocess.run([sys.executable, "-c", MEASURED, sys.executable, str(ROOT / "build.py"),
                          "--source", str(central), "--out", str(site)], capture_output=True, text=True, check=True)
    code, wall, cpu, peak = out.stdout.split()
    if code != "0":
        raise SystemExit(f"the build of {central.parent} failed:\n{out.stderr}")
    files = [p for p in site.resolve().rglob("*") if p.is_file()]
    return {"pages": sum(p.suffix == ".html" for p in files), "bytes": sum(p.stat().st_size for p in files),
            "wall_s": round(float(wall), 3), "cpu_s": round(float(cpu), 3), "peak_mib": round(float(peak), 1)}


def full_cache_build(central: Path, site: Path) -> dict:
    """A cold build beside a full cache: the build's cache filled to its limit with entries of other
    builds (``FILLER`` bytes each, used a day ago), then the build, whose entries push it over; into
    a new ``site``, as the cold builds of the table."""
    from build import CACHE
    from edition.cache import LIMIT
    shutil.rmtree(CACHE, ignore_errors=True)
    data, day_ago = os.urandom(FILLER), time.time() - 86400
    for n in range(LIMIT // FILLER):
        name = hashlib.sha256(b"older entry %d" % n).hexdigest()
        path = CACHE / name[:2] / name
        path.parent.mkdir(exist_ok=True, parents=True)
        path.write_bytes(data)
        os.utime(path, (day_ago, day_ago))
    measured = measured_build(central, site, cold=False)
    shutil.rmtree(CACHE, ignore_errors=True)  # the older entries are no build's
    return {"wall_s": measured["wall_s"], "cpu_s": measured["cpu_s"]}


def largest_page(site: Path) -> dict:
    """The heaviest page as a browser loads it (tests/test_browser.py weighs the same in Chromium): its HTML and
    the files of the site its ``link`` and ``script`` elements ask for, each counted once."""
    site = site.resolve()
    weights = {}
    for path in site.rglob("*.html"):
        asked = html.fromstring(path.read_bytes()).xpath("//link[@rel='stylesheet' or @rel='icon']/@href | //script/@src")
        loaded = {(path.parent / urlsplit(ref).path).resolve() for ref in asked if not urlsplit(ref).scheme}
        weights[str(path.relative_to(site))] = path.stat().st_size + sum(f.stat().st_size for f in loaded)
    heaviest = max(weights, key=weights.get)
    return {"path": heaviest, "bytes": weights[heaviest]}


def preview_edit(central: Path, site: Path, edits: int = EDITS) -> dict:
    """Seconds from saving one copy to the preview serving its changed reading page, and to its
    serving the whole site (the search index with it), over ``edits`` saves one after another:
    the median and the slowest."""
    from build import TEMPLATES, run
    from edition.kept import Kept
    from edition.serve import Preview

    whole_at: list[float] = []
    finished: list[float] = []

    def rebuild(ready):
        def handed(files, whole):
            ready(files, whole)
            if whole:
                whole_at.append(time.perf_counter())
        done = f"{len(run(central, site, TEMPLATES, workers=1, kept=kept, ready=handed)[1])} files"
        finished.append(time.perf_counter())  # written to site/ too
        return done

    # as build.py --serve rebuilds: in one process, keeping what it parsed and made, with the cache of the builds before
    kept = Kept()
    preview = Preview(rebuild, site, [central.parent], port=0, out=io.StringIO())
    preview.start()
    pages, wholes = [], []
    try:
        edited = central.parent / f"frus1969-76ve13-d{FIRST_COPY + 1}.xml"  # the first copy of Document 172
        text = edited.read_text(encoding="utf-8")
        assert "Kissinger</persName>" in text, edited
        page = preview.url + edited.stem.rsplit("-", 1)[1] + ".html"
        for n in range(edits):
            marker = f"Kissinger (edit {n} for the benchmark)"
            before = len(whole_at)  # builds so far: the first, and one a save
            assert len(finished) == before
            edited.write_text(text.replace("Kissinger</persName>", marker + "</persName>", 1), encoding="utf-8")
            saved = time.perf_counter()
            while marker not in _fetch(page):
                if time.perf_counter() - saved > 300:
                    raise SystemExit("the edit was not served after 300 s")
                time.sleep(0.02)
            pages.append(time.perf_counter() - saved)
            while len(whole_at) == before:  # the search index follows: the next edit waits for it
                if time.perf_counter() - saved > 300:
                    raise SystemExit("the edit's search index was not served after 300 s")
                time.sleep(0.02)
            wholes.append(whole_at[-1] - saved)
            while len(finished) == before:  # and each save finds the preview idle, its last build written
                if time.perf_counter() - saved > 300:
                    raise SystemExit("the edit's build did not end after 300 s")
                time.sleep(0.02)
    finally:
        preview.stop()
    return {"page_s": round(statistics.median(pages), 3), "page_slowest_s": round(max(pages), 3),
            "whole_s": round(statistics.median(wholes), 3), "whole_slowest_s": round(max(wholes), 3)}


def search_indexing(central: Path) -> dict:
    """Pagefind's part of a cold build: the edition's search indexes made again here, one after
    another from the same records as the build's (``edition.search``), and the processor time of
    Pagefind's processes alone. Whatever the rest of the build costs, it needs this much of the cores."""
    from build import load_edition
    from edition import search
    from edition.model import build_model
    from edition.resolve import resolve

    links = resolve(build_model(*load_edition(central)), "https://example.org/")
    binary, passages = search._binary(), 0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for shard in search.shards(links):
        found = search.shard_records(links, shard)
        passages += len(found)
        search._index(shard.folder, found, binary)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"indexes": len(search.shards(links)), "passages": passages,
            "cpu_s": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 3)}


def _fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--keep", type=Path, help="make the editions in this folder and keep them")
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    if sizes[0] < 6:
        parser.error("an edition has at least the six real documents")
    tmp = tempfile.TemporaryDirectory()
    base = args.keep or Path(tmp.name)
    host_before = reference_seconds()
    rows = []
    print(f"{'documents':>9} {'pages':>6} {'MB':>7} {'wall s':>7} {'CPU s':>7} {'peak MiB':>8} {'s/doc':>6}")
    for size in sizes:
        folder = base / f"edition-{size}"
        shutil.rmtree(folder, ignore_errors=True)
        central = synthetic_edition(folder, size)
        row = {"documents": size, **measured_build(central, folder / "site")}
        rows.append(row)
        print(f"{size:>9} {row['pages']:>6} {row['bytes'] / 1e6:>7.1f} {row['wall_s']:>7.2f} {row['cpu_s']:>7.2f} "
              f"{row['peak_mib']:>8.0f} {row['wall_s'] / size:>6.3f}", flush=True)
    folder = base / f"edition-{sizes[-1]}"
    central, site = folder / "source" / "frus1969-76ve13-d171.xml", folder / "site"
    largest = largest_page(site)
    previewed = preview_edit(central, site)
    edit = previewed["page_s"]
    # Plain builds, each after one more change, with the cache the builds before left: the median,
    # since a single run varies by a quarter with the machine's speed of the moment.
    edited = central.parent / f"frus1969-76ve13-d{FIRST_COPY + 1}.xml"
    rebuilds, rebuild_cpus = [], []
    for n in range(REBUILDS):
        edited.write_text(re.sub(r"\((edit \d+ for the benchmark|edited once more \d+)\)", f"(edited once more {n})",
                                 edited.read_text(encoding="utf-8")), encoding="utf-8")
        measured = measured_build(central, site, cold=False)
        rebuilds.append(measured["wall_s"])
        rebuild_cpus.append(measured["cpu_s"])
    rebuild = statistics.median(rebuilds)
    full = full_cache_build(central, folder / "site-beside-a-full-cache")
    indexing = search_indexing(central)
    host = [host_before, reference_seconds()]
    results = {"rows": rows, "preview_edit_s": edit, "preview": previewed, "rebuild_one_s": rebuild,
               "rebuild_one_runs_s": rebuilds, "rebuild_one_cpu_s": statistics.median(rebuild_cpus),
               "cold_full_cache": full, "largest_page": largest, "search_index": indexing, "host_reference_s": host}
    (ROOT / "benchmarks" / "results").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "results" / "corpus.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    tmp.cleanup()

    big = rows[-1]
    small = next((r for r in rows if r["documents"] * 10 == big["documents"]), None)
    checks = [(f"{big['documents']} documents cold: {big['wall_s']:.2f} s wall", big["wall_s"] <= TARGETS["wall_s"],
               f"<= {TARGETS['wall_s']} s"),
              (f"peak memory {big['peak_mib']:.0f} MiB", big["peak_mib"] <= TARGETS["peak_mib"],
               f"<= {TARGETS['peak_mib']} MiB")]
    if small:
        growth = big["wall_s"] / small["wall_s"]
        checks.append((f"growth {small['documents']} -> {big['documents']}: x{growth:.1f}", growth <= TARGETS["growth"],
                       f"<= x{TARGETS['growth']}"))
    checks += [(f"one document changed, its page served by the preview after {edit:.2f} s (median of "
                f"{EDITS}; slowest {previewed['page_slowest_s']:.2f} s; the whole site with its "
                f"search index {previewed['whole_s']:.2f} s)", edit <= TARGETS["preview_edit_s"],
                f"<= {TARGETS['preview_edit_s']} s"),
               (f"plain build after one change: {rebuild:.2f} s (median of {REBUILDS}; slowest {max(rebuilds):.2f} s; "
                f"processor time {statistics.median(rebuild_cpus):.2f} s)",
                rebuild <= TARGETS["rebuild_one_s"],
                f"<= {TARGETS['rebuild_one_s']} s"),
               (f"largest page {largest['path']}: {largest['bytes']:,} bytes with CSS and JS",
                largest["bytes"] <= PAGE_BYTES, f"<= {PAGE_BYTES:,}")]
    for text, ok, target in checks:
        print(f"{'ok ' if ok else 'MISS'} {text} (target {target})")
    print(f"{big['documents']} documents cold beside a full cache (its limit filled with older entries): "
          f"{full['wall_s']:.2f} s wall, {full['cpu_s']:.2f} s CPU (against {big['wall_s']:.2f} s and "
          f"{big['cpu_s']:.2f} s with the cache emptied)")
    cores = available()
    print(f"the search index of {big['documents']} documents alone ({indexing['passages']:,} passages in "
          f"{indexing['indexes']} indexes): {indexing['cpu_s']:.2f} s of Pagefind's processor time, so at least "
          f"{indexing['cpu_s'] / cores:.2f} s of any cold build's wall time on {cores} core{'s' if cores != 1 else ''}")
    print(described(*host))
    print("written: benchmarks/results/corpus.json")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
