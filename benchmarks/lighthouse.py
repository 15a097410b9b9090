#!/usr/bin/env python3
"""Audit every page with Lighthouse, on mobile and desktop (not a test: scores are measured, not asserted in pytest).

    .venv/bin/python benchmarks/lighthouse.py [--pages text.html ...] [--runs N] [--base-url https://host/path/]

Builds the site into a temporary folder, serves it on 127.0.0.1, and runs the Lighthouse
pinned in package-lock.json (`npm ci` installs it) in headless Chromium over each page, once
with Lighthouse's mobile settings and once with its desktop preset. Prints a table of the four
scores (performance, accessibility, best practices, SEO) per page and form factor, then every
audit that cost a point. Target: 100 in all four, everywhere; exits 1 if one is missed.
About 10 s a run: all pages take a few minutes. The performance score varies with the load
of the machine; ``--runs N`` audits each page N times and keeps the run of median performance,
as Lighthouse's documentation advises for variability.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from build import SOURCE, build  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
HEADERS = ("perf", "a11y", "best", "seo")
FORM_FACTORS = ("mobile", "desktop")
TARGET = 100


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class names it so
        pass


def audit(url: str, form_factor: str) -> dict:
    """Lighthouse's report of one page, as JSON."""
    command = [str(LIGHTHOUSE), url, "--output=json", "--output-path=stdout", "--quiet",
               "--chrome-flags=--headless --no-sandbox", f"--only-categories={','.join(CATEGORIES)}"]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "CHROME_PATH": CHROME})
    if result.returncode != 0 or not result.stdout.strip():
        raise SystemExit(f"lighthouse failed on {url} ({form_factor}):\n{result.stderr.strip()}")
    return json.loads(result.stdout)


def scores(report: dict) -> dict[str, int]:
    return {c: round((report["categories"][c]["score"] or 0) * 100) for c in CATEGORIES}


def lost_points(report: dict) -> list[str]:
    """The audits of the four categories that did not pass."""
    out = []
    for category in CATEGORIES:
        for ref in report["categories"][category]["auditRefs"]:
            result = report["audits"][ref["id"]]
            if ref["weight"] and result["score"] is not None and result["score"] < 1:
                out.append(f"{category}: {ref['id']} ({result['title']}) score {result['score']}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="*", help="only these pages (default: every page)")
    parser.add_argument("--runs", type=int, default=1, help="audits of each page and form factor (the median counts)")
    parser.add_argument("--base-url", default=None, help="build with this public address (default: source/edition.toml)")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        print(f"Lighthouse is missing ({LIGHTHOUSE.relative_to(ROOT)}): run `npm ci`", file=sys.stderr)
        return 2
    if not shutil.which(CHROME) and not Path(CHROME).is_file():
        print(f"Chromium is missing ({CHROME}): install it, or set CHROME_PATH", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        files = build(SOURCE, site, **({"base_url": args.base_url} if args.base_url is not None else {}))
        pages = args.pages or sorted(p for p in files if p.endswith(".html"))
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        width = max(len(p) for p in pages)
        print(f"{'page':<{width}}  " + "  ".join(f"{f:<19}" for f in FORM_FACTORS))
        print(f"{'':<{width}}  " + "  ".join(" ".join(f"{h:>4}" for h in HEADERS) for _ in FORM_FACTORS))
        missed, problems = 0, []
        try:
            for page in pages:
                cells = []
                for form_factor in FORM_FACTORS:
                    runs = sorted((audit(base + page, form_factor) for _ in range(args.runs)),
                                  key=lambda r: r["categories"]["performance"]["score"] or 0)
                    report = runs[len(runs) // 2]
                    got = scores(report)
                    missed += sum(v < TARGET for v in got.values())
                    problems += [f"{page} ({form_factor}) {p}" for p in lost_points(report)]
                    cells.append(" ".join(f"{got[c]:>4}" for c in CATEGORIES))
                print(f"{page:<{width}}  " + "  ".join(f"{c:<19}" for c in cells), flush=True)
        finally:
            server.shutdown()
            server.server_close()
    for problem in problems:
        print(problem)
    print(f"{'ok ' if not missed else 'MISS'} target: {TARGET} in all four categories on every page, "
          f"mobile and desktop ({missed} score{'s' if missed != 1 else ''} under it)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
