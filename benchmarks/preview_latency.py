#!/usr/bin/env python3
"""How long an editor waits: from saving the TEI to the preview serving the edit.

    .venv/bin/python benchmarks/preview_latency.py [--edits N]

Previews a copy of the sources, saves N edits one after another and measures,
for each, the time until the served page carries it. Target: under one second
(the exit code is 1 when the slowest edit misses it).
"""
from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from build import SOURCE, TEMPLATES, run  # noqa: E402
from edition.kept import Kept  # noqa: E402
from edition.serve import Preview  # noqa: E402

TARGET_SECONDS = 1.0


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source" / SOURCE.name
        source.parent.mkdir()
        shutil.copy(SOURCE, source)
        site = Path(tmp) / "site"
        log = io.StringIO()
        kept = Kept()  # as build.py --serve rebuilds: in one process, keeping what it parsed and made
        preview = Preview(lambda ready: f"{len(run(source, site, TEMPLATES, workers=1, kept=kept, ready=ready)[1])} files",
                          site, [source.parent], port=0, out=log)
        preview.start()
        waits = []
        try:
            text = source.read_text(encoding="utf-8")
            for n in range(args.edits):
                marker = f"Vice Minister Thach (edit {n})"
                source.write_text(text.replace("Vice Minister Thach</persName>", marker + "</persName>", 1), encoding="utf-8")
                saved = time.perf_counter()
                while marker not in fetch(preview.url + "text.html"):
                    if time.perf_counter() - saved > 10:
                        print(f"edit {n}: not served after 10 s\n{log.getvalue()}", file=sys.stderr)
                        return 1
                    time.sleep(0.01)
                waits.append(time.perf_counter() - saved)
        finally:
            preview.stop()
    print(f"{len(waits)} edits: median {statistics.median(waits):.2f} s, slowest {max(waits):.2f} s "
          f"(target: under {TARGET_SECONDS:.1f} s)")
    return 0 if max(waits) < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
