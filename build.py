#!/usr/bin/env python3
"""Build the edition: load -> validate -> model -> resolve -> render -> write.

    python build.py            validate, build and write site/
    python build.py --check    validate and render everything, write nothing
    python build.py --serve    build, serve on 127.0.0.1, rebuild and reload on every change

Problems are printed as ``path:line:col: error: what (hint)``; the exit code is
1 when the sources have problems and 2 for a wrong command line.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from edition.diagnostics import BuildFailed
from edition.load import load_tei
from edition.model import build_model
from edition.render import render_site
from edition.resolve import Links, resolve
from edition.summary import summary
from edition.validate import validate
from edition.write import publish

ROOT = Path(__file__).resolve().parent
SOURCE = ROOT / "source" / "frus1969-76ve13-d171.xml"
SCHEMA = ROOT / "source" / "schema"
TEMPLATES = ROOT / "templates"
SITE = ROOT / "site"


def build(source: Path, site: Path | None, templates: Path = TEMPLATES) -> dict[str, bytes]:
    """Run every stage; write the site only if ``site`` is given and all succeeded."""
    return run(source, site, templates)[1]


def run(source: Path, site: Path | None, templates: Path = TEMPLATES) -> tuple[Links, dict[str, bytes]]:
    """``build``, also returning the resolved edition the summary counts."""
    tei = load_tei(source)
    validate(tei, SCHEMA / "edition.rng", SCHEMA / "edition.sch")
    edition = build_model(tei)
    links = resolve(edition)
    files = render_site(links, templates)
    if site is not None:
        publish(files, site)
    return links, files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Validate the TEI and build the edition's site.")
    parser.add_argument("--check", action="store_true", help="validate and render, but write nothing")
    parser.add_argument("--source", type=Path, default=SOURCE, help="the TEI file (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=SITE, help="the site directory (default: %(default)s)")
    parser.add_argument("--serve", action="store_true", help="preview: serve the site, rebuild and reload on changes")
    parser.add_argument("--port", type=int, help="the preview's port on 127.0.0.1 (default: 8000)")
    args = parser.parse_args(argv)
    if args.port is not None and not args.serve:
        parser.error("--port needs --serve")
    if args.serve and args.check:
        parser.error("--serve and --check exclude each other")
    if args.serve:
        return preview(args.source, args.out, 8000 if args.port is None else args.port)
    started = time.perf_counter()
    try:
        links, files = run(args.source, None if args.check else args.out)
    except BuildFailed as failure:
        for diagnostic in failure.diagnostics:
            print(diagnostic, file=sys.stderr)
        count = len(failure.diagnostics)
        print(f"{count} problem{'s' if count != 1 else ''} found; "
              + ("nothing written." if args.check else "the previous site is unchanged."), file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    if args.check:
        print(f"OK: {args.source} is valid ({seconds:.2f} s); it would give {summary(links, files)}. Nothing written.")
    else:
        print(f"Built {args.out}/ in {seconds:.2f} s: {summary(links, files)}. Open {args.out}/index.html.")
    return 0


def preview(source: Path, site: Path, port: int) -> int:
    """Serve ``site`` and rebuild it whenever the TEI, a template or the build's code changes."""
    from edition.serve import run_preview
    from edition.validate import grammar, rules

    def rebuild() -> str:
        started = time.perf_counter()
        grammar.cache_clear()  # the schema may have changed since the last build
        rules.cache_clear()
        links, files = run(source, site)
        return f"Built {site}/ in {time.perf_counter() - started:.2f} s: {summary(links, files)}."

    return run_preview(rebuild, site, [source.parent, TEMPLATES, ROOT / "edition"], port)


if __name__ == "__main__":
    sys.exit(main())
