#!/usr/bin/env python3
"""Measure the build against its targets (not a test: timings are not asserted in pytest).

    .venv/bin/python benchmarks/build_and_weight.py [--runs N]

Targets: a full build (load -> write) in under 1 s, so that a live preview shows an
edit within a second; every page's HTML + CSS + JS under 100 KB. Prints each
measurement beside its target and exits 1 if one is missed.
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

BUILD_SECONDS = 1.0
PAGE_BYTES = 100_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        times = []
        for run in range(args.runs):
            started = time.perf_counter()
            files = build(SOURCE, Path(tmp) / "site")
            times.append(time.perf_counter() - started)
    missed = 0
    median = statistics.median(times)
    ok = median < BUILD_SECONDS
    missed += not ok
    print(f"{'ok ' if ok else 'MISS'} build: median {median:.3f} s over {args.runs} runs "
          f"(first {times[0]:.3f} s, which compiles the schemas; target < {BUILD_SECONDS} s)")
    assets = sum(len(data) for path, data in files.items() if path.startswith("static/"))
    for path, data in sorted(files.items()):
        if path.endswith(".html"):
            weight = len(data) + assets
            ok = weight < PAGE_BYTES
            missed += not ok
            print(f"{'ok ' if ok else 'MISS'} {path}: {weight:,} bytes with CSS and JS (target < {PAGE_BYTES:,})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
