"""This machine's speed of the moment, for reading the other benchmarks' figures.

The machines these benchmarks run on are shared: the same build of the same code took 0.19 s and
0.30 s (in-process, cold) within the same hour. ``reference_seconds`` times a fixed piece of pure
Python in a fresh process; the benchmarks print it before and after their measurements, so that a
reader can tell a slower build from a slower machine.
"""
from __future__ import annotations

import statistics
import subprocess
import sys

#: Ten million additions in a Python loop: no I/O, no library, the same work on every machine.
LOOP = "import time\nt = time.perf_counter()\ns = 0\nfor i in range(10_000_000):\n    s += i\nprint(time.perf_counter() - t)"


def reference_seconds(runs: int = 3) -> float:
    """The median time of the reference loop over ``runs`` fresh processes."""
    return round(statistics.median(float(subprocess.run([sys.executable, "-c", LOOP], capture_output=True,
                                                        text=True, check=True).stdout) for _ in range(runs)), 3)


def described(before: float, after: float) -> str:
    return (f"this machine's speed: a reference loop of Python (benchmarks/host.py) took {before:.2f} s before "
            f"the measurements and {after:.2f} s after (lower is faster)")
