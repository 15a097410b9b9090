#!/usr/bin/env python3
"""Measure the build against its targets (not a test: timings are not asserted in pytest).

    .venv/bin/python benchmarks/build_and_weight.py [--runs N]

Measures the build of the whole edition (the six documents and the shared apparatus):
the cold build in a fresh process, whole (``python build.py``, interpreter and imports
included) and in-process (the first ``build()`` of a process, which also compiles the
schemas and templates; the median over ``--runs`` fresh processes, with nothing
cached (the build's cache, which holds the search index too, emptied) and with what an earlier build left), and the warm median of the following builds. Targets: cold
in-process at most 0.3 s; every build under 1 s, so that the live preview shows an edit
within a second; every page's HTML with the CSS, scripts and icon it loads under 100 KB. Prints each measurement
beside its target and exits 1 if one is missed. It also prints the processor time of the cold builds (the
build's threads and the processes it starts): the work done, which varies less with the machine's speed of
the moment than the wall time does, and the machine's speed before and after (``host.py``).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from build import SOURCE, build  # noqa: E402
from host import described, reference_seconds  # noqa: E402 - beside this file

BUILD_SECONDS = 1.0
COLD_IN_PROCESS_SECONDS = 0.3
PAGE_BYTES = 100_000

COLD = """
import resource, sys, time
sys.path.insert(0, {root!r})
from build import SOURCE, build
def cpu(who):
    used = resource.getrusage(who)
    return used.ru_utime + used.ru_stime
before = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
started = time.perf_counter()
build(SOURCE, None)
print(time.perf_counter() - started, cpu(resource.RUSAGE_SELF) - before[0], cpu(resource.RUSAGE_CHILDREN) - before[1])
"""


def cold_builds(cached: bool = False) -> tuple[float, float, float, float]:
    """(whole process, in-process) seconds of a build in a fresh interpreter, and the processor
    seconds of the in-process build: this process's threads, and its children's (the validation
    and Pagefind); with the build's cache emptied first, unless ``cached``."""
    import shutil
    import subprocess

    from build import CACHE

    def forget() -> None:  # the build's cache, the search index's among its entries
        shutil.rmtree(CACHE, ignore_errors=True)

    if not cached:
        forget()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(Path(tmp) / "site")],
                       check=True, capture_output=True)
        whole = time.perf_counter() - started
    if not cached:
        forget()
    inside, own, children = map(float, subprocess.run([sys.executable, "-c", COLD.format(root=str(ROOT))], check=True,
                                                      capture_output=True, text=True).stdout.split())
    return whole, inside, own, children


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    host_before = reference_seconds()
    with tempfile.TemporaryDirectory() as tmp:
        times = []
        for run in range(args.runs):
            started = time.perf_counter()
            files = build(SOURCE, Path(tmp) / "site")
            times.append(time.perf_counter() - started)
    missed = 0
    # Each cold build is a fresh process; the median of several, since one run on a shared
    # machine can be off by a third.
    colds = [cold_builds() for _ in range(args.runs)]
    whole = statistics.median(c[0] for c in colds)
    inside = statistics.median(c[1] for c in colds)
    spread = f"min {min(c[1] for c in colds):.3f}, max {max(c[1] for c in colds):.3f}"
    ok = inside <= COLD_IN_PROCESS_SECONDS
    missed += not ok
    print(f"{'ok ' if ok else 'MISS'} cold build in-process: median {inside:.3f} s over {args.runs} fresh processes "
          f"({spread}; target <= {COLD_IN_PROCESS_SECONDS} s)")
    # The work, which the machine's speed of the moment does not change as much as the wall time:
    # with two cores, a build cannot take less than half of it.
    print(f"     its processor time: median {statistics.median(c[2] + c[3] for c in colds):.3f} s, of which "
          f"{statistics.median(c[3] for c in colds):.3f} s in the processes it starts (validation, Pagefind)")
    print(f"     cold build, whole process (python build.py, imports and writing included): median {whole:.3f} s")
    cached = [cold_builds(cached=True) for _ in range(args.runs)]
    print(f"     cold build with what an earlier build left in the caches: in-process median "
          f"{statistics.median(c[1] for c in cached):.3f} s, whole process {statistics.median(c[0] for c in cached):.3f} s")
    median = statistics.median(times)
    ok = median < BUILD_SECONDS
    missed += not ok
    print(f"{'ok ' if ok else 'MISS'} build: median {median:.3f} s over {args.runs} runs "
          f"(first {times[0]:.3f} s, which compiles the schemas; target < {BUILD_SECONDS} s)")
    for path, data in sorted(files.items()):
        if path.endswith(".html"):
            weight = len(data) + sum(len(files[asset]) for asset in loads(data))
            ok = weight < PAGE_BYTES
            missed += not ok
            print(f"{'ok ' if ok else 'MISS'} {path}: {weight:,} bytes with CSS and JS (target < {PAGE_BYTES:,})")
    print(described(host_before, reference_seconds()))
    return 1 if missed else 0


def loads(page: bytes) -> set[str]:
    """The site's files a page loads with itself: its stylesheet, scripts and icon (the search page's
    index comes only with a search: benchmarks/search_weight.py weighs it)."""
    from lxml import html

    return set(html.fromstring(page).xpath("//head/link[@rel='stylesheet' or @rel='icon']/@href | //script/@src"))


if __name__ == "__main__":
    sys.exit(main())
